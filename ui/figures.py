"""Plotly figures shared by several screens (the numbers come from core.lessons), and
:func:`show`, the one way a screen draws a figure."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.lessons.unet import mosaic
from ui.lang import separators
from ui.state import PROJECTOR

#: Projector mode: every chart text this much larger, set on the figure itself so that plotly
#: lays out legends, margins and axis titles at that size (CSS scaling after the layout made
#: legend entries overlap and titles collide with them).
PROJECTOR_FONT_SCALE = 1.3
#: Plotly's own default text size (what a figure that sets none is drawn at).
PLOTLY_FONT_SIZE = 12


def _grow(font, scale: float, default: float | None = None) -> None:
    """Multiply a plotly font's size by ``scale`` (``default`` when it has none; left alone
    when it has none and no default: it inherits the enlarged layout font)."""
    size = font.size if font.size is not None else default
    if size is None:
        return
    font.size = [round(v * scale, 1) for v in size] if isinstance(size, (list, tuple)) \
        else round(size * scale, 1)


def projector_figure(fig: go.Figure, scale: float = PROJECTOR_FONT_SCALE) -> go.Figure:
    """A copy of ``fig`` with all its text ``scale`` times larger (the projector layout).

    The layout font sets the size of everything that has none of its own; legend, axis,
    annotation and trace text sizes set on the figure are scaled too. A copy: figures may
    come from a cache and must not grow at every run.
    """
    fig = go.Figure(fig)
    layout = fig.layout
    _grow(layout.font, scale, PLOTLY_FONT_SIZE)
    _grow(layout.legend.font, scale)
    _grow(layout.title.font, scale)
    for axis in (*fig.select_xaxes(), *fig.select_yaxes()):
        _grow(axis.title.font, scale)
        _grow(axis.tickfont, scale)
    for note in layout.annotations:
        _grow(note.font, scale)
    for trace in fig.data:
        for part in ("textfont", "insidetextfont", "outsidetextfont"):
            if part in trace:
                _grow(trace[part], scale)
    if layout.height:  # the same plot area, and room for the larger text
        layout.height = round(layout.height * (1 + (scale - 1) / 2))
    return fig


def show(fig: go.Figure, where=None, **kwargs):
    """``st.plotly_chart`` with numbers written the session's way (axes, hovers, bar text).

    Parameters
    ----------
    fig
        The figure (its ``separators`` are set here, so no figure builder has to; in
        projector mode its text is enlarged here, see :func:`projector_figure`).
    where
        The container to draw in (a column...); the page itself if None.
    **kwargs
        Passed to ``plotly_chart`` (``width``, ``config``, ``key``...).
    """
    if st.session_state.get(PROJECTOR):
        fig = projector_figure(fig)
    fig.update_layout(separators=separators())
    return (st if where is None else where).plotly_chart(fig, **kwargs)


def mosaic_figure(maps: np.ndarray, labels: list[str], height: int = 190) -> go.Figure:
    """Feature maps (n, h, w) as one heatmap (4 per row), each tile captioned by ``labels``.

    One heatmap instead of one facet per channel: 16 facets cost ~0.3 s per redraw.
    """
    n, h, w = maps.shape
    wrap = 4 if n > 3 else n
    gap = max(1, w // 16)
    row_gap = max(2, round(h * 0.2))  # room for the caption of the tile below
    fig = go.Figure(go.Heatmap(z=mosaic(maps, wrap, gap, row_gap), colorscale="Viridis",
                               zmin=0, zmax=1, showscale=False, hoverinfo="skip"))
    notes = [{"x": (i % wrap) * (w + gap) + (w - 1) / 2,
              "y": (i // wrap) * (h + row_gap) - 0.5, "text": labels[i], "showarrow": False,
              "yanchor": "bottom", "font": {"size": 13, "color": "#333"}} for i in range(n)]
    rows = int(np.ceil(n / wrap))
    fig.update_layout(
        annotations=notes, height=60 + height * rows, margin={"l": 0, "r": 0, "t": 22, "b": 0},
        xaxis={"visible": False, "constrain": "domain"},
        yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x",
               "constrain": "domain"},
        plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)")
    return fig


def colour_bar(colours: list[str], left: str, middle: str, right: str,
               height: str = "0.7rem", label_style: str = "opacity:0.8") -> str:
    """HTML of a colour bar (a gradient through ``colours``) over three labels: the legend
    of a picture drawn in a colour scale, where a chart's colour bar would need a chart."""
    return (f"<div style='height:{height};border-radius:4px;border:1px solid #999;"
            f"background:linear-gradient(to right,{','.join(colours)})'></div>"
            f"<div style='display:flex;justify-content:space-between;{label_style}'>"
            f"<span>{left}</span><span>{middle}</span><span>{right}</span></div>")
