"""Translations: ``t(key, lang)``, French by default, English complete.

Catalogues live in ``core/locales/<lang>/<section>.json``, one flat JSON object per
section (a screen, ``common``, ``errors``...). A key is ``section.name``: ``t("ntsc.title")``
reads ``"title"`` in ``ntsc.json``. One file per section keeps each screen's texts together.
Values are ``str.format`` templates (``t("colorize.time", lang, ms=42)``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGS = ("fr", "en")
DEFAULT_LANG = "fr"
LOCALES = Path(__file__).resolve().parent / "locales"


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


def t(key: str, lang: str = DEFAULT_LANG, **kwargs) -> str:
    """The text of ``key`` in ``lang`` (French if missing there, the key itself as last resort)."""
    text = catalogue(normalize_lang(lang)).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANG).get(key, key)
    return text.format(**kwargs) if kwargs else text


def missing_keys() -> dict[str, list[str]]:
    """Keys present in one language and not in another (a test keeps this empty)."""
    keys = {lang: set(catalogue(lang)) for lang in LANGS}
    every = set().union(*keys.values())
    return {lang: sorted(every - ks) for lang, ks in keys.items()}
