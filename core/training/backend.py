"""The job engine's "local" backend: run_job(job, emit) trains a LoRA adapter in the worker process.

One process: train.train() runs right here (the worker is already a detached subprocess, so the
page never blocks, and the model is loaded once). Several (num_processes > 1): the worker runs
`accelerate launch ... -m core.training.train --run-dir DIR` as its child, with output appended to
the run's log files; stop() kills the whole tree.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from core.cpu_threads import choose_for_training
from core.errors import LabError
from core.i18n import t
from core.jobs.runner import stderr_tail
from core.paths import REPO_ROOT
from core.training.config import LocalTrainConfig
from core.training.train import RESULT, plan_device, train  # imports no torch: see cpu_threads


def accelerate_command(run_dir: str | Path, num_processes: int, cpu: bool) -> list[str]:
    """The exact multi-process command (also shown on the page).

    `--multi_gpu` is what makes accelerate 1.15 start N processes (torchrun); on a machine without
    CUDA they train on the CPU and synchronise with gloo (the trainer sets use_cpu). With `--cpu`
    instead, accelerate's simple launcher starts ONE process (its multi-CPU path needs mpirun), which
    also works but is not data parallel — checked on 2 CPU cores."""
    command = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes",
               str(num_processes), "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    return command + ["-m", "core.training.train", "--run-dir", str(run_dir)]


def run_job(job, emit) -> dict:
    cfg = LocalTrainConfig.from_dict(job.params)
    if cfg.num_processes <= 1:
        choose_for_training()  # the worker has not loaded torch yet: decide how its threads wait

        return train(cfg, job.run_dir)
    return _run_distributed(job, cfg, emit)


def _run_distributed(job, cfg: LocalTrainConfig, emit) -> dict:
    plan = plan_device(cfg)
    command = accelerate_command(job.run_dir, cfg.num_processes, cpu=plan["device"] != "cuda")
    emit("log", level="info", message=t("train.log_accelerate", "en", command=" ".join(command)),
         key="train.log_accelerate", params={"command": " ".join(command)})
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    if plan["device"] == "cpu":
        # Each process gets its share of the cores instead of all of them fighting for every core.
        env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // cfg.num_processes)))
    with open(job.run_dir / "stdout.log", "ab") as out, open(job.run_dir / "stderr.log", "ab") as err:
        code = subprocess.call(command, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    result_path = Path(job.run_dir) / RESULT
    if code != 0 or not result_path.is_file():
        raise LabError("train.error_accelerate_failed", None, code=code, tail=stderr_tail(job.run_dir, lines=6))
    return json.loads(result_path.read_text(encoding="utf-8"))
