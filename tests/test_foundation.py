"""The foundation: offline tokenizers, the embedded model, LAB_HOME, secrets, the CLI and Home."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from core.paths import REPO_ROOT


def test_tiktoken_works_offline_from_the_packaged_files(tmp_path, monkeypatch):
    """A fresh cache folder is seeded from bpe-openai; no network is touched."""
    monkeypatch.setenv("LAB_TIKTOKEN_CACHE", str(tmp_path / "tk"))
    import tiktoken.load

    def no_network(*_args, **_kwargs):
        raise AssertionError("tiktoken tried to download")

    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    from core import tokenizers

    tokenizers.get_encoding.cache_clear()
    import tiktoken.registry

    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    o200k = tokenizers.encoding_for_model("gpt-4o-mini-2024-07-18")
    cl100k = tokenizers.encoding_for_model("gpt-3.5-turbo-0125")
    assert o200k.name == "o200k_base" and cl100k.name == "cl100k_base"
    # Known token ids: "hello world" is [24912, 2375] in o200k_base and [15339, 1917] in cl100k_base.
    assert o200k.encode("hello world") == [24912, 2375]
    assert cl100k.encode("hello world") == [15339, 1917]
    assert len(list((tmp_path / "tk").iterdir())) == 2
    tokenizers.get_encoding.cache_clear()


def test_model_names_map_to_their_encoding():
    from core.errors import InputError
    from core.tokenizers import encoding_name_for_model

    assert encoding_name_for_model("gpt-4.1-mini-2025-04-14") == "o200k_base"
    assert encoding_name_for_model("ft:gpt-4o-mini-2024-07-18:org:x:abc") == "o200k_base"
    assert encoding_name_for_model("gpt-3.5-turbo") == "cl100k_base"
    with pytest.raises(InputError) as err:
        encoding_name_for_model("llama-3")
    assert "llama-3" in err.value.message("en")


@pytest.mark.slow
def test_embedded_model_generates_offline(embedded_model):
    """The real SmolLM2-135M-Instruct answers a chat question through its chat template."""
    import torch

    model, tokenizer = embedded_model
    inputs = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is the capital of France?"}],
        add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=12, do_sample=False)
    answer = tokenizer.decode(out[0][inputs["input_ids"].shape[1]:], skip_special_tokens=True)
    assert "Paris" in answer


def test_embedded_cache_is_plain_safetensors(embedded_model_path):
    config = json.loads((embedded_model_path / "config.json").read_text())
    assert "quantization_config" not in config  # the GGUF marker was cleared before saving
    assert (embedded_model_path / "model.safetensors").stat().st_size > 100_000_000
    assert (embedded_model_path / "tokenizer.json").exists()


def test_model_resolution_errors_are_clear(tmp_path, monkeypatch):
    from core.errors import InputError, UnavailableError
    from core.models import resolve_model

    with pytest.raises(InputError) as err:
        resolve_model(str(tmp_path))  # a folder without config.json
    assert "config.json" in err.value.message("en")
    monkeypatch.setenv("LAB_OFFLINE", "1")
    with pytest.raises(UnavailableError) as err:
        resolve_model("HuggingFaceTB/SmolLM2-360M-Instruct")
    assert "offline" in err.value.message("en")
    assert "offline" in err.value.message("pt-BR")


def test_state_lives_under_lab_home(lab_home):
    from core.paths import lab_home as home, subdir

    assert home() == lab_home
    assert subdir("runs").parent == lab_home


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    from core.atomic import atomic_write

    folder = tmp_path / "atomic"
    target = folder / "out.txt"
    with pytest.raises(RuntimeError):
        with atomic_write(target) as handle:
            handle.write("half")
            raise RuntimeError("crash")
    assert not target.exists() and list(folder.iterdir()) == []


def test_secrets_are_masked_and_scrubbed(monkeypatch):
    from core.secrets import get_secret, mask, scrub

    key = "sk-test-1234567890abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    assert get_secret("OPENAI_API_KEY") == key
    assert get_secret("OPENAI_API_KEY", typed="  typed-key-123 ") == "typed-key-123"
    assert key not in mask(key) and mask(key).endswith("cdef")
    assert key not in scrub(f"failed with {key}", key)


def test_cli_env_reports_presence_never_values(monkeypatch):
    key = "sk-never-print-this-0001"
    env = dict(os.environ, OPENAI_API_KEY=key)
    out = subprocess.run([sys.executable, "-m", "lab", "env", "--format", "json"], cwd=REPO_ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["openai_key_present"] is True
    assert report["device"] in {"cpu", "cuda", "mps"}
    assert key not in out.stdout + out.stderr


def test_cli_without_command_shows_help_and_fails():
    from lab.cli import main

    assert main([]) == 2
    assert main(["--help"]) == 0


def test_home_page_renders_in_both_languages():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO_ROOT / "lab" / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert [m.label for m in at.metric] == ["Training device", "OpenAI API key", "Embedded model ready",
                                            "Internet"]
    assert at.metric[1].value.endswith("no")  # the fixture removed OPENAI_API_KEY
    at.sidebar.selectbox(key="lang").set_value("pt-BR").run()
    assert not at.exception
    assert "Esta máquina" in [s.value for s in at.subheader]
    assert at.metric[0].label == "Dispositivo de treino"
