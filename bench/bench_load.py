"""Benchmark: page-ready time with many sessions at once, against one session, same run.

A workshop room on one machine: N attendees open the lab while one local training job runs. This
starts `python -m lab serve` on free loopback ports with its own LAB_HOME (nothing else is reached),
measures single sessions one after the other (the baseline), optionally starts one local training
job (the quick preset, step limit raised so it trains for the whole measurement; stopped at the end),
then N concurrent sessions (asyncio). Each session opens up to 3 pages (inspector with a sample
picked, costs, home, training: rotated so every page is opened by about 3N/4 sessions).

Two clients (--client):
- `protocol` (default): each page open is a new Streamlit session over its websocket
  (bench/streamlit_session.py), timed from the rerun request to `script_finished` with the page's
  chart (inspector, costs) or title (home, training) received. This is the server's side of a page;
  in a workshop the browsers run on the attendees' laptops, not on the lab's 2 cores.
- `chromium`: headless Chromium contexts on this machine, timed goto -> the chart or title visible
  and the script run finished (stApp's data-test-script-state "notRunning"). The browsers' own
  drawing then competes with the server for the same cores.

Prints p50/p95 per page for 1 session and for N sessions, and the ratio p95(N) / p95(1);
target: p95 with N=8 while one job trains <= 3x the single-session p95. The machine's load average
is printed with the figures (shared machines make noisy timings).

How the room behaves (both default 0: N requests in the same instant, back to back, a stress case no
room of readers produces): `--arrive S` spreads the N sessions' first page over S seconds (each starts
at a seeded uniform moment in [0, S]), `--think S` makes each attendee read 0.5-1.5 x S seconds
between two pages.

Usage: python bench/bench_load.py [--sessions 8] [--client protocol|chromium] [--arrive 0] [--think 0]
       [--no-train] [--rounds 4] [--timeout 900]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from tests.browser_support import free_port, wait_http  # noqa: E402  (the browser tests' own helpers)

CHROMIUM = os.environ.get("LAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MAX_SESSIONS = 16
PAGES_PER_SESSION = 3
PAGES = ["inspector", "costs", "home", "train"]
URLS = {"inspector": "/inspector", "costs": "/costs", "home": "/", "train": "/train"}
READY = {"inspector": "[data-testid='stPlotlyChart']", "costs": "[data-testid='stPlotlyChart']",
         "home": "[data-testid='stMain'] h1", "train": "[data-testid='stMain'] h1"}
READY_ELEMENT = {"inspector": "plotly_chart", "costs": "plotly_chart", "home": "heading", "train": "heading"}
SAMPLE = "support_en.jsonl"  # the inspector's sample (also what the training job learns from)
IDLE_JS = "() => document.querySelector(\"[data-testid='stApp']\")?.getAttribute('data-test-script-state') === 'notRunning'"


def lab(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lab", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def start_server(env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    port, arena_port = free_port(), free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "lab", "serve", "--port", str(port), "--arena-port",
                                 str(arena_port)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/_stcore/health", 180)
    return proc, url


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM (lab serve forwards it to Streamlit and the arena), then the whole group if needed."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def start_training(env: dict) -> str:
    """One local job on the bundled sample: the quick preset, allowed to run past the measurement (a step
    logged each step: with 100,000 steps planned the default would log every 1,000th)."""
    from core.dataset.samples import sample_path

    done = lab(env, "train", str(sample_path(SAMPLE)), "--preset", "quick", "--max-steps", "100000",
               "--logging-steps", "1", "--name", "bench-load", "--format", "json")
    if done.returncode != 0:
        raise RuntimeError(f"lab train failed: {done.stderr.strip() or done.stdout.strip()}")
    return json.loads(done.stdout)["id"]


def job_state(env: dict, job_id: str) -> tuple[str, int | None]:
    """(status, latest step) from `lab jobs --format json`."""
    rows = json.loads(lab(env, "jobs", "--format", "json").stdout or "[]")
    row = next((r for r in rows if r.get("id") == job_id), {})
    return row.get("status", "?"), (row.get("metrics") or {}).get("step")


def wait_training(env: dict, job_id: str, timeout: float = 300) -> str:
    """Until the worker logged its first step (model loaded, training), so the sessions compete with
    real training, not with its start-up."""
    deadline = time.monotonic() + timeout
    status, step = job_state(env, job_id)
    while status in ("queued", "starting", "running", "?") and step is None and time.monotonic() < deadline:
        time.sleep(3)
        status, step = job_state(env, job_id)
    return f"{status}, step {step}"


async def open_page(page, base: str, name: str, sample_title: str, page_timeout: float) -> float:
    """Seconds from goto to the page being ready (see the module docstring)."""
    start = time.perf_counter()
    ms = page_timeout * 1000
    await page.goto(base + URLS[name], wait_until="domcontentloaded", timeout=ms)
    if name == "inspector":
        await pick_sample(page, sample_title, ms)
    await page.locator(READY[name]).first.wait_for(state="visible", timeout=ms)
    await page.wait_for_function(IDLE_JS, timeout=ms, polling=100)
    return time.perf_counter() - start


async def pick_sample(page, title: str, ms: float) -> None:
    """The inspector's sample select: react-aria combobox; reopened when a rerun swallowed the click."""
    field = page.locator(".st-key-inspect_sample [role='combobox']").first
    option = page.get_by_role("option").filter(has_text=title).first
    await field.wait_for(state="visible", timeout=ms)
    for attempt in range(4):
        await page.wait_for_function(IDLE_JS, timeout=ms, polling=100)
        await field.click()
        try:
            await option.wait_for(timeout=10_000)
        except Exception:
            if attempt == 3:
                raise
            await page.keyboard.press("Escape")
            continue
        await option.click()
        return


async def open_page_protocol(base: str, name: str, sample_title: str) -> float:
    """Seconds from the rerun request to the finished page, in a new session (like a page load)."""
    from bench.streamlit_session import Session

    start = time.perf_counter()
    async with Session(base) as client:
        page = await client.open(URLS[name].strip("/"))
        if name == "inspector":
            page = await client.open("inspector", {page.widget("inspect_sample"): sample_title})
    if page.errors or not page.elements[READY_ELEMENT[name]]:
        raise RuntimeError(f"page not ready: {page.errors or dict(page.elements)}")
    return time.perf_counter() - start


@dataclass(frozen=True)
class Pace:
    """How an attendee of the concurrent phase moves: arrives within `arrive` s, reads `think` s a page."""
    arrive: float = 0.0
    think: float = 0.0

    def wait(self, index: int, rng: random.Random) -> float:
        """Seconds to wait before the index-th page."""
        if index == 0:
            return self.arrive * rng.uniform(0, 1)
        return self.think * rng.uniform(0.5, 1.5)


async def session(browser, base: str, pages: list[str], sample_title: str, page_timeout: float,
                  results: dict, failures: list, pace: Pace = Pace(), seed: int = 0) -> None:
    """One attendee opening `pages` in turn: in a Chromium context, or (browser None) over the protocol,
    at its `pace` (default: at once and back to back, the stress case)."""
    rng = random.Random(seed)
    context = page = None
    if browser is not None:
        context = await browser.new_context(viewport={"width": 1400, "height": 1000})
        page = await context.new_page()
    try:
        for index, name in enumerate(pages):
            await asyncio.sleep(pace.wait(index, rng))
            try:
                opened = (open_page(page, base, name, sample_title, page_timeout) if page is not None
                          else asyncio.wait_for(open_page_protocol(base, name, sample_title), page_timeout))
                results.setdefault(name, []).append(await opened)
            except Exception as err:  # a timeout or a crashed page: counted, the session goes on
                failures.append(f"{name}: {type(err).__name__}: {(str(err).splitlines() or [''])[0][:160]}")
    finally:
        if context is not None:
            await context.close()


def plan(index: int) -> list[str]:
    """Session `index` opens 3 of the 4 pages, rotated, so each page gets about 3/4 of the sessions."""
    return [PAGES[(index + k) % len(PAGES)] for k in range(PAGES_PER_SESSION)]


async def measure(base: str, sessions: int, rounds: int, page_timeout: float, sample_title: str,
                  on_concurrent_start, result: dict, client: str = "protocol", pace: Pace = Pace()) -> None:
    """Fills `result` as it goes, so a run stopped by --timeout still reports what it measured."""
    result.update(warm={}, single={}, many={}, failures=[], load_single=(), load_many=(), training="")
    if client == "chromium":
        from playwright.async_api import async_playwright

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                await phases(browser, base, sessions, rounds, page_timeout, sample_title, on_concurrent_start, result,
                             pace)
            finally:
                await browser.close()
    else:
        await phases(None, base, sessions, rounds, page_timeout, sample_title, on_concurrent_start, result, pace)


async def phases(browser, base: str, sessions: int, rounds: int, page_timeout: float, sample_title: str,
                 on_concurrent_start, result: dict, pace: Pace) -> None:
    # first imports of each page (torch for the training page) are not what a rerun costs
    await session(browser, base, PAGES, sample_title, page_timeout * 2, result["warm"], result["failures"])
    for i in range(rounds):  # one session at a time: the baseline
        await session(browser, base, plan(i), sample_title, page_timeout, result["single"], result["failures"])
    result["load_single"] = os.getloadavg()
    result["training"] = on_concurrent_start()
    await asyncio.gather(*(session(browser, base, plan(i), sample_title, page_timeout, result["many"],
                                   result["failures"], pace, seed=i) for i in range(sessions)))
    result["load_many"] = os.getloadavg()


def percentiles(values: list[float]) -> tuple[float, float]:
    return (float(np.percentile(values, 50)), float(np.percentile(values, 95))) if values else (float("nan"),) * 2


def report(result: dict, sessions: int, train_note: str) -> None:
    print("\nwarm-up (first open of each page, not counted): "
          + ", ".join(f"{k} {v[0]:.1f} s" for k, v in result["warm"].items()))
    print(f"load average (1, 5, 15 min): after single sessions {tuple(round(x, 1) for x in result['load_single'])}, "
          f"after {sessions} sessions {tuple(round(x, 1) for x in result['load_many'])}; {os.cpu_count()} cores")
    print(f"training job during the {sessions}-session phase: {train_note}\n")
    header = f"{'page':<10} {'1 session p50':>13} {'p95':>7} {'n':>3}   {f'{sessions} sessions p50':>16} {'p95':>7} {'n':>3}   {'p95 ratio':>9}"
    print(header)
    print("-" * len(header))
    ratios = []
    for name in PAGES:
        one, many = result["single"].get(name, []), result["many"].get(name, [])
        (p50a, p95a), (p50b, p95b) = percentiles(one), percentiles(many)
        ratio = p95b / p95a if one and many else float("nan")
        ratios.append(ratio)
        print(f"{name:<10} {p50a:>11.2f} s {p95a:>5.2f} s {len(one):>3}   {p50b:>14.2f} s {p95b:>5.2f} s {len(many):>3}"
              f"   {ratio:>8.2f}x")
    worst = max((r for r in ratios if r == r), default=float("nan"))
    print(f"\nworst p95 ratio: {worst:.2f}x (target <= 3x with 8 sessions and one job training)")
    if result["failures"]:
        print(f"failures ({len(result['failures'])}):")
        for line in result["failures"][:20]:
            print("  " + line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8, help=f"concurrent browser sessions (1..{MAX_SESSIONS})")
    parser.add_argument("--client", choices=("protocol", "chromium"), default="protocol",
                        help="Streamlit's websocket protocol (the server's side) or headless Chromium on this machine")
    parser.add_argument("--arrive", type=float, default=0.0,
                        help="seconds over which the sessions' first pages are spread (default 0: the same instant)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds an attendee reads between two pages (0.5-1.5x; default 0: back to back)")
    parser.add_argument("--rounds", type=int, default=4, help="single sessions, one after the other (the baseline)")
    parser.add_argument("--no-train", action="store_true", help="no training job during the concurrent phase")
    parser.add_argument("--page-timeout", type=float, default=240, help="seconds one page may take")
    parser.add_argument("--timeout", type=float, default=900, help="seconds the whole benchmark may take")
    args = parser.parse_args()
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be between 1 and {MAX_SESSIONS}")
    if args.client == "chromium" and not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set LAB_CHROMIUM)")
        return 2
    from core.dataset.samples import list_samples
    from core.i18n import t

    sample_title = t(next(s for s in list_samples() if s["file"] == SAMPLE)["title_key"], "en")
    home = Path(tempfile.mkdtemp(prefix="lab-bench-load-"))
    env = dict(os.environ, LAB_HOME=str(home), LAB_LANG="en")
    proc, base = start_server(env, home / "serve.log")
    job = {"id": None, "note": "none (--no-train)"}

    def begin_training() -> str:
        if args.no_train:
            return job["note"]
        job["id"] = start_training(env)
        job["note"] = f"{job['id']}: {wait_training(env, job['id'])} at the start"
        return job["note"]

    print(f"lab at {base}, LAB_HOME {home}; client {args.client}: {args.rounds} single sessions, "
          f"then {args.sessions} at once, arriving within {args.arrive:g} s, {args.think:g} s reading between pages")
    result: dict = {}
    code = 0
    try:
        try:
            asyncio.run(asyncio.wait_for(measure(base, args.sessions, args.rounds, args.page_timeout, sample_title,
                                                 begin_training, result, args.client, Pace(args.arrive, args.think)),
                                         args.timeout))
        except TimeoutError:
            print(f"stopped by --timeout {args.timeout:.0f} s: the figures below are partial ({home / 'serve.log'})")
            code = 1
        if job["id"]:
            job["note"] += "; {}, step {} at the end".format(*job_state(env, job["id"]))
        report(result, args.sessions, job["note"])
    finally:  # the training worker is detached on purpose: stop it by its id, then the server
        if job["id"]:
            lab(env, "stop", job["id"])
        stop_server(proc)
    return code

if __name__ == "__main__":
    sys.exit(main())
