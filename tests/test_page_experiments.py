"""The "Which parametrization?" screen (AppTest): the course's order, sentences for labels,
the verdicts of the committed results, texts that agree with the data, the charts' colour
scales, and the Train screen's preset."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT, current_page, open_page

from core.experiment_view import load_results, load_study, variant
from core.i18n import t


def assert_summary_matches_the_chart(at, res: dict, lang: str, metric: str) -> None:
    """The summary box names the metric of the chart, lists as beyond the noise exactly the
    changes the chart draws in red, and as within the noise those it draws in grey."""
    short = {v["name"]: t(f"experiments.s_{v['name']}", lang) for v in res["variants"]}
    others = [v for v in res["variants"] if "difference" in v]
    real = [short[v["name"]] for v in others if v["difference"][metric]["real"]]
    key = "summary_none" if not real else "summary_one" if len(real) == 1 else "summary"
    lead = t(f"experiments.{key}", lang, metric=t(f"experiments.summary_{metric}", lang),
             real_n=len(real), n=len(others), real_list="\0", noise_list="\0").split("\0")
    box = next(i.value for i in at.info if i.value.startswith(lead[0][:25]))
    assert box.startswith(lead[0]), (metric, box)
    if real:  # "... beyond the noise (in red): A and B. The others ... (in grey): C, D."
        beyond, within = box[len(lead[0]):].split(lead[1], 1)
        for v in others:
            name = short[v["name"]]
            assert name in (beyond if v["difference"][metric]["real"] else within), \
                (metric, name, box)
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    red = {y for d in chart["data"] if d["marker"]["color"] == "#d62828" for y in d["y"]}
    assert red == set(real), (metric, red, real)


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
    # no run names, file paths or command lines on the screen: students never see a
    # command line (the commands that made the data are in the teacher's guide)
    texts = " ".join([*(m.value for m in at.markdown), *(c.value for c in at.caption),
                      *(i.value for i in at.info), *(e.label for e in at.expander)])
    for internal in ("no_bound", "no_skips", "seed0", ".json", "docs/experiments",
                     "python -m", "--data"):
        assert internal not in texts, internal
    assert not at.code, [c.value for c in at.code]
    guide = (ROOT / "docs" / "teacher-guide.md").read_text(encoding="utf-8")
    assert "python -m core.experiments" in guide and "python -m core.model_study" in guide

    # the summary under the chart says what the chart shows: in the singular for one change
    # ("1 changement sur 7 fait"), of the metric chosen, its red dots the changes beyond
    # the noise and its grey ones those within it (it spoke of PSNR under every chart)
    assert_summary_matches_the_chart(at, res, lang, "psnr")

    # the scores use the photo's own L: the introduction says so (no contradiction with the
    # U-Net screen, where cutting the skips blurs the model's L)
    intro = next(m.value for m in at.markdown if m.value.startswith(
        t("experiments.intro", lang, steps=0, batch=0, size=0, seeds=0, seed_list="",
          photos=0)[:20]))
    assert re.search(r"(luminance|lightness) L", intro) and "U-Net" in intro, intro

    # "Why so brownish?" says of L2 what the experiment measured
    d = variant(res, "l2")["difference"]["colourfulness"]
    note = "same" if not d["real"] else "more" if d["mean"] > 0 else "less"
    brown = next(m.value for m in at.markdown if "λ" in m.value and "**" in m.value[:3])
    assert t(f"experiments.brown_l2_{note}", lang, d=d["mean"]) in brown, brown

    # the metric and photo switches rerun their section only, without error
    for metric in ("colourfulness", "ssim"):
        at.segmented_control(key="ex_metric").set_value(metric).run()
        assert not at.exception
        assert_summary_matches_the_chart(at, res, lang, metric)
    at.segmented_control(key="ex_photo").set_value(1).run()
    assert not at.exception


def test_charts_scales_and_class_names():
    """The rebalancing weights' Magma starts black, written as rgb() (by name Streamlit
    draws its "#000004" in a theme colour); the colour frequencies read in powers of ten;
    the chroma-gain chart's right axis has round ticks; ImageNet classes in French."""
    at = open_page("experiments", "fr")
    figs = [json.loads(e.proto.spec) for e in at.get("plotly_chart")]
    heat = [f["data"][0] for f in figs if f["data"][0]["type"] == "heatmap"]
    assert len(heat) == 2
    freq, weights = heat
    assert all(c.startswith("rgb(") for _, c in weights["colorscale"])
    assert tuple(map(int, re.findall(r"\d+", weights["colorscale"][0][1]))) == (0, 0, 4)
    assert all(re.fullmatch(r"1|10<sup>−\d</sup>", x) for x in freq["colorbar"]["ticktext"])
    gain = next(f for f in figs if "yaxis2" in f["layout"])
    assert gain["layout"]["yaxis2"]["dtick"] == 0.2
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    study = load_study()
    shown = [c["subject"] for k in ("best", "worst") for c in study[k] if c["subject"]]
    for subject in shown + [study["three_gains"]["subject"]]:
        if subject:
            assert f"« {subject} »" not in text or t(f"experiments.class_{subject}", "fr") == \
                subject, subject


def test_try_button_presets_the_train_screen():
    at = open_page("experiments", "en")
    at.button(key="ex_try_nobound").click().run()
    assert not at.exception, at.exception
    assert current_page(at) == "train"
    assert at.session_state["tr_bound"] == "none"
    assert at.session_state["tr_output"] == "lab"  # one change at a time
    assert at.radio(key="tr_bound").value == "none"
