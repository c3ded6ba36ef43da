"""`lab serve` behaves like a service: SIGTERM stops both children and frees their ports, a parent
killed with -9 takes its children along, a busy port is one line naming its holder (exit 2), and a
served arena's export leaves nothing in the system temp dir (Gradio's copies live under LAB_HOME)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.arena_support import fake_openai  # noqa: F401 - fixture: an OpenAI-compatible endpoint
from tests.browser_support import free_port, wait_http

ROOT = Path(__file__).resolve().parent.parent


def start_serve(home: Path, log: Path, system_tmp: Path, *extra: str) -> tuple[subprocess.Popen, int, int]:
    port, arena_port = free_port(), free_port()
    env = dict(os.environ, LAB_HOME=str(home), LAB_LANG="en", TMPDIR=str(system_tmp))
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "lab", "serve", "--port", str(port),
                                 "--arena-port", str(arena_port), *extra],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return proc, port, arena_port


def children_of(proc: subprocess.Popen, count: int, timeout: float = 60) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = psutil.Process(proc.pid).children()
        if len(kids) >= count:
            return kids
        time.sleep(0.1)
    raise AssertionError(f"lab serve did not start {count} children")


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def exited(proc: psutil.Process) -> bool:
    """Gone, or a zombie waiting for a reaper (an orphan's new parent may be slow to reap it)."""
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def kill_all(proc: subprocess.Popen, kids: list[psutil.Process]) -> None:
    """Cleanup for a failed test: nothing of ours may outlive it."""
    for p in [*kids, proc]:
        try:
            p.kill()
        except (psutil.NoSuchProcess, ProcessLookupError):
            pass


def test_sigterm_stops_pages_and_arena_and_exports_stay_in_lab_home(tmp_path, lab_home, fake_openai):
    from gradio_client import Client

    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    proc, port, arena_port = start_serve(lab_home, tmp_path / "serve.log", system_tmp)
    kids = []
    try:
        kids = children_of(proc, 2)
        wait_http(f"http://127.0.0.1:{port}/_stcore/health")
        wait_http(f"http://127.0.0.1:{arena_port}/")

        # An export through the served arena: Gradio copies the file it serves into its cache.
        client = Client(f"http://127.0.0.1:{arena_port}/", verbose=False, download_files=str(tmp_path / "dl"))
        client.predict(question="How much is the Plus plan?", contestant_1="",
                       contestant_2=f"endpoint:{fake_openai.url}#pia-echo", contestant_3="",
                       temperature=0, max_tokens=8, api_name="/ask")
        exported = Path(client.predict(api_name="/export_markdown"))
        assert "How much is the Plus plan?" in exported.read_text(encoding="utf-8")
        cached = [p for p in (lab_home / "gradio").rglob("*.md")]
        assert cached, "Gradio's copy of the export is under LAB_HOME/gradio"

        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        kill_all(proc, kids)
    assert all(exited(k) for k in kids)
    assert port_free(port) and port_free(arena_port)
    log = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert "detached on purpose" in log and "Stopping the lab (SIGTERM)" in log
    assert [str(p) for p in system_tmp.rglob("*")] == []  # nothing in the system temp dir


def test_children_exit_when_the_parent_is_killed_with_9(tmp_path, lab_home):
    proc, port, arena_port = start_serve(lab_home, tmp_path / "serve.log", tmp_path, "--no-arena")
    kids = []
    try:
        kids = children_of(proc, 1)
        wait_http(f"http://127.0.0.1:{port}/_stcore/health")
        os.kill(proc.pid, signal.SIGKILL)  # no signal handler runs: only the kernel can tell the child
        proc.wait(timeout=10)
        deadline = time.monotonic() + 30  # bounded: the kernel's SIGTERM, then the child's own shutdown
        while time.monotonic() < deadline and not all(exited(k) for k in kids):
            time.sleep(0.2)
        assert all(exited(k) for k in kids), [k.pid for k in kids if not exited(k)]
    finally:
        kill_all(proc, kids)
    assert port_free(port)


def test_a_busy_port_is_one_line_naming_its_holder(lab_home, capsys):
    from lab.cli import main

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        assert main(["serve", "--port", str(busy), "--no-arena"]) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and "Traceback" not in err
        assert f"Port {busy}" in err and f"pid {os.getpid()}" in err and "--port" in err
        assert main(["serve", "--port", str(free_port()), "--arena-port", str(busy)]) == 2
        assert "--arena-port" in capsys.readouterr().err
        assert main(["--lang", "pt-BR", "serve", "--port", str(busy), "--no-arena"]) == 2
        assert f"A porta {busy}" in capsys.readouterr().err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_die_with_parent_is_set_in_the_child():
    """The preexec hook really asks the kernel (read back with PR_GET_PDEATHSIG in the child)."""
    from lab.commands.serve import _die_with_parent

    probe = ("import ctypes, signal; libc = ctypes.CDLL(None); v = ctypes.c_int();"
             "libc.prctl(2, ctypes.byref(v), 0, 0, 0); print(v.value)")
    out = subprocess.run([sys.executable, "-c", probe], preexec_fn=_die_with_parent, capture_output=True,
                         text=True, timeout=30)
    assert out.stdout.strip() == str(int(signal.SIGTERM))
