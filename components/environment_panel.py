"""The Home page's environment panel: GPU or not, keys present (never their values), embedded
model ready (with a button that prepares it: a non-coder should not need a terminal), online or
offline. The online probe is cached for a minute so reruns stay fast."""
from __future__ import annotations

import streamlit as st

from components.shell import friendly_errors
from core import models
from core.environment import environment_report
from core.i18n import t


@st.cache_data(ttl=60, show_spinner=False)
def _report() -> dict:
    return environment_report(check_online=True)


def _yes_no(flag: bool) -> str:
    return "✅ " + t("common.yes") if flag else "➖ " + t("common.no")


def environment_panel() -> None:
    report = _report()
    device = report["device"]
    if device == "cuda":
        device_text = t("home.env_gpu", name=report["device_name"], memory=report["gpu_memory_gb"],
                        count=report["device_count"])
    elif device == "mps":
        device_text = t("home.env_mps")
    else:
        device_text = t("home.env_cpu", count=report["device_count"])
    cols = st.columns(4)
    cols[0].metric(t("home.env_device"), device.upper(), help=device_text)
    cols[1].metric(t("home.env_openai_key"), _yes_no(report["openai_key_present"]),
                   help=t("home.env_key_help"))
    cols[2].metric(t("home.env_model"), _yes_no(report["embedded_model_ready"]),
                   help=t("home.env_model_help", model=report["embedded_model"]))
    cols[3].metric(t("home.env_network"), t("home.online") if report["online"] else t("home.offline"),
                   help=t("home.env_network_help"))
    st.caption(device_text)
    if device == "cpu":
        st.caption(t("home.env_cpu_note"))
    if st.session_state.pop("home_model_prepared", False):
        st.success(t("home.prepare_done"), icon="✅")
    if not report["embedded_model_ready"]:
        _prepare_button()
    st.caption(t("home.env_home", path=report["lab_home"]))


def _prepare_button() -> None:
    """Convert the embedded model here (~20-40 s on a laptop CPU), with a live status box."""
    st.warning(t("home.env_model_missing"), icon="📦")
    if not st.button(t("home.prepare_button"), key="home_prepare_model", type="primary",
                     help=t("home.prepare_help")):
        return
    with st.status(t("home.prepare_running"), expanded=True) as status:
        st.write(t("home.prepare_step"))
        with friendly_errors():
            models.prepare_embedded()
        status.update(label=t("home.prepare_done"), state="complete", expanded=False)
    _report.clear()
    st.session_state["home_model_prepared"] = True
    st.rerun()
