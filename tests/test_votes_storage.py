"""Vote storage: append-only SQLite under LAB_HOME, validation, CSV export."""
import csv
import io
import sqlite3

import pytest

from core.errors import InputError
from core import votes


def test_votes_are_stored_under_lab_home_and_listed_in_order(lab_home):
    first = votes.record_vote("How much is Plus?", {"A": "base", "B": "rag:embedded"}, "B",
                              {"A": "I don't know.", "B": "R$ 219/month [1]."})
    second = votes.record_vote("Horário?", {"A": "run:42", "B": "base", "C": "rag:embedded"}, "tie")
    assert (lab_home / "votes.sqlite3").is_file()
    assert second > first
    listed = votes.list_votes()
    assert [v["id"] for v in listed] == [first, second]
    assert listed[0]["contestants"] == {"A": "base", "B": "rag:embedded"}
    assert listed[0]["answers"]["B"] == "R$ 219/month [1]." and listed[1]["answers"] is None
    assert listed[1]["winner"] == "tie" and listed[1]["question"] == "Horário?"
    assert listed[0]["created_at"].endswith("+00:00")


def test_no_votes_means_empty_lists_and_no_file(lab_home):
    assert votes.list_votes() == [] and votes.leaderboard() == []
    assert not (lab_home / "votes.sqlite3").exists()
    assert votes.export_votes_csv().splitlines() == [",".join(votes.CSV_FIELDS)]


def test_the_log_is_append_only():
    votes.record_vote("q", {"A": "x", "B": "y"}, "A")
    with sqlite3.connect(votes.db_path()) as connection:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute("UPDATE votes SET winner = 'B'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute("DELETE FROM votes")
    assert votes.list_votes()[0]["winner"] == "A"


@pytest.mark.parametrize("question, contestants, winner, answers, key", [
    ("", {"A": "x", "B": "y"}, "A", None, "rag.vote_error_question"),
    ("q", {"A": "x"}, "A", None, "rag.vote_error_contestants"),
    ("q", {"A": "x", "C": "y"}, "A", None, "rag.vote_error_contestants"),
    ("q", {"A": "x", "B": " "}, "A", None, "rag.vote_error_contestant_name"),
    ("q", {"A": "x", "B": "y"}, "C", None, "rag.vote_error_winner"),
    ("q", {"A": "x", "B": "y"}, "A is better", None, "rag.vote_error_winner"),
    ("q", {"A": "x", "B": "y"}, "A", {"D": "?"}, "rag.vote_error_answers"),
])
def test_bad_votes_are_refused_with_a_clear_message(question, contestants, winner, answers, key):
    with pytest.raises(InputError) as info:
        votes.record_vote(question, contestants, winner, answers)
    assert info.value.key == key and info.value.message("pt-BR") != key
    assert votes.list_votes() == []


def test_csv_export_parses_back_with_awkward_text():
    tricky = 'Comma, "quotes" and\na new line; ção'
    votes.record_vote(tricky, {"A": "base", "B": "ft:gpt-4o-mini:acme", "C": "rag:embedded"}, "C",
                      {"A": "one", "B": tricky, "C": "three [1]"})
    votes.record_vote("second", {"A": "base", "B": "rag:embedded"}, "bad")
    rows = list(csv.DictReader(io.StringIO(votes.export_votes_csv())))
    assert len(rows) == 2
    assert rows[0]["question"] == tricky and rows[0]["answer_b"] == tricky
    assert rows[0]["winner"] == "C" and rows[0]["winner_name"] == "rag:embedded"
    assert rows[1]["contestant_c"] == "" and rows[1]["winner"] == "bad" and rows[1]["winner_name"] == ""
    assert [int(r["id"]) for r in rows] == [v["id"] for v in votes.list_votes()]


def test_leaderboard_reads_the_stored_votes():
    for _ in range(6):
        votes.record_vote("q", {"A": "rag", "B": "base"}, "A")
    votes.record_vote("q", {"A": "base", "B": "rag"}, "A")
    board = votes.leaderboard(n_bootstrap=50, seed=1)
    assert [row["contestant"] for row in board] == ["rag", "base"]
    assert board[0]["wins"] == 6 and board[0]["battles"] == 7 and board[1]["wins"] == 1
    assert board == votes.leaderboard(n_bootstrap=50, seed=1)  # the seed makes it reproducible
