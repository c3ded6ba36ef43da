"""`python -m lab guide`: JSON and text out, exit 2 with one line for bad input."""
from __future__ import annotations

import io
import json

import pytest

from lab.cli import main


def run(monkeypatch, capsys, argv: list[str], stdin: str | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_from_a_file(tmp_path, monkeypatch, capsys):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"goals": ["answer_questions_from_documents"], "needs_citations": True,
                                   "knowledge_changes": "weekly", "examples": 40, "tried_prompting": True,
                                   "monthly_budget_usd": 100}), encoding="utf-8")
    code, out, err = run(monkeypatch, capsys, ["guide", "--answers", str(answers), "--format", "json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["recommendation"] == "rag"
    rules = [reason["rule"] for reason in data["reasons"]]
    assert rules[:3] == ["documents_goal", "needs_citations", "knowledge_changes_often"]
    assert "examples_few" in rules
    assert all(isinstance(reason["text"], str) and reason["text"] for reason in data["reasons"])
    assert data["contestants"] == ["base", "rag"]          # no finished run in this LAB_HOME
    assert data["comparison"]["training_usd"] == pytest.approx(40 * 500 * 3 * 3.0 / 1e6)
    assert set(data["comparison"]["monthly_usd"]) == {"prompting", "rag", "fine_tune", "rag_and_fine_tune"}


def test_text_from_stdin_in_portuguese(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, ["--lang", "pt-BR", "guide", "--answers", "-"],
                         stdin='{"goals": ["consistent_style_or_tone"], "examples": 40}')
    assert code == 0, err
    assert "Recomendação: Primeiro, prompting" in out
    assert "Menos de 100 exemplos (40)" in out
    assert "Custo por pergunta" in out


@pytest.mark.parametrize("stdin, fragment", [
    ('{"goals": ["make_coffee"]}', 'Unknown goal "make_coffee"'),
    ('{"goals": [], "colour": "blue"}', 'Unknown key "colour"'),
    ('{"examples": -5}', '"examples" cannot be -5'),
    ('{"knowledge_changes": "hourly"}', "never, yearly, monthly, weekly, daily"),
    ('{"tried_prompting": "yes"}', "true, false"),
    ('{"goals": [', "not valid JSON (line 1"),
    ("", "empty"),
])
def test_bad_input_exits_2_with_one_line(monkeypatch, capsys, stdin, fragment):
    code, out, err = run(monkeypatch, capsys, ["guide", "--answers", "-", "--format", "json"], stdin=stdin)
    assert code == 2
    assert out == ""
    assert fragment in err and err.count("\n") == 1, err


def test_missing_file_and_bad_volume_exit_2(tmp_path, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, ["guide", "--answers", str(tmp_path / "nope.json")])
    assert code == 2 and "Cannot read the answers file" in err
    code, _, err = run(monkeypatch, capsys, ["guide", "--answers", "-", "--queries-per-month", "-3"], stdin="{}")
    assert code == 2 and err.count("\n") == 1
