"""Local DPO (issue 12 §4) with the real TRL DPOTrainer on CPU: two tiny preference pairs, 2 steps.

The reward margin starts at 0 (policy = reference before the first update) and grows; the events
carry DPO's metrics for the monitor; the reference is the adapter-disabled base; the adapter is saved
where SFT runs keep theirs. The file check names the line of a bad pair.
"""
from __future__ import annotations

import json

import pytest

from core.errors import InputError
from core.jobs.events import read_all
from core.training.config import LocalTrainConfig
from core.training.dpo import load_pairs

SYSTEM = {"role": "system", "content": "You are Pia, Pedala's support assistant."}
PAIRS = [("Do you deliver?", "Yes! We deliver across São Paulo in 2 days. — Pia", "no"),
         ("Can I return a bike?", "Yes, within 30 days with under 100 km. — Pia", "whatever")]


def _write(path, pairs=PAIRS):
    path.write_text("".join(json.dumps({"input": {"messages": [SYSTEM, {"role": "user", "content": q}]},
                                        "preferred_output": [{"role": "assistant", "content": good}],
                                        "non_preferred_output": [{"role": "assistant", "content": bad}]}) + "\n"
                            for q, good, bad in pairs), encoding="utf-8")
    return path


def test_bad_pair_names_its_line(tmp_path):
    path = _write(tmp_path / "pairs.jsonl")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"input": {"messages": [SYSTEM]}, "preferred_output": "text",
                                 "non_preferred_output": []}) + "\n")
    with pytest.raises(InputError) as bad:
        load_pairs(path)
    assert bad.value.params["line"] == 3 and bad.value.params["field"] == "preferred_output"
    assert load_pairs(_write(tmp_path / "ok.jsonl"))[0]["chosen"][0]["content"].endswith("— Pia")


@pytest.mark.slow
def test_dpo_reward_margin_grows_and_reaches_the_monitor(tmp_path):
    from core.training.train import train

    data = _write(tmp_path / "pairs.jsonl")
    cfg = LocalTrainConfig.from_dict({"dataset": str(data), "method": "dpo", "max_steps": 2, "batch_size": 2,
                                      "max_length": 48, "lora_r": 4, "lora_alpha": 8, "learning_rate": 5e-3,
                                      "warmup_ratio": 0.0, "lr_scheduler": "constant", "device": "cpu",
                                      "preset": "custom", "val_fraction": 0.0})
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    result = train(cfg, run_dir)
    events = read_all(run_dir)
    metrics = [e for e in events if e["kind"] == "metric"]
    assert [e["step"] for e in metrics] == [1, 2]
    assert all({"train_loss", "reward_margin", "reward_chosen", "reward_rejected"} <= set(e) for e in metrics)
    assert metrics[0]["reward_margin"] == 0.0 < metrics[1]["reward_margin"]  # the policy started AT the reference
    assert result["method"] == "dpo" and result["reward_margin"] == metrics[1]["reward_margin"]
    assert any(e.get("key") == "methods.log_dpo_reference" for e in events)  # no second model copy
    assert (run_dir / "adapter" / "adapter_config.json").is_file()
    assert not (run_dir / "adapter" / "model.safetensors").exists()
