"""Save the student's trained model (a .zip, or its two files) and load one back: the
training screen's last section. Weights are safetensors + JSON, never pickle; an uploaded
model lives in this session only (st.session_state), nothing is written to disk."""

from __future__ import annotations

import streamlit as st

from core.live import LiveRun
from core.weights import WeightsError, model_from_files, model_zip
from ui import state
from ui.lang import tr

ss = st.session_state


def read_model(files) -> tuple[str, str, str] | None:
    """A .zip, or a .safetensors + .json pair -> the session's loaded model; else what went
    wrong: (reason, file names, detail). The uploader takes any file: by type, it would
    refuse a photo with only a red icon and an English tooltip."""
    others = [f.name for f in files if not f.name.lower().endswith((".zip", ".safetensors",
                                                                    ".json"))]
    if others:
        return "not_model", ", ".join(others), ""
    try:
        model, meta = model_from_files((f.name, f.getvalue()) for f in files)
    except WeightsError as e:
        return e.reason, "", str(e)[:300] if e.reason == "mismatch" else ""
    ss[state.LIVE_LOADED] = (model, meta)
    st.success(tr("train.loaded", params=sum(p.numel() for p in model.parameters())))
    return None


def load_error(reason: str, names: str, detail: str) -> None:
    """The loader's message, in the page's language, for as long as the files are there."""
    st.error(tr("errors.weights", detail=tr("train.load_mismatch")) if reason == "mismatch"
             else tr(f"train.load_{reason}", names=names))
    if detail:
        st.caption(detail)


def zipped(run: LiveRun) -> tuple[bytes, bytes, bytes]:
    """``run``'s model as (zip, safetensors, json), made again only once it has trained
    more: every full rerun of the screen (any settings control) draws these buttons."""
    key = (id(run), run.run_id, run.steps)
    if ss.get("tr_zip_key") != key:
        ss["tr_zip"], ss["tr_zip_key"] = model_zip(run.model, run.metadata()), key
    return ss["tr_zip"]


def save_load_section(run: LiveRun | None) -> None:
    """Download buttons for ``run`` (once it has trained) beside the model loader."""
    s1, s2 = st.columns(2)
    with s1:
        if run is not None and run.steps > 0:
            archive, tensors, config = zipped(run)
            st.download_button(tr("train.download_zip"), archive, icon=":material/download:",
                               file_name=f"colorizer_run{run.run_id}.zip",
                               mime="application/zip", width="stretch")
            d1, d2 = st.columns(2)
            d1.download_button(tr("train.download_weights"), tensors,
                               file_name="colorizer.safetensors",
                               mime="application/octet-stream", width="stretch")
            d2.download_button(tr("train.download_config"), config, file_name="colorizer.json",
                               mime="application/json", width="stretch")
            st.caption(tr("train.use_on_colorize"))
        else:
            st.caption(tr("train.save_first"))
    with s2:
        files = st.file_uploader(tr("train.load"), type=None, accept_multiple_files=True,
                                 key="tr_load")
        if files and ss.get("tr_load_ids") != [f.file_id for f in files]:
            ss["tr_load_ids"] = [f.file_id for f in files]
            ss["tr_load_error"] = read_model(files)
        if files and ss.get("tr_load_error"):
            load_error(*ss["tr_load_error"])
        if ss.get(state.LIVE_LOADED) is not None:
            meta = ss[state.LIVE_LOADED][1]
            st.caption(tr("train.loaded_meta", steps=meta.get("steps", "?"),
                          seconds=meta.get("seconds", "?")))
