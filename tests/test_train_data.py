"""Data preparation and padding-free packing: labels only on assistant turns, exact packed losses."""
from __future__ import annotations

import json

import pytest
import torch

from core.errors import InputError
from core.training.config import LocalTrainConfig
from core.training.data import IGNORE, load_conversations, segments, split_dataset, tokenize_conversation
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


def test_split_is_seeded_and_never_empty(tmp_path):
    items = load_conversations(write_tiny_dataset(tmp_path / "d.jsonl", n=20))
    train, val = split_dataset(tmp_path / "d.jsonl", 0.1, seed=3, out_dir=tmp_path / "a")
    assert len(train) + len(val) == len(items) and len(val) == 2
    assert split_dataset(tmp_path / "d.jsonl", 0.1, seed=3, out_dir=tmp_path / "b") == (train, val)
    small = write_tiny_dataset(tmp_path / "small.jsonl", n=3)
    assert split_dataset(small, 0.5, seed=1, out_dir=tmp_path / "c")[0]  # never everything held out


def test_config_validates_and_presets_fill_values(tmp_path):
    quick = LocalTrainConfig.from_preset("quick", dataset="x.jsonl")
    assert quick.max_examples == 24 and quick.preset == "quick"
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
    from core.training.loss import selective_loss
    from core.training.packing import FlatCollator, PaddedCollator, register_attention

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


def test_linear_cross_entropy_matches_torch_in_chunks():
    """The chunked loss equals F.cross_entropy on the full logits, loss and gradient, whatever the
    chunk size (here smaller than, equal to and not dividing the number of rows)."""
    from core.training.loss import LinearCrossEntropy

    generator = torch.Generator().manual_seed(0)
    weight = torch.randn(300, 16, generator=generator)
    hidden = torch.randn(10, 16, generator=generator)
    targets = torch.randint(0, 300, (10,), generator=generator)
    reference = hidden.clone().requires_grad_()
    expected = torch.nn.functional.cross_entropy(reference @ weight.t(), targets, reduction="sum")
    expected.backward()
    for chunk in (3, 10, 64):
        mine = hidden.clone().requires_grad_()
        loss = LinearCrossEntropy.apply(mine, weight, targets, chunk)
        (loss * 0.5).backward()  # the upstream gradient is applied too
        assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
        torch.testing.assert_close(mine.grad, reference.grad * 0.5)


def test_training_loss_matches_transformers_loss_and_gradients(embedded_model_path, tokenizer, tmp_path, one_thread):
    """With LoRA (frozen output layer) the trainer's fused loss is used; it must give transformers'
    own loss and the same LoRA gradients, packed or padded."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from core.training.loss import fusable_head, selective_loss
    from core.training.packing import FlatCollator, PaddedCollator, register_attention

    model = AutoModelForCausalLM.from_pretrained(embedded_model_path, dtype=torch.float32, attn_implementation="sdpa")
    model.config.use_cache = False
    model = get_peft_model(model, LoraConfig(r=4, target_modules=["q_proj", "down_proj"], init_lora_weights=False))
    assert fusable_head(model) is not None
    conversations = load_conversations(write_tiny_dataset(tmp_path / "d.jsonl", n=3))
    features = [vars(tokenize_conversation(tokenizer, c, 96)) for c in conversations]
    lora = [p for p in model.parameters() if p.requires_grad]

    def loss_and_grads(compute):
        model.zero_grad()
        loss = compute()
        loss.backward()
        return loss.item(), [p.grad.clone() for p in lora]

    padded = PaddedCollator(tokenizer.pad_token_id)(features)
    expected, expected_grads = loss_and_grads(lambda: model(**padded).loss)  # transformers' mean loss
    got, grads = loss_and_grads(lambda: selective_loss(model, padded)[0])
    model.base_model.model.set_attn_implementation(register_attention())
    packed, packed_grads = loss_and_grads(lambda: selective_loss(model, FlatCollator()(features))[0])
    assert got == pytest.approx(expected, rel=1e-5) and packed == pytest.approx(expected, rel=1e-4)
    for mine, theirs, flat in zip(grads, expected_grads, packed_grads):  # float32 rounding: ~5e-5
        assert theirs.norm() > 0
        assert (mine - theirs).norm() / theirs.norm() < 1e-3
        assert (flat - theirs).norm() / theirs.norm() < 1e-3


def test_fused_lora_layers_equal_peft(embedded_model_path, one_thread):
    """The fused LoRA forward/backward gives peft's outputs and gradients; with dropout, or with the
    adapter disabled, peft's own path runs."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from core.training.fast_lora import fuse_lora_layers

    def build(dropout):
        base = AutoModelForCausalLM.from_pretrained(embedded_model_path, dtype=torch.float32)
        base.config.use_cache = False
        torch.manual_seed(0)
        return get_peft_model(base, LoraConfig(r=8, lora_alpha=16, lora_dropout=dropout, init_lora_weights=False,
                                               target_modules="all-linear"))

    ids = torch.tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]])

    def run(model):
        model.zero_grad()
        out = model(input_ids=ids, labels=ids)
        out.loss.backward()
        return out.logits.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}

    plain, fused = build(0.0), build(0.0)
    assert fuse_lora_layers(fused) == 7 * 30
    expected_logits, expected = run(plain)
    logits, grads = run(fused)
    torch.testing.assert_close(logits, expected_logits, rtol=1e-4, atol=1e-4)
    assert expected.keys() == grads.keys()
    for name, grad in grads.items():
        assert (grad - expected[name]).norm() <= 1e-3 * expected[name].norm() + 1e-9, name  # fp32 rounding
    with fused.disable_adapter():  # falls back to peft: the base model alone
        base_logits = fused(input_ids=ids).logits
    assert not torch.allclose(base_logits, logits, atol=1e-3)
    with_dropout = build(0.1)
    fuse_lora_layers(with_dropout)
    with_dropout.train()
    first, second = with_dropout(input_ids=ids).logits, with_dropout(input_ids=ids).logits
    assert not torch.equal(first, second)  # peft's dropout ran
