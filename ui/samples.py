"""The sample photos' names as the student reads them (the photo picker's labels)."""

from __future__ import annotations

from core.samples import COLOUR_SAMPLES, GREY_SAMPLES
from ui.lang import tr


def photo_name(name: str) -> str:
    """A sample's name in the page's language ("astronaut" -> "Astronaute (E. Collins)");
    any other name (an upload's file name, a webcam shot) as it is.

    The screens once wrote "Photo : astronaut", the sample's internal key, while the
    picker above offered "Astronaute (E. Collins)".
    """
    if name in COLOUR_SAMPLES or name in GREY_SAMPLES:
        return tr(f"common.sample_{name}")
    return name
