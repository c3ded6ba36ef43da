"""The concepts page's live numbers, computed here on this machine (no UI).

- tokens: a sentence split by tiktoken (o200k_base, gpt-4o/4.1) and by the embedded model's own
  tokenizer (its tokenizer.json through the `tokenizers` library: no transformers import needed);
- quantization: weight memory = parameters × bits / 8, for the embedded model (its real count, read
  from the safetensors header) and for 1B / 8B / 70B models, next to the real files on disk;
- training curves: where eval loss bottoms out and whether it climbs again (overfitting);
- RAG: the chunks retrieved for a question, their scores, and the messages the model is shown;
- sampling: how temperature and top-p reshape a next-token distribution (scipy's softmax);
- evaluation: one answer scored against its reference by the evaluation's own metric functions.
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SECTIONS = ("tokens", "lora", "quantization", "training", "rag", "sampling", "evaluation")
# Which concept explains each technical control: its tooltip links there (`linked_help`). Keys are
# LocalTrainConfig field names (the train form), ChatSettings field names (the arena's settings) and
# the widget keys of the other pages (prefixed by their area: inspect_, rag_, costs_, eval_).
CONTROL_CONCEPTS = {
    "lora_r": "lora", "lora_alpha": "lora", "lora_dropout": "lora", "target_modules": "lora",
    "quantization": "quantization", "precision": "quantization",
    "epochs": "training", "max_steps": "training", "learning_rate": "training", "batch_size": "training",
    "grad_accum": "training", "warmup_ratio": "training", "weight_decay": "training",
    "lr_scheduler": "training", "val_fraction": "training", "eval_steps": "training",
    "max_length": "tokens", "padding_free": "tokens",
    # the arena (ChatSettings)
    "temperature": "sampling", "top_p": "sampling", "repetition_penalty": "sampling",
    "copy_bias": "sampling", "seed": "sampling", "max_tokens": "tokens",
    # the inspector
    "inspect_model": "tokens", "inspect_split_fraction": "training", "inspect_metric_tokens": "tokens",
    "inspect_metric_trained": "tokens", "inspect_metric_epochs": "training", "inspect_metric_billed": "tokens",
    # the documents page
    "rag_query": "rag", "rag_k": "rag", "rag_search_lang": "rag", "rag_rebuild": "rag",
    # the cost calculator
    "costs_tokens_per_example": "tokens", "costs_epochs_mode": "training", "costs_epochs": "training",
    "costs_queries": "tokens", "costs_prompt_tokens": "tokens", "costs_instruction_tokens": "tokens",
    "costs_answer_tokens": "tokens", "costs_rag_k": "rag", "costs_chunk_tokens": "rag",
    "costs_cached": "tokens", "costs_params_b": "quantization",
    # the evaluation page
    "eval_metrics": "evaluation", "eval_judge": "evaluation", "eval_rubric": "evaluation",
    "eval_max_tokens": "tokens", "eval_copy_bias": "sampling", "eval_rag_k": "rag",
}
BITS = (32, 16, 8, 4)
SIZES = {"1B": 1_000_000_000, "8B": 8_000_000_000, "70B": 70_000_000_000}
OVERFIT_MARGIN = 0.02        # final eval loss ≥ 2% above its minimum = it went back up


def concept_help(text: str, section: str, lang: str | None = None) -> str:
    """A widget tooltip (Markdown) ending in a link to its concept: `help=concept_help(t(...), "lora")`."""
    from core.i18n import t

    if section not in SECTIONS:
        raise ValueError(f"unknown concept {section!r}; expected one of {SECTIONS}")
    return f"{text}\n\n[📖 {t('concepts.learn_more', lang, concept=t(f'concepts.{section}_title', lang))}](/concepts#{section})"


def linked_help(control: str, text: str, lang: str | None = None) -> str:
    """`help=linked_help("costs_rag_k", t(...))`: the tooltip, with its concept's link when the
    control has one in CONTROL_CONCEPTS (the one table every page reads)."""
    section = CONTROL_CONCEPTS.get(control)
    return concept_help(text, section, lang) if section else text


# ------------------------------------------------------------------------------------------ tokens
@lru_cache(maxsize=1)
def _embedded_tokenizer():
    from tokenizers import Tokenizer

    from core.models import prepare_embedded

    return Tokenizer.from_file(str(prepare_embedded() / "tokenizer.json"))


def split_tiktoken(text: str, encoding: str = "o200k_base") -> list[str]:
    from core.tokenizers import get_encoding

    enc = get_encoding(encoding)
    return [enc.decode_single_token_bytes(i).decode("utf-8", errors="replace") for i in enc.encode(text)]


def split_embedded(text: str) -> list[str]:
    """Pieces as text (byte-level BPE: a piece may be part of one accented character)."""
    tok = _embedded_tokenizer()
    return [tok.decode([i]) for i in tok.encode(text, add_special_tokens=False).ids]


def token_counts(texts: dict[str, str]) -> list[dict]:
    """[{"lang", "text", "chars", "o200k", "embedded"}] for the same message in several languages."""
    return [{"lang": lang, "text": text, "chars": len(text), "o200k": len(split_tiktoken(text)),
             "embedded": len(split_embedded(text))} for lang, text in texts.items()]


# ------------------------------------------------------------------------------------ quantization
def safetensors_params(folder: Path) -> int:
    """Parameters of a safetensors model from the file headers only (8-byte length + JSON of shapes)."""
    total = 0
    for path in sorted(Path(folder).glob("*.safetensors")):
        with open(path, "rb") as handle:
            (length,) = struct.unpack("<Q", handle.read(8))
            header = json.loads(handle.read(length))
        for name, entry in header.items():
            if name != "__metadata__":
                count = 1
                for dim in entry["shape"]:
                    count *= dim
                total += count
    return total


def weight_bytes(params: int, bits: int) -> float:
    return params * bits / 8


@dataclass(frozen=True)
class QuantFacts:
    embedded_params: int
    rows: list[dict]                  # {"model", "params", "bits", "bytes"}
    safetensors_bytes: int            # the converted fp32 copy on disk
    gguf_bytes: int | None            # the shipped Q4_1 file
    device: str                       # "cuda" | "mps" | "cpu"


def quantization_facts() -> QuantFacts:
    from core.environment import device_info
    from core.models import EMBEDDED_MODEL, embedded_gguf_path, prepare_embedded

    folder = prepare_embedded()
    params = safetensors_params(folder)
    models = {EMBEDDED_MODEL: params, **SIZES}
    rows = [{"model": name, "params": n, "bits": bits, "bytes": weight_bytes(n, bits)}
            for name, n in models.items() for bits in BITS]
    try:
        gguf = embedded_gguf_path().stat().st_size
    except (OSError, LookupError):
        gguf = None
    on_disk = sum(p.stat().st_size for p in folder.glob("*.safetensors"))
    return QuantFacts(embedded_params=params, rows=rows, safetensors_bytes=on_disk, gguf_bytes=gguf,
                      device=device_info()["device"])


# --------------------------------------------------------------------------------- training curves
@dataclass(frozen=True)
class LossStory:
    train: tuple[list[int], list[float]]
    eval: tuple[list[int], list[float]]
    best_eval_step: int | None
    best_eval: float | None
    final_eval: float | None
    overfitting: bool                 # eval went back up by ≥ OVERFIT_MARGIN while training went on


def loss_story(events: list[dict]) -> LossStory:
    from core.jobs.events import metrics

    def series(name: str) -> tuple[list[int], list[float]]:
        points = {int(e["step"]): float(e[name]) for e in metrics(events)
                  if e.get(name) is not None and e.get("step") is not None}
        steps = sorted(points)
        return steps, [points[s] for s in steps]

    train, ev = series("train_loss"), series("eval_loss")
    if not ev[0]:
        return LossStory(train, ev, None, None, None, False)
    best = min(range(len(ev[1])), key=ev[1].__getitem__)
    final = ev[1][-1]
    overfit = best < len(ev[1]) - 1 and final >= ev[1][best] * (1 + OVERFIT_MARGIN)
    return LossStory(train, ev, ev[0][best], ev[1][best], final, overfit)


def finished_runs(limit: int = 20) -> list:
    """Succeeded local training runs, newest first: the ones with curves worth showing."""
    from core.jobs import registry

    return registry.list_jobs(status="succeeded", backend="local", limit=limit)


# ------------------------------------------------------------------------------------------- RAG
def rag_demo(question: str, lang: str, k: int = 3) -> dict:
    """{"hits": [{"n", "title", "score", "snippet"...}], "messages": [...]} for one question."""
    from core.errors import InputError
    from core.rag import build_rag_messages, retrieve, sources

    if not question.strip():
        raise InputError("concepts.error_empty_question")
    hits = retrieve(question, k=k, lang=lang)
    return {"hits": sources(hits), "messages": build_rag_messages(question, hits, lang=lang)}


# -------------------------------------------------------------------------------------- sampling
SAMPLING_TEMPERATURES = (0.2, 0.7, 1.0, 1.5)


def sampling_table(scores: dict[str, float], temperatures=SAMPLING_TEMPERATURES, top_p: float = 0.9) -> list[dict]:
    """[{"token", "score", "p@T"..., "kept"}]: softmax(score / T) for each temperature, and whether
    the token is inside the top-p nucleus at T = 1 (the smallest set whose probability ≥ top_p)."""
    import numpy as np
    from scipy.special import softmax

    tokens = sorted(scores, key=scores.get, reverse=True)
    logits = np.array([scores[token] for token in tokens], dtype=float)
    rows = [{"token": token, "score": float(score)} for token, score in zip(tokens, logits)]
    for temperature in temperatures:
        for row, p in zip(rows, softmax(logits / temperature)):
            row[temperature] = float(p)
    cumulative = np.cumsum(softmax(logits))
    for row, before in zip(rows, np.concatenate(([0.0], cumulative[:-1]))):
        row["kept"] = bool(before < top_p)      # added while the nucleus was still short of top_p
    return rows


# ------------------------------------------------------------------------------------ evaluation
def score_answer(answer: str, reference: str, facts: list[str] | None = None) -> dict[str, float | None]:
    """One answer scored by the evaluation page's own metric functions (core.evaluation.metrics)."""
    from core.evaluation import metrics as M

    return {"exact_match": M.exact_match(answer, reference), "chrf": M.chrf(answer, reference),
            "rouge_l": M.rouge_l(answer, reference), "fact_recall": M.fact_recall(answer, facts or [])}
