"""The hosted fine-tuning form (OpenAI / Azure OpenAI) that the training page shows.

A storyboard: keys (session only, shown masked) -> dataset and settings -> submit with upload
progress -> the hosted jobs of this backend with pause / resume / cancel. Everything real happens in
core.hosted; the live log, loss chart and progress come from the shared run monitor, which the page
shows for the job id this function returns.
"""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import streamlit as st

from components.shell import friendly_errors
from core.costs import format_money, markdown_money
from core.errors import LabError
from core.hosted import winddown
from core.hosted.submit import HostedConfig, submit
from core.i18n import format_number, t
from core.openai_edge import DEFAULT_AZURE_API_VERSION, TYPED_KEYS, normalize_backend, provider_name, resolve_credentials
from core.paths import subdir
from core.secrets import get_secret, mask
from core.training import tracking

NONE = "—"


def _typed() -> dict:
    """The secrets typed in this browser session (never written anywhere)."""
    return {name: st.session_state.get(name) for name in TYPED_KEYS if st.session_state.get(name)}


def _key_status(env_name: str, session_name: str) -> None:
    """Which key is in use, masked: typed in this session, or from the environment / .env."""
    typed = st.session_state.get(session_name)
    value = get_secret(env_name, typed)
    if not value:
        st.caption(t("hosted.form.key_none", name=env_name))
    elif typed:
        st.caption(t("hosted.form.key_typed", masked=mask(value)))
    else:
        st.caption(t("hosted.form.key_env", masked=mask(value), name=env_name))


def _keys(backend: str) -> None:
    with st.expander(t("hosted.form.keys_title"), expanded=not _has_key(backend)):
        st.caption(t("hosted.form.keys_privacy"))
        if backend == "azure":
            st.text_input(t("hosted.form.azure_endpoint"), key="azure_openai_endpoint",
                          placeholder="https://my-resource.openai.azure.com", help=t("hosted.help.azure_endpoint"))
            st.text_input(t("hosted.form.azure_key"), key="azure_openai_api_key", type="password",
                          help=t("hosted.help.azure_key"))
            _key_status("AZURE_OPENAI_API_KEY", "azure_openai_api_key")
            st.text_input(t("hosted.form.azure_version"), key="azure_openai_api_version",
                          placeholder=DEFAULT_AZURE_API_VERSION, help=t("hosted.help.azure_version"))
        else:
            st.text_input(t("hosted.form.api_key"), key="openai_api_key", type="password",
                          help=t("hosted.help.api_key"))
            _key_status("OPENAI_API_KEY", "openai_api_key")
            st.text_input(t("hosted.form.base_url"), key="openai_base_url",
                          placeholder="https://api.openai.com/v1", help=t("hosted.help.base_url"))


def _has_key(backend: str) -> bool:
    try:
        resolve_credentials(backend, _typed())
        return True
    except LabError:
        return False


def _dataset_files() -> list[str]:
    """JSONL files the lab knows: the inspector's current dataset first, then LAB_HOME/datasets."""
    files: list[str] = []
    current = (st.session_state.get("lab_dataset") or {}).get("path")
    if current and Path(current).is_file():
        files.append(str(current))
    for path in sorted(subdir("datasets").glob("*.jsonl")):
        if str(path) not in files:
            files.append(str(path))
    return files


def _money(usd: float | None) -> str:
    """USD for a metric box (Markdown: the `$` is escaped so it never starts LaTeX)."""
    return NONE if usd is None else markdown_money(format_money(usd))


def _number(column, name: str, backend: str):
    """A HostedConfig field's number box: label, tooltip, bounds and step from the field's metadata
    (empty = "auto": the provider chooses)."""
    meta = next(f for f in fields(HostedConfig) if f.name == name).metadata
    return column.number_input(t(meta["label"]), min_value=meta["min"], max_value=meta["max"], value=None,
                               step=meta["step"], key=f"hosted_{name}_{backend}", help=t(meta["help"]))


def _settings_form(backend: str, files: list[str]) -> None:
    dataset = st.session_state.get("lab_dataset") or {}
    models = list(winddown.FINE_TUNABLE_MODELS)
    default_model = dataset.get("model") if dataset.get("model") in models else "gpt-4o-mini-2024-07-18"
    with st.form(key=f"hosted_form_{backend}"):
        training = st.selectbox(t("hosted.form.training_file"), files, key=f"hosted_training_{backend}",
                                format_func=lambda p: Path(p).name, help=t("hosted.help.training_file"))
        validation = st.selectbox(t("hosted.form.validation_file"), [NONE] + files,
                                  key=f"hosted_validation_{backend}",
                                  format_func=lambda p: p if p == NONE else Path(p).name,
                                  help=t("hosted.help.validation_file"))
        left, right = st.columns(2)
        model = left.selectbox(t("hosted.form.model"), models, index=models.index(default_model),
                               key=f"hosted_model_{backend}", help=t("hosted.help.model"))
        methods = ["supervised", "dpo"]
        method = right.radio(t("hosted.form.method"), methods, horizontal=True,
                             index=1 if dataset.get("format") == "dpo" else 0, key=f"hosted_method_{backend}",
                             format_func=lambda m: t(f"hosted.form.method_{m}"), help=t("hosted.help.method"))
        suffix = left.text_input(t("hosted.form.suffix"), key=f"hosted_suffix_{backend}", max_chars=64,
                                 help=t("hosted.help.suffix"))
        seed = _number(right, "seed", backend)
        st.markdown(t("hosted.form.hyper_title"))
        st.caption(t("hosted.form.hyper_auto"))
        h1, h2, h3, h4 = st.columns(4)
        epochs = _number(h1, "n_epochs", backend)
        batch = _number(h2, "batch_size", backend)
        lr = _number(h3, "learning_rate_multiplier", backend)
        beta = _number(h4, "beta", backend)
        trackers = st.multiselect(t("train.field.tracking"), tracking.installed(), key=f"hosted_tracking_{backend}",
                                  format_func=tracking.label, help=t("train.help.tracking"),
                                  placeholder=t("train.tracking_placeholder"))
        confirm = st.checkbox(t("hosted.form.confirm_billing", provider=provider_name(backend)),
                              key=f"hosted_confirm_{backend}")
        submitted = st.form_submit_button(t("hosted.form.submit", provider=provider_name(backend)),
                                          type="primary", key=f"hosted_submit_{backend}")
    if not submitted:
        return
    if not confirm:
        st.warning(t("hosted.form.confirm_needed"))
        return
    config = HostedConfig(
        training_file=training, model=model, backend=backend, method=method,
        validation_file=None if validation == NONE else validation, suffix=suffix or None,
        seed=int(seed) if seed is not None else None, n_epochs=int(epochs) if epochs else None,
        batch_size=int(batch) if batch else None, learning_rate_multiplier=lr or None,
        beta=beta if method == "dpo" else None, tracking=tuple(trackers),
    )
    _submit(config)


def _submit(config) -> None:
    bar = st.progress(0.0, text=t("hosted.form.upload_waiting"))

    def progress(done: int, total: int, name: str) -> None:
        share = 1.0 if total <= 0 else min(done / total, 1.0)
        bar.progress(share, text=t("hosted.form.upload_progress", file=name, percent=round(share * 100),
                                   done=format_number(done / 1024), total=format_number(total / 1024)))

    with friendly_errors(), st.status(t("hosted.form.submitting"), expanded=True) as status:
        creds = resolve_credentials(config.backend, _typed())
        job = submit(config, creds, progress=progress, on_step=status.write)
        status.update(label=t("hosted.form.submitted", job_id=job.id), state="complete")
    st.session_state[f"hosted_job_{config.backend}"] = job.id
    st.success(t("hosted.form.submitted_hint", job_id=job.id))


def render(backend: str = "openai") -> str | None:
    """Draw the hosted form for backend "openai" or "azure" ("OpenAI" / "Azure OpenAI" accepted);
    return the id of the engine job the user is looking at (so the page can show the shared run
    monitor for it), or None when there is none yet."""
    backend = normalize_backend(backend)
    if backend == "openai":
        st.warning(winddown.notice(), icon="⏳")
    else:
        st.info(t("hosted.form.azure_intro"))
    _keys(backend)
    files = _dataset_files()
    st.subheader(t("hosted.form.new_job"))
    if not files:
        st.info(t("hosted.form.no_dataset"))
    elif not _has_key(backend):
        st.info(t("hosted.form.need_key", provider=provider_name(backend)))
    else:
        _settings_form(backend, files)
    return st.session_state.get(f"hosted_job_{backend}")
