"""Blind-arena votes: an append-only SQLite log under LAB_HOME/votes.sqlite3, a leaderboard, CSV.

Append-only by construction: the table has triggers that refuse UPDATE and DELETE, and this module
offers no way to change a vote (FastChat keeps one JSON line per vote for the same reason: the log is
the evidence, ratings are recomputed from it). Ratings live in core.ratings (pure math, no storage).

A vote row: id, created_at (UTC ISO 8601), question, contestants {"A": name, "B": name[, "C": name]},
winner "A" | "B" | "C" | "tie" | "bad" ("bad" = all answers bad), answers {"A": text, ...} or null.
SQLite in WAL mode with a busy timeout, so the Gradio arena and the Streamlit page (two processes)
can write and read at the same time.
"""
from __future__ import annotations

import csv
import io
import json
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

from core.errors import InputError
from core.paths import lab_home
from core.ratings import leaderboard_from_votes

COLUMNS = ("A", "B", "C")
WINNERS = (*COLUMNS, "tie", "bad")
MAX_TEXT = 200_000  # characters kept per question or answer (a runaway generation, not a novel)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS votes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL,
    contestants TEXT NOT NULL,
    winner TEXT NOT NULL CHECK (winner IN ('A', 'B', 'C', 'tie', 'bad')),
    answers TEXT
);
CREATE TRIGGER IF NOT EXISTS votes_no_update BEFORE UPDATE ON votes
BEGIN SELECT RAISE(ABORT, 'votes are append-only'); END;
CREATE TRIGGER IF NOT EXISTS votes_no_delete BEFORE DELETE ON votes
BEGIN SELECT RAISE(ABORT, 'votes are append-only'); END;
"""


def db_path() -> Path:
    return lab_home() / "votes.sqlite3"


def _connect() -> sqlite3.Connection:
    connection = sqlite3.connect(db_path(), timeout=10.0)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.executescript(_SCHEMA)
    return connection


def _check(question: str, contestants: dict, winner: str, answers: dict | None) -> None:
    if not isinstance(question, str) or not question.strip():
        raise InputError("rag.vote_error_question", "rag.vote_error_question_hint")
    if (not isinstance(contestants, dict) or not 2 <= len(contestants) <= 3
            or set(contestants) != set(COLUMNS[:len(contestants)])):
        raise InputError("rag.vote_error_contestants", "rag.vote_error_contestants_hint",
                         got=", ".join(map(str, contestants)) if isinstance(contestants, dict) else str(contestants))
    for column, name in contestants.items():
        if not isinstance(name, str) or not name.strip():
            raise InputError("rag.vote_error_contestant_name", "rag.vote_error_contestants_hint", column=column)
    allowed = (*contestants, "tie", "bad")
    if winner not in allowed:
        raise InputError("rag.vote_error_winner", "rag.vote_error_winner_hint", winner=str(winner),
                         allowed=", ".join(allowed))
    if answers is not None and (not isinstance(answers, dict) or not set(answers) <= set(contestants)):
        raise InputError("rag.vote_error_answers", "rag.vote_error_answers_hint")


def record_vote(question: str, contestants: dict[str, str], winner: str, answers: dict | None = None) -> int:
    """Append one vote; returns its id. contestants maps the blind columns to real names,
    e.g. {"A": "base", "B": "run:abc"}; winner is a column, "tie" or "bad" (all bad)."""
    _check(question, contestants, winner, answers)
    row = (
        datetime.now(timezone.utc).isoformat(timespec="seconds"),
        question.strip()[:MAX_TEXT],
        json.dumps({c: contestants[c].strip() for c in sorted(contestants)}, ensure_ascii=False),
        winner,
        json.dumps({c: str(a)[:MAX_TEXT] for c, a in sorted(answers.items())}, ensure_ascii=False)
        if answers is not None else None,
    )
    with closing(_connect()) as connection, connection:
        cursor = connection.execute(
            "INSERT INTO votes (created_at, question, contestants, winner, answers) VALUES (?, ?, ?, ?, ?)", row)
        return int(cursor.lastrowid)


def list_votes() -> list[dict]:
    """Every vote, oldest first: {"id", "created_at", "question", "contestants", "winner", "answers"}."""
    if not db_path().exists():
        return []
    with closing(_connect()) as connection:
        rows = connection.execute(
            "SELECT id, created_at, question, contestants, winner, answers FROM votes ORDER BY id").fetchall()
    return [{"id": r[0], "created_at": r[1], "question": r[2], "contestants": json.loads(r[3]),
             "winner": r[4], "answers": json.loads(r[5]) if r[5] is not None else None} for r in rows]


def leaderboard(n_bootstrap: int = 200, seed: int = 0) -> list[dict]:
    """Contestants by Bradley–Terry rating: contestant, votes, battles, wins, ties, losses, win_rate,
    rating, ci_low, ci_high (see core.ratings for how votes become battles)."""
    return leaderboard_from_votes(list_votes(), n_bootstrap=n_bootstrap, seed=seed)


CSV_FIELDS = ("id", "created_at", "question", "contestant_a", "contestant_b", "contestant_c", "winner",
              "winner_name", "answer_a", "answer_b", "answer_c")


def export_votes_csv() -> str:
    """All votes as CSV text (RFC 4180 quoting, header row, one row per vote). winner_name is the
    real name behind the winning column; empty for tie/bad."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for vote in list_votes():
        names, answers = vote["contestants"], vote["answers"] or {}
        row = {"id": vote["id"], "created_at": vote["created_at"], "question": vote["question"],
               "winner": vote["winner"], "winner_name": names.get(vote["winner"], "")}
        for column in COLUMNS:
            row[f"contestant_{column.lower()}"] = names.get(column, "")
            row[f"answer_{column.lower()}"] = answers.get(column, "")
        writer.writerow(row)
    return buffer.getvalue()
