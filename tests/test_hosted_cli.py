"""The command-line path: `lab train --backend openai FILE --model ... --follow` goes through
core.hosted.cli.submit_from_args (called by lab/commands/train.py) and follow(), which streams the
events and exits 0 only when the job succeeded."""
from __future__ import annotations

import argparse
import io

from core.hosted.cli import add_hosted_arguments, config_from_args, follow, submit_from_args
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


def test_submit_and_follow_prints_the_model_and_exits_zero(hosted_env, training_file, capfd):
    args = parse([str(training_file), "--backend", "openai", "--model", MODEL, "--suffix", "cli", "--follow"])
    log = io.StringIO()
    job = submit_from_args(args, stream=log)
    assert "Uploading support_en.jsonl: 100%" in log.getvalue()
    assert "Creating the fine-tuning job" in log.getvalue()
    out, err = io.StringIO(), io.StringIO()
    code = follow(job.id, out=out, err=err, poll_s=0.05, timeout_s=60)
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert "step 6/6" in text and "train_loss=" in text
    assert f"Fine-tuned model: ft:{MODEL}:org-lab-test:cli:" in text
    assert "Actual training cost: $0.04" in text  # 12,345 tokens × $3 / 1M
    captured = capfd.readouterr()
    assert API_KEY not in text + log.getvalue() + captured.out + captured.err


def test_follow_a_failed_job_exits_nonzero_with_the_reason(hosted_env, training_file):
    reason = "Training file has 2 examples with invalid roles, e.g. line 5."
    hosted_env.script_next_job(failed_script(reason))
    job = submit_from_args(parse([str(training_file), "--backend", "openai", "--model", MODEL]), stream=io.StringIO())
    out, err = io.StringIO(), io.StringIO()
    assert follow(job.id, out=out, err=err, poll_s=0.05, timeout_s=60) == 1
    assert reason in err.getvalue() and "failed" in err.getvalue()
