"""State on disk: a LAB_HOME that cannot be created or written, or a full disk, is one line naming the
folder and the fix (CLI exit 2, an error box in the page), never a traceback or a half-written file:
an ENOSPC injected into a real checkpoint save and into an upload. The registry takes several writer
processes at once; a damaged events.jsonl line is skipped with a note."""
from __future__ import annotations

import errno
import hashlib
import io
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

import core.atomic as atomic
import core.paths as paths
from core.errors import UnavailableError
from core.jobs import events, registry

ROOT = Path(__file__).resolve().parent.parent


def enospc(path: str | None = None) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)


def tree(folder: Path) -> dict[str, str]:
    """Every file under folder (hidden ones too) -> sha256: what 'nothing changed' means."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def os_with(**overrides) -> types.ModuleType:
    """The os module as one module of the lab sees it, with some functions replaced (a fault
    injected there only, not into pytest or the libraries)."""
    proxy = types.ModuleType("os")
    proxy.__dict__.update(os.__dict__)
    proxy.__dict__.update(overrides)
    return proxy


def test_disk_full_during_a_checkpoint_save_keeps_the_previous_checkpoint(lab_home, monkeypatch):
    import safetensors.torch
    import transformers.modeling_utils as modeling_utils
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2)
    model = LlamaForCausalLM(config)
    target = lab_home / "runs" / "run-x" / "checkpoints" / "final"
    atomic.save_pretrained(target, model)
    before = tree(target.parent)

    def half_then_full(tensors, filename, metadata=None):
        data = safetensors.torch.save(tensors, metadata=metadata)
        with open(filename, "wb") as handle:  # the disk fills up half-way through the weights
            handle.write(data[: len(data) // 2])
        raise enospc(filename)

    monkeypatch.setattr(modeling_utils, "safe_save_file", half_then_full)
    with pytest.raises(UnavailableError) as caught:
        atomic.save_pretrained(target, model)
    message = caught.value.message("en")
    assert str(target.parent) in message and "full" in message and "LAB_HOME" in message
    assert "\n" not in message
    assert tree(target.parent) == before  # the previous checkpoint, whole; no temp or half file
    assert [p.name for p in target.parent.iterdir()] == ["final"]


class FillsUp(io.RawIOBase):
    """A file object whose disk fills after `room` bytes: the first writes land, then ENOSPC."""

    def __init__(self, real, room: int) -> None:
        self.real, self.room = real, room

    def write(self, data) -> int:
        if len(data) > self.room:
            self.real.write(bytes(data[: self.room]))
            self.real.flush()
            raise enospc()
        self.room -= len(data)
        return self.real.write(data)

    def __getattr__(self, name):
        return getattr(self.real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.real.close()


def test_disk_full_during_an_upload_leaves_the_datasets_folder_as_it_was(lab_home, monkeypatch):
    from core.dataset import store

    sample = (paths.ASSETS / "samples" / "support_en.jsonl").read_bytes()
    store.save_upload(io.BytesIO(sample[:2000]), "support_en.jsonl")
    before = tree(store.datasets_dir())
    real_fdopen = os.fdopen
    monkeypatch.setattr(atomic, "os", os_with(fdopen=lambda fd, *a, **k: FillsUp(real_fdopen(fd, *a, **k), 1500)))
    monkeypatch.setattr(store, "CHUNK", 1024)  # several writes, the second one meets the full disk
    with pytest.raises(UnavailableError) as caught:
        store.save_upload(io.BytesIO(sample), "support_en.jsonl")
    assert str(store.datasets_dir()) in caught.value.message("en")
    assert "está cheio" in caught.value.message("pt-BR")
    assert tree(store.datasets_dir()) == before


def test_the_cli_names_an_unusable_lab_home_in_one_line(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env = dict(os.environ, LAB_HOME=str(blocker / "home"))
    out = subprocess.run([sys.executable, "-m", "lab", "env"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 2 and out.stdout == ""
    line = out.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert str(blocker / "home") in line and "in the way" in line and "LAB_HOME" in line


def test_a_full_disk_at_start_is_one_line_and_no_probe_file_stays(lab_home, monkeypatch, capsys):
    from lab.cli import main

    def no_room(fd, data):
        raise enospc()

    monkeypatch.setattr(paths, "os", os_with(write=no_room))
    assert main(["--lang", "pt-BR", "jobs"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and str(lab_home) in err and "cheio" in err
    assert list(lab_home.iterdir()) == []


def test_the_page_shows_one_error_box_when_lab_home_cannot_be_written(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LAB_HOME", str(blocker))
    at = AppTest.from_file(str(ROOT / "lab" / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert len(at.error) == 1
    shown = at.error[0].value.replace("\\", "")  # the box escapes Markdown (the folder name has "_")
    assert str(blocker) in shown and "LAB_HOME" in shown


WRITER = """
import sys
from core.jobs import registry
n, tag = int(sys.argv[1]), sys.argv[2]
for i in range(n):
    job = registry.create_job("local", {"writer": tag, "i": i}, lane="lane-" + tag)
    registry.update_job(job.id, status="running")
    registry.merge_result(job.id, step=i)
    registry.merge_result(job.id, writer=tag)
    registry.update_job(job.id, expect_status="running", status="succeeded")
print("ok")
"""


def test_the_registry_takes_several_writer_processes_at_once(lab_home):
    env = dict(os.environ, LAB_HOME=str(lab_home), PYTHONPATH=str(ROOT))
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, "25", f"w{n}"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(4)]
    results = [w.communicate(timeout=180) for w in writers]
    assert [w.returncode for w in writers] == [0] * 4, [err[-2000:] for _, err in results]
    jobs = registry.list_jobs()
    assert len(jobs) == 100 and {j.status for j in jobs} == {"succeeded"}
    assert all(j.result == {"step": j.params["i"], "writer": j.params["writer"]} for j in jobs)
    with registry.connect() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000


def test_a_cut_off_events_line_is_skipped_with_a_note(tmp_path):
    events.append_event(tmp_path, "metric", step=1, train_loss=2.0)
    with open(events.events_path(tmp_path), "ab") as handle:
        handle.write(b'{"time": 1.0, "kind": "metric", "st')  # a writer killed mid-line
    events.append_event(tmp_path, "metric", step=2, train_loss=1.5)  # lands on the same row
    with open(events.events_path(tmp_path), "ab") as handle:
        handle.write(b"\x00\x00garbage\n")
    events.append_event(tmp_path, "status", status="succeeded")

    read = events.read_all(tmp_path)
    assert [e.get("step") for e in read if e["kind"] == "metric"] == [1, 2]
    notes = [e for e in read if e.get("skipped_line")]
    assert [n["skipped_line"] for n in notes] == [2, 3]
    assert all(n["kind"] == "log" and n["level"] == "warning" and "Line" in n["message"] for n in notes)
    assert read[-1]["status"] == "succeeded"
    # Reading on from an offset numbers lines the same way.
    first, offset = events.read_events(tmp_path)
    events.append_event(tmp_path, "log", message="x")
    with open(events.events_path(tmp_path), "ab") as handle:
        handle.write(b"{broken\n")
    later, _ = events.read_events(tmp_path, offset)
    assert [e.get("skipped_line") for e in later if e.get("skipped_line")] == [6]


def test_a_full_disk_under_the_registry_is_the_same_clear_error(lab_home, monkeypatch):
    import sqlite3

    job = registry.create_job("local", {}, lane="lane-full")
    real_connect = sqlite3.connect

    def no_more_pages(*args, **kwargs):  # sqlite's own limit: every new page is SQLITE_FULL
        conn = real_connect(*args, **kwargs)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count={pages}")
        return conn

    with monkeypatch.context() as patch:
        patch.setattr(registry.sqlite3, "connect", no_more_pages)
        with pytest.raises(UnavailableError) as caught:
            for i in range(200):
                registry.merge_result(job.id, blob="x" * 4000, i=i)
                registry.create_job("local", {"filler": "y" * 4000}, lane="lane-full")
    assert str(lab_home) in caught.value.message("en") and "full" in caught.value.message("en")
    assert registry.get_job(job.id).status == "queued"  # what was committed is intact
