"""One student's colour hints on one photo: a small, pure state machine.

    s = HintSession()
    s.for_photo(digest, (3024, 4032))          # a new photo clears the hints
    s.tap(x=360, y=270, width=720, height=540)  # a tap on a 720 px picture of it
    s.hints                                     # (Hint(2015.5, 1511.5, ...),): photo pixels

The one rule that keeps every view right: **hints are stored in pixels of the photo itself**
(its full resolution, origin top-left), whatever size it is drawn at. A tap is converted
from the picture it was made on (its own width and height travel with the tap), and every
view asks :meth:`HintSession.hints_on` for the hints at the size of the image it computes
on. No view can mix the full photo with the shown one: the sizes are never implied.

The screen keeps one ``HintSession`` per student (in its session state) and forwards the
widgets' events to it; everything here is tested without Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.hints.planes import Hint, scale_hints, true_hints

#: Hints per photo (more are refused with a message: a class server).
MAX_HINTS = 64
#: Undo steps kept per photo.
HISTORY = 50
#: What a tap on the photo does.
MODES = ("add", "move")
#: The explanations under the result, in the screen's order.
VIEWS = ("influence", "fills", "several", "truth")
DEFAULT_COLOUR = "#d62828"


@dataclass
class HintSession:
    """The hints of one photo, the selected one, the undo history and the chosen view.

    Attributes
    ----------
    digest : fingerprint of the photo the hints belong to ("" before any photo).
    shape : (H, W) of that photo at full resolution: the hints' pixel space.
    hints : the hints, in pixels of that photo.
    selected : index of the selected hint, or None.
    colour : ``#rrggbb`` given to the next hint (and to the selected one when changed).
    mode : "add" (a tap adds a hint) or "move" (a tap moves the selected one).
    view : the explanation shown under the result (one of :data:`VIEWS`).
    message : a one-shot notice for the screen ("too_many"), cleared when read.
    """

    digest: str = ""
    shape: tuple[int, int] = (1, 1)
    hints: tuple[Hint, ...] = ()
    selected: int | None = None
    colour: str = DEFAULT_COLOUR
    mode: str = "add"
    view: str = VIEWS[0]
    message: str | None = None
    history: list[tuple[tuple[Hint, ...], int | None]] = field(default_factory=list)
    last_tap: object = None
    true_draws: int = 0

    # -- the photo --------------------------------------------------------------------------
    def for_photo(self, digest: str, shape: tuple[int, int]) -> bool:
        """Attach to a photo; a different photo clears the hints (they were points of the
        old one). Returns True when the photo changed."""
        shape = (int(shape[0]), int(shape[1]))
        if digest == self.digest and shape == self.shape:
            return False
        self.digest, self.shape = digest, shape
        self.hints, self.selected, self.history = (), None, []
        self.message, self.last_tap, self.true_draws = None, None, 0
        return True

    def hints_on(self, shape: tuple[int, int]) -> tuple[Hint, ...]:
        """The hints at the same points of the photo drawn at ``shape`` = (h, w)."""
        return scale_hints(self.hints, self.shape, (int(shape[0]), int(shape[1])))

    def to_photo(self, x: float, y: float, width: float, height: float) -> tuple[float, float]:
        """A point of a picture of the photo ``width`` x ``height`` big (any unit: CSS
        pixels of a phone screen) in the photo's own pixels, kept inside the photo."""
        H, W = self.shape
        px = (float(x) + 0.5) * W / max(float(width), 1e-9) - 0.5
        py = (float(y) + 0.5) * H / max(float(height), 1e-9) - 0.5
        return float(np.clip(px, 0, W - 1)), float(np.clip(py, 0, H - 1))

    # -- edits (each one can be undone) -------------------------------------------------------
    def _set(self, hints: tuple[Hint, ...], selected: int | None) -> None:
        self.history = (self.history + [(self.hints, self.selected)])[-HISTORY:]
        self.hints, self.selected = tuple(hints), selected

    def tap(self, x: float, y: float, width: float, height: float,
            stamp: object = None) -> bool:
        """A tap at (x, y) on a picture ``width`` x ``height`` of the photo: adds a hint of
        the current colour there, or moves the selected hint (mode "move").

        ``stamp`` identifies the tap (a click component repeats its last click on every
        rerun): the same stamp twice is one tap. Returns True when the hints changed.
        """
        if stamp is not None and stamp == self.last_tap:
            return False
        self.last_tap = stamp
        px, py = self.to_photo(x, y, width, height)
        sel = self.selected
        if self.mode == "move" and sel is not None and sel < len(self.hints):
            moved = list(self.hints)
            moved[sel] = Hint(px, py, moved[sel].rgb)
            self._set(tuple(moved), sel)
            return True
        if len(self.hints) >= MAX_HINTS:
            self.message = "too_many"
            return False
        self._set(self.hints + (Hint.from_hex(px, py, self.colour),), len(self.hints))
        return True

    def recolour(self, colour: str) -> None:
        """The colour of the next hints, and of the selected one (ValueError if not #rrggbb)."""
        rgb = Hint.from_hex(0, 0, colour).rgb
        self.colour = colour
        sel = self.selected
        if sel is not None and sel < len(self.hints) and self.hints[sel].rgb != rgb:
            changed = list(self.hints)
            changed[sel] = Hint(changed[sel].x, changed[sel].y, rgb)
            self._set(tuple(changed), sel)

    def select(self, index: int | None) -> None:
        """Select hint ``index`` (None or an index out of range: no selection)."""
        ok = isinstance(index, int) and 0 <= index < len(self.hints)
        self.selected = index if ok else None

    def delete_selected(self) -> None:
        sel = self.selected
        if sel is not None and sel < len(self.hints):
            rest = self.hints[:sel] + self.hints[sel + 1:]
            self._set(rest, len(rest) - 1 if rest else None)

    def undo(self) -> None:
        if self.history:
            self.hints, self.selected = self.history.pop()

    def clear(self) -> None:
        if self.hints:
            self._set((), None)

    def give_true_hints(self, truth: np.ndarray, n: int) -> None:
        """Replace the hints by ``n`` hints drawn from a colour photo's own colours.

        ``truth`` is any size of the photo (the shown one is enough: each hint is the mean
        of a 5 x 5 patch of it); the points are stored in the photo's own pixels. Each call
        draws new points.
        """
        drawn = true_hints(truth, min(int(n), MAX_HINTS), seed=self.true_draws)
        self.true_draws += 1
        self._set(scale_hints(drawn, truth.shape[:2], self.shape), None)

    def set_view(self, view: str | None) -> None:
        if view in VIEWS:
            self.view = view

    def take_message(self) -> str | None:
        message, self.message = self.message, None
        return message

    @property
    def can_undo(self) -> bool:
        return bool(self.history)
