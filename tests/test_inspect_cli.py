"""`python -m lab inspect`: exit codes 0/1/2, JSON keys, text output, CSV conversion."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from lab.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOOD = {"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello!"}]}
JSON_KEYS = {"n_examples", "errors", "error_counts", "encoding", "tokens_total", "billed_tokens_per_epoch",
             "epochs_auto", "billed_tokens"}


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def good_lines(n: int) -> list[str]:
    return [json.dumps({"messages": [{"role": "user", "content": f"Q{i}?"}, {"role": "assistant", "content": f"A{i}."}]})
            for i in range(n)]


def test_subprocess_json_output_and_exit_code_1_on_errors(tmp_path):
    path = write(tmp_path / "bad.jsonl", good_lines(12) + ["{not json", "", "[1]"])
    out = subprocess.run([sys.executable, "-m", "lab", "inspect", str(path), "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT, env=os.environ | {"LAB_LANG": "en"}, timeout=120)
    assert out.returncode == 1, out.stderr
    data = json.loads(out.stdout)
    assert JSON_KEYS <= data.keys()
    assert data["n_examples"] == 12 and data["encoding"] == "o200k_base"
    errors = {(e["line"], e["code"], e["severity"]) for e in data["errors"]}
    assert {(13, "invalid_json", "error"), (14, "blank_line", "info"), (15, "data_type", "error"),
            (0, "too_few_examples", "warning")} <= errors
    assert all(e["message"] for e in data["errors"])
    assert data["error_counts"] == {"invalid_json": 1, "blank_line": 1, "data_type": 1, "too_few_examples": 1}
    assert data["billed_tokens"] == data["epochs_auto"] * data["billed_tokens_per_epoch"] and data["epochs_auto"] == 8


def test_subprocess_exit_2_with_one_line_reason_for_a_missing_file(tmp_path):
    out = subprocess.run([sys.executable, "-m", "lab", "inspect", str(tmp_path / "nope.jsonl")],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 2 and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and "nope.jsonl" in out.stderr


def test_exit_0_for_a_clean_file_and_text_summary(tmp_path, capsys):
    path = write(tmp_path / "ok.jsonl", good_lines(60))
    assert main(["inspect", str(path), "--model", "gpt-3.5-turbo-0125"]) == 0
    out = capsys.readouterr().out
    assert "60 examples" in out and "cl100k_base" in out and "No errors" in out


def test_warnings_alone_do_not_fail(tmp_path, capsys):
    path = write(tmp_path / "warn.jsonl", good_lines(20) + [good_lines(1)[0]])
    assert main(["inspect", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["error_counts"] == {"duplicate_example": 1, "too_few_examples": 1}
    assert {e["severity"] for e in data["errors"]} == {"warning"}


def test_bad_arguments_and_unreadable_inputs_exit_2(tmp_path, capsys):
    path = write(tmp_path / "ok.jsonl", good_lines(3))
    assert main(["inspect", str(path), "--format", "yaml"]) == 2
    assert main(["inspect"]) == 2
    assert main(["inspect", str(path), "--model", "no-such-model"]) == 2
    assert main(["inspect", str(tmp_path)]) == 2
    (tmp_path / "faq.csv").write_text("question,answer\nHi?,Hello!\n")
    assert main(["inspect", str(tmp_path / "faq.csv")]) == 2
    err = capsys.readouterr().err
    assert "no-such-model" in err and "--question-column" in err


def test_csv_is_converted_when_columns_are_given(tmp_path, capsys):
    rows = "".join(f"Question {i}?,\"Answer {i}, with a comma.\"\n" for i in range(12))
    (tmp_path / "faq.csv").write_text("question,answer\n" + rows)
    assert main(["inspect", str(tmp_path / "faq.csv"), "--question-column", "question", "--answer-column", "answer",
                 "--system-prompt", "Be brief.", "--format", "json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["n_examples"] == 12 and data["path"].endswith("faq.csv")
    assert "12" in captured.err


def test_portuguese_output(tmp_path, capsys):
    path = write(tmp_path / "pt.jsonl", ["{oops"] + good_lines(60))
    assert main(["--lang", "pt-BR", "inspect", str(path)]) == 1
    out = capsys.readouterr().out
    assert "não é JSON válido" in out and "exemplos" in out
