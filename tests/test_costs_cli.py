"""`python -m lab cost`: exact numbers, the worked example from the command line, bad input -> exit 2."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from core.paths import REPO_ROOT
from lab.cli import main

SUPPORT_EN = str(REPO_ROOT / "assets" / "samples" / "support_en.jsonl")
WORKED = ["cost", "--examples", "1000", "--tokens-per-example", "500", "--epochs", "1",
          "--queries-per-month", "10000", "--prompt-tokens", "300", "--answer-tokens", "200",
          "--price-training", "8", "--price-ft-input", "12", "--price-ft-output", "12", "--format", "json"]


def run_json(capsys, *argv):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_worked_example_runs_from_the_command_line():
    """The course's example, through the real entry point (python -m lab) in a subprocess."""
    env = {**os.environ, "LAB_LANG": "en"}
    done = subprocess.run([sys.executable, "-m", "lab", *WORKED], capture_output=True, text=True, env=env, cwd=REPO_ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["model"] == "gpt-4o-mini-2024-07-18"
    assert (data["billed_tokens"], data["epochs"]) == (500_000, 1)
    assert data["training_usd"] == 4.0
    assert data["monthly_usd"]["fine_tuned"] == 60.0
    assert data["first_month_usd"]["fine_tuned"] == 64.0
    assert data["overridden"] == ["ft_input", "ft_output", "training"]
    assert set(data["monthly_usd"]) == {"base", "fine_tuned", "rag"}


def test_exact_numbers_for_a_file_match_the_inspector(capsys):
    from core.dataset import inspect_file

    report = inspect_file(SUPPORT_EN, "gpt-4.1-mini-2025-04-14")
    data = run_json(capsys, "cost", SUPPORT_EN, "--model", "gpt-4.1-mini", "--format", "json")
    assert data["billed_tokens"] == report.billed_tokens and data["epochs"] == report.epochs_auto
    assert data["training_usd"] == pytest.approx(round(report.billed_tokens * 5.00 / 1e6, 6))
    # 10,000 × (1,200 × 0.40 + 300 × 1.60) / 1M; (200 × 0.80 + 300 × 3.20); (2,400 × 0.40 + 300 × 1.60)
    assert data["monthly_usd"] == {"base": 9.6, "fine_tuned": 11.2, "rag": 14.4}


def test_legacy_prices_model_gives_the_worked_example_without_flags(capsys):
    data = run_json(capsys, "cost", "--model", "legacy_course_example", "--examples", "1000",
                    "--tokens-per-example", "500", "--epochs", "1", "--prompt-tokens", "250",
                    "--answer-tokens", "250", "--format", "json")
    assert (data["training_usd"], data["monthly_usd"]["fine_tuned"], data["first_month_usd"]["fine_tuned"]) == (4, 60, 64)


def test_currency_comparison_and_portuguese_text(capsys):
    data = run_json(capsys, "cost", "--examples", "100", "--tokens-per-example", "1000", "--epochs", "3",
                    "--currency", "brl", "--exchange-rate", "5", "--compare", "--format", "json")
    assert data["training_usd"] == pytest.approx(0.9) and data["converted"]["training"] == pytest.approx(4.5)
    assert {row["model"] for row in data["comparison"]} >= {"gpt-4o-mini-2024-07-18", "gpt-3.5-turbo-0125"}
    assert main(["--lang", "pt-BR", "cost", "--examples", "100", "--tokens-per-example", "1000",
                 "--currency", "BRL", "--exchange-rate", "5"]) == 0
    out = capsys.readouterr().out
    assert "Tokens cobrados (todas as épocas): 300.000" in out and "R$ 4,50" in out
    assert "06/01/2027" in out  # the wind-down is stated, as a Portuguese date


@pytest.mark.parametrize("args, fragment", [
    (["--examples", "-5", "--tokens-per-example", "500"], "Training examples cannot be negative"),
    (["--examples", "abc", "--tokens-per-example", "500"], "must be a number"),
    (["--examples", "0", "--tokens-per-example", "500"], "cannot be zero"),
    (["--examples", "10", "--tokens-per-example", "nan"], "finite number"),
    (["--examples", "10", "--tokens-per-example", "1e30"], "implausibly large"),
    (["--examples", "10", "--tokens-per-example", ""], "is empty"),
    (["--examples", "10", "--tokens-per-example", "5", "--epochs", "0"], "Epochs cannot be zero"),
    (["--examples", "10", "--tokens-per-example", "5", "--price-training", "inf"], "finite number"),
    (["--examples", "10", "--tokens-per-example", "5", "--price-ft-input", "-1"], "cannot be negative"),
    (["--examples", "10", "--tokens-per-example", "5", "--queries-per-month", "lots"], "must be a number"),
    (["--examples", "10", "--tokens-per-example", "5", "--model", "gpt-9"], "no prices for the model"),
    (["--examples", "10", "--tokens-per-example", "5", "--currency", "BRL"], "--exchange-rate"),
    (["--examples", "10"], "go together"),
    ([], "Nothing to price"),
    ([SUPPORT_EN, "--examples", "10", "--tokens-per-example", "5"], "not both"),
    (["no-such-file.jsonl"], "does not exist"),
])
def test_bad_input_exits_2_with_one_line(capsys, args, fragment):
    assert main(["cost", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], captured.err
    assert "Traceback" not in captured.err
