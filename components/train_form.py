"""The local training form: dataset -> preset and settings -> check, estimate, command -> Start.

Every control comes from LocalTrainConfig (labels train.field.*, tooltips train.help.*), so the page,
the CLI and the saved run parameters never disagree. Presets fill the settings and lock them;
"Custom" unlocks every field. The dataset is validated with the inspector (core.dataset.inspect_file)
before Start is enabled.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from components.page_cache import inspect_shared
from components.shell import file_uploader, friendly_errors, show_error
from components.workshop import workshop_mode, workshop_note
from core.dataset.samples import list_samples
from core.dataset.store import MAX_UPLOAD_MB, save_upload
from core.errors import LabError
from core.i18n import current_language, format_duration, format_number, t
from core.paths import subdir
from core.text_safety import t_md
from core.guide.concepts import CONTROL_CONCEPTS, concept_help
from core.training.config import GROUPS, PRESETS, LocalTrainConfig, field_specs, suggest_preset

UPLOAD = "__upload__"
FORM_FIELDS = [spec for spec in field_specs() if spec["name"] not in ("dataset", "preset")]
KEEP_ON_PRESET = ("tracking",)  # not a preset's business: a chosen tracker stays when the preset changes
UNLOCKED = ("model", "tracking")  # editable under every preset


def _dataset_options(last_used: str | None) -> dict[str, str]:
    """path -> label: the inspector's dataset, the last run's dataset, bundled chat samples, files in
    LAB_HOME/datasets."""
    options: dict[str, str] = {}
    handed = st.session_state.get("lab_dataset") or {}
    if handed.get("path") and Path(handed["path"]).is_file():
        options[str(handed["path"])] = t("train.dataset_from_inspector", name=handed.get("name") or Path(handed["path"]).name)
    samples = [s for s in list_samples() if s.get("format") == "chat" and "broken" not in s["file"]]
    samples.sort(key=lambda s: s.get("lang") != current_language())  # the reader's language first
    for sample in samples:
        options.setdefault(sample["path"], t("train.dataset_sample", name=sample["file"]))
    for path in sorted(subdir("datasets").glob("*.jsonl")):
        options.setdefault(str(path), t("train.dataset_saved", name=path.name))
    if last_used and last_used not in options and Path(last_used).is_file():
        options[last_used] = t("train.dataset_last_run", name=Path(last_used).name)
    return options


def last_run_dataset() -> str | None:
    """The dataset of the newest local run: the registry keeps it in the job's params, so a reload
    (a new browser session) comes back to the data the user was training on."""
    from core.jobs import registry

    for job in registry.list_jobs(backend="local", limit=20):
        if job.params.get("dataset"):
            return str(job.params["dataset"])
    return None


def _pick_dataset() -> str | None:
    last_used = last_run_dataset()
    options = _dataset_options(last_used)
    choices = list(options) + [UPLOAD]
    if "train_dataset" not in st.session_state and not st.session_state.get("lab_dataset") and last_used in options:
        st.session_state["train_dataset"] = last_used  # a fresh session: the last run's data, not the first sample
    preferred = st.session_state.get("train_dataset_pending")
    if preferred in choices:
        st.session_state["train_dataset"] = preferred
        st.session_state.pop("train_dataset_pending", None)
    chosen = st.selectbox(t("train.dataset_label"), choices, key="train_dataset",
                          format_func=lambda p: t("train.dataset_upload") if p == UPLOAD else options[p],
                          help=t("train.help.dataset"))
    if chosen != UPLOAD:
        return chosen
    uploaded = file_uploader(t("train.dataset_upload_label"), types=["jsonl"], limit_mb=MAX_UPLOAD_MB,
                             key="train_upload", help=t("train.help.dataset_upload"))
    if uploaded is None:
        return None
    with friendly_errors():
        path = save_upload(uploaded, uploaded.name, size=uploaded.size)
    st.session_state["train_dataset_pending"] = str(path)
    st.rerun()


def _validate(path: str, model: str) -> bool:
    """Inspect the file once per version, model and language for every session (page_cache); show
    the verdict; True when trainable."""
    from core.models import is_embedded

    try:
        with st.spinner(t("train.validating")):
            target = model if is_embedded(model) or Path(model).is_dir() else "embedded"
            report = inspect_shared(path, model=target)
    except LabError as err:
        show_error(err)
        return False
    if report.format not in ("chat",):
        st.error(t("train.dataset_wrong_format", format=report.format))
        return False
    if report.has_errors:
        st.error(t("train.dataset_has_errors", count=report.severity_counts.get("error", 0)))
        for finding in [f for f in report.findings if f.severity == "error"][:5]:
            st.caption(t_md("train.dataset_finding", line=finding.line, message=finding.message, hint=finding.hint))
        st.page_link("inspector_page.py", label=t("train.open_inspector"), icon="🔎")
        return False
    st.success(t("train.dataset_ok", examples=format_number(report.n_examples),
                 tokens=format_number(report.tokens_total), trained=format_number(report.trained_tokens_total)))
    return True


def _suggested_preset(path: str) -> dict | None:
    """suggest_preset reads up to 2,000 lines: once per file version, not on every rerun of the form."""
    try:
        stamp = Path(path).stat().st_mtime_ns if path else None
    except OSError:
        return None
    return _suggest_cached(path, stamp)


@st.cache_data(show_spinner=False, max_entries=32)
def _suggest_cached(path: str, stamp: int | None) -> dict | None:
    return suggest_preset(path) if stamp is not None else None


def _apply_preset() -> None:
    """When the preset changes, load its values into the widgets."""
    preset = st.session_state.get("train_preset", "quick")
    if preset == "custom":
        return
    cfg = LocalTrainConfig.from_preset(preset)
    for spec in FORM_FIELDS:
        if spec["name"] not in KEEP_ON_PRESET:
            st.session_state[f"train_f_{spec['name']}"] = getattr(cfg, spec["name"])
    if preset == "grounded":  # this preset brings its own data: the bundled grounded-answers set
        st.session_state["train_dataset_pending"] = cfg.dataset


def _widget(spec: dict, locked: bool):
    name, key = spec["name"], f"train_f_{spec['name']}"
    label, help_text = t(spec["label_key"]), t(spec["help_key"])
    if name in CONTROL_CONCEPTS:  # the tooltip ends in a link to the concept that explains it
        help_text = concept_help(help_text, CONTROL_CONCEPTS[name])
    if spec["type"] == "tuple":
        return _trackers(label, key, help_text)
    if spec.get("choices"):
        return st.selectbox(label, list(spec["choices"]), key=key, help=help_text, disabled=locked,
                            format_func=lambda v: t(f"train.choice.{name}.{v}") if
                            t(f"train.choice.{name}.{v}") != f"train.choice.{name}.{v}" else str(v))
    if spec["type"] == "bool":
        return st.checkbox(label, key=key, help=help_text, disabled=locked)
    if spec["type"] == "int":
        return st.number_input(label, key=key, help=help_text, disabled=locked, step=1,
                               min_value=int(spec["min"]) if spec.get("min") is not None else None,
                               max_value=int(spec["max"]) if spec.get("max") is not None else None)
    if spec["type"] == "float":
        step = 1e-5 if name == "learning_rate" else (0.5 if name == "epochs" else 0.01)
        return st.number_input(label, key=key, help=help_text, disabled=locked, step=step,
                               format="%.6f" if name == "learning_rate" else "%.2f",
                               min_value=float(spec["min"]) if spec.get("min") is not None else None,
                               max_value=float(spec["max"]) if spec.get("max") is not None else None)
    return st.text_input(label, key=key, help=help_text, disabled=locked)


def _trackers(label: str, key: str, help_text: str) -> list[str]:
    """Only the installed trackers are offered; the caption says how to install the others."""
    from core.training import tracking

    options = tracking.installed()
    st.session_state[key] = [name for name in st.session_state.get(key) or () if name in options]
    chosen = st.multiselect(label, options, key=key, help=help_text, format_func=tracking.label,
                            disabled=not options, placeholder=t("train.tracking_placeholder"))
    absent = tracking.missing()
    if not options:
        st.caption(t("train.tracking_none_installed", command=tracking.install_hint()))
    elif absent:
        st.caption(t("train.tracking_missing", trackers=", ".join(map(tracking.label, absent)),
                     command=tracking.install_hint(absent)))
    return chosen


def _settings() -> dict:
    if "train_preset" not in st.session_state:
        st.session_state["train_preset"] = "quick"
        _apply_preset()
    for spec in FORM_FIELDS:  # first visit, or a field added since: its default
        default = list(spec["default"]) if spec["type"] == "tuple" else spec["default"]
        st.session_state.setdefault(f"train_f_{spec['name']}", default)
    st.radio(t("train.preset_label"), list(PRESETS), key="train_preset", horizontal=True, on_change=_apply_preset,
             format_func=lambda p: t(f"train.preset.{p}"), help=t("train.help.preset"))
    preset = st.session_state["train_preset"]
    st.caption(t(f"train.preset_caption.{preset}"))
    hint = _suggested_preset((st.session_state.get("lab_dataset") or {}).get("path") or "")
    if hint and preset != hint["preset"]:
        st.info(t("tasks.suggest_task", share=f"{hint['share']:.0%}", words=hint["words"], labels=hint["labels"]))
    locked = preset != "custom"
    values = {"preset": preset}
    if preset != "custom" and workshop_note():  # Home's workshop switch: the preset's values, no fields
        return {**LocalTrainConfig.from_preset(preset).to_dict(), "preset": preset}
    basic = [spec for spec in FORM_FIELDS if not spec.get("advanced")]
    advanced = [spec for spec in FORM_FIELDS if spec.get("advanced")]
    for group in GROUPS:
        specs = [spec for spec in basic if spec["group"] == group]
        if not specs:
            continue
        st.markdown(f"**{t(f'train.group.{group}')}**")
        columns = st.columns(min(4, len(specs)))
        for index, spec in enumerate(specs):
            with columns[index % len(columns)]:
                values[spec["name"]] = _widget(spec, locked and spec["name"] not in UNLOCKED)
    with st.expander(t("train.advanced")):
        columns = st.columns(4)
        for index, spec in enumerate(advanced):
            with columns[index % 4]:
                values[spec["name"]] = _widget(spec, locked and spec["name"] not in ("validation_file", "device"))
    return values


def _device_note(cfg: LocalTrainConfig) -> None:
    from core.environment import device_info

    info = device_info()
    if info["device"] == "cuda":
        st.info(t("train.device_cuda", name=info["name"], memory=info["memory_gb"], count=info["count"]), icon="⚡")
    elif info["device"] == "mps":
        st.info(t("train.device_mps"), icon="🍎")
    else:
        st.info(t("train.device_cpu", cores=info["count"]), icon="🖥️")
    if cfg.quantization == "4bit" and info["device"] != "cuda":
        st.warning(t("train.device_4bit_cpu"))


def _estimate(cfg: LocalTrainConfig) -> None:
    from core.training.estimate import estimate_run

    key = tuple(sorted(cfg.to_dict().items()))
    cache = st.session_state.setdefault("_train_estimates", {})
    if st.button(t("train.estimate_button"), key="train_estimate", help=t("train.help.estimate")):
        with st.spinner(t("train.estimating")), friendly_errors():
            cache[key] = estimate_run(cfg)
    found = cache.get(key)
    if not found:
        st.caption(t("train.estimate_hint"))
        return
    cols = st.columns(4)
    cols[0].metric(t("train.estimate_time"), format_duration(found["seconds"]))
    cols[1].metric(t("train.estimate_memory"), f"{format_number(found['peak_memory_mb'] / 1024, decimals=1)} GB")
    cols[2].metric(t("train.estimate_steps"), format_number(found["steps"]))
    cols[3].metric(t("train.estimate_tokens"), format_number(found["total_tokens"]))
    st.caption(t(f"train.estimate_source.{found['source']}", rate=format_number(found["tokens_per_s"])))
    st.caption(t(f"methods.estimate_trainable.{found['method']}", trainable=format_number(found["trainable_params"]),
                 total=format_number(found["total_params"]), percent=format_number(found["trainable_percent"], decimals=2)))


def _commands(cfg: LocalTrainConfig) -> None:
    from core.training.launch import accelerate_text, cli_command

    with st.expander(t("train.command_title")):
        st.caption(t("train.command_cli"))
        st.code(cli_command(cfg), language="bash")
        st.caption(t("train.command_accelerate"))
        st.code(accelerate_text(cfg), language="bash")
        st.caption(t("train.command_accelerate_hint"))


def render() -> str | None:
    """Draw the form; return the id of a job started now (or None)."""
    path = _pick_dataset()
    values = _settings()
    if not path:
        st.info(t("train.no_dataset"))
        return None
    try:
        cfg = LocalTrainConfig.from_dict({**values, "dataset": path})
    except LabError as err:
        show_error(err)
        return None
    valid = _validate(path, cfg.model)
    _device_note(cfg)
    if not workshop_mode():  # workshop mode: the preset, the data and Start only
        _estimate(cfg)
        _commands(cfg)
    name = st.text_input(t("train.run_name"), key="train_run_name", help=t("train.help.run_name"),
                         placeholder=Path(path).stem)
    left, right = st.columns(2)
    start = left.button(t("train.start"), key="train_start", type="primary", disabled=not valid,
                        help=t("train.help.start"))
    multi = not workshop_mode() and right.button(t("train.start_accelerate"), key="train_start_accelerate", disabled=not valid,
                         help=t("train.help.start_accelerate"))
    if start or multi:
        from core.training.launch import submit_local

        if multi:
            cfg = LocalTrainConfig.from_dict({**cfg.to_dict(), "num_processes": max(2, cfg.num_processes)})
        with friendly_errors():
            job = submit_local(cfg, name=name or Path(path).stem)  # the registry keeps a name to show
        st.session_state["train_job"] = job.id
        st.toast(t("train.started", job_id=job.id), icon="🚀")
        return job.id
    return None
