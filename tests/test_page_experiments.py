"""The "Which parametrisation?" screen (AppTest): the course's order, sentences for labels,
the verdicts of the committed results, and the Train screen's preset."""

from __future__ import annotations

import pytest
from conftest import current_page, open_page

from core.experiment_view import load_results
from core.i18n import t


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_experiments_page(lang):
    res = load_results()
    assert res is not None, "docs/experiments/results.json is missing or of the old format"
    at = open_page("experiments", lang)
    assert at.title[0].value == t("experiments.title", lang)
    # the course's order: the question, the experiment, vivid or safe, failures, try it
    heads = [h.value for h in at.header]
    assert heads == [t(f"experiments.{k}", lang)
                     for k in ("h_results", "h_vivid", "h_fails", "h_try")]
    assert "paramétrisation" in at.markdown[0].value  # the course's words, quoted

    table = at.table[0].value
    col = t("experiments.col_variant", lang)
    assert list(table[col]) == [t(f"experiments.v_{v['name']}", lang) for v in res["variants"]]
    verdicts = list(table[t("experiments.col_verdict", lang)])
    for v, shown in zip(res["variants"], verdicts, strict=True):
        d = v.get("difference", {}).get("psnr")
        expected = ("verdict_ref" if d is None else "verdict_noise" if not d["real"] else
                    "verdict_better" if d["mean"] > 0 else "verdict_worse")
        assert shown == t(f"experiments.{expected}", lang), v["name"]
    # no run names or file paths in the screen's text (the footer's command aside)
    texts = " ".join([*(m.value for m in at.markdown), *(c.value for c in at.caption[:-1]),
                      *(i.value for i in at.info)])
    for internal in ("no_bound", "no_skips", "seed0", ".json", "docs/experiments"):
        assert internal not in texts, internal

    real = sum(v["difference"]["psnr"]["real"] for v in res["variants"] if "difference" in v)
    summary = at.info[0].value
    assert summary.startswith("**") and (str(real) in summary or real == 0)

    # the metric and photo switches rerun their section only, without error
    at.segmented_control(key="ex_metric").set_value("colourfulness").run()
    assert not at.exception
    at.segmented_control(key="ex_photo").set_value(1).run()
    assert not at.exception


def test_try_button_presets_the_train_screen():
    at = open_page("experiments", "en")
    at.button(key="ex_try_nobound").click().run()
    assert not at.exception, at.exception
    assert current_page(at) == "train"
    assert at.session_state["tr_bound"] == "none"
    assert at.session_state["tr_output"] == "lab"  # one change at a time
    assert at.radio(key="tr_bound").value == "none"
