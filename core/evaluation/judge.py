"""LLM as judge: an OpenAI-compatible model grades answers against the reference.

- The rubric is one visible, editable text (the page shows it; `lab eval --rubric` replaces it);
  the prompt around it only asks for a machine-readable last line.
- Single answers get "SCORE: 1-5", stored as 0-1 ((s - 1) / 4) so it sits beside the other metrics.
- Pairs are judged in BOTH orders (A/B, then B/A), so a judge that prefers the first position cancels
  out (TRL's judges randomise the order for the same reason): a win counts only when both orders
  agree, anything else is a tie.
- Every verdict is cached under LAB_HOME/judge_cache keyed by (judge spec, exact prompt): a rerun,
  or a resumed job, costs nothing. Failed calls are not cached and count as missing.
"""
from __future__ import annotations

import hashlib
import json
import re
from concurrent.futures import ThreadPoolExecutor
from itertools import combinations
from typing import Callable

from core.atomic import write_text
from core.errors import InputError
from core.evaluation.dataset import EvalExample
from core.evaluation.stats import wilson
from core.i18n import t
from core.paths import subdir
from core.providers import ChatSettings, get_provider

CONCURRENCY = 4  # judge requests in flight
_SCORE = re.compile(r"SCORE\s*[:=]\s*([1-5])", re.I)
_WINNER = re.compile(r"WINNER\s*[:=]\s*(A|B|TIE)\b", re.I)


def default_rubric(lang: str | None = None) -> str:
    return t("eval.judge_rubric", lang)


def score_prompt(rubric: str, example: EvalExample, answer: str) -> list[dict]:
    user = (f"{rubric}\n\n[Question]\n{example.question}\n\n[Reference answer]\n{example.reference}\n\n"
            f"[Answer to grade]\n{answer}\n\nEnd with one line: SCORE: <1-5>")
    return [{"role": "user", "content": user}]


def pair_prompt(rubric: str, example: EvalExample, first: str, second: str) -> list[dict]:
    user = (f"{rubric}\n\n[Question]\n{example.question}\n\n[Reference answer]\n{example.reference}\n\n"
            f"[Answer A]\n{first}\n\n[Answer B]\n{second}\n\n"
            "Which answer is better? End with one line: WINNER: A, WINNER: B or WINNER: TIE")
    return [{"role": "user", "content": user}]


class Judge:
    """Grades through any non-local contestant spec (openai:, azure:, endpoint:, ft:)."""

    def __init__(self, spec: str, rubric: str | None = None, lang: str | None = None, credentials=None) -> None:
        from core.evaluation.run import is_local

        self.spec = spec
        self.provider = get_provider(spec, credentials)
        if is_local(self.provider):
            raise InputError("eval.err_judge_local", "eval.err_judge_local_hint", spec=spec)
        self.rubric = (rubric or "").strip() or default_rubric(lang)
        self.settings = ChatSettings(temperature=0.0, max_tokens=64, lang=lang)
        self.errors: list[str] = []

    # -- one call, cached ---------------------------------------------------------------------
    def _key(self, messages: list[dict]) -> str:
        blob = json.dumps({"judge": self.spec, "messages": messages}, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def ask(self, messages: list[dict]) -> str | None:
        """The judge's reply text (from the cache when this exact prompt was asked before)."""
        path = subdir("judge_cache") / f"{self._key(messages)}.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))["reply"]
        answer = self.provider.complete_batch([messages], self.settings)[0]
        if answer.error:
            self.errors.append(answer.error)
            return None
        write_text(path, json.dumps({"judge": self.spec, "reply": answer.text}, ensure_ascii=False))
        return answer.text

    def score(self, example: EvalExample, answer: str) -> float | None:
        reply = self.ask(score_prompt(self.rubric, example, answer))
        found = _SCORE.findall(reply or "")
        return (int(found[-1]) - 1) / 4 if found else None

    def prefer(self, example: EvalExample, a: str, b: str) -> str | None:
        """'a', 'b' or 'tie' from both orders; None when a verdict is missing."""
        first = _WINNER.findall(self.ask(pair_prompt(self.rubric, example, a, b)) or "")
        second = _WINNER.findall(self.ask(pair_prompt(self.rubric, example, b, a)) or "")
        if not first or not second:
            return None
        v1, v2 = first[-1].upper(), second[-1].upper()
        if v1 == "A" and v2 == "B":
            return "a"
        if v1 == "B" and v2 == "A":
            return "b"
        return "tie"  # a tie in either order, or the judge just followed the position

    # -- whole sets -----------------------------------------------------------------------------
    def score_all(self, examples: list[EvalExample], answers: dict[str, dict[int, dict]],
                  progress: Callable[[int, int], None] | None = None) -> dict[str, dict[int, float | None]]:
        jobs = [(spec, e) for spec in answers for e in examples]
        text = {(spec, e.line): (answers[spec].get(e.line) or {}).get("text") or "" for spec, e in jobs}
        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            values = list(pool.map(lambda job: self.score(job[1], text[(job[0], job[1].line)]), jobs))
        if progress:
            progress(len(jobs), len(jobs))
        out: dict[str, dict[int, float | None]] = {spec: {} for spec in answers}
        for (spec, example), value in zip(jobs, values):
            out[spec][example.line] = value
        return out

    def compare_all(self, examples: list[EvalExample], answers: dict[str, dict[int, dict]],
                    progress: Callable[[int, int], None] | None = None) -> list[dict]:
        """Per pair of contestants: b's wins, a's wins, ties over the examples, and b's win rate
        with a Wilson interval (ties left out)."""
        out = []
        for a, b in combinations(list(answers), 2):
            def verdict(example: EvalExample) -> str | None:
                text_a = (answers[a].get(example.line) or {}).get("text") or ""
                text_b = (answers[b].get(example.line) or {}).get("text") or ""
                return self.prefer(example, text_a, text_b)

            with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
                verdicts = list(pool.map(verdict, examples))
            b_wins, a_wins = verdicts.count("b"), verdicts.count("a")
            out.append({"a": a, "b": b, "b_wins": b_wins, "a_wins": a_wins, "ties": verdicts.count("tie"),
                        "missing": verdicts.count(None), **wilson(b_wins, b_wins + a_wins)})
        return out
