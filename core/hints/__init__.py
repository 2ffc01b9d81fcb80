"""Colour hints: the student's clicks as extra inputs of the U-Net, and everything the hints
screen, the command line and the evaluation compute from them.

==================  ==========================================================================
module              job
==================  ==========================================================================
``planes``          a :class:`Hint`, the six hint planes the network receives, simulated hints
``locality``        how far a hint's colour may reach: an edge-aware (geodesic) gate
``session``         :class:`HintSession`: one photo's hints, selection, undo and the view asked
``view``            what the screen draws: dots, suggestions, influence, fills, colourings
``suggest``         plausible colours for a grey pixel (the shipped table of usual colours)
``file``            hint files of the command line (JSON)
``evaluate``        PSNR, reach and leak of N true hints on a folder of photos
==================  ==========================================================================

Hints are always in pixels of the photo they were given on (origin top-left); a function
that works on another size of the same photo scales them (:func:`scale_hints`).
"""

from core.hints.planes import (
    FILLS,
    HINT_CHANNELS,
    Hint,
    edge_regions,
    extend_input_weights,
    hint_input,
    hint_planes,
    scale_hints,
    simulate_hints,
    true_hints,
)

__all__ = ["FILLS", "HINT_CHANNELS", "Hint", "edge_regions", "extend_input_weights",
           "hint_input", "hint_planes", "scale_hints", "simulate_hints", "true_hints"]
