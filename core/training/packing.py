"""Padding-free batches: the speed trick of the lab's trainer on CPU (and a win on GPU too).

A batch of B conversations is concatenated into one row of T = sum(lengths) tokens (shape [1, T])
with position_ids restarting at 0 for each conversation, so no padding token is ever computed.
Attention must then stay inside each conversation. transformers can build a block-diagonal mask
from position_ids for sdpa/eager, but that mask is T x T: with 8 conversations of ~250 tokens that
is 2000^2 scores per head where only 8 x 250^2 are needed (8x the attention work). So the lab
registers its own attention function, "lab_varlen", which runs causal SDPA on each conversation's
slice (cu_seq_lens boundaries, like FlashAttention's varlen API). Because the name is not in
transformers' mask registry, the model builds no mask at all. tests/test_train_data.py checks
the losses equal the unpacked computation.

The loss side (logits only where a token is trained) is in core/training/loss.py.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from core.training.data import IGNORE

ATTENTION_NAME = "lab_varlen"
_registered = False


def varlen_sdpa_attention(module, query, key, value, attention_mask, dropout: float = 0.0,
                          scaling: float | None = None, is_causal: bool | None = None, **kwargs):
    """query [B, H, T, D], key/value [B, Hkv, T, D] -> ([B, T, H, D], None).

    With cu_seq_lens_q (one packed row): causal attention per segment. Without it (ordinary
    generation or a single sequence): plain causal SDPA, or masked SDPA when a mask is given."""
    # Grouped-query attention (SmolLM2: 9 query heads share 3 k/v heads): SDPA reads the shared
    # heads itself (enable_gqa) instead of copying them 3x.
    gqa = query.shape[1] != key.shape[1]
    dropout = dropout if module.training else 0.0
    cu = kwargs.get("cu_seq_lens_q")
    if cu is not None and query.shape[0] == 1:
        bounds = cu.tolist() if torch.is_tensor(cu) else list(cu)
        outs = [F.scaled_dot_product_attention(query[:, :, s:e], key[:, :, s:e], value[:, :, s:e],
                                               dropout_p=dropout, is_causal=True, scale=scaling,
                                               enable_gqa=gqa)
                for s, e in zip(bounds[:-1], bounds[1:]) if e > s]
        out = torch.cat(outs, dim=2) if len(outs) > 1 else outs[0]
    else:
        q_len, kv_len = query.shape[2], key.shape[2]
        if attention_mask is not None and attention_mask.dim() == 4:
            out = F.scaled_dot_product_attention(query, key, value, attn_mask=attention_mask,
                                                 dropout_p=dropout, scale=scaling, enable_gqa=gqa)
        else:
            # No mask: causal when several new tokens (aligned to the end), full when decoding one.
            causal = q_len > 1
            if causal and kv_len > q_len:
                offset = kv_len - q_len
                mask = torch.ones(q_len, kv_len, dtype=torch.bool, device=query.device).tril(offset)
                out = F.scaled_dot_product_attention(query, key, value, attn_mask=mask,
                                                     dropout_p=dropout, scale=scaling, enable_gqa=gqa)
            else:
                out = F.scaled_dot_product_attention(query, key, value, dropout_p=dropout,
                                                     is_causal=causal, scale=scaling, enable_gqa=gqa)
    return out.transpose(1, 2).contiguous(), None


def register_attention() -> str:
    """Make "lab_varlen" a valid attn_implementation (idempotent)."""
    global _registered
    if not _registered:
        from transformers import AttentionInterface

        AttentionInterface.register(ATTENTION_NAME, varlen_sdpa_attention)
        _registered = True
    return ATTENTION_NAME


class FlatCollator:
    """[{input_ids, labels}] -> one packed row: input_ids/labels/position_ids [1, T] and
    cu_seq_lens_q/k [B+1] (int32). The first label of each conversation is -100, so a loss never
    crosses from one conversation into the next."""

    def __call__(self, features: list[dict]) -> dict:
        input_ids, labels, positions, cu = [], [], [], [0]
        for feature in features:
            ids = list(feature["input_ids"])
            input_ids += ids
            labels += [IGNORE] + list(feature["labels"])[1:]
            positions += range(len(ids))
            cu.append(cu[-1] + len(ids))
        cu_tensor = torch.tensor(cu, dtype=torch.int32)
        return {"input_ids": torch.tensor([input_ids], dtype=torch.long),
                "labels": torch.tensor([labels], dtype=torch.long),
                "position_ids": torch.tensor([positions], dtype=torch.long),
                "cu_seq_lens_q": cu_tensor, "cu_seq_lens_k": cu_tensor,
                "max_length_q": max(b - a for a, b in zip(cu[:-1], cu[1:])),
                "max_length_k": max(b - a for a, b in zip(cu[:-1], cu[1:]))}


class PaddedCollator:
    """The classic way: pad each batch to its longest example (right padding, labels -100).
    Used when padding_free is off, and by the benchmark's baseline."""

    def __init__(self, pad_token_id: int) -> None:
        self.pad_token_id = pad_token_id

    def __call__(self, features: list[dict]) -> dict:
        longest = max(len(f["input_ids"]) for f in features)
        ids, labels, mask = [], [], []
        for feature in features:
            pad = longest - len(feature["input_ids"])
            ids.append(list(feature["input_ids"]) + [self.pad_token_id] * pad)
            labels.append(list(feature["labels"]) + [IGNORE] * pad)
            mask.append([1] * len(feature["input_ids"]) + [0] * pad)
        return {"input_ids": torch.tensor(ids), "labels": torch.tensor(labels),
                "attention_mask": torch.tensor(mask)}
