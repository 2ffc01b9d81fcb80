"""The teaching screens' texts: sentences for students, course references with their context."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

LOCALES = Path(__file__).resolve().parent.parent / "core" / "locales"
SCREENS = ("home", "ntsc", "lab", "pipeline", "sigmoid", "unet", "autoencoder", "upsampling")
#: Internal names (modules, activations, files) that once reached the students' screens.
INTERNAL = re.compile(r"\b(outc|inc|scaled_sigmoid|no_bound|DoubleConv|OutConv)\b|\.json\b"
                      r"|\b(core|model)\.\w+")


def _texts(lang: str, screen: str) -> dict[str, str]:
    return json.loads((LOCALES / lang / f"{screen}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("screen", SCREENS)
def test_no_internal_names_in_texts(lang, screen):
    found = {k: v for k, v in _texts(lang, screen).items() if INTERNAL.search(v)}
    assert not found, found


@pytest.mark.parametrize("lang, week, context", [("fr", "semaine 19", "du cours"),
                                                 ("en", "week-19", "course")])
def test_week_19_only_with_its_context(lang, week, context):
    """"semaine 19" is the course's own reference (its U-Net section, on MNIST classifiers):
    said only where the course says it, with what it was."""
    hits = [(s, k, v) for s in SCREENS for k, v in _texts(lang, s).items()
            if re.search(r"(semaine|week)[ -]19", v, re.IGNORECASE)]
    assert [(s, k) for s, k, _ in hits] == [("unet", "shapes_intro")]
    text = hits[0][2]
    assert week in text and context in text and "MNIST" in text
