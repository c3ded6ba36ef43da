"""The two catalogues must stay in step: same keys, same placeholders."""
import json

import pytest

from core.i18n import LANGUAGES, catalogue, format_number, placeholders, set_language, t
from core.paths import ASSETS


def test_every_catalogue_file_is_valid_json_with_string_values():
    for lang in LANGUAGES:
        for path in (ASSETS / "i18n" / lang).glob("*.json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            assert all(isinstance(v, str) and v.strip() for v in data.values()), path


def test_english_and_portuguese_have_the_same_keys():
    en, pt = catalogue("en"), catalogue("pt-BR")
    assert sorted(set(en) - set(pt)) == []
    assert sorted(set(pt) - set(en)) == []


@pytest.mark.parametrize("key", sorted(catalogue("en")))
def test_placeholders_match(key):
    assert placeholders(catalogue("en")[key]) == placeholders(catalogue("pt-BR")[key]), key


def test_translation_follows_the_current_language():
    set_language("pt-BR")
    assert t("nav.home") == "Início"
    set_language("en")
    assert t("nav.home") == "Home"
    assert t("errors.model_not_found", "pt", model="x").startswith("Nenhum modelo")


def test_unknown_key_is_visible_not_fatal():
    assert t("no.such.key") == "no.such.key"


def test_numbers_follow_the_language():
    assert format_number(1234.5, "en", 1) == "1,234.5"
    assert format_number(1234.5, "pt-BR", 1) == "1.234,5"
