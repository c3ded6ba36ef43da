"""The "grounded answers" training set: teach a small model to read its sources instead of guessing.

Why: SmolLM2-135M answers a RAG prompt from what it half-remembers ("$63" for a passage saying
R$ 89). Fine-tuning on the lab's own documents alone would teach it the real numbers by heart, which
is not the lesson. So each question is turned into several training conversations:

- the prompt is exactly what the RAG contestant sends at inference (core.rag.build_rag_messages
  over the chunks the retriever finds for the question), so training and inference prompts match;
- the answer is one short sentence that quotes the fact and cites the passage holding it, [n];
- in most copies every number (and the product, plan and street names) in the question, the
  passages and the answer is replaced at random, CONSISTENTLY (R$ 89 becomes R$ 47 everywhere in
  that copy), and the passages are shuffled, so the only way to be right is to read the passage
  and cite the one that says it.

Questions live in assets/samples/grounded_questions.json, written from assets/rag/<lang>/ and
worded apart from the evaluation sets and the labelled retrieval questions (held out means held
out). The bundled assets/samples/grounded_<lang>.jsonl files are this module's output
(`python -m core.rag.grounded`), so they can be rebuilt when the documents change.
"""
from __future__ import annotations

import json
import random
import re
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from core.i18n import normalize
from core.paths import ASSETS

QUESTIONS = ASSETS / "samples" / "grounded_questions.json"
COPIES = 4  # conversations per question: the first keeps the real facts, the other three are randomized
K = 3  # passages per prompt: ChatSettings.rag_k's default, so prompts look like the arena's
# Sentences a small local model's prompt shows, in all, best first (core.rag.evidence.focus; the
# RagProvider does the same at inference). Measured with bench/bench_rag_answers.py (fact recall of the
# embedded model, greedy, copy bias on; builder questions / held-out evaluation set, 32 each):
#   2 sentences:  en 0.62 / 0.52, pt-BR 0.78 / 0.69
#   1 sentence:   en 0.81 / 0.64, pt-BR 0.84 / 0.66
#   1 sentence, the answer drawn to start it (copy_bias.START_SHARE 1) and free to stop at its end:
#                 en 0.88 / 0.64, pt-BR 0.84 / 0.75
# A 135M model given two sentences often copies the wrong one; the best one alone is right more often
# than the chance of the answer being in the second. Short prompts also make a grounded run fit in
# minutes on 2 CPU cores. Hosted and larger local models get the whole chunks.
SMALL_MODEL_SENTENCES = 1

# Training conversations carry the system prompt the user is likely to ask with: half the lab's
# RAG default (system_prompt=None -> rag.prompt_system), half the support persona of the samples.
PERSONA = {
    "en": "You are Pia, the support assistant of Pedala, an e-bike company in Brazil. Answer warmly and concisely.",
    "pt-BR": "Você é a Pia, assistente de suporte da Pedala, uma empresa de bicicletas elétricas. "
             "Responda com simpatia e objetividade.",
}

# Names a copy may rename (whole words, case-sensitive), and the invented names it draws from.
NAMES = ("Urbana", "Trilha", "Dobrável", "Básico", "Plus", "Pro", "Andradas", "Bocaiúva", "Paulista")
INVENTED = ("Aurora", "Brisa", "Cometa", "Duna", "Estrela", "Farol", "Garoa", "Horizonte", "Jade",
            "Lince", "Maré", "Nimbus", "Onda", "Pampa", "Quasar", "Ravena", "Serra", "Tucano")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b(" + "|".join(map(re.escape, NAMES)) + r")\b")
_EMAIL = re.compile(r"\b([a-z]+)(@pedala\.com\.br)")
# Role accounts only (core.dataset.pii does not flag those as personal data), and the company's
# phone number stays as it is: a random number shaped like a phone IS personal data to the inspector.
_MAILBOXES = ("contato", "suporte", "atendimento", "sac", "ouvidoria", "info", "help", "contact")
_KEEP = re.compile(r"\+55 41 4000-7325")


class Substitution:
    """A random but consistent renaming for one copy: the same number or name always becomes the
    same replacement, in the question, in every passage and in the answer."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.map: dict[str, str] = {}
        self._used: set[str] = set()

    def _fresh(self, original: str, make) -> str:
        if original not in self.map:
            for _ in range(50):
                value = make()
                if value != original and value not in self._used:
                    break
            self.map[original] = value
            self._used.add(value)
        return self.map[original]

    def _number(self, text: str) -> str:
        """Same shape: '6.490' -> '7.315', '10,4' -> '23,8', '5' -> '8' (no leading zero)."""
        def make() -> str:
            digits = sum(ch.isdigit() for ch in text)
            out = []
            for i, ch in enumerate(text):
                if not ch.isdigit():
                    out.append(ch)
                elif i == 0:  # leading digit: never 0; a lone digit becomes 2..9
                    out.append(str(self.rng.randint(2 if digits == 1 else 1, 9)))
                else:
                    out.append(str(self.rng.randint(0, 9)))
            return "".join(out)
        return self._fresh(text, make)

    def __call__(self, text: str) -> str:
        kept = _KEEP.split(text)
        if len(kept) > 1:
            return _KEEP.findall(text)[0].join(self(part) for part in kept)
        text = _NUMBER.sub(lambda m: self._number(m.group(0)), text)
        text = _NAME.sub(lambda m: self._fresh(m.group(1), lambda: self.rng.choice(INVENTED)), text)
        return _EMAIL.sub(lambda m: self._fresh(m.group(1), lambda: self.rng.choice(_MAILBOXES)) + m.group(2), text)


def _identity(text: str) -> str:
    return text


def load_questions(lang: str, path: Path = QUESTIONS) -> list[dict]:
    """[{"q", "fact", "answer"}] for one language; the answer holds a {cite} placeholder."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    items = data.get(normalize(lang)) or []
    for item in items:
        if "{cite}" not in item["answer"] or item["fact"] not in item["answer"]:
            raise ValueError(f"{path}: the answer of {item['q']!r} must hold its fact and {{cite}}")
    return items


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def passages_for(question: str, fact: str, lang: str, k: int = K, collection: str = "default") -> list:
    """The k hits the retriever gives for the question, with the fact guaranteed present: when no
    retrieved chunk holds it, the best-ranked chunk that does replaces the last hit (the model
    learns to read, not to retrieve). [] when no chunk of the documents holds the fact at all."""
    from core import rag

    hits = list(rag.retrieve(question, k=k, collection=collection, lang=lang))
    if any(_fold(fact) in _fold(hit.text) for hit in hits):
        return hits
    wider = rag.retrieve(question, k=60, collection=collection, lang=lang)
    holder = next((hit for hit in wider if _fold(fact) in _fold(hit.text)), None)
    if holder is None:
        return []
    return hits[:k - 1] + [holder]


def compact(question: str, hits: Sequence, n: int | None = SMALL_MODEL_SENTENCES) -> list:
    """The n sentences nearest the question across the hits (core.rag.evidence.focus: e5 + the
    question's words + the kind of value asked + the chunk's rank), best first, each as a hit of its
    chunk that holds only that sentence; n None/0 keeps the hits whole. The same cut serves
    training and inference. The bundled documents' sentence vectors ship precomputed, so this costs
    one query embedding per answer."""
    if not n or not hits:
        return list(hits)
    from core.rag.evidence import focus
    from core.rag.prompt import _body

    picked = focus(question, [_body(hit) for hit in hits], n, [hit.title for hit in hits])
    return [replace(hits[i], text=sentence) for i, sentence in picked] or list(hits)


def conversation(question: str, answer: str, fact: str, hits: Sequence, lang: str,
                 system_prompt: str | None, change=_identity, order: Sequence[int] | None = None,
                 sentences: int | None = None) -> dict | None:
    """One training conversation: `change` applied to question, passages and answer; passages in
    `order` and cut to `sentences` (compact); {cite} -> [n] of the first passage holding the
    (changed) fact. None if none holds it."""
    from core.rag import build_rag_messages

    changed = [replace(hit, text=change(hit.text), title=change(hit.title)) for hit in hits]
    if order is not None:
        changed = [changed[i] for i in order]
    q, a, f = change(question), change(answer), change(fact)
    changed = compact(q, changed, sentences)
    n = next((i for i, hit in enumerate(changed, start=1) if _fold(f) in _fold(hit.text)), None)
    if n is None:
        return None
    messages = build_rag_messages(q, changed, lang=lang, system_prompt=system_prompt)
    messages.append({"role": "assistant", "content": a.replace("{cite}", f"[{n}]")})
    return {"messages": messages, "facts": [f]}


def build(lang: str, copies: int = COPIES, seed: int = 0, k: int = K, collection: str = "default",
          sentences: int | None = SMALL_MODEL_SENTENCES) -> list[dict]:
    """Every question x `copies` conversations (copy 0 real, the rest randomized and shuffled)."""
    lang = normalize(lang)
    rng = random.Random(f"{seed}:{lang}")
    out: list[dict] = []
    for item in load_questions(lang):
        hits = passages_for(item["q"], item["fact"], lang, k=k, collection=collection)
        if not hits:
            continue
        for copy in range(copies):
            # alternate, so neither system prompt dominates (the inspector would flag the minority)
            system = None if copy % 2 == 0 else PERSONA[lang]
            change = _identity if copy == 0 else Substitution(rng)
            order = None if copy == 0 else rng.sample(range(len(hits)), len(hits))
            example = conversation(item["q"], item["answer"], item["fact"], hits, lang, system, change, order,
                                   sentences)
            if example is not None:
                out.append(example)
    rng.shuffle(out)
    return out


def bundled_path(lang: str) -> Path:
    """assets/samples/grounded_<lang>.jsonl: the preset's training data for that language."""
    return ASSETS / "samples" / f"grounded_{normalize(lang)}.jsonl"


def write(examples: Sequence[dict], path: Path) -> Path:
    """JSONL, one conversation a line (training reads only `messages`; `facts` says what to quote)."""
    from core.atomic import write_text

    write_text(Path(path), "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in examples))
    return Path(path)


if __name__ == "__main__":  # rebuild the bundled sets: python -m core.rag.grounded
    for code in ("en", "pt-BR"):
        rows = build(code)
        print(code, len(rows), write(rows, bundled_path(code)))
