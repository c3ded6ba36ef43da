"""`python -m lab serve`: start the Streamlit lab and the Gradio arena, both on 127.0.0.1.

The arena runs as its own process (components/arena_app.py) so a slow generation never blocks
Streamlit's script runs; Streamlit learns its address through LAB_ARENA_URL. Ctrl+C stops both.
"""
from __future__ import annotations

import os
import subprocess
import sys

from core.cpu_threads import sleep_when_idle
from core.i18n import t
from core.paths import REPO_ROOT


def register(subparsers) -> None:
    parser = subparsers.add_parser("serve", help=t("cli.serve_help"))
    parser.add_argument("--host", default="127.0.0.1", help=t("cli.serve_host_help"))
    parser.add_argument("--port", type=int, default=8501, help=t("cli.serve_port_help"))
    parser.add_argument("--arena-port", type=int, default=7861, help=t("cli.serve_arena_port_help"))
    parser.add_argument("--no-arena", action="store_true", help=t("cli.serve_no_arena_help"))
    parser.set_defaults(func=run)


def run(args) -> int:
    env = dict(os.environ)
    env.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    env.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    # Busy-waiting OpenMP threads starve each other when several columns generate at once on a
    # small CPU (measured in bench/bench_provider.py): let idle threads sleep.
    sleep_when_idle(env)
    children: list[subprocess.Popen] = []
    if not args.no_arena:
        # A wildcard address is not something to connect to: the page probes loopback and points
        # the browser's iframe at whatever host name the browser used for the lab itself.
        probe_host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
        env["LAB_ARENA_URL"] = f"http://{probe_host}:{args.arena_port}"
        children.append(subprocess.Popen(
            [sys.executable, "-m", "components.arena_app", "--host", args.host, "--port", str(args.arena_port)],
            cwd=REPO_ROOT, env=env))
    print(t("cli.serve_started", url=f"http://{args.host}:{args.port}"), flush=True)
    streamlit = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "lab" / "app.py"),
         "--server.address", args.host, "--server.port", str(args.port), "--server.headless", "true",
         "--server.maxUploadSize", "200", "--browser.gatherUsageStats", "false",
         "--client.toolbarMode", "minimal"],
        cwd=REPO_ROOT, env=env)
    children.append(streamlit)
    try:
        return streamlit.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
