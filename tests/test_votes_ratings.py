"""Rating math: Bradley–Terry on synthetic battles with a known order, ties, bootstrap intervals."""
import numpy as np
import pytest

from core.ratings import (ANCHOR, SCALE, battles_from_votes, bootstrap_ratings, fit_bradley_terry,
                          leaderboard_from_votes, to_rating)


def synthetic_votes(strengths: dict, n: int = 300, tie_rate: float = 0.1, seed: int = 7) -> list[dict]:
    """Two-column battles drawn from a Bradley–Terry model with known strengths (natural log units)."""
    rng = np.random.default_rng(seed)
    names = list(strengths)
    out = []
    for _ in range(n):
        i, j = rng.choice(len(names), size=2, replace=False)
        a, b = names[i], names[j]
        if rng.random() < tie_rate:
            winner = "tie"
        else:
            p_a = 1.0 / (1.0 + np.exp(strengths[b] - strengths[a]))
            winner = "A" if rng.random() < p_a else "B"
        out.append({"contestants": {"A": a, "B": b}, "winner": winner})
    return out


def test_known_order_is_recovered_with_intervals_around_the_estimate():
    board = leaderboard_from_votes(synthetic_votes({"a": 1.5, "b": 0.5, "c": -1.0}), n_bootstrap=200, seed=0)
    assert [row["contestant"] for row in board] == ["a", "b", "c"]
    for row in board:
        assert row["ci_low"] <= row["rating"] <= row["ci_high"]
        assert row["ci_high"] - row["ci_low"] < 250  # 300 battles pin ratings down to ~±100 points
        assert row["battles"] == row["wins"] + row["ties"] + row["losses"]
    assert board[0]["win_rate"] > board[1]["win_rate"] > board[2]["win_rate"]
    assert np.mean([row["rating"] for row in board]) == pytest.approx(ANCHOR)
    # The gap a-c is 2.5 natural units = 434 rating points in the generating model.
    assert board[0]["rating"] - board[2]["rating"] == pytest.approx(2.5 * SCALE, abs=120)


def test_maximum_likelihood_matches_an_independent_mm_fit():
    """Without the prior, Newton must land on Hunter's MM fixed point (ties as half wins)."""
    votes = synthetic_votes({"a": 1.0, "b": 0.2, "c": -0.4, "d": -0.8}, n=400, seed=3)
    names, first, second, outcome = battles_from_votes(votes)
    theta = fit_bradley_terry(len(names), first, second, outcome, prior_precision=0.0)
    wins = np.zeros((4, 4))
    np.add.at(wins, (first, second), outcome)
    np.add.at(wins, (second, first), 1 - outcome)
    games = wins + wins.T
    p = np.ones(4)
    for _ in range(2000):  # Hunter (2004): p_i <- W_i / sum_j n_ij / (p_i + p_j)
        p = wins.sum(axis=1) / (games / (p[:, None] + p[None, :])).sum(axis=1)
        p /= np.exp(np.log(p).mean())
    assert np.allclose(theta - theta.mean(), np.log(p), atol=1e-6)


def test_ties_count_half_and_all_ties_means_equal_ratings():
    votes = [{"contestants": {"A": "x", "B": "y"}, "winner": w} for w in ["tie"] * 10 + ["bad"] * 4]
    board = leaderboard_from_votes(votes, n_bootstrap=20)
    assert [row["rating"] for row in board] == pytest.approx([ANCHOR, ANCHOR])
    assert all(row["ties"] == 14 and row["wins"] == 0 and row["win_rate"] == 0 for row in board)
    # Two wins each plus ties: still level; one extra win tips it.
    votes += [{"contestants": {"A": "x", "B": "y"}, "winner": "A"}, {"contestants": {"A": "y", "B": "x"}, "winner": "A"}]
    assert leaderboard_from_votes(votes, 0)[0]["rating"] == pytest.approx(ANCHOR)
    votes.append({"contestants": {"A": "x", "B": "y"}, "winner": "A"})
    assert leaderboard_from_votes(votes, 0)[0]["contestant"] == "x"


def test_three_column_votes_and_both_bad():
    names, first, second, outcome = battles_from_votes([
        {"contestants": {"A": "base", "B": "ft", "C": "rag"}, "winner": "C"},
        {"contestants": {"A": "base", "B": "ft", "C": "rag"}, "winner": "bad"},
        {"contestants": {"A": "rag", "B": "rag"}, "winner": "A"},  # same contestant twice: no battle
    ])
    assert names == ["base", "ft", "rag"]
    battles = sorted((names[i], names[j], y) for i, j, y in zip(first, second, outcome))
    assert battles == [("base", "ft", 0.5), ("base", "rag", 0.0), ("base", "rag", 0.5),
                       ("ft", "rag", 0.0), ("ft", "rag", 0.5)]  # the winner's column beat both others


def test_an_unbeaten_contestant_gets_a_finite_rating():
    votes = [{"contestants": {"A": "champ", "B": "other"}, "winner": "A"}] * 5
    board = leaderboard_from_votes(votes, n_bootstrap=50)
    assert all(np.isfinite([r["rating"], r["ci_low"], r["ci_high"]]).all() for r in board)
    assert board[0]["contestant"] == "champ" and board[0]["win_rate"] == 1.0


def test_bootstrap_is_seeded_and_shaped():
    names, first, second, outcome = battles_from_votes(synthetic_votes({"a": 1, "b": 0, "c": -1}, n=60))
    one = bootstrap_ratings(len(names), first, second, outcome, n_bootstrap=30, seed=5)
    assert one.shape == (30, 3)
    assert np.array_equal(one, bootstrap_ratings(len(names), first, second, outcome, n_bootstrap=30, seed=5))
    assert not np.array_equal(one, bootstrap_ratings(len(names), first, second, outcome, n_bootstrap=30, seed=6))
    assert np.allclose(one.mean(axis=1), ANCHOR)
    assert to_rating(np.array([0.0, np.log(10)]))[1] - to_rating(np.array([0.0, np.log(10)]))[0] == pytest.approx(400)
