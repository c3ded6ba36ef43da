"""One browser's arena conversation, without any UI: who answers in which column, what each model
has seen, the regenerate rule and the rules of a blind battle (random seats, one vote, then reveal).

Kept apart from Gradio so the rules can be tested directly and read in one place. Column i holds
`specs[i]` (a contestant spec or None for an empty column); in a blind battle the seats are shuffled
once per battle and shown only as letters until the vote.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from core import votes
from core.comparison import Comparison, ComparisonColumn
from core.errors import InputError
from core.providers.base import Answer

N = 3  # columns
LETTERS = votes.COLUMNS  # seat names in a blind battle: A, B, C


def default_specs(contestants) -> list[str | None]:
    """Who sits in the columns at first: base | newest finished local run (else RAG) | RAG (else nobody).
    `contestants`: core.providers.list_contestants() entries."""
    run = next((c.spec for c in contestants if c.spec.startswith("run:") and c.available), None)
    return ["base", run or "rag", "rag" if run else None]


def _columns() -> list:
    return [[] for _ in range(N)]


@dataclass
class Battle:
    """histories: what each column's model sees (successful turns only); display: what its chat shows
    (errors too); question/answers: the latest turn (export, vote)."""

    blind: bool = False
    specs: list[str | None] = field(default_factory=lambda: [None] * N)
    histories: list[list[dict]] = field(default_factory=_columns)
    display: list[list[dict]] = field(default_factory=_columns)
    started: bool = False  # a blind battle has its seats
    voted: bool = False
    question: str = ""
    answers: list[Answer | None] = field(default_factory=lambda: [None] * N)

    # ---- seats ------------------------------------------------------------------------------------
    def seat(self, picked: list[str | None], rng: random.Random | None = None) -> None:
        """Who answers this turn. Open mode: the columns as picked. Blind mode: the first question of
        a battle shuffles the picked contestants into seats A, B, (C); later turns keep them."""
        picked = [(p or "").strip() or None for p in picked][:N] + [None] * max(0, N - len(picked))
        if not self.blind:
            if not any(picked):
                raise InputError("arena.err_no_contestant")
            self.specs = picked
            return
        if self.started:
            return
        pool = [p for p in picked if p]
        if len(pool) < 2:
            raise InputError("arena.err_blind_needs_two")
        (rng or random).shuffle(pool)
        self.specs = pool + [None] * (N - len(pool))
        self.started, self.voted = True, False

    @property
    def hidden(self) -> bool:
        """Names and metrics stay hidden: a blind battle before its vote (metrics would give away a
        local model by its speed)."""
        return self.blind and self.started and not self.voted

    def seat_title(self, i: int) -> str | None:
        """The letter of column i in a blind battle (None in open mode or for an empty column)."""
        return LETTERS[i] if self.blind and self.started and self.specs[i] else None

    # ---- turns ------------------------------------------------------------------------------------
    def begin_turn(self, question: str) -> list[tuple[int, list[dict]]]:
        """Show the question in every seated column; [(column, messages its model must answer)]."""
        question = (question or "").strip()
        if not question:
            raise InputError("arena.err_no_question")
        turns = []
        for i, spec in enumerate(self.specs):
            if spec:
                self.display[i].append({"role": "user", "content": question})
                turns.append((i, self.histories[i] + [{"role": "user", "content": question}]))
        self.question, self.answers = question, [None] * N
        return turns

    def finish_column(self, i: int, answer: Answer) -> None:
        """Column i answered: its chat shows the reply (and the error); its model keeps the turn only
        when it produced text, so a failed column does not carry half a turn into the next question."""
        self.answers[i] = answer
        reply = answer.text if not answer.error else (answer.text + f"\n\n⚠️ {answer.error}").strip()
        self.display[i].append({"role": "assistant", "content": reply})
        if answer.text:
            self.histories[i] += [{"role": "user", "content": self.question},
                                  {"role": "assistant", "content": answer.text}]

    def drop_last_turn(self) -> str:
        """Regenerate: remove the last question and its answers where a column has them (a column left
        out of that turn keeps its chat) and return the question, to be asked again."""
        if not self.question:
            raise InputError("arena.err_nothing_to_regenerate")
        last = self.question
        for shown, seen in zip(self.display, self.histories):
            if len(shown) >= 2 and shown[-1]["role"] == "assistant" and shown[-2]["content"] == last:
                del shown[-2:]
            if len(seen) >= 2 and seen[-2]["content"] == last:
                del seen[-2:]
        return last

    # ---- votes ------------------------------------------------------------------------------------
    @property
    def can_vote(self) -> bool:
        """A blind battle whose seated columns (two or more) have all answered, not voted yet."""
        seated = [i for i, spec in enumerate(self.specs) if spec]
        return self.hidden and len(seated) >= 2 and all(self.answers[i] is not None for i in seated)

    @property
    def seats(self) -> dict[str, str]:
        """{"A": spec, ...} of the seated columns."""
        return {LETTERS[i]: spec for i, spec in enumerate(self.specs) if spec}

    def vote(self, winner: str) -> dict[str, str]:
        """Record one vote for this battle (core.votes) and reveal the seats: returns {letter: spec}.
        One vote per battle; only a seat that exists can win."""
        if not (self.blind and self.started) or self.voted or not self.question:
            raise InputError("arena.err_no_battle")
        seats = self.seats
        if winner not in votes.WINNERS or (winner in LETTERS and winner not in seats):
            raise InputError("arena.err_no_battle")
        answers = {LETTERS[i]: (a.text if a else "") for i, a in enumerate(self.answers) if self.specs[i]}
        votes.record_vote(self.question, seats, winner, answers)
        self.voted = True
        return seats

    # ---- export -----------------------------------------------------------------------------------
    def comparison(self) -> Comparison:
        """The latest turn side by side; in a blind battle before the vote only the letters."""
        if not self.question:
            raise InputError("arena.err_nothing_to_export")
        columns = []
        for i, (spec, answer) in enumerate(zip(self.specs, self.answers)):
            if spec and answer is not None:
                title = self.seat_title(i) or spec
                columns.append(ComparisonColumn(title=title, spec=title if self.hidden else spec, answer=answer))
        turns = max(len(h) for h in self.histories) // 2
        return Comparison(question=self.question, columns=columns, history_turns=max(0, turns - 1))
