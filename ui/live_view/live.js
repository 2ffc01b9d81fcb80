// The live view: the camera in NTSC grey and colorized, computed in this browser.
//
// Every pixel operation (NTSC grey, the hint planes, the U-Net, the scaled sigmoid's Lab
// output, the recombination with the frame's own L*, Lab -> sRGB) is in model/live.onnx,
// exported from the app's Python code (core/live_video/graph.py). This file only moves
// pixels: camera -> two canvases -> tensors -> onnxruntime-web -> canvases. Nothing is sent
// to the server but a frozen frame, when the student asks for it.
"use strict";

const DISPLAY_SIDE = 320; // longer side of the frames shown and colorized (graph.DISPLAY_SIDE)
const $ = (id) => document.getElementById(id);
const video = $("video");
const greyCanvas = $("grey");
const colourCanvas = $("colour");
const work = document.createElement("canvas"); // the frame at display size
const small = document.createElement("canvas"); // the frame at the working size

let args = null; // what the Python side sends on every render (texts, hint, controls)
let loading = null; // the onnxruntime session's promise (loaded once per page)
let stream = null;
let facing = "user";
let running = false; // frames are being processed
let wanted = false; // the student started the camera (restarted when the tab shows again)

// Read by the benchmark and the browser test: nothing here leaves the page by itself.
const stats = { frames: 0, fps: 0, modelMs: 0, latencyMs: 0, width: 0, height: 0,
                working: [0, 0], error: null, recent: [] };
window.__live = stats;

function send(type, data) {
  window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type }, data), "*");
}
let sentHeight = 0;
function setHeight() {
  // The content's own height (not the window's, which is the frame's: that would feed back)
  const h = Math.ceil($("root").getBoundingClientRect().height) + 2;
  if (h !== sentHeight) {
    sentHeight = h;
    send("streamlit:setFrameHeight", { height: h });
  }
}
function text(key) {
  return (args && args.texts && args.texts[key]) || key;
}
function message(s, isError) {
  const m = $("message");
  m.textContent = s || "";
  m.className = isError ? "error" : "";
  setHeight();
}

// The working size: short side about working_size, both sides multiples of `multiple`
// (core.live_video.graph.live_shape; the U-Net then pads nothing).
function liveShape(height, width, workingSize, multiple) {
  const scale = workingSize / Math.min(height, width);
  const h = Math.max(multiple, Math.round((height * scale) / multiple) * multiple);
  const w = Math.max(multiple, Math.round((width * scale) / multiple) * multiple);
  return [h, w];
}

function loadModel() {
  if (!loading) {
    ort.env.wasm.numThreads = 1; // threads need cross-origin isolation, which this page has not
    ort.env.wasm.wasmPaths = new URL("vendor/", location.href).href;
    loading = ort.InferenceSession.create(new URL("model/live.onnx", location.href).href,
                                          { executionProviders: ["wasm"] });
  }
  return loading;
}

function chw(ctx, w, h) {
  const d = ctx.getImageData(0, 0, w, h).data;
  const n = w * h;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    out[i] = d[4 * i] / 255;
    out[n + i] = d[4 * i + 1] / 255;
    out[2 * n + i] = d[4 * i + 2] / 255;
  }
  return out;
}

function paint(canvas, data, channels, w, h) {
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(w, h);
  const n = w * h;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = data[(channels === 3 ? c * n : 0) + i];
      img.data[4 * i + c] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

async function step(now, meta) {
  if (!running) return;
  try {
    const session = await loadModel();
    const vw = video.videoWidth;
    const vh = video.videoHeight;
    if (vw && vh && args) {
      const scale = DISPLAY_SIDE / Math.max(vw, vh);
      const W = Math.round(vw * scale);
      const H = Math.round(vh * scale);
      const [h, w] = liveShape(H, W, args.working_size, args.multiple);
      work.width = W; work.height = H; small.width = w; small.height = h;
      const wctx = work.getContext("2d", { willReadFrequently: true });
      const sctx = small.getContext("2d", { willReadFrequently: true });
      if (facing === "user") { // a selfie camera is shown as a mirror, as phones do
        wctx.setTransform(-1, 0, 0, 1, W, 0);
        sctx.setTransform(-1, 0, 0, 1, w, 0);
      } else {
        wctx.setTransform(1, 0, 0, 1, 0, 0);
        sctx.setTransform(1, 0, 0, 1, 0, 0);
      }
      wctx.drawImage(video, 0, 0, W, H);
      sctx.drawImage(video, 0, 0, w, h);
      const feeds = {
        rgb: new ort.Tensor("float32", chw(wctx, W, H), [1, 3, H, W]),
        small: new ort.Tensor("float32", chw(sctx, w, h), [1, 3, h, w]),
        hint: new ort.Tensor("float32", Float32Array.from(args.hint), [1, 3]),
        controls: new ort.Tensor("float32",
                                 Float32Array.from([args.saturation, args.model_l ? 1 : 0]),
                                 [1, 2]),
      };
      const t1 = performance.now();
      const out = await session.run(feeds);
      const t2 = performance.now();
      paint(greyCanvas, out.grey.data, 1, W, H);
      paint(colourCanvas, out.colour.data, 3, W, H);
      if (stats.frames === 0) setHeight(); // the canvases have their size now
      const done = performance.now();
      const shot = (meta && (meta.captureTime || meta.presentationTime)) || now || t1;
      stats.frames += 1;
      stats.modelMs = t2 - t1;
      stats.latencyMs = done - shot;
      stats.width = W; stats.height = H; stats.working = [h, w];
      stats.recent.push(done);
      while (stats.recent.length && done - stats.recent[0] > 2000) stats.recent.shift();
      stats.fps = stats.recent.length > 1
        ? (1000 * (stats.recent.length - 1)) / (done - stats.recent[0]) : 0;
      $("stats").textContent = text("stats")
        .replace("{fps}", stats.fps.toFixed(1)).replace("{ms}", stats.modelMs.toFixed(0));
      if (stats.frames === 1) { message(""); $("freeze").disabled = false; }
    }
  } catch (err) {
    stats.error = String(err);
    message(text("failed"), true);
    stop();
    return;
  }
  next();
}

function next() {
  if (!running) return;
  if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(step);
  else requestAnimationFrame((t) => step(t, null));
}

async function start() {
  wanted = true;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    message(text("no_camera_api"), true); // plain http on a LAN: no camera (secure context)
    wanted = false;
    return;
  }
  message(text("loading"));
  try {
    await loadModel();
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: facing, width: { ideal: 640 }, height: { ideal: 480 } },
      audio: false });
  } catch (err) {
    stats.error = String(err);
    const denied = err && (err.name === "NotAllowedError" || err.name === "SecurityError");
    const none = err && (err.name === "NotFoundError" || err.name === "OverconstrainedError");
    message(text(denied ? "denied" : none ? "no_camera" : "failed"), true);
    wanted = false;
    return;
  }
  video.srcObject = stream;
  await video.play();
  running = true;
  $("start").textContent = text("stop");
  next();
}

// A stream that no page shows stops: the camera light goes off, nothing keeps running.
function stop() {
  running = false;
  if (stream) stream.getTracks().forEach((t) => t.stop());
  stream = null;
  video.srcObject = null;
  $("start").textContent = text("start");
}

function freeze() {
  // The current frame at the camera's resolution (at most 1280 px), mirrored as shown.
  const vw = video.videoWidth;
  const vh = video.videoHeight;
  if (!vw || !vh) return;
  const scale = Math.min(1, 1280 / Math.max(vw, vh));
  const c = document.createElement("canvas");
  c.width = Math.round(vw * scale);
  c.height = Math.round(vh * scale);
  const ctx = c.getContext("2d");
  if (facing === "user") ctx.setTransform(-1, 0, 0, 1, c.width, 0);
  ctx.drawImage(video, 0, 0, c.width, c.height);
  send("streamlit:setComponentValue",
       { value: { frame: c.toDataURL("image/jpeg", 0.92), at: Date.now() }, dataType: "json" });
}

$("start").addEventListener("click", () => (running ? (wanted = false, stop()) : start()));
$("flip").addEventListener("click", () => {
  facing = facing === "user" ? "environment" : "user";
  if (running) { stop(); start(); }
});
$("freeze").addEventListener("click", freeze);
document.addEventListener("visibilitychange", () => {
  if (document.hidden) stop();
  else if (wanted && !running) start();
});
window.addEventListener("pagehide", stop);

function render() {
  $("start").textContent = running ? text("stop") : text("start");
  $("flip").textContent = text("flip");
  $("freeze").textContent = text("freeze");
  $("grey_caption").textContent = text("grey_caption");
  $("colour_caption").textContent = text("colour_caption");
  if (!running && !stats.frames && !$("message").textContent) message(text("idle"));
  setHeight();
  if (args.autostart && !wanted) start();
}

window.addEventListener("message", (e) => {
  if (e.data && e.data.type === "streamlit:render") {
    args = e.data.args;
    render();
  }
});
window.addEventListener("resize", setHeight);
send("streamlit:componentReady", { apiVersion: 1 });
