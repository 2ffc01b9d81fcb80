"""No traceback ever reaches a student: an unexpected error in one section of a screen shows
a short translated message with a reference, the rest of the page keeps working, and the
full error goes to the server's log under that reference (for the teacher or the admin).

    with guarded("hints.result"):
        ...draw the section...

    @guarded_section("hints.views")     # a function (or a fragment's body)
    def views(): ...

Streamlit's own control flow (``st.stop``, ``st.rerun``, ``st.switch_page``) raises
``BaseException`` subclasses, which pass through untouched. ``.streamlit/config.toml`` sets
``client.showErrorDetails = "none"`` for whatever would still escape.
"""

from __future__ import annotations

import functools
import logging
import os
import secrets
from collections.abc import Callable

import streamlit as st

from ui.lang import tr

log = logging.getLogger("colorisation")
#: The container key of every section error: tests and browser checks look for its class.
ERROR_KEY = "section_error"
#: The test suite sets this variable: after the message, the error is raised again, so a
#: test that checks "no exception" still sees every error (students never run with it).
STRICT_ENV = "COLORISATION_STRICT_ERRORS"


def reference() -> str:
    """A short reference a student can read aloud (6 characters, no ambiguous ones)."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(6))


def report(section: str, error: BaseException) -> str:
    """Log ``error`` with its traceback under a new reference, show the short message."""
    ref = reference()
    log.error("section %s failed [ref %s]", section, ref, exc_info=error)
    with st.container(key=f"{ERROR_KEY}_{ref}"):
        st.error(tr("errors.section", ref=ref), icon=":material/error:")
    return ref


class guarded:  # noqa: N801 - used as a statement: ``with guarded("...")``
    """Run a section of a screen; an exception in it becomes :func:`report`'s message and
    the rest of the screen goes on."""

    def __init__(self, section: str):
        self.section = section

    def __enter__(self) -> guarded:
        return self

    def __exit__(self, kind, error, tb) -> bool:
        if error is None or not isinstance(error, Exception):
            return False  # no error, or Streamlit's own control flow (BaseException)
        report(self.section, error)
        return os.environ.get(STRICT_ENV) != "1"  # True: the error stops here


def guarded_section(section: str) -> Callable:
    """:func:`guarded` as a decorator."""
    def wrap(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def run(*args, **kwargs):
            with guarded(section):
                return fn(*args, **kwargs)
        return run
    return wrap
