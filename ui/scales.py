"""Plotly colour scales written so that Streamlit draws them as named."""

from __future__ import annotations

from plotly.colors import get_colorscale, hex_to_rgb


def rgb_scale(name: str) -> list[list]:
    """Plotly's scale ``name`` ("Inferno", "Magma"...) as ``[position, "rgb(r,g,b)"]`` stops.

    By name, or as plotly's hex list, Inferno and Magma start at "#000004", one of the
    placeholder colours Streamlit's front end swaps for its theme's colours (it became a
    purple or a pink-grey, so the dark end of the scale looked light). rgb() stops are
    drawn as written.
    """
    return [[pos, "rgb({},{},{})".format(*hex_to_rgb(c))] for pos, c in get_colorscale(name)]
