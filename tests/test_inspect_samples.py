"""The bundled samples: the manifest is complete and translated, the support files are clean, and
the broken teaching file shows every kind of problem it promises."""
from __future__ import annotations

import json

import pytest

from core.dataset import csv_columns, inspect_file
from core.dataset.samples import MANIFEST, SAMPLES_DIR, list_samples, load_manifest
from core.i18n import catalogue


def test_manifest_lists_every_sample_with_translated_keys():
    entries = load_manifest()
    files = {e["file"] for e in entries}
    assert {"support_en.jsonl", "support_pt-BR.jsonl", "dpo_en.jsonl", "tools_en.jsonl", "support_en.csv",
            "prompt_completion_en.jsonl", "broken_en.jsonl"} <= files
    for entry in entries:
        assert entry["format"] in ("chat", "dpo", "prompt_completion", "csv")
        for key in (entry["title_key"], entry["description_key"]):
            assert key in catalogue("en") and key in catalogue("pt-BR"), key
    assert json.loads(MANIFEST.read_text(encoding="utf-8"))["samples"] == entries


@pytest.mark.parametrize("name", ["support_en.jsonl", "support_pt-BR.jsonl"])
def test_support_samples_have_no_error_findings(name):
    path = SAMPLES_DIR / name
    if not path.exists():
        pytest.skip(f"{name} is written by another colleague and has not landed yet")
    report = inspect_file(path)
    assert report.n_examples >= 150
    assert report.severity_counts["error"] == 0, [(f.line, f.code) for f in report.findings][:10]


def test_every_available_sample_inspects_as_its_declared_format():
    for sample in list_samples():
        if sample["format"] == "csv":
            assert len(csv_columns(sample["path"])["columns"]) >= 2
            continue
        report = inspect_file(sample["path"])
        assert report.format == sample["format"], sample["file"]
        if not sample["file"].startswith("broken_"):
            # pii_shared: a note that the company's own support number, on many lines, is not flagged
            assert not (set(report.error_counts) - {"too_few_examples", "prompt_completion_format", "pii_shared"}), \
                (sample["file"], report.error_counts)


def test_broken_sample_shows_every_kind_of_problem():
    report = inspect_file(SAMPLES_DIR / "broken_en.jsonl")
    expected = {"bom", "crlf", "blank_line", "invalid_json", "non_utf8", "data_type", "missing_messages_list",
                "message_missing_key", "message_unrecognized_key", "unrecognized_role", "missing_content",
                "example_missing_assistant_message", "last_not_assistant", "invalid_weight", "nothing_to_train",
                "unmatched_tool_call_id", "unanswered_tool_call", "invalid_tool_calls", "tool_arguments_invalid_json",
                "invalid_tools", "invalid_name", "example_unrecognized_key", "duplicate_example", "format_mismatch",
                "too_many_tokens", "too_few_examples"}
    assert expected <= set(report.error_counts)
    # the two lines the cookbook gets wrong are valid here
    flagged = {f.line for f in report.findings}
    assert 26 not in flagged and 27 not in flagged
    doc = (SAMPLES_DIR / "broken_en.md").read_text(encoding="utf-8")
    for finding in report.findings:
        assert finding.code in doc, finding.code


def test_portuguese_broken_sample_shows_the_new_checks_where_its_notes_say():
    report = inspect_file(SAMPLES_DIR / "broken_pt-BR.jsonl", lang="pt-BR")
    at = {}
    for finding in report.findings:
        at.setdefault(finding.line, set()).add(finding.code)
    assert at[5] == {"pii_email", "pii_cpf", "pii_phone"}
    assert at[6] == {"pii_card"}  # the "protocol" 123.456.789-00 fails the CPF check digits: not flagged
    assert at[7] == {"tool_arguments_not_object"} and at[8] == {"tool_arguments_schema"}
    assert at[9] == {"unknown_tool"} and at[10] == {"missing_user_message"} and at[11] == {"repetitive_text"}
    assert at[12] == {"inconsistent_system_prompt"} and at[14] == {"invalid_facts"} and at[15] == {"invalid_json"}
    assert at[16] == {"pii_cnpj"} and at[0] == {"too_few_examples"}  # WhatsApp 4000-7325: a business number
    assert not {1, 2, 3, 4, 13} & set(at)  # valid lines, facts and label included
    parser = next(f for f in report.findings if f.code == "invalid_json")
    assert "dois-pontos" in parser.message and "Expecting" not in parser.message
    doc = (SAMPLES_DIR / "broken_pt-BR.md").read_text(encoding="utf-8")
    assert all(f.code in doc for f in report.findings)


def test_every_inspector_string_is_in_the_catalogue():
    """Literal t("inspect.…") keys in the inspector's code, and the key families built at run time
    (finding/hint per code, severities, formats, roles), exist in both languages."""
    import re

    from core.dataset.checks import CODES
    from core.paths import REPO_ROOT

    sources = [REPO_ROOT / "lab" / "inspector_page.py", REPO_ROOT / "lab" / "commands" / "inspect.py",
               *sorted((REPO_ROOT / "components").glob("*.py")), *sorted((REPO_ROOT / "core" / "dataset").glob("*.py"))]
    keys = set()
    for source in sources:
        keys |= set(re.findall(r'"(inspect\.[a-z_.]+[a-z_])"', source.read_text(encoding="utf-8")))
    keys |= {f"inspect.{kind}.{code}" for code in CODES for kind in ("finding", "hint")}
    keys |= {f"inspect.severity.{s}" for s in ("error", "warning", "info")}
    keys |= {f"inspect.format.{f}" for f in ("chat", "dpo", "prompt_completion", "unknown")}
    keys |= {f"inspect.role.{r}" for r in ("system", "user", "assistant", "tool", "function", "other")}
    keys |= {f"inspect.source_{s}" for s in ("sample", "upload")}
    keys = {k for k in keys if not k.endswith(".")}
    for lang in ("en", "pt-BR"):
        missing = sorted(k for k in keys if k not in catalogue(lang))
        assert missing == [], (lang, missing)
