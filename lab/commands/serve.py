"""`python -m lab serve`: start the Streamlit lab and the Gradio arena, both on 127.0.0.1, as a service.

The arena runs as its own process (components/arena_app.py) so a slow generation never blocks
Streamlit's script runs; Streamlit learns its address through LAB_ARENA_URL.

Behaving like a service (what systemd, docker and `kill` expect):
- SIGTERM, SIGINT and SIGHUP are forwarded to both children (SIGHUP as SIGTERM: the session is gone,
  stop), which are then waited for (10 s, then killed). The children run in their own process group,
  so Ctrl+C in a terminal reaches them once, through this process.
- A parent that dies without a signal (kill -9, an OOM kill) takes its children along: each child
  asks the kernel for SIGTERM when its parent dies (Linux prctl PR_SET_PDEATHSIG, set between fork
  and exec). Chosen over a watchdog thread polling os.getppid() in the child because the kernel
  delivers it even while the child is stuck in C code or holds the GIL, and it needs no code inside
  Streamlit or Gradio. Elsewhere (macOS) only the forwarding applies.
- A busy port is one line naming who holds it (process name and pid), exit 2, before anything starts.
- Before the pages start, core.jobs.recovery marks runs whose worker is gone as interrupted (Resume
  continues them) and restarts hosted-job watchers, which catch up without repeating events.
- Training workers are detached on purpose (their own session): stopping the lab does not stop a
  run; the log says so, and `lab stop RUN_ID` stops one.
"""
from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time

import psutil

from core.cpu_threads import sleep_when_idle
from core.i18n import t
from core.jobs import recovery, registry
from core.paths import REPO_ROOT, check_lab_home, temp_dir

PR_SET_PDEATHSIG = 1  # linux/prctl.h
SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
STOP_GRACE_S = 10.0   # how long a child may take to shut down after SIGTERM before it is killed


def register(subparsers) -> None:
    parser = subparsers.add_parser("serve", help=t("cli.serve_help"))
    parser.add_argument("--host", default="127.0.0.1", help=t("cli.serve_host_help"))
    parser.add_argument("--port", type=int, default=8501, help=t("cli.serve_port_help"))
    parser.add_argument("--arena-port", type=int, default=7861, help=t("cli.serve_arena_port_help"))
    parser.add_argument("--no-arena", action="store_true", help=t("cli.serve_no_arena_help"))
    parser.set_defaults(func=run)


# ------------------------------------------------------------------------------------------ ports
def port_holder(host: str, port: int) -> str | None:
    """None when (host, port) can be bound now; else who holds it ("python3 (pid 1234)"), as far as
    this user may see. SO_REUSEADDR as the servers use it, so a port in TIME_WAIT counts as free."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            return None
        except OSError:
            pass
    try:
        listeners = [c for c in psutil.net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port]
    except (psutil.AccessDenied, OSError):
        listeners = []
    for conn in listeners:
        if conn.pid:
            return t("cli.serve_port_holder", name=_describe(conn.pid), pid=conn.pid)
    return t("cli.serve_port_holder_unknown")


def _describe(pid: int) -> str:
    """'python -m streamlit run …' rather than just 'python': which program holds the port."""
    try:
        proc = psutil.Process(pid)
        words = [os.path.basename(proc.cmdline()[0])] + proc.cmdline()[1:4] if proc.cmdline() else [proc.name()]
    except (psutil.Error, IndexError):
        return "?"
    text = " ".join(words)
    return text if len(text) <= 80 else text[:79] + "…"


def _busy_port_message(host: str, ports: list[tuple[str, int]]) -> str | None:
    for option, port in ports:
        holder = port_holder(host, port)
        if holder:
            return t("cli.serve_port_busy", host=host, port=port, holder=holder, option=option)
    return None


# ------------------------------------------------------------------------------------------ children
def _die_with_parent() -> None:
    """preexec_fn (in the child, between fork and exec): SIGTERM me when my parent dies. If the
    parent already died before prctl took effect, the child is an orphan now: leave at once."""
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)


def _start(command: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                            process_group=0,
                            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)


def _stop(children: list[subprocess.Popen], sig: int = signal.SIGTERM) -> None:
    """Signal every live child, wait STOP_GRACE_S for all of them, then kill what is left."""
    for child in children:
        if child.poll() is None:
            try:
                child.send_signal(sig)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + STOP_GRACE_S
    for child in children:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


class _Stop(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stop(signum, _frame) -> None:
    raise _Stop(signum)


# ------------------------------------------------------------------------------------------ start-up
def child_env() -> dict:
    """The children's environment: quiet telemetry, sleeping OpenMP threads, and every temporary
    file (Python's tempfile, Gradio's upload and export copies) under LAB_HOME."""
    env = dict(os.environ)
    env.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    env.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    # Busy-waiting OpenMP threads starve each other when several columns generate at once on a
    # small CPU (measured in bench/bench_provider.py): let idle threads sleep.
    sleep_when_idle(env)
    env["LAB_HOME"] = str(check_lab_home())
    env["TMPDIR"] = str(temp_dir())
    env["GRADIO_TEMP_DIR"] = str(temp_dir("gradio"))
    return env


def _report_recovery(report: recovery.Recovery) -> None:
    for key, ids in (("cli.serve_interrupted", report.interrupted),
                     ("cli.serve_watchers_restarted", report.restarted),
                     ("cli.serve_watchers_need_key", report.need_key),
                     ("cli.serve_still_running", report.still_running)):
        if ids:
            print(t(key, count=len(ids), ids=", ".join(ids)), flush=True)


def run(args) -> int:
    ports = [("--port", args.port)] + ([] if args.no_arena else [("--arena-port", args.arena_port)])
    if args.port == args.arena_port and not args.no_arena:
        print(t("cli.error_prefix") + " " + t("cli.serve_same_port", port=args.port), file=sys.stderr)
        return 2
    busy = _busy_port_message(args.host, ports)
    if busy:
        print(t("cli.error_prefix") + " " + busy, file=sys.stderr)
        return 2
    env = child_env()
    try:
        _report_recovery(recovery.recover_after_restart())
    except Exception as exc:  # noqa: BLE001 - a recovery problem must not keep the pages from starting
        print(t("cli.serve_recovery_failed", reason=str(exc) or type(exc).__name__), file=sys.stderr, flush=True)
    print(t("cli.serve_workers_detached"), flush=True)

    # Signals stop the lab from here on (also while the children are being started).
    previous = {sig: signal.signal(sig, _raise_stop) for sig in SIGNALS}
    children: list[subprocess.Popen] = []
    code = 0
    try:
        if not args.no_arena:
            # A wildcard address is not something to connect to: the page probes loopback and points
            # the browser's iframe at whatever host name the browser used for the lab itself.
            probe_host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
            env["LAB_ARENA_URL"] = f"http://{probe_host}:{args.arena_port}"
            children.append(_start([sys.executable, "-m", "components.arena_app", "--host", args.host,
                                    "--port", str(args.arena_port)], env))
        print(t("cli.serve_started", url=f"http://{args.host}:{args.port}"), flush=True)
        # A served lab, not a development server: Streamlit's source watcher walks every loaded module
        # (torch, transformers: thousands) after each script run, and `runner.postScriptGC` runs a full
        # gc.collect(2) over the models' millions of objects, both holding the GIL that every
        # session's script shares. Measured over the websocket (bench/bench_load.py's client), a new
        # session's home page went from 0.81 s to 0.06 s, the inspector from 0.73 + 0.32 to 0.09 + 0.04 s.
        streamlit = _start(
            [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "lab" / "app.py"),
             "--server.address", args.host, "--server.port", str(args.port), "--server.headless", "true",
             "--server.maxUploadSize", "200", "--browser.gatherUsageStats", "false",
             "--client.toolbarMode", "minimal", "--server.fileWatcherType", "none",
             "--runner.postScriptGC", "false"], env)
        children.append(streamlit)
        code = streamlit.wait()  # the pages are the service: when Streamlit ends, the lab ends
    except _Stop as stop:
        print(t("cli.serve_stopping", signal=signal.Signals(stop.signum).name), flush=True)
        forwarded = signal.SIGINT if stop.signum == signal.SIGINT else signal.SIGTERM
        for sig in SIGNALS:  # a second signal must not cut the wait short
            signal.signal(sig, signal.SIG_IGN)
        _stop(children, forwarded)
        code = 0
    finally:
        for sig in SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        _stop(children)
        running = [job.id for job in registry.list_jobs() if job.active]
        if running:
            print(t("cli.serve_left_running", count=len(running), ids=", ".join(running)), flush=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code
