import json
import re
import string
from pathlib import Path

from core.i18n import LANGS, catalogue, missing_keys, normalize_lang, t

ROOT = Path(__file__).resolve().parent.parent


def test_no_key_missing_in_either_language():
    assert missing_keys() == {lang: [] for lang in LANGS}


def test_placeholders_match_between_languages():
    fr, en = catalogue("fr"), catalogue("en")
    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
    for k in fr:
        assert fields(fr[k]) == fields(en[k]), k


def test_every_key_used_in_code_exists():
    used = set()
    for f in [*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py"), ROOT / "streamlit_app.py"]:
        used |= set(re.findall(r'\btr\(\s*"([a-z_]+\.[A-Za-z0-9_]+)"\s*[,)]', f.read_text()))
    known = set(catalogue("fr"))
    assert used, "no tr() call found"
    assert sorted(used - known) == []


def test_t_defaults_to_french_and_formats():
    assert t("nav.home") == "Accueil"
    assert t("nav.home", "en") == "Home"
    assert t("common.current_photo", "en", name="x") == "Photo: x"
    assert normalize_lang("EN-gb") == "en" and normalize_lang(None) == "fr"
    assert normalize_lang("de") == "fr"


def test_catalogue_files_are_valid_flat_json():
    for lang in LANGS:
        for f in (ROOT / "core" / "locales" / lang).glob("*.json"):
            data = json.loads(f.read_text(encoding="utf-8"))
            assert all(isinstance(v, str) and v for v in data.values()), f


def test_english_texts_use_english_typography():
    """English pages: “ ” or plain quotes and "95%", never French guillemets or a space
    before % (or before a colon); French writes "entraînement" (not "entrainement")."""
    en = catalogue("en")
    for k, v in en.items():
        assert "«" not in v and "»" not in v, k
        assert not re.search(r"\d[ \u00a0\u202f]%", v), (k, v)
        assert not re.search(r"\w[ \u00a0\u202f][:;!?](\s|$)", v), (k, v)
    for lang in LANGS:
        for k, v in catalogue(lang).items():
            assert "entrainement" not in v.lower(), (lang, k)
