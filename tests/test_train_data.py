"""Data preparation and padding-free packing: labels only on assistant turns, exact packed losses."""
from __future__ import annotations

import json

import pytest
import torch

from core.errors import InputError
from core.training.config import LocalTrainConfig
from core.training.data import IGNORE, load_conversations, segments, split, tokenize_conversation
from tests.train.helpers import write_tiny_dataset


@pytest.fixture(scope="module")
def tokenizer(embedded_model_path):
    from core.models import load_tokenizer

    return load_tokenizer("embedded")


def test_only_assistant_tokens_with_weight_are_trained(tokenizer):
    messages = [{"role": "system", "content": "Você é a Pia."},
                {"role": "user", "content": "Oi"},
                {"role": "assistant", "content": "resposta ruim", "weight": 0},
                {"role": "user", "content": "De novo?"},
                {"role": "assistant", "content": "Claro! — Pia"}]
    example = tokenize_conversation(tokenizer, messages, max_length=512)
    trained = tokenizer.decode([i for i, l in zip(example.input_ids, example.labels) if l != IGNORE])
    assert trained == "Claro! — Pia<|im_end|>\n"  # the reply and its end token, nothing else
    full = tokenizer.decode(example.input_ids)
    assert full == tokenizer.apply_chat_template(
        [{"role": m["role"], "content": m["content"]} for m in messages], tokenize=False)
    assert [text for text, trainable in segments(tokenizer, messages) if trainable] == ["Claro! — Pia<|im_end|>\n"]


def test_truncation_keeps_the_prefix(tokenizer):
    messages = [{"role": "user", "content": "pergunta " * 50}, {"role": "assistant", "content": "ok"}]
    example = tokenize_conversation(tokenizer, messages, max_length=16)
    assert len(example.input_ids) == 16 and example.n_trainable == 0


def test_file_errors_name_the_line(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text('{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}\n'
                    "\n{not json\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_conversations(path)
    assert "line 3" in info.value.message("en")
    dpo = tmp_path / "dpo.jsonl"
    dpo.write_text(json.dumps({"input": {"messages": []}, "preferred_output": [], "non_preferred_output": []}) + "\n")
    with pytest.raises(InputError) as info:
        load_conversations(dpo)
    assert "DPO" in info.value.message("en")


def test_split_is_seeded_and_never_empty():
    items = list(range(20))
    train, val = split(items, 0.1, seed=3)
    assert sorted(train + val) == items and len(val) == 2
    assert split(items, 0.1, seed=3) == (train, val)
    assert split(items[:3], 0.5, seed=1)[1] == []  # too few to hold any out


def test_config_validates_and_presets_fill_values(tmp_path):
    quick = LocalTrainConfig.from_preset("quick", dataset="x.jsonl")
    assert quick.max_examples == 20 and quick.preset == "quick"
    assert LocalTrainConfig.from_dict({"lora_r": "8", "padding_free": "false", "unknown": 1}).lora_r == 8
    with pytest.raises(InputError) as info:
        LocalTrainConfig(lora_r=0)
    assert "lora_r" in info.value.message("en")
    with pytest.raises(InputError):
        LocalTrainConfig(quantization="8bit")


@pytest.fixture
def one_thread():
    """Tiny forward passes: one thread avoids OpenMP spin-waiting on a shared, busy CPU."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_packed_batch_loss_equals_the_unpacked_loss(embedded_model, tokenizer, tmp_path, one_thread):
    """The lab's varlen attention must give each conversation exactly the loss it has alone."""
    from core.training.packing import FlatCollator, PaddedCollator, register_attention, selective_loss

    model, _ = embedded_model
    conversations = load_conversations(write_tiny_dataset(tmp_path / "d.jsonl", n=5, weight_zero_first=True))
    conversations[2][0]["content"] *= 4  # different lengths
    features = [vars(tokenize_conversation(tokenizer, c, 128)) for c in conversations]
    total, count = 0.0, 0
    original = model.config._attn_implementation
    try:
        model.set_attn_implementation("sdpa")
        with torch.no_grad():
            for feature in features:  # reference: one conversation at a time, transformers' own loss
                out = model(input_ids=torch.tensor([feature["input_ids"]]), labels=torch.tensor([feature["labels"]]))
                n = sum(1 for label in feature["labels"][1:] if label != IGNORE)
                total, count = total + out.loss.item() * n, count + n
            padded, n_padded = selective_loss(model, PaddedCollator(tokenizer.pad_token_id)(features))
            model.set_attn_implementation(register_attention())
            packed, n_packed = selective_loss(model, FlatCollator()(features))
    finally:
        model.set_attn_implementation(original)
    assert n_packed == n_padded == count
    assert packed.item() == pytest.approx(total / count, rel=1e-4)
    assert padded.item() == pytest.approx(total / count, rel=1e-4)
