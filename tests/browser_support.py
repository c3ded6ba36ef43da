"""Start the whole lab (`python -m lab serve`) for real-browser tests, and drive Debian's Chromium.

Usage in a test module:
    from tests.browser_support import lab_server, browser_page  # noqa: F401 (pytest fixtures)
    @pytest.mark.browser
    def test_x(lab_server, browser_page):
        browser_page.goto(lab_server.url + "/inspector")
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("LAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@dataclass
class LabServer:
    url: str
    arena_url: str
    home: Path
    log: Path


def kill_tree(proc: subprocess.Popen, timeout: float = 30) -> None:
    """Kill a `lab serve` started here and everything it started (Streamlit, the arena)."""
    import psutil

    try:
        parent = psutil.Process(proc.pid)
        for child in parent.children(recursive=True):
            child.kill()
        parent.kill()
    except psutil.NoSuchProcess:
        pass
    proc.wait(timeout=timeout)


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    """The lab and its arena on free loopback ports with their own LAB_HOME; stopped afterwards."""
    home = tmp_path_factory.mktemp("browser-lab-home")
    port, arena_port = free_port(), free_port()
    log = home / "serve.log"
    env = dict(os.environ, LAB_HOME=str(home), LAB_LANG="en")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lab", "serve", "--port", str(port), "--arena-port", str(arena_port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = LabServer(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{arena_port}", home, log)
    try:
        wait_http(server.url + "/_stcore/health")
        yield server
    finally:
        kill_tree(proc, timeout=20)


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def browser_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def wait_streamlit_idle(page, timeout: float = 60_000) -> None:
    """Wait until Streamlit finished its script run, as Streamlit's own e2e tests do: the app's
    script state says notRunning. A short pause first lets a rerun that an action just asked for
    start (the state flips a moment after the click), and the 'running' indicator must be gone too."""
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


def pick_option(page, key: str, name: str, attempts: int = 4) -> None:
    """Open the select or multiselect with widget key `key` and click the option `name`.

    A click that lands while Streamlit is still re-rendering the widget opens nothing, so the
    dropdown is reopened until the option shows (a busy CI machine needs more than one try)."""
    field = page.locator(f".st-key-{key} [role='combobox']").first
    option = page.get_by_role("option").filter(has_text=name).first
    for attempt in range(attempts):
        wait_streamlit_idle(page)
        field.click()
        try:
            option.wait_for(timeout=10_000)
        except Exception:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
            continue
        option.click()
        return
