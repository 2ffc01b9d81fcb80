"""Live video: the webcam in NTSC grey and colorized, computed in the student's browser.

The whole per-frame computation (NTSC grey, the hint planes of one global hint, the hint
U-Net, the scaled sigmoid's output in the course's Lab units, the recombination of the
upsampled a, b with the full-resolution L*, Lab to sRGB) is one torch module,
:class:`core.live_video.graph.LiveColorizer`, built from the same functions as the rest of
the app (core.color, core.hints.planes' conventions, core.unet) and exported once to ONNX
(:mod:`core.live_video.export`). The browser runs that file with onnxruntime-web: frames
never leave the phone, and the server's CPU does not change with the number of streams.
"""
