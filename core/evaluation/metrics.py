"""Per-example metrics: small pure functions over (answer, reference, example), one registry.

Each metric returns a float for one example, or None when it does not apply there (no `facts`,
a reference that is not JSON). Summaries (means, CIs, paired tests) live in stats.py and are always
recomputed from these per-example values, so a report keeps everything needed to check it
(lm-evaluation-harness keeps per-sample values for the same reason).

Libraries, not hand-rolled math: sacrebleu (chrF, BLEU), rouge_score (ROUGE-L), the lab's shipped
MiniLM (core.rag.embeddings) for semantic similarity.
"""
from __future__ import annotations

import json
import re
import string
import unicodedata
from typing import Callable, Sequence

import sacrebleu
from rouge_score import rouge_scorer, tokenizers

# Names of the metrics, in display order. QUALITY metrics get CIs and paired tests; OPERATIONAL ones
# (measured from the Answer, not the text) get means and CIs only.
QUALITY = ("chrf", "bleu", "rouge_l", "similarity", "exact_match", "fact_recall", "json_valid",
           "json_keys", "json_fields", "judge")
OPERATIONAL = ("length", "latency_s", "tokens_out", "cost_per_1k")
# Higher is better for every quality metric; for these operational ones lower is better.
LOWER_IS_BETTER = frozenset({"latency_s", "cost_per_1k"})
SCALE = {"chrf": (0, 100), "bleu": (0, 100), "rouge_l": (0, 1), "similarity": (-1, 1),
         "exact_match": (0, 1), "fact_recall": (0, 1), "json_valid": (0, 1), "json_keys": (0, 1), "json_fields": (0, 1),
         "judge": (0, 1)}


class UnicodeTokenizer(tokenizers.Tokenizer):
    """rouge_score's default tokenizer keeps only [a-z0-9] and so drops 'ã', 'ç', 'é' (a Portuguese
    answer would lose whole words). This one lowercases and keeps every Unicode letter and digit."""

    _WORD = re.compile(r"\w+", re.UNICODE)

    def tokenize(self, text: str) -> list[str]:
        return self._WORD.findall((text or "").lower())


_ROUGE = rouge_scorer.RougeScorer(["rougeL"], tokenizer=UnicodeTokenizer())


def chrf(answer: str, reference: str) -> float:
    """sacrebleu's sentence chrF (character n-gram F-score), 0-100."""
    return float(sacrebleu.sentence_chrf(answer, [reference]).score)


def bleu(answer: str, reference: str) -> float:
    """sacrebleu's sentence BLEU (exponential smoothing, its default), 0-100."""
    return float(sacrebleu.sentence_bleu(answer, [reference]).score)


def rouge_l(answer: str, reference: str) -> float:
    """ROUGE-L F1 (longest common subsequence of words), 0-1."""
    return float(_ROUGE.score(reference, answer)["rougeL"].fmeasure)


def normalize(text: str) -> str:
    """Case-folded, accents removed, whitespace folded, surrounding punctuation stripped."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = " ".join(plain.casefold().split())
    return plain.strip(string.punctuation + "«»“”‘’¡¿…—– ")


def exact_match(answer: str, reference: str) -> float:
    """1.0 when the normalized answer equals the normalized reference. For a one-word reference
    (a label such as "positive") only the answer's first word counts: "Positive. The review..." = 1."""
    ref = normalize(reference)
    ans = normalize(answer)
    if ref and " " not in ref:
        ans = normalize(ans.split(" ", 1)[0]) if ans else ""
    return 1.0 if ans == ref else 0.0


def _fold(text: str) -> str:
    return " ".join((text or "").casefold().split())


def fact_recall(answer: str, facts: Sequence[str]) -> float | None:
    """Share of the example's facts found in the answer (case-insensitive, whitespace folded)."""
    facts = [f for f in facts or () if str(f).strip()]
    if not facts:
        return None
    text = _fold(answer)
    return sum(_fold(str(f)) in text for f in facts) / len(facts)


def parse_json(text: str):
    """The JSON value in a text, tolerating a ```json fence around it; raises ValueError."""
    body = (text or "").strip()
    fence = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", body, flags=re.S)
    if fence:
        body = fence.group(1)
    return json.loads(body)


def reference_json(reference: str):
    """The reference as JSON when it is an object or array, else None (json metrics do not apply)."""
    try:
        value = parse_json(reference)
    except ValueError:
        return None
    return value if isinstance(value, (dict, list)) else None


def json_valid(answer: str, reference: str) -> float | None:
    """1.0 when the answer parses as JSON (only for examples whose reference is JSON)."""
    if reference_json(reference) is None:
        return None
    try:
        parse_json(answer)
    except ValueError:
        return 0.0
    return 1.0


def _objects(answer: str, reference: str) -> tuple[dict, dict] | None | float:
    """(reference object, answer object) for the JSON-field metrics; None when the reference is no
    JSON object (the metric does not apply), 0.0 when the answer is not one (it scores zero)."""
    ref = reference_json(reference)
    if not isinstance(ref, dict) or not ref:
        return None
    try:
        value = parse_json(answer)
    except ValueError:
        return 0.0
    return (ref, value) if isinstance(value, dict) else 0.0


def json_keys(answer: str, reference: str) -> float | None:
    """Share of the reference object's top-level keys present in the answer's object."""
    pair = _objects(answer, reference)
    if not isinstance(pair, tuple):
        return pair
    ref, value = pair
    return sum(key in value for key in ref) / len(ref)


def json_fields(answer: str, reference: str) -> float | None:
    """Field accuracy for extraction: share of the reference object's top-level keys whose value the
    answer's object gets right (strings normalized like exact_match; null only equals null)."""
    pair = _objects(answer, reference)
    if not isinstance(pair, tuple):
        return pair
    ref, value = pair

    def same(got, want) -> bool:
        if got is None or want is None:
            return got is None and want is None
        return normalize(str(got)) == normalize(str(want))

    return sum(same(value.get(key), want) for key, want in ref.items()) / len(ref)


def similarity(answers: Sequence[str], references: Sequence[str]) -> list[float]:
    """Cosine similarity of MiniLM embeddings, answer vs reference (batched: one model call each)."""
    from core.rag.embeddings import embed_queries

    if not answers:
        return []
    a = embed_queries([x or " " for x in answers])
    b = embed_queries([x or " " for x in references])
    return [float(v) for v in (a * b).sum(axis=1)]  # rows are L2-normalised: dot = cosine


def length(answer: str) -> float:
    """Answer length in words."""
    return float(len((answer or "").split()))


TEXT_METRICS: dict[str, Callable[[str, str], float | None]] = {
    "chrf": chrf, "bleu": bleu, "rouge_l": rouge_l, "exact_match": exact_match,
    "json_valid": json_valid, "json_keys": json_keys, "json_fields": json_fields,
}
ALL = QUALITY + OPERATIONAL


def corpus_scores(answers: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Corpus-level chrF and BLEU (sacrebleu pools n-gram counts over the set: not a mean)."""
    if not answers:
        return {}
    refs = [list(references)]
    return {"chrf": float(sacrebleu.corpus_chrf(list(answers), refs).score),
            "bleu": float(sacrebleu.corpus_bleu(list(answers), refs).score)}
