"""The home screen: its suggested tour names every other screen, by its menu title."""

import pytest
from conftest import app_pages, open_page

from core.i18n import t


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_tour_names_every_screen(lang):
    at = open_page("home", lang)
    lead = t("home.tour", lang, screens="|").split("|")[0]
    tour = next(c.value for c in at.caption if c.value.startswith(lead))
    steps = tour[len(lead):].rstrip(".").split(" → ")
    # every screen once (the hints and parametrization screens were once left out)
    assert sorted(steps) == sorted(t(f"nav.{name}", lang) for name in app_pages()
                                   if name != "home"), steps
