"""Learning curve (issue 12 §3): nested subsets, noisy replies, and a tiny real curve through the CLI
(sizes 4 and 8, 2 optimizer steps each, evaluated on the same 2 held-out lines) down to its JSON."""
from __future__ import annotations

import json

import pytest

from core.errors import InputError
from core.jobs import registry
from core.training import curve
from core.training.data import load_conversations
from tests.train.helpers import write_tiny_dataset


def _conversations(n: int) -> list[list[dict]]:
    return [[{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"reply {i}"}] for i in range(n)]


def test_noise_swaps_exactly_the_share_of_replies_and_keeps_the_questions():
    lines = _conversations(10)
    noisy, count = curve.with_noise(lines, 0.3, seed=7)
    changed = [i for i in range(10) if noisy[i][-1]["content"] != lines[i][-1]["content"]]
    assert count == 3 and len(changed) == 3  # every chosen line got ANOTHER line's reply
    assert sorted(noisy[i][-1]["content"] for i in changed) == sorted(lines[i][-1]["content"] for i in changed)
    assert [c[0] for c in noisy] == [c[0] for c in lines] and lines[0][-1]["content"] == "reply 0"  # input untouched
    assert curve.with_noise(lines, 0.3, seed=7) == (noisy, 3)  # same seed, same noise
    assert curve.with_noise(lines, 0.05, seed=7)[1] == 0  # round(0.5) lines: nothing to swap with


def test_sizes_and_bad_requests_fail_before_any_job(tmp_path):
    assert curve.parse_sizes("50, 10,10,100") == [10, 50, 100]
    for bad in ("", "0,5", "ten"):
        with pytest.raises(InputError):
            curve.parse_sizes(bad)
    data = write_tiny_dataset(tmp_path / "d.jsonl", n=6)
    with pytest.raises(InputError) as too_big:
        curve.submit_curve(str(data), [4, 8], str(data))
    assert too_big.value.params["lines"] == 6
    with pytest.raises(InputError):
        curve.submit_curve(str(data), [4], str(data), params={"no_such_field": "1"})
    with pytest.raises(InputError):
        curve.submit_curve(str(data), [4], str(data), noise=1.5)
    assert registry.list_jobs() == []


@pytest.mark.slow
def test_tiny_curve_queues_trains_evaluates_and_prints_json(tmp_path, capsys):
    from lab.cli import main

    data = write_tiny_dataset(tmp_path / "train.jsonl", n=10)
    held_out = tmp_path / "held_out.jsonl"
    held_out.write_text("".join(json.dumps({"messages": [{"role": "user", "content": q},
                                                         {"role": "assistant", "content": "Oi!"}]}) + "\n"
                                for q in ("Vocês abrem domingo?", "Tem bike infantil?")), encoding="utf-8")
    code = main(["curve", str(data), "--sizes", "4,8", "--eval", str(held_out), "--preset", "custom",
                 "--param", "max_steps=2", "--param", "max_length=64", "--param", "batch_size=2",
                 "--param", "lora_r=4", "--param", "device=cpu", "--metric", "chrf", "--max-tokens", "4",
                 "--format", "json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["done"] and result["metric"] == "chrf"
    assert [(p["size"], p["kind"]) for p in result["points"]] == [(4, "clean"), (8, "clean")]
    for point in result["points"]:
        assert point["train_status"] == "succeeded" and point["eval_status"] == "succeeded"
        assert {"mean", "ci_low", "ci_high", "n"} <= set(point) and point["n"] == 2
        job = registry.get_job(point["train_job"])
        assert job.result["train_examples"] == point["size"]  # the whole subset trains, no validation split
        assert job.params["seed"] == 42 and job.params["max_steps"] == 2
    assert result["base"]["metric"] == "chrf" and result["base"]["n"] == 2
    small, big = (load_conversations(registry.get_job(p["train_job"]).params["dataset"]) for p in result["points"])
    assert big[:4] == small  # nested: the first N lines of one shuffled order

    assert main(["curve", "--show", result["id"], "--format", "json"]) == 0  # shown again, nothing re-queued
    again = json.loads(capsys.readouterr().out)
    assert [p["eval_job"] for p in again["points"]] == [p["eval_job"] for p in result["points"]]
    assert curve.list_curves() == [result["id"]]
