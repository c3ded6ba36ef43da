"""From answers to a recommendation: fire the rules, add their weights per side, decide.

    rag side ≥ THRESHOLD and fine-tune side ≥ THRESHOLD  -> rag_and_fine_tune
    only the rag side                                     -> rag
    only the fine-tune side                               -> fine_tune
    neither                                               -> prompting_first

"Neither" is the honest default: a good prompt, measured on an evaluation set, is the baseline any
later step must beat (the course: "RAG solves 90% of cases"; OpenAI: prompt engineering first).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from core.guide.answers import Answers
from core.guide.comparison import Figures, Volumes, compute
from core.guide.rules import RULES, SIDES, THRESHOLD, Case, Rule
from core.i18n import t

OPTIONS = ("rag", "fine_tune", "rag_and_fine_tune", "prompting_first")


@dataclass
class Recommendation:
    recommendation: str
    fired: list[Rule]
    scores: dict[str, float]
    case: Case
    contestants: list[str] = field(default_factory=list)

    @property
    def figures(self) -> Figures:
        return self.case.figures

    def reasons(self, lang: str | None = None) -> list[dict]:
        out = [{"rule": rule.id, "text": rule.text(self.case, lang), "favors": rule.favors, "weight": rule.weight}
               for rule in self.fired]
        if not out:
            out.append({"rule": "no_rule_fired", "text": t("guide.rule.no_rule_fired", lang), "favors": None,
                        "weight": 0})
        return out

    def to_dict(self, lang: str | None = None) -> dict:
        return {"recommendation": self.recommendation,
                "label": t(f"guide.option.{self.recommendation}", lang),
                "summary": t(f"guide.summary.{self.recommendation}", lang),
                "reasons": self.reasons(lang),
                "scores": dict(self.scores), "threshold": THRESHOLD,
                "answers": self.case.answers.to_dict(),
                "comparison": self.figures.to_dict(),
                "contestants": list(self.contestants)}


def fired_rules(case: Case) -> list[Rule]:
    return [rule for rule in RULES if rule.condition(case)]


def decide(scores: dict[str, float]) -> str:
    rag, fine_tune = scores["rag"] >= THRESHOLD, scores["fine_tune"] >= THRESHOLD
    if rag and fine_tune:
        return "rag_and_fine_tune"
    if rag:
        return "rag"
    if fine_tune:
        return "fine_tune"
    return "prompting_first"


def recommend(answers: Answers, volumes: Volumes | None = None, figures: Figures | None = None,
              contestants: bool = False) -> Recommendation:
    """The recommendation with every rule that fired. figures: reuse an earlier compute() (the page
    caches it); contestants=True also picks the evaluation page's contestants (reads the registry)."""
    case = Case(answers=answers, figures=figures or compute(answers, volumes))
    fired = fired_rules(case)
    scores = {side: float(sum(rule.weight for rule in fired if rule.favors == side)) for side in SIDES}
    result = Recommendation(recommendation=decide(scores), fired=fired, scores=scores, case=case)
    if contestants:
        from core.guide.contestants import contestants_for

        result.contestants = contestants_for(result.recommendation)
    return result
