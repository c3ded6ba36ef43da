"""Experiment trackers (TensorBoard, MLflow, trackio, Weights & Biases): which exist, which are
installed, how to install the others, and how a run reports to them.

Local runs use the Trainer's own integration callbacks: `report_to` plus the environment variables
those callbacks read (transformers/integrations/integration_utils.py: TENSORBOARD_LOGGING_DIR,
MLFLOW_TRACKING_URI / MLFLOW_RUN_ID, WANDB_MODE / WANDB_DIR, TRACKIO_DIR). Hosted jobs and
evaluations have no Trainer: core/training/tracking_log.py logs their metrics through each
library's own API with the Trainer's key names, so all runs plot side by side. Every call into a tracker is guarded: one that
fails (not importable, no network, bad key) is dropped with a warning and the run goes on.
No tracker is imported at module load (importlib.util.find_spec answers "installed?").
Where each run went is kept in RUN_DIR/tracking.json (never a secret) for the runs table.
"""
from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import os
import secrets as random_ids
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit, urlunsplit

from core.atomic import write_text
from core.errors import InputError, UnavailableError
from core.i18n import t
from core.paths import REPO_ROOT, lab_home
from core.secrets import get_secret, scrub

TRACKERS = ("tensorboard", "mlflow", "trackio", "wandb")
MODULES = {"tensorboard": "tensorboard", "mlflow": "mlflow", "trackio": "trackio", "wandb": "wandb"}
IMPORTS = {"tensorboard": "torch.utils.tensorboard", "mlflow": "mlflow", "trackio": "trackio", "wandb": "wandb"}
PACKAGES = {"tensorboard": "tensorboard", "mlflow": "mlflow-skinny", "trackio": "trackio", "wandb": "wandb"}
REQUIREMENTS = REPO_ROOT / "requirements-tracking.txt"
PROJECT = "fine-tuning-lab"  # MLflow experiment, W&B project, trackio project
TRACKING_FILE = "tracking.json"
ENV_VARS = ("TENSORBOARD_LOGGING_DIR", "MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_RUN_ID",
            "MLFLOW_ALLOW_FILE_STORE", "MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_TIMEOUT",
            "WANDB_MODE", "WANDB_DIR", "WANDB_PROJECT", "WANDB_RUN_ID", "WANDB_RESUME", "WANDB_INIT_TIMEOUT",
            "TRACKIO_DIR")
SECRET_VARS = ("WANDB_API_KEY", "MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_PASSWORD")
Warn = Callable[[str, str], None]  # (tracker, reason): a tracker stopped reporting


# ------------------------------------------------------------------ which exist, which are installed
def is_installed(name: str) -> bool:
    return importlib.util.find_spec(MODULES[name]) is not None


def installed() -> list[str]:
    return [name for name in TRACKERS if is_installed(name)]


def missing() -> list[str]:
    return [name for name in TRACKERS if not is_installed(name)]


def label(name: str) -> str:
    return t(f"train.tracker.{name}")


def pin(name: str) -> str:
    """The pinned requirement of a tracker ("mlflow-skinny==3.17.2"), read from requirements-tracking.txt."""
    package = PACKAGES[name]
    try:
        for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
            if line.split("==")[0].strip().lower() == package:
                return line.strip()
    except OSError:
        pass
    return package


def install_hint(names: Iterable[str] | None = None) -> str:
    """The pip command that installs these trackers (all optional ones when None)."""
    if names is None:
        return "pip install -r requirements-tracking.txt"
    return "pip install " + " ".join(pin(name) for name in names)


def parse(value: Any) -> tuple[str, ...]:
    """"tensorboard,mlflow" / a list / None -> ("tensorboard", "mlflow"): lower case, no blanks or
    repeats, in the given order. Unknown names are left for the config's validation to name."""
    if value is None:
        return ()
    parts = value.split(",") if isinstance(value, str) else list(value)
    names: list[str] = []
    for part in parts:
        name = str(part).strip().lower()
        if name and name != "none" and name not in names:
            names.append(name)
    return tuple(names)


def known(names: Any) -> tuple[str, ...]:
    """parse(names), or an InputError naming the unknown ones and the valid choices."""
    names = parse(names)
    unknown = [name for name in names if name not in TRACKERS]
    if unknown:
        raise InputError("train.error_bad_choice", "train.error_bad_choice_hint", field="tracking",
                         value=", ".join(unknown), choices=", ".join(TRACKERS))
    return names


def require_installed(names: Iterable[str]) -> None:
    """Before a run is queued: every chosen tracker is known and installed, or one clear error. (A run
    that finds one missing later only warns: the tracker is skipped, the run goes on.)"""
    names = known(names)
    absent = [name for name in names if not is_installed(name)]
    if absent:
        raise UnavailableError("train.error_tracker_missing", "train.error_tracker_missing_hint",
                               trackers=", ".join(label(name) for name in absent), command=install_hint(absent))


def mlflow_uri() -> str:
    """MLFLOW_TRACKING_URI when the user set one (a server URL or a store), else a file store in LAB_HOME."""
    return os.environ.get("MLFLOW_TRACKING_URI") or (lab_home() / "mlruns").as_uri()


def public_uri(uri: str) -> str:
    """The URI without user:password@ (what may be shown and saved)."""
    parts = urlsplit(uri)
    if parts.username or parts.password:
        host = parts.hostname or ""
        return urlunsplit(parts._replace(netloc=host + (f":{parts.port}" if parts.port else "")))
    return uri


def describe(exc: BaseException) -> str:
    """A one-line reason for the log: type and first line, secrets masked, at most 300 characters."""
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0] if lines else ''}"
    in_uri = urlsplit(os.environ.get("MLFLOW_TRACKING_URI", "")).password  # https://user:PASSWORD@host
    return scrub(text, in_uri, *(os.environ.get(name) for name in SECRET_VARS))[:300]


def read_where(run_dir: str | Path) -> dict:
    try:
        return json.loads((Path(run_dir) / TRACKING_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_where(run_dir: str | Path, where: dict) -> None:
    if where:
        write_text(Path(run_dir) / TRACKING_FILE, json.dumps({**read_where(run_dir), **where}, indent=2))


def where_lines(run_dir: str | Path, short: bool = False) -> list[str]:
    """Where to look for this run, one line per tracker (short: for a table cell)."""
    lines = []
    for name, info in read_where(run_dir).items():
        if name in TRACKERS and isinstance(info, dict):
            ids = info.get("run_ids") or [info.get("run_id") or ""]
            lines.append(t(f"train.tracking_{'short' if short else 'where'}.{name}",
                           **{**info, "run_id": ", ".join(ids)}))
    return lines


class Env:
    """Environment variables set for a run and put back afterwards (a test trains in-process)."""

    def __init__(self) -> None:
        self.saved: dict[str, str | None] = {}

    def set(self, name: str, value: str) -> None:
        self.saved.setdefault(name, os.environ.get(name))
        os.environ[name] = value

    def restore(self) -> None:
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self.saved.clear()


def mlflow_run(env: Env, run_name: str, previous_id: str | None, tags: dict | None = None):
    """(client, run id, where): the MLflow run this lab run logs to, created up front so its id is
    known before training (and reused when the run resumes)."""
    uri = mlflow_uri()
    env.set("MLFLOW_TRACKING_URI", uri)
    env.set("MLFLOW_EXPERIMENT_NAME", PROJECT)
    if uri.startswith("file:"):  # MLflow 3 keeps its file store only behind this opt-in
        env.set("MLFLOW_ALLOW_FILE_STORE", "true")
    else:  # a server that is down: give up in about a minute (MLflow's defaults retry 7 times, 120 s each)
        env.set("MLFLOW_HTTP_REQUEST_MAX_RETRIES", os.environ.get("MLFLOW_HTTP_REQUEST_MAX_RETRIES") or "2")
        env.set("MLFLOW_HTTP_REQUEST_TIMEOUT", os.environ.get("MLFLOW_HTTP_REQUEST_TIMEOUT") or "20")
    from mlflow.tracking import MlflowClient

    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name(PROJECT)
    if experiment is None:
        try:
            experiment_id = client.create_experiment(PROJECT)
        except Exception:  # noqa: BLE001 - another run created it a moment ago
            experiment_id = client.get_experiment_by_name(PROJECT).experiment_id
    else:
        experiment_id = experiment.experiment_id
    run_id = None
    if previous_id:
        try:
            run_id = client.get_run(previous_id).info.run_id
        except Exception:  # noqa: BLE001 - deleted or in another store: start a new one
            run_id = None
    if run_id is None:
        run_id = client.create_run(experiment_id, run_name=run_name, tags=tags or {}).info.run_id
    return client, run_id, {"tracking_uri": public_uri(uri), "experiment": PROJECT, "run_id": run_id}


def wandb_settings(run_dir: Path, previous: dict) -> dict:
    """Online only with a key (environment or .env; never written anywhere), else offline files."""
    key = get_secret("WANDB_API_KEY")
    mode = os.environ.get("WANDB_MODE") or ("online" if key else "offline")
    project = os.environ.get("WANDB_PROJECT") or PROJECT
    run_id = previous.get("run_id") or random_ids.token_hex(4)
    return {"mode": mode, "project": project, "run_id": run_id, "dir": str(run_dir / "wandb")}


def trackio_dir(env: Env) -> str:
    folder = os.environ.get("TRACKIO_DIR") or str(lab_home() / "trackio")
    env.set("TRACKIO_DIR", folder)  # read when trackio is imported: set before
    return folder


# ------------------------------------------------------------------ local runs: the Trainer's callbacks
def _callback_names() -> dict[type, str]:
    from transformers.integrations.integration_utils import INTEGRATION_TO_CALLBACK

    return {INTEGRATION_TO_CALLBACK[name]: name for name in TRACKERS}


class GuardedCallback:
    """One integration callback whose failure disables it instead of failing the run. Its
    on_train_end waits for TrainerTracking.close(): the lab evaluates once more after train()
    returns, and MLflow would otherwise open a new run for that last eval loss."""

    def __init__(self, name: str, inner: Any, warn: Warn) -> None:
        self.name, self.inner, self.warn = name, inner, warn
        self.failed = False
        self.ended: tuple | None = None

    def call(self, event: str, *args, **kwargs):
        if self.failed:
            return None
        try:
            return getattr(self.inner, event)(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - any failure of a tracker; the run goes on
            self.failed = True
            self.warn(self.name, describe(exc))
            return None

    def on_train_end(self, *args, **kwargs):
        self.ended = (args, kwargs)

    def finish(self) -> None:
        if self.ended is not None:
            args, kwargs = self.ended
            self.ended = None
            self.call("on_train_end", *args, **kwargs)


@functools.lru_cache(maxsize=1)
def _guarded_class():
    """GuardedCallback as a TrainerCallback, forwarding every on_* event (imported lazily: transformers)."""
    from transformers import TrainerCallback

    events = [name for name in vars(TrainerCallback) if name.startswith("on_") and name != "on_train_end"]
    body = {event: (lambda self, *a, _e=event, **k: self.call(_e, *a, **k)) for event in events}
    return type("GuardedTrainerCallback", (GuardedCallback, TrainerCallback), body)


class TrainerTracking:
    """What a local run needs: `report_to` and the matching TrainingArguments, the environment set
    for the callbacks, guard() after the Trainer exists, close() when the run's last log is written."""

    def __init__(self, run_name: str, warn: Warn) -> None:
        self.run_name, self.warn = run_name, warn
        self.report_to: list[str] = []
        self.where: dict[str, dict] = {}
        self.env = Env()
        self.guarded: list[GuardedCallback] = []

    def training_args(self) -> dict:
        return {"report_to": list(self.report_to), "run_name": self.run_name, "project": PROJECT,
                "trackio_static_space_id": False}  # trackio stays local: no Space on the Hub

    def guard(self, trainer) -> None:
        """Wrap the Trainer's integration callbacks so a failing one is dropped with a warning."""
        names, cls = _callback_names(), _guarded_class()
        callbacks = trainer.callback_handler.callbacks
        for index, callback in enumerate(callbacks):
            name = names.get(type(callback))
            if name in self.report_to:
                callbacks[index] = cls(name, callback, self.warn)
                self.guarded.append(callbacks[index])

    def close(self) -> None:
        for callback in self.guarded:
            callback.finish()
        self.env.restore()


def prepare_trainer(names: Iterable[str], run_dir: str | Path, run_name: str, warn: Warn) -> TrainerTracking:
    """Set up each chosen tracker for the Trainer's callbacks; one that cannot start (not importable,
    MLflow server unreachable) is dropped with a warning. Writes RUN_DIR/tracking.json."""
    run_dir = Path(run_dir)
    tracking = TrainerTracking(run_name, warn)
    previous = read_where(run_dir)
    for name in parse(names):
        env = Env()
        try:
            if name == "tensorboard":
                logdir = str(run_dir / "tensorboard")
                env.set("TENSORBOARD_LOGGING_DIR", logdir)
                where = {"logdir": logdir}
            elif name == "mlflow":
                _, run_id, where = mlflow_run(env, run_name, (previous.get("mlflow") or {}).get("run_id"),
                                               {"lab.run_dir": str(run_dir)})
                env.set("MLFLOW_RUN_ID", run_id)  # the callback's start_run() resumes this run
            elif name == "wandb":
                where = wandb_settings(run_dir, previous.get("wandb") or {})
                for var, value in (("WANDB_MODE", where["mode"]), ("WANDB_DIR", str(run_dir)),
                                   ("WANDB_PROJECT", where["project"]), ("WANDB_RUN_ID", where["run_id"]),
                                   ("WANDB_RESUME", "allow"),
                                   ("WANDB_INIT_TIMEOUT", os.environ.get("WANDB_INIT_TIMEOUT") or "30")):
                    env.set(var, value)
            elif name == "trackio":
                where = {"project": PROJECT, "dir": trackio_dir(env)}
            else:
                raise ValueError(name)
            importlib.import_module(IMPORTS[name])  # what the callback imports: fail here, not in the Trainer
        except Exception as exc:  # noqa: BLE001 - this tracker is dropped; the run goes on
            env.restore()
            warn(name, describe(exc))
            continue
        for var, value in env.saved.items():  # the value before any tracker set it
            tracking.env.saved.setdefault(var, value)
        tracking.report_to.append(name)
        tracking.where[name] = where
    write_where(run_dir, tracking.where)
    return tracking
