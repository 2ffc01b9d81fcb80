"""The shipped model, loaded once per server, and the server's one-time setup."""

from __future__ import annotations

import ast
import functools
import threading

import streamlit as st

from core.colorizer import DEFAULT_WEIGHTS, Colorizer, configure_threads
from ui.lang import tr

#: ``st.cache_data(hash_funcs=BY_MODEL)``: a Colorizer argument is keyed by identity (the
#: shipped one is one object per server; hashing its weights on every call would cost more
#: than most of the computations cached).
BY_MODEL = {Colorizer: id}


@st.cache_resource(show_spinner=False)
def server_setup() -> int:
    """Once per server: torch CPU threads for a shared classroom server (see configure_threads),
    and the warm-up of what the first training would otherwise import mid-lesson."""
    _warm_up()
    return configure_threads()


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
    """Import torch's optimizer machinery in the background, once per server.

    The first ``torch.optim.AdamW`` imports ``torch._dynamo`` (measured: about 3 s holding
    the GIL in the load test, freezing every session of the class when the first student
    starts a training). Done in a thread at the first visit (the teacher's), nobody waits.
    """
    _one_ast_parse_at_a_time()

    def work() -> None:
        import torch

        torch.optim.AdamW([torch.zeros(1, requires_grad=True)])

    thread = threading.Thread(target=work, name="colorisation-warm-up", daemon=True)
    thread.start()
    return thread


@st.cache_resource(show_spinner=False)
def shipped_colorizer() -> Colorizer | None:
    """The shipped model, loaded once per server (read-only, shared by every session)."""
    if not DEFAULT_WEIGHTS.with_suffix(".safetensors").is_file():
        return None
    return Colorizer.from_weights(DEFAULT_WEIGHTS)


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

    from core.unet import UNet

    torch.manual_seed(0)
    return Colorizer(UNet())
