"""Start a hosted fine-tuning job: check the data, upload it, create the remote job, hand it to the engine.

Order matters (validate early, name the fix): the inspector runs first and data with errors never
leaves the machine; the upload shows progress; the remote job is created with the method's
hyperparameters ("auto" unless set); then the job engine starts a watcher process (backend.py) that
receives the credentials only through its environment.
"""
from __future__ import annotations

import io
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable

from core.atomic import copy_file
from core.costs import hosted_training_usd
from core.dataset import InspectionReport, inspect_file
from core.dataset.report import Finding
from core.errors import InputError
from core.i18n import t
from core.jobs import runner
from core.openai_edge import Credentials, make_client, normalize_backend, provider_name, to_provider_error
from core.training.data import HELD_OUT_FILE
from core.training.tracking import known

METHODS = ("supervised", "dpo")
MAX_UPLOAD_BYTES = 512 * 1024 * 1024  # the Files API's limit for fine-tune files: 512 MB
MAX_SUFFIX = 64                       # characters the API accepts in `suffix`

Progress = Callable[[int, int, str], None]  # (bytes sent, total bytes, file name)


def _f(default: Any, key: str, *, flag: str | None = None, kind: type | None = None, minimum: float | None = None,
       maximum: float | None = None, step: float | None = None):
    """A field whose metadata feeds the page's widget (label hosted.form.<key>, tooltip
    hosted.help.<key>, min/max/step), the CLI's flag (--flag, type, help) and validate_config's bounds."""
    return field(default=default, metadata={"help": f"hosted.help.{key}", "label": f"hosted.form.{key}",
                                            "flag": flag, "type": kind, "min": minimum, "max": maximum,
                                            "step": step})


@dataclass
class HostedConfig:
    """One hosted job's settings. None = "auto" (the API chooses). The bounds are the API's:
    n_epochs 1-50, batch_size 1-256, beta (0, 2], a positive learning-rate multiplier."""

    training_file: str = _f("", "training_file")
    model: str = _f("gpt-4o-mini-2024-07-18", "model")
    backend: str = _f("openai", "backend")
    method: str = _f("supervised", "method")
    validation_file: str | None = _f(None, "validation_file", flag="--validation")
    suffix: str | None = _f(None, "suffix", flag="--suffix", kind=str)
    seed: int | None = _f(None, "seed", flag="--seed", kind=int, minimum=0, maximum=2**31 - 1, step=1)
    n_epochs: int | None = _f(None, "n_epochs", kind=int, minimum=1, maximum=50, step=1)  # the shared --epochs
    batch_size: int | None = _f(None, "batch_size", flag="--batch-size", kind=int, minimum=1, maximum=256, step=1)
    learning_rate_multiplier: float | None = _f(None, "lr_multiplier", flag="--learning-rate-multiplier",
                                                kind=float, minimum=0.01, maximum=100.0, step=0.1)
    beta: float | None = _f(None, "beta", flag="--beta", kind=float, minimum=0.01, maximum=2.0, step=0.05)
    poll_interval_s: float | None = _f(None, "poll_interval", flag="--poll-interval", kind=float, minimum=0.01)
    tracking: tuple = _f((), "tracking")  # trackers that also get the provider's metrics (--track, shared)

    def __post_init__(self) -> None:
        self.backend = normalize_backend(self.backend)
        self.method = (self.method or "supervised").strip().lower()
        self.suffix = (self.suffix or "").strip() or None
        self.validation_file = self.validation_file or None
        self.tracking = known(self.tracking)

    def hyperparameters(self) -> dict[str, Any]:
        """Only the values the user set; the rest stay "auto"."""
        values = {"n_epochs": self.n_epochs, "batch_size": self.batch_size,
                  "learning_rate_multiplier": self.learning_rate_multiplier}
        if self.method == "dpo":
            values["beta"] = self.beta
        return {name: value for name, value in values.items() if value is not None}

    def method_payload(self) -> dict[str, Any]:
        """{"type": "supervised", "supervised": {"hyperparameters": {...}}} as jobs.create wants."""
        return {"type": self.method, self.method: {"hyperparameters": self.hyperparameters()}}


def _check_ranges(config: HostedConfig) -> None:
    """Every numeric setting inside its field's bounds (the same ones the page's widgets use)."""
    for spec in fields(HostedConfig):
        value, low, high = getattr(config, spec.name), spec.metadata["min"], spec.metadata["max"]
        if value is None or (low is None and high is None):
            continue
        if (low is not None and value < low) or (high is not None and value > high):
            raise InputError("hosted.errors.out_of_range", "hosted.errors.out_of_range_hint",
                             name=spec.name, value=value, low=low, high="∞" if high is None else high)


def validate_config(config: HostedConfig) -> None:
    """Every setting checked before anything is uploaded; each error names the fix."""
    if config.method not in METHODS:
        raise InputError("hosted.errors.bad_method", "hosted.errors.bad_method_hint", method=config.method)
    if not config.model or not config.model.strip():
        raise InputError("hosted.errors.no_model", None)
    for label, path in (("training", config.training_file), ("validation", config.validation_file)):
        if label == "validation" and not path:
            continue
        file = Path(path or "")
        if not path or not file.is_file():
            raise InputError("hosted.errors.file_missing", "hosted.errors.file_missing_hint", path=str(path or ""))
        if file.suffix.lower() != ".jsonl":
            raise InputError("hosted.errors.not_jsonl", "hosted.errors.not_jsonl_hint", path=file.name)
        if file.stat().st_size > MAX_UPLOAD_BYTES:
            raise InputError("hosted.errors.too_big", "hosted.errors.too_big_hint", path=file.name,
                             mb=round(file.stat().st_size / 1024 / 1024))
    if config.suffix and len(config.suffix) > MAX_SUFFIX:
        raise InputError("hosted.errors.suffix_too_long", None, max=MAX_SUFFIX)
    if config.beta is not None and config.method != "dpo":
        raise InputError("hosted.errors.beta_needs_dpo", None)
    _check_ranges(config)


# ------------------------------------------------------------------ pre-flight with the inspector
@dataclass
class Preflight:
    """What the inspector said about the files: warnings to show (errors stop the upload)."""

    warnings: list[str] = field(default_factory=list)
    n_examples: int | None = None
    estimated_usd: float | None = None
    billed_tokens: int | None = None
    epochs: int | None = None


def _finding_text(finding: Finding) -> str:
    """One inspector Finding as 'line N: message' (line 0 = the whole file)."""
    message = finding.texts()[0]
    return t("hosted.step.finding", line=finding.line, message=message) if finding.line else message


def inspect(path: str, model: str) -> tuple[list[str], list[str], InspectionReport]:
    """(errors, warnings, report) from core.dataset.inspect_file (the Dataset Inspector)."""
    report = inspect_file(path, model)
    errors = [_finding_text(f) for f in report.findings if f.severity == "error"]
    warnings = [_finding_text(f) for f in report.findings if f.severity == "warning"]
    if report.has_errors and not errors:  # findings capped: still refuse
        errors = [t("hosted.step.finding_count", count=report.n_errors)]
    return errors, warnings, report


# The inspector's format for each method: a chat file cannot train DPO and vice versa.
METHOD_FORMAT = {"supervised": "chat", "dpo": "dpo"}


def training_bill(config: HostedConfig, report: InspectionReport) -> tuple[float | None, int, int]:
    """(USD, billed tokens, epochs) by the Cost Calculator's rule (core.costs): the inspector's billed
    tokens per epoch (each example capped at the model's limit) × epochs × the training price.
    Validation files are not billed. USD is None when the price list does not know the model."""
    epochs = int(config.n_epochs or report.epochs_auto)
    billed = int(report.billed_tokens_per_epoch) * epochs
    return hosted_training_usd(config.model, billed, config.backend), billed, epochs


def preflight(config: HostedConfig) -> Preflight:
    """Inspect the training (and validation) file for the chosen model. Errors -> InputError
    (nothing is uploaded); warnings are returned for the page / CLI to show."""
    validate_config(config)
    result = Preflight()
    for path in filter(None, (config.training_file, config.validation_file)):
        errors, warnings, report = inspect(path, config.model)
        if errors:
            count = report.n_errors or len(errors)
            raise InputError("hosted.errors.data_has_errors", "hosted.errors.data_has_errors_hint",
                             file=Path(path).name, count=count, first=errors[0])
        found = report.format
        if found != METHOD_FORMAT[config.method]:
            raise InputError("hosted.errors.format_mismatch", "hosted.errors.format_mismatch_hint",
                             file=Path(path).name, format=found, method=config.method)
        result.warnings += [f"{Path(path).name}: {w}" for w in warnings]
        if path == config.training_file:
            result.n_examples = report.n_examples
            result.estimated_usd, result.billed_tokens, result.epochs = training_bill(config, report)
    return result


# ------------------------------------------------------------------ upload with progress
class ProgressFile(io.RawIOBase):
    """A read-only file that reports bytes read: the SDK streams it in 64 KiB chunks (httpx
    multipart), so each chunk is one progress step. Re-reading after a retry's seek(0) restarts it."""

    def __init__(self, path: str | Path, progress: Progress | None) -> None:
        super().__init__()
        self.path = Path(path)
        self.name = self.path.name
        self._handle = open(self.path, "rb")
        self.total = self.path.stat().st_size
        self.progress = progress

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()

    def fileno(self) -> int:
        return self._handle.fileno()

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        if self.progress:
            self.progress(self._handle.tell(), self.total, self.name)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._handle.close()
        super().close()


def upload(client: Any, path: str | Path, progress: Progress | None = None, *, backend: str = "openai",
           secrets: tuple[str, ...] = ()) -> Any:
    """files.create(purpose="fine-tune") with progress; returns the FileObject."""
    with ProgressFile(path, progress) as handle:
        try:
            return client.files.create(file=(handle.name, handle, "application/jsonl"), purpose="fine-tune")
        except Exception as exc:  # noqa: BLE001 - mapped to a user message
            raise to_provider_error(exc, backend=backend, secrets=secrets, action="upload") from None


def create_remote_job(client: Any, config: HostedConfig, training_id: str, validation_id: str | None,
                      *, secrets: tuple[str, ...] = ()) -> Any:
    """jobs.create with the method payload (hyperparameters under `method`, not the deprecated
    top-level field)."""
    kwargs: dict[str, Any] = {"model": config.model, "training_file": training_id,
                              "method": config.method_payload(), "metadata": {"created_by": "fine-tuning-lab"}}
    if validation_id:
        kwargs["validation_file"] = validation_id
    if config.suffix:
        kwargs["suffix"] = config.suffix
    if config.seed is not None:
        kwargs["seed"] = config.seed
    try:
        return client.fine_tuning.jobs.create(**kwargs)
    except Exception as exc:  # noqa: BLE001
        raise to_provider_error(exc, backend=config.backend, model=config.model, secrets=secrets,
                                action="create") from None


def job_params(config: HostedConfig, remote: Any, training_id: str, validation_id: str | None,
               checked: Preflight) -> dict[str, Any]:
    """What the registry keeps (never secrets, never the endpoint)."""
    params = asdict(config)
    params["training_file"] = str(Path(config.training_file).resolve())
    if config.validation_file:
        params["validation_file"] = str(Path(config.validation_file).resolve())
    params.update(
        provider=provider_name(config.backend), openai_job_id=remote.id, training_file_id=training_id,
        validation_file_id=validation_id, method_payload=config.method_payload(),
        estimated_usd=checked.estimated_usd, estimated_billed_tokens=checked.billed_tokens,
        estimated_epochs=checked.epochs, n_examples=checked.n_examples, warnings=checked.warnings[:20],
    )
    return params


def submit(config: HostedConfig, creds: Credentials, progress: Progress | None = None,
           on_step: Callable[[str], None] | None = None, client: Any = None):
    """validate -> inspect -> upload -> create -> engine job (its watcher starts at once).
    on_step(message) narrates for the page / CLI. Returns the engine Job."""
    say = on_step or (lambda message: None)
    creds.require(config.backend)
    say(t("hosted.step.inspect"))
    checked = preflight(config)
    for warning in checked.warnings:
        say(t("hosted.step.warning", warning=warning))
    client = client or make_client(creds, config.backend)
    say(t("hosted.step.upload", file=Path(config.training_file).name))
    training = upload(client, config.training_file, progress, backend=config.backend, secrets=creds.secrets)
    validation_id = None
    if config.validation_file:
        say(t("hosted.step.upload", file=Path(config.validation_file).name))
        validation_id = upload(client, config.validation_file, progress, backend=config.backend,
                               secrets=creds.secrets).id
    say(t("hosted.step.create", model=config.model))
    remote = create_remote_job(client, config, training.id, validation_id, secrets=creds.secrets)
    params = job_params(config, remote, training.id, validation_id, checked)
    job = runner.submit(config.backend, params, env=creds.env(config.backend))
    if config.validation_file:  # held out: the arena and the evaluation read it from the run folder
        copy_file(config.validation_file, job.run_dir / "data" / HELD_OUT_FILE)
    say(t("hosted.step.created", remote_id=remote.id, job_id=job.id))
    return job
