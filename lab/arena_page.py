"""Chat Arena page: the Gradio arena (components/arena_app.py) embedded with st.iframe.

The arena is its own process (`python -m lab serve` starts it and sets LAB_ARENA_URL), so a long
generation never blocks this page. The iframe URL carries the page language and the dataset chosen
in the inspector (the arena then offers the held-out questions of the newest run trained on it).
"""
from __future__ import annotations

import os
import urllib.parse

import streamlit as st

from components.shell import use_page_language
from components.workshop import workshop_note
from core.guide.concepts import concept_help
from core.i18n import t
from core.providers.contestants import probe_endpoint

lang = use_page_language()
DEFAULT_URL = "http://127.0.0.1:7861"
base_url = os.environ.get("LAB_ARENA_URL", DEFAULT_URL).rstrip("/")


@st.cache_data(ttl=5, show_spinner=False)
def arena_running(url: str) -> bool:
    """A quick GET on the arena's front page (1.5 s timeout); any HTTP answer means it is up."""
    return probe_endpoint(url, path="/")


def browser_facing(url: str) -> str:
    """The arena URL as the user's browser must see it: when the lab is shared on a network
    (serve --host 0.0.0.0) the page reaches the arena on loopback, but a remote browser needs the
    host name it used for the lab."""
    parsed = urllib.parse.urlparse(url)
    browser_host = (st.context.headers.get("Host") or "").rsplit(":", 1)[0]
    loopback = {"127.0.0.1", "localhost", "::1", ""}
    if parsed.hostname in loopback and browser_host not in loopback:
        return parsed._replace(netloc=f"{browser_host}:{parsed.port}").geturl()
    return url


st.title(t("arena.page_title"))
st.caption(t("arena.page_intro"))
quick = workshop_note()  # workshop mode: the arena and its question box, no page settings

query = {"lang": lang}
if quick:
    query["workshop"] = "1"  # the arena may fold its settings away too
lab_url = urllib.parse.urlparse(st.context.url or "")
if lab_url.scheme in ("http", "https") and lab_url.netloc:
    query["lab"] = f"{lab_url.scheme}://{lab_url.netloc}"  # where the settings' tooltips find Key Concepts
dataset = (st.session_state.get("lab_dataset") or {}).get("path")
if dataset:
    query["dataset"] = dataset
url = f"{browser_facing(base_url)}/?{urllib.parse.urlencode(query)}"

if not arena_running(base_url):
    st.warning(t("arena.page_not_running", url=base_url), icon="⚠️")
    port = urllib.parse.urlparse(base_url).port or 7861
    st.markdown(t("arena.page_how_to_start", port=port))
    if st.button(t("arena.page_retry"), key="arena_retry"):
        arena_running.clear()
        st.rerun()
    st.stop()

open_tab, evaluate = st.columns(2)
open_tab.link_button(t("arena.page_open"), url, key="arena_open_tab")
if quick:
    st.iframe(url, height=1400)
    st.stop()
# The contestants picked inside the embedded arena live in its own process, out of this page's
# reach: the evaluation starts from the arena's default line-up (base, newest run, RAG).
if evaluate.button(t("arena.page_evaluate"), key="arena_evaluate", help=t("arena.page_evaluate_help")):
    from core.arena.battle import default_specs
    from core.providers import list_contestants

    st.session_state["eval_preselect"] = {"contestants": [s for s in default_specs(list_contestants(lang=lang)) if s]}
    st.switch_page("eval_page.py")
height = st.slider(t("arena.page_height"), 600, 2400, 1400, step=100, key="arena_height",
                   help=t("arena.page_height_help"))
st.iframe(url, height=height)
st.caption(concept_help(t("guide.workshop.arena_settings"), "sampling"))  # temperature, top-p, copy bias: explained
st.caption(t("arena.page_cli_hint"))
