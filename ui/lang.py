"""The session's language: ``?lang=`` (a sticky URL parameter), the sidebar switch, ``tr``,
and numbers written its way (``num``, ``interval``)."""

from __future__ import annotations

import streamlit as st

from core.i18n import LANGS, format_number, normalize_lang, plotly_separators, t
from ui import state
from ui.sticky import set_sticky, sticky


def _through_entry_point() -> None:
    """Run every screen through streamlit_app.py (navigation, language switch, sticky URL).

    Streamlit quirk: with a folder named ``pages/`` beside the entry point, a fresh server
    (and every AppTest run) starts in the old "pages folder" mode until a run calls
    ``st.navigation``; a first visit to a deep link (a teacher's ``/sigmoid?x=3``) then runs
    pages/sigmoid.py alone. Every screen asks for the language first: a run in that mode
    leaves it (a class attribute, the one Streamlit itself resets in ``st.navigation``) and
    starts again, same screen and URL, before anything is drawn.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a future Streamlit without it has no such mode either
        return
    if getattr(PagesManager, "uses_pages_directory", None):
        PagesManager.uses_pages_directory = False
        st.rerun()


def lang() -> str:
    """The session's language: ``?lang=`` in the URL, else the sidebar switch, else French."""
    _through_entry_point()
    raw = sticky("lang")
    code = normalize_lang(raw)
    if raw is not None and raw != code:  # "EN-gb" in a link: keep the URL tidy
        set_sticky("lang", code)
    return code


def tr(key: str, **kwargs) -> str:
    """Translate ``key`` in the session's language."""
    return t(key, lang(), **kwargs)


def num(x: float, spec: str = ".2f") -> str:
    """A number written the session's way: "24,03" in French, "24.03" in English.

    Parameters
    ----------
    x
        The number.
    spec
        A ``format`` specification (``".1f"``, ``"+.2f"``, ``".0%"``, ``","``...).
    """
    return format_number(x, spec, lang())


def percent_sign() -> str:
    """What follows a number written as a percentage: "\u202f%" in French (a narrow no-break
    space first, "95 %"), "%" in English ("95%"); for plotly's tick and hover suffixes."""
    return num(0, ".0%")[1:]


def span(lo: float, hi: float, spec: str = ".2f") -> str:
    """A range of numbers: "[0,12 ; 0,45]" in French (the comma is taken), "[0.12, 0.45]"."""
    return tr("common.interval", lo=num(lo, spec), hi=num(hi, spec))


def interval(mean: float, lo: float, hi: float, spec: str = ".2f") -> str:
    """A mean and its interval: "24,13 [24,10 ; 24,16]" in French, "24.13 [24.10, 24.16]"."""
    return f"{num(mean, spec)} {span(lo, hi, spec)}"


def tex(x: float, spec: str = ".2f") -> str:
    """A number inside an ``st.latex`` formula: French TeX writes the decimal comma ``{,}`` (a
    bare comma would get a space after it), "0{,}299"; English "0.299"."""
    return num(x, spec).replace(",", "{,}").replace("\u202f", r"\,")


def separators() -> str:
    """Plotly's ``layout.separators`` for the session's language (axes, hovers, text)."""
    return plotly_separators(lang())


def labels(prefix: str):
    """``format_func`` translating a choice ``v`` as the key ``prefix + v``, in the language of
    this run (bound now: AppTest calls format functions outside the script run)."""
    code = lang()
    return lambda v: t(f"{prefix}{v}", code)


def language_switch() -> None:
    """FR / EN switch in the sidebar; the choice goes into the URL (shareable link)."""
    current = lang()

    def _changed() -> None:
        set_sticky("lang", st.session_state[state.LANG_RADIO])

    st.sidebar.radio(
        "Langue / Language", LANGS, index=LANGS.index(current), horizontal=True,
        format_func=lambda c: {"fr": "Français", "en": "English"}[c], key=state.LANG_RADIO,
        on_change=_changed,
    )
