"""One split: the estimate counts exactly the conversations the run trains on, and the run folder
keeps its validation file for the arena's and the evaluation's held-out questions."""
from __future__ import annotations

import json

from core.dataset import split_file
from core.training.config import LocalTrainConfig
from core.training.data import held_out_path, load_conversations, training_conversations
from core.training.estimate import estimate_run
from tests.train.helpers import write_tiny_dataset


def _numbered(path, n=30):
    """Conversations told apart by their question, so a split can be compared line by line."""
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            handle.write(json.dumps({"messages": [{"role": "user", "content": f"question {i}"},
                                                  {"role": "assistant", "content": f"answer {i}"}]}) + "\n")
    return path


def test_estimate_and_run_train_on_the_same_split(tmp_path, embedded_model_path):
    data = _numbered(tmp_path / "numbered.jsonl")
    cfg = LocalTrainConfig(dataset=str(data), val_fraction=0.2, seed=5, max_length=64)
    train_path, val_path = split_file(data, tmp_path / "inspector", 0.2, 5)  # what the inspector writes
    estimated_train, _ = training_conversations(cfg)               # the estimate: no run folder
    run_train, run_val = training_conversations(cfg, tmp_path / "run" / "data")  # the run
    assert estimated_train == run_train == load_conversations(train_path)
    assert run_val == load_conversations(val_path)
    assert estimate_run(cfg, calibrate=False)["train_examples"] == len(run_train) == 24


def test_run_folder_keeps_its_held_out_file(tmp_path):
    data = _numbered(tmp_path / "numbered.jsonl")
    run_dir = tmp_path / "run"
    assert held_out_path(run_dir) is None
    _, val = training_conversations(LocalTrainConfig(dataset=str(data), val_fraction=0.1), run_dir / "data")
    assert load_conversations(held_out_path(run_dir)) == val and len(val) == 3
    given = write_tiny_dataset(tmp_path / "given_val.jsonl", n=4)
    other = tmp_path / "run2"
    training_conversations(LocalTrainConfig(dataset=str(data), validation_file=str(given)), other / "data")
    assert held_out_path(other).read_text(encoding="utf-8") == given.read_text(encoding="utf-8")
