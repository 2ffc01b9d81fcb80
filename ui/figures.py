"""Plotly figures shared by several screens (the numbers come from core.lessons), and
:func:`show`, the one way a screen draws a figure."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.lessons.unet import mosaic
from ui.lang import separators


def show(fig: go.Figure, where=None, **kwargs):
    """``st.plotly_chart`` with numbers written the session's way (axes, hovers, bar text).

    Parameters
    ----------
    fig
        The figure (its ``separators`` are set here, so no figure builder has to).
    where
        The container to draw in (a column...); the page itself if None.
    **kwargs
        Passed to ``plotly_chart`` (``width``, ``config``, ``key``...).
    """
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
