"""The app's stylesheets: Streamlit's own English words translated, tables on phones, and the
projector layout.

Injected by :func:`ui.classroom.apply_projector_layout` on every run (``st.html`` with a
``<style>`` only takes no room on the page).
"""

from __future__ import annotations

from ui.lang import tr

#: Streamlit writes its file uploader's button ("Upload") and size limit ("50MB per file") in
#: English whatever the page's language: hidden, and the translation drawn in their place.
#: ``{upload}`` and ``{limit}`` are filled from core/locales/<lang>/common.json.
UPLOADER_CSS = """
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p,
[data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {
  content: "{upload}"; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {
  content: "{limit}"; opacity: 0.7; }
"""

#: Streamlit's webcam (``st.camera_input``) is in English too: its request for access ("This
#: app would like to use your camera. Learn how to allow access.", a link to Streamlit's
#: English docs) is hidden and a translated one drawn in its place; its buttons' words
#: ("Take Photo", then "Clear photo" once a shot is taken) are shrunk to nothing and the
#: translation drawn after them. Filled from core/locales/<lang>/common.json.
CAMERA_CSS = """
[data-testid="stCameraInputWebcamComponent"] > div:not([data-testid]) > p { display: none; }
[data-testid="stCameraInputWebcamComponent"] > div:not([data-testid])::after {
  content: "{ask}"; text-align: center; padding: 0 1rem; }
[data-testid="stCameraInputWebcamComponent"] > [data-testid="stCameraInputButton"],
[data-testid="stCameraInput"] > [data-testid="stCameraInputButton"] > span { font-size: 0; }
[data-testid="stCameraInputWebcamComponent"] > [data-testid="stCameraInputButton"]::after {
  content: "{take}"; font-size: 1rem; }
[data-testid="stCameraInput"] > [data-testid="stCameraInputButton"] > span::after {
  content: "{clear}"; font-size: 1rem; }
"""

#: Captions are never hyphenated: a projected photo caption read "Suréchantillonna-ge".
CAPTION_CSS = """
[data-testid="stImageCaption"], [data-testid="stCaptionContainer"],
[data-testid="stCaptionContainer"] p { hyphens: manual; -webkit-hyphens: manual; }
"""

#: Phones: tables in smaller type with tighter cells, so that a table of numbers and
#: sentences fits 390 px without scrolling sideways (the experiments screen's tables).
PHONE_CSS = """
@media (max-width: 640px) {
[data-testid="stTable"] table { font-size: 0.82rem; }
[data-testid="stTable"] th, [data-testid="stTable"] td {
  padding: 0.3rem 0.3rem; overflow-wrap: break-word; }
}
"""

#: Larger type, wider content, Streamlit's own chrome hidden: readable from the back row.
#: Wide screens only: the same link opened on a phone keeps the phone's layout.
PROJECTOR_CSS = """
@media (min-width: 900px) {
html { font-size: 21px; }
[data-testid="stMainBlockContainer"], .block-container {
  max-width: 100%; padding-top: 2.2rem; padding-left: 2rem; padding-right: 2rem; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {
  font-size: 1.2rem; line-height: 1.5; }
[data-testid="stCaptionContainer"], [data-testid="stImageCaption"] { font-size: 1rem; }
[data-testid="stWidgetLabel"] p { font-size: 1.1rem; font-weight: 600; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p { font-size: 2.4rem; }
[data-testid="stMainMenu"], [data-testid="stToolbarActions"], [data-testid="stAppDeployButton"],
[data-testid="stDecoration"], footer { display: none; }
}
"""


def _css_string(text: str) -> str:
    """A CSS string literal's content: quotes and backslashes escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _filled(css: str, **texts: str) -> str:
    """``css`` with each ``{name}`` replaced by ``texts[name]`` as a CSS string's content."""
    for name, text in texts.items():
        css = css.replace("{" + name + "}", _css_string(text))
    return css


def app_css(upload: str, limit: str, projector: bool) -> str:
    """The ``<style>`` element for this run.

    Parameters
    ----------
    upload, limit
        The uploader's button text and size limit in the page's language.
    projector
        Add the projector layout (wide screens only).
    """
    css = _filled(UPLOADER_CSS, upload=upload, limit=limit) + _filled(
        CAMERA_CSS, ask=tr("common.camera_ask"), take=tr("common.camera_take"),
        clear=tr("common.camera_clear"))
    return f"<style>{css}{CAPTION_CSS}{PHONE_CSS}{PROJECTOR_CSS if projector else ''}</style>"
