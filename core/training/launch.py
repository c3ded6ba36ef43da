"""Starting a local run from the page or the CLI: check everything first, then hand it to the queue.

Validation happens here, before a job exists (STYLE: validate early, name the fix): the dataset is
read and every line checked, the model resolved (clear message when a hub id needs internet), the
device plan made (4-bit without CUDA or bitsandbytes is refused now, not after a minute of loading).
"""
from __future__ import annotations

import shlex
import sys
from dataclasses import fields
from pathlib import Path

from core.errors import InputError
from core.jobs import runner
from core.jobs.registry import Job, local_device_lane
from core.models import resolve_model
from core.training.backend import accelerate_command
from core.training.config import LocalTrainConfig
from core.training.data import load_conversations
from core.training.train import plan_device

# Fields the CLI spells differently (shared with the hosted backend's options).
CLI_NAMES = {"validation_file": "--validation", "tracking": "--track"}
CLI_SKIP = {"dataset", "preset"}


def check(cfg: LocalTrainConfig) -> None:
    """Raise a LabError if this run cannot start (bad file, model, device or numbers)."""
    cfg.validate()
    if not cfg.dataset:
        raise InputError("train.error_no_dataset", "train.error_no_dataset_hint")
    if cfg.method == "dpo":  # preference pairs, checked line by line like conversations
        from core.training.dpo import load_pairs

        load_pairs(cfg.dataset)
    else:
        load_conversations(cfg.dataset)
    if cfg.validation_file:
        load_conversations(cfg.validation_file)
    resolve_model(cfg.model)
    plan_device(cfg)


def lane_for(cfg: LocalTrainConfig) -> str:
    if cfg.device == "cpu":
        return "cpu"
    if cfg.device == "mps":
        return "mps"
    return local_device_lane()


def submit_local(cfg: LocalTrainConfig, name: str | None = None) -> Job:
    """Check, then queue (starts at once when the device is free). Returns the Job."""
    cfg = LocalTrainConfig.from_dict({**cfg.to_dict(), "dataset": str(Path(cfg.dataset).expanduser().resolve())
                                      if cfg.dataset else "",
                                      "validation_file": str(Path(cfg.validation_file).expanduser().resolve())
                                      if cfg.validation_file else ""})
    check(cfg)
    params = cfg.to_dict()
    if name:
        params["name"] = name
    return runner.submit("local", params, lane=lane_for(cfg))


def cli_command(cfg: LocalTrainConfig) -> str:
    """The `python -m lab train` line that starts this same run (only what differs from the preset)."""
    base = LocalTrainConfig.from_preset(cfg.preset if cfg.preset != "custom" else "custom")
    parts = ["python", "-m", "lab", "train", "--backend", "local", cfg.dataset or "FILE"]
    if cfg.preset != "custom":
        parts += ["--preset", cfg.preset]
    else:
        parts += ["--preset", "custom"]
    for spec in fields(LocalTrainConfig):
        if spec.name in CLI_SKIP:
            continue
        value, default = getattr(cfg, spec.name), getattr(base, spec.name)
        if value == default:
            continue
        flag = CLI_NAMES.get(spec.name, "--" + spec.name.replace("_", "-"))
        if isinstance(value, bool):
            parts.append(flag if value else "--no-" + flag[2:])
        elif isinstance(value, tuple):  # a list of names: --track tensorboard,mlflow
            parts += [flag, ",".join(value)]
        else:
            parts += [flag, str(value)]
    return shlex.join(parts)


def accelerate_text(cfg: LocalTrainConfig, run_dir: str = "$LAB_HOME/runs/RUN_ID", processes: int | None = None) -> str:
    """The multi-process command for the same run (one process per GPU; on a CPU-only machine the
    processes share the cores)."""
    n = processes or max(2, cfg.num_processes)
    command = accelerate_command(run_dir, n, cpu=lane_for(cfg) == "cpu")
    # Show the user-facing spelling rather than this interpreter's absolute path.
    shown = ["accelerate", "launch"] + command[3:]
    return shlex.join(shown).replace(shlex.quote(run_dir), run_dir) if sys.platform != "win32" else " ".join(shown)
