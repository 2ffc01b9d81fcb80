"""Translations: ``t(key, lang)``, French by default, English complete.

Catalogues live in ``core/locales/<lang>/<section>.json``, one flat JSON object per
section (a screen, ``common``, ``errors``...). A key is ``section.name``: ``t("ntsc.title")``
reads ``"title"`` in ``ntsc.json``. One file per section keeps each screen's texts together.
Values are ``str.format`` templates (``t("colorize.time", lang, ms=42)``); numbers filled into
them follow the language's convention (French: ``{psnr:.1f}`` gives "24,1", ``{n:,}`` gives
"12 345" with a narrow no-break space, ``{share:.0%}`` gives "85 %"), so no template needs its
own French variant of a number format.
"""

from __future__ import annotations

import json
import numbers
import string
from functools import cache
from pathlib import Path

LANGS = ("fr", "en")
DEFAULT_LANG = "fr"
LOCALES = Path(__file__).resolve().parent / "locales"
#: Each language's decimal mark and thousands separator (French: comma and a narrow no-break
#: space, U+202F, the one French typography puts in "12 345" and before "%").
SEPARATORS = {"fr": (",", "\u202f"), "en": (".", ",")}


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every key of a language, merged from its section files."""
    out: dict[str, str] = {}
    for f in sorted((LOCALES / lang).glob("*.json")):
        for k, v in json.loads(f.read_text(encoding="utf-8")).items():
            out[f"{f.stem}.{k}"] = v
    return out


def normalize_lang(lang: str | None) -> str:
    """A supported language code from anything (``"EN"``, ``"en-GB"``, None -> ``"fr"``)."""
    code = (lang or "").strip().lower()[:2]
    return code if code in LANGS else DEFAULT_LANG


def format_number(x: float, spec: str = ".2f", lang: str = DEFAULT_LANG) -> str:
    """``format(x, spec)`` written the way ``lang`` writes numbers.

    French: decimal comma, U+202F as thousands separator (only where ``spec`` asks for one,
    ``","``), and U+202F before a percent sign ("85 %"). English: Python's own output. A
    rounded zero keeps no minus sign ("-0.001" with ".2f" is "0.00", "+0.00" with "+.2f").

    Parameters
    ----------
    x
        The number (Python or numpy).
    spec
        A ``format`` specification: ``".2f"``, ``"+.1f"``, ``".0%"``, ``","``...
    lang
        The language code.
    """
    out = format(x, spec)
    if out.lstrip().startswith("-") and set(out) <= set(" -0.,e+%"):  # "-0.00" is 0.00
        out = format(0.0, spec)
    code = normalize_lang(lang)
    if code == "en":
        return out
    decimal, thousands = SEPARATORS[code]
    out = out.translate({ord("."): decimal, ord(","): thousands})
    return out[:-1] + thousands + "%" if out.endswith("%") else out


def plotly_separators(lang: str = DEFAULT_LANG) -> str:
    """Plotly's ``layout.separators`` for ``lang``: decimal mark then thousands separator."""
    return "".join(SEPARATORS[normalize_lang(lang)])


class _NumberFormatter(string.Formatter):
    """``str.format`` that writes each number field in one language's convention."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: object, format_spec: str) -> str:
        # Only numbers: a string passed as an argument ("1.5 s", a file name) stays as it is.
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return format_number(value, format_spec, self.lang)
        return super().format_field(value, format_spec)


def t(key: str, lang: str = DEFAULT_LANG, **kwargs) -> str:
    """The text of ``key`` in ``lang`` (French if missing there, the key itself as last resort).

    Numbers in ``kwargs`` are written in the language's convention (see :func:`format_number`).
    """
    code = normalize_lang(lang)
    text = catalogue(code).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANG).get(key, key)
    if not kwargs:
        return text
    return text.format(**kwargs) if code == "en" else _NumberFormatter(code).format(text, **kwargs)


def missing_keys() -> dict[str, list[str]]:
    """Keys present in one language and not in another (a test keeps this empty)."""
    keys = {lang: set(catalogue(lang)) for lang in LANGS}
    every = set().union(*keys.values())
    return {lang: sorted(every - ks) for lang, ks in keys.items()}
