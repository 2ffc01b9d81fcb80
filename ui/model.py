"""The shipped model, loaded once per server, and the server's one-time setup.

torch is imported here only inside functions: the entry point and the home page's first
lines paint before it (cold start), while a background thread imports it and loads the model.
"""

from __future__ import annotations

import ast
import functools
import threading
from typing import TYPE_CHECKING

import streamlit as st

from ui.lang import tr

if TYPE_CHECKING:
    from core.colorizer import Colorizer

#: ``st.cache_data(hash_funcs=BY_MODEL)``: a Colorizer argument is keyed by identity (the
#: shipped one is one object per server; hashing its weights on every call would cost more
#: than most of the computations cached). Named, not imported: no torch import for it.
BY_MODEL = {"core.colorizer.Colorizer": id}

#: Filled by the warm-up thread: the shipped model (or nothing: no weights, or it failed).
_WARM: dict[str, Colorizer] = {}
_MODEL_READY = threading.Event()


@st.cache_resource(show_spinner=False)
def server_setup() -> threading.Thread:
    """Once per server: start the background warm-up (see :func:`_warm_up`)."""
    return _warm_up()


_AST_LOCK = threading.RLock()


def _one_ast_parse_at_a_time() -> None:
    """Serialise ``ast.parse`` in this process (idempotent).

    CPython 3.11's AST constructor keeps its recursion depth in interpreter-wide state: two
    threads parsing at once can fail with "SystemError: AST constructor recursion depth
    mismatch" (seen in the test suite: the warm-up below parses torch's sources, 84 calls,
    while Streamlit parses a screen for its first visit). Parsing is rare here (imports,
    a screen's first visit): a lock costs nothing.
    """
    if getattr(ast.parse, "_serialised", False):
        return
    parse = ast.parse

    @functools.wraps(parse)
    def serialised(*args, **kwargs):
        with _AST_LOCK:
            return parse(*args, **kwargs)

    serialised._serialised = True
    ast.parse = serialised


@st.cache_resource(show_spinner=False)
def _warm_up() -> threading.Thread:
    """In the background, once per server: torch, the shipped model, the optimizer machinery.

    1. import torch and set its CPU threads for a shared classroom server
       (``configure_threads``), then load the shipped model: :func:`shipped_colorizer` waits
       for this, so the first screen paints its text while torch loads (cold start);
    2. the first ``torch.optim.AdamW`` imports ``torch._dynamo`` (measured: about 3 s holding
       the GIL in the load test, freezing every session of the class when the first student
       starts a training). Done at the first visit (the teacher's), nobody waits;
    3. every screen is visited once in its default state (:mod:`ui.warm`), so the first
       student's first open of a screen costs what a later one does; the readiness check
       (``/_stcore/script-health-check``) answers once this is done.
    """
    _one_ast_parse_at_a_time()

    def work() -> None:
        try:
            from core.colorizer import configure_threads

            configure_threads()
            model = _load_shipped()
            if model is not None:
                _WARM["shipped"] = model
        except Exception:  # noqa: BLE001 (shipped_colorizer loads again and shows the error)
            pass
        finally:
            _MODEL_READY.set()
        import torch

        from ui.nav import NAMES
        from ui.warm import give_way, warm_screens

        give_way()
        torch.optim.AdamW([torch.zeros(1, requires_grad=True)])

        warm_screens(NAMES)

    thread = threading.Thread(target=work, name="colorisation-warm-up", daemon=True)
    thread.start()
    return thread


@st.cache_resource(show_spinner=False)
def shipped_colorizer() -> Colorizer | None:
    """The shipped model, loaded once per server (read-only, shared by every session)."""
    server_setup()
    _MODEL_READY.wait(timeout=300)
    if "shipped" in _WARM:
        return _WARM["shipped"]
    return _load_shipped()


def _load_shipped(name: str = "colorizer") -> Colorizer | None:
    """The shipped weights ``weights/NAME`` as a Colorizer; None when they are not there."""
    from core.colorizer import DEFAULT_WEIGHTS, Colorizer

    weights = DEFAULT_WEIGHTS.with_name(name)
    if not weights.with_suffix(".safetensors").is_file():
        return None
    return Colorizer.from_weights(weights)


@st.cache_resource(show_spinner=False)
def hint_colorizer() -> Colorizer | None:
    """The shipped colour-hint model (weights/hints), loaded once per server (read-only,
    shared); its working size, fill and locality come from its weights' metadata."""
    server_setup()
    return _load_shipped("hints")


def colorizer() -> Colorizer:
    """The shipped colorizer, or (before weights exist) a freshly initialised U-Net."""
    c = shipped_colorizer()
    if c is None:
        st.warning(tr("common.no_weights"))
        c = _untrained_colorizer()
    return c


@st.cache_resource(show_spinner=False)
def _untrained_colorizer() -> Colorizer:
    import torch

    from core.colorizer import Colorizer
    from core.unet import UNet

    torch.manual_seed(0)
    return Colorizer(UNet())
