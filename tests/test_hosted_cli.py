"""The command-line path: `lab train --backend openai FILE --model ... --follow` goes through
lab/commands/train_hosted.submit_from_args (called by lab/commands/train.py) and the training
command's one follow(), which streams the events and exits 0 only when the job succeeded."""
from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys

import pytest

from core.errors import InputError
from lab.commands.train import follow
from lab.commands.train_hosted import add_hosted_arguments, config_from_args, submit_from_args
from core.paths import REPO_ROOT
from tests.hosted.fake_openai import failed_script
from tests.hosted.fixtures import *  # noqa: F401,F403 - fixtures
from tests.hosted.fixtures import API_KEY

MODEL = "gpt-4o-mini-2024-07-18"


def parse(argv):
    """A parser shaped like the training command's, plus the hosted-only options."""
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--backend", default="local")
    parser.add_argument("--model")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--follow", action="store_true")
    add_hosted_arguments(parser)
    add_hosted_arguments(parser)  # idempotent
    return parser.parse_args(argv)


def test_arguments_become_the_job_config(training_file):
    args = parse([str(training_file), "--backend", "azure", "--model", MODEL, "--method", "dpo", "--epochs", "4",
                  "--suffix", "pia", "--seed", "3", "--beta", "0.2", "--validation", "v.jsonl"])
    config = config_from_args(args)
    assert (config.backend, config.method, config.n_epochs, config.suffix, config.seed) == ("azure", "dpo", 4, "pia", 3)
    assert config.method_payload() == {"type": "dpo", "dpo": {"hyperparameters": {"n_epochs": 4, "beta": 0.2}}}
    assert config.validation_file == "v.jsonl"
    # The training command's --epochs is a float (local runs accept 2.5); hosted epochs are whole.
    assert config_from_args(argparse.Namespace(file="x.jsonl", epochs=3.0)).n_epochs == 3
    with pytest.raises(InputError):
        config_from_args(argparse.Namespace(file="x.jsonl", epochs=2.5))


def test_lab_train_openai_follow_prints_the_model_and_exits_zero(hosted_env, training_file, lab_home):
    """The real command line in its own process: python -m lab train --backend openai ... --follow."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), LAB_LANG="en")
    proc = subprocess.run(
        [sys.executable, "-m", "lab", "train", "--backend", "openai", str(training_file), "--model", MODEL,
         "--epochs", "2", "--suffix", "cli", "--follow"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Uploading support_en.jsonl: 100%" in proc.stderr
    assert "step 6/6" in proc.stdout and "train_loss=" in proc.stdout
    assert f"Fine-tuned model: ft:{MODEL}:org-lab-test:cli:" in proc.stdout
    assert "Actual training cost: $0.04" in proc.stdout  # 12,345 tokens × $3 / 1M
    remote = next(iter(hosted_env.jobs.values())).obj
    assert remote["method"] == {"type": "supervised", "supervised": {"hyperparameters": {
        "n_epochs": 2, "batch_size": 1, "learning_rate_multiplier": 1.8}}}  # unset ones resolved by the API
    assert API_KEY not in proc.stdout + proc.stderr


def test_follow_a_failed_job_exits_nonzero_with_the_reason(hosted_env, training_file):
    reason = "Training file has 2 examples with invalid roles, e.g. line 5."
    hosted_env.script_next_job(failed_script(reason))
    job = submit_from_args(parse([str(training_file), "--backend", "openai", "--model", MODEL]), stream=io.StringIO())
    out, err = io.StringIO(), io.StringIO()
    assert follow(job.id, out=out, err=err, poll_s=0.05, timeout_s=60) == 1
    assert reason in err.getvalue() and "failed" in err.getvalue()
