"""Uploads into folders every session shares (issue 16 §1, §6): a name never silently replaces another
file, the same bytes are one file, odd names (NUL, folders, control characters) are cleaned or
refused with a message, and each upload widget states the limit it enforces."""
from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.dataset import clean_file, split_file
from core.dataset.store import MAX_UPLOAD_MB, datasets_dir, derive, derive_split, store_upload
from core.errors import InputError
from core.rag import documents
from tests.rag_support import bundled_index_template, install_template

ROOT = Path(__file__).resolve().parent.parent
INSPECTOR = str(ROOT / "lab" / "inspector_page.py")
DOCUMENTS = str(ROOT / "lab" / "documents_page.py")


def dataset(n: int, tag: str) -> bytes:
    lines = [json.dumps({"messages": [{"role": "user", "content": f"{tag} question {i}?"},
                                      {"role": "assistant", "content": f"{tag} answer {i}."}]}) for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def store(data: bytes, name: str):
    return store_upload(io.BytesIO(data), name, size=len(data))


def test_a_taken_name_keeps_both_files_and_the_same_bytes_are_one_file():
    a, b = dataset(12, "A"), dataset(15, "B")
    first = store(a, "support.jsonl")
    second = store(b, "support.jsonl")
    assert first.path.name == "support.jsonl" and not first.renamed and not first.reused
    assert second.renamed and second.path.name.startswith("support-") and second.path.suffix == ".jsonl"
    assert first.path.read_bytes() == a and second.path.read_bytes() == b  # A still has its 12 examples
    again = store(a, "support.jsonl")
    assert again.path == first.path and again.reused and not again.renamed
    assert store(b, "support.jsonl").path == second.path  # B's bytes again: B's file, not a third one
    assert sorted(p.name for p in datasets_dir().iterdir()) == sorted([first.path.name, second.path.name])


def test_two_names_that_clean_to_the_same_file_name_do_not_collide():
    one, other = store(dataset(2, "one"), "my data.jsonl"), store(dataset(3, "other"), "my_data.jsonl")
    assert one.wanted == other.wanted == "my_data.jsonl" and one.path != other.path
    assert one.path.read_bytes() == dataset(2, "one") and other.path.read_bytes() == dataset(3, "other")
    docs = documents.docs_dir("shared") / "en"
    first, _ = documents.store_upload("Guide (1).md", b"# One\n\nfirst", "shared", "en")
    second, stored = documents.store_upload("Guide _1.md", b"# Two\n\nsecond", "shared", "en")
    assert first.name == "Guide _1.md" and stored.renamed and second.path.parent == docs
    assert first.path.read_bytes() == b"# One\n\nfirst" and second.path.read_bytes() == b"# Two\n\nsecond"
    assert documents.store_upload("Guide (1).md", b"# One\n\nfirst", "shared", "en")[1].reused


def test_sessions_racing_for_one_name_each_keep_their_own_file():
    contents = [dataset(3, f"session{i}") for i in range(6)] + [dataset(3, "same")] * 3
    barrier, results = threading.Barrier(len(contents)), {}

    def upload(i: int) -> None:
        barrier.wait()
        results[i] = store(contents[i], "race.jsonl")

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(len(contents))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results[i].path.read_bytes() == contents[i] for i in results)  # nobody got another's bytes
    assert len({results[i].path for i in range(6)}) == 6 and len({results[i].path for i in (6, 7, 8)}) == 1
    assert len(list(datasets_dir().glob("race*.jsonl"))) == 7 and not list(datasets_dir().glob(".*"))


def test_cleaned_and_split_copies_of_one_file_never_replace_another_sessions_copy():
    source = store(dataset(20, "S") + b"{broken\n", "base.jsonl").path
    dropped = derive(source, "_clean", lambda out: clean_file(source, out, {"invalid_json"}))
    kept = derive(source, "_clean", lambda out: clean_file(source, out, set()))
    assert Path(dropped["path"]).name == "base_clean.jsonl" and Path(kept["path"]) != Path(dropped["path"])
    assert b"{broken" not in Path(dropped["path"]).read_bytes() and b"{broken" in Path(kept["path"]).read_bytes()
    assert derive(source, "_clean", lambda out: clean_file(source, out, {"invalid_json"}))["path"] == dropped["path"]
    first = derive_split(source, lambda folder: split_file(source, folder, 0.2, seed=1))
    other = derive_split(source, lambda folder: split_file(source, folder, 0.2, seed=2))
    assert [p.name for p in first] == ["base_train.jsonl", "base_val.jsonl"] and set(first).isdisjoint(other)
    assert not [p for p in datasets_dir().iterdir() if p.name.startswith(".")]  # no staging left behind


def test_names_with_nul_folders_or_control_characters_are_cleaned_or_refused():
    stored = store(dataset(1, "x"), "../../etc/a\x00b\x1b[1m.jsonl")
    assert stored.path.parent == datasets_dir() and stored.path.name == "ab_1m.jsonl"
    with pytest.raises(InputError) as info:
        store(b"{}", "\x00\x01/")
    assert info.value.key == "inspect.error.upload_type"
    assert documents.safe_name("..\\x\x00\x07y.md") == "xy.md"
    with pytest.raises(InputError):
        documents.safe_name("notes\x00.exe")


def test_documents_page_cleans_a_nul_name_refuses_a_wrong_type_and_keeps_both_same_names(tmp_path_factory, lab_home):
    install_template(bundled_index_template(tmp_path_factory), lab_home)
    at = AppTest.from_file(DOCUMENTS, default_timeout=120).run()
    widget = at.file_uploader(key="rag_upload")
    assert widget.proto.max_upload_size_mb == documents.MAX_UPLOAD_BYTES // 2**20
    assert widget.help.endswith(f"{documents.MAX_UPLOAD_BYTES // 2**20} MB per file • TXT, MD, PDF")
    widget.set_value([("bad\x00name.md", b"# Bikes\n\nAbout bikes.", "text/markdown"),
                      ("tool.exe", b"MZ", "application/octet-stream")])
    at.run()
    assert not at.exception  # Streamlit's own type check raised StreamlitAPIException for the NUL here
    assert any("tool.exe" in e.value and "TXT, MD, PDF" in e.value for e in at.error)
    at.button(key="rag_upload_button").click().run()
    assert not at.exception and any("badname.md" in s.value for s in at.success)
    assert any("Saved as badname.md" in c.value and "bad\ufffdname.md" in c.value for c in at.caption)
    assert (lab_home / "rag/default/docs/en/badname.md").read_bytes() == b"# Bikes\n\nAbout bikes."

    at.file_uploader(key="rag_upload").set_value(("badname.md", b"# Other\n\nAnother file.", "text/markdown"))
    at.run()
    at.button(key="rag_upload_button").click().run()
    assert not at.exception and any("was kept beside it" in i.value for i in at.info)
    assert (lab_home / "rag/default/docs/en/badname.md").read_bytes() == b"# Bikes\n\nAbout bikes."
    assert len(list((lab_home / "rag/default/docs/en").glob("badname*.md"))) == 2


def test_two_inspector_sessions_uploading_one_name_each_see_their_own_examples():
    def session(data: bytes) -> AppTest:
        at = AppTest.from_file(INSPECTOR, default_timeout=90).run()
        at.radio(key="inspect_source").set_value("upload").run()
        widget = at.file_uploader(key="inspect_upload")
        assert widget.proto.max_upload_size_mb == MAX_UPLOAD_MB
        assert widget.help.endswith(f"{MAX_UPLOAD_MB} MB per file • JSONL, CSV, JSON")
        widget.set_value(("support.jsonl", data, "application/jsonl"))
        return at.run()

    a = session(dataset(12, "A"))
    b = session(dataset(15, "B"))
    assert not a.exception and not b.exception
    assert any("kept beside it" in i.value for i in b.info)
    a.run()  # A's next rerun: still A's file and its 12 examples
    assert a.metric[0].value == "12" and b.metric[0].value == "15"
    assert a.session_state["inspect_uploads"] != b.session_state["inspect_uploads"]
