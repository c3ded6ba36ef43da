"""Arena ratings: Bradley–Terry by maximum likelihood, on the Elo scale, with bootstrap intervals.

Pure functions on numpy arrays, no storage and no UI (the FastChat habit: votes are an append-only log,
analysis is a separate module). core.votes feeds it the stored votes.

Model: contestant i has a strength θ_i (natural log units) and P(i beats j) = σ(θ_i − θ_j). A rating
is R_i = 1000 + 400·θ_i / ln 10, so a 400-point gap means 10:1 odds, as in Elo; the ratings average
1000 (the anchor).

From votes to battles (pairs with an outcome y for the first contestant: 1 win, 0.5 tie, 0 loss):
- a vote for one column: that column beat each other column (B vs C stays unrecorded in a 3-column
  vote with winner A: the voter said nothing about it);
- "tie" and "bad" (both/all bad): a tie for every pair. "Both bad" says the answers were equally
  unhelpful, which for a *relative* rating is the same information as a tie; it still shows in the
  leaderboard's own count;
- two columns showing the same contestant carry no information and are skipped.
Ties count as half a win for each side (y = 0.5), the usual Bradley–Terry treatment without a tie
parameter.

Fit: Newton's method on the log-likelihood plus a weak Gaussian prior θ ~ N(0, σ² = 9) (σ = 3 natural
units ≈ 520 rating points). The prior keeps an unbeaten or winless contestant finite — plain maximum
likelihood sends it to ±∞, which happens all the time in bootstrap samples of a few dozen votes — and
its pull is negligible once contestants have more than a handful of battles.

Intervals: percentile bootstrap (2.5 %, 97.5 %) over battles resampled with replacement, with a
seeded numpy Generator, so the same votes and seed always give the same leaderboard.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

SCALE = 400.0 / math.log(10.0)  # rating points per natural-log unit of strength (≈ 173.7)
ANCHOR = 1000.0
PRIOR_PRECISION = 1.0 / 9.0  # 1/σ² of the Gaussian prior on θ (σ = 3)


def battles_from_votes(votes: Sequence[dict]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """votes: dicts with "contestants" {"A": name, "B": name[, "C": name]} and "winner"
    ("A"|"B"|"C"|"tie"|"bad"). Returns (names, first, second, outcome):
    names: sorted contestant names; first, second: int64 (n_battles,) indices into names;
    outcome: float64 (n_battles,), 1.0 first won, 0.5 tie, 0.0 second won."""
    pairs: list[tuple[str, str, float]] = []
    for vote in votes:
        columns = sorted(vote["contestants"].items())  # [("A", name), ("B", name), ...]
        winner = vote["winner"]
        for x in range(len(columns)):
            for y in range(x + 1, len(columns)):
                (col_i, name_i), (col_j, name_j) = columns[x], columns[y]
                if name_i == name_j:
                    continue
                if winner in ("tie", "bad"):
                    pairs.append((name_i, name_j, 0.5))
                elif winner == col_i:
                    pairs.append((name_i, name_j, 1.0))
                elif winner == col_j:
                    pairs.append((name_i, name_j, 0.0))
    names = sorted({name for vote in votes for name in vote["contestants"].values()})
    position = {name: i for i, name in enumerate(names)}
    first = np.array([position[p[0]] for p in pairs], dtype=np.int64)
    second = np.array([position[p[1]] for p in pairs], dtype=np.int64)
    outcome = np.array([p[2] for p in pairs], dtype=np.float64)
    return names, first, second, outcome


def fit_bradley_terry(n_players: int, first: np.ndarray, second: np.ndarray, outcome: np.ndarray,
                      weights: np.ndarray | None = None, prior_precision: float = PRIOR_PRECISION,
                      max_iter: int = 100, tol: float = 1e-10) -> np.ndarray:
    """Strengths θ, float64 (n_players,), maximising Σ w·[y·log σ(θ_i−θ_j) + (1−y)·log σ(θ_j−θ_i)]
    − prior_precision·Σθ²/2. weights: battle multiplicities (bootstrap counts); default 1.
    The objective is strictly concave, so Newton converges in a handful of steps."""
    w = np.ones(len(first)) if weights is None else np.asarray(weights, dtype=np.float64)
    # Aggregate: wins[i, j] = (half-)wins of i over j, games[i, j] = battles between i and j.
    wins = np.zeros((n_players, n_players))
    np.add.at(wins, (first, second), w * outcome)
    np.add.at(wins, (second, first), w * (1.0 - outcome))
    games = wins + wins.T
    theta = np.zeros(n_players)
    for _ in range(max_iter):
        p = 1.0 / (1.0 + np.exp(theta[None, :] - theta[:, None]))  # p[i, j] = P(i beats j)
        gradient = (wins - games * p).sum(axis=1) - prior_precision * theta
        curvature = games * p * p.T  # n_ij · p_ij · p_ji
        hessian = curvature - np.diag(curvature.sum(axis=1) + prior_precision)
        # lstsq: with prior_precision = 0 the Hessian is singular along θ + c (only differences
        # matter); the minimum-norm step then keeps the mean of θ where it is.
        step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        theta = theta - step
        if np.max(np.abs(step)) < tol:
            break
    return theta


def to_rating(theta: np.ndarray) -> np.ndarray:
    """Strength (natural log units) -> Elo-scale rating, mean anchored at 1000."""
    return ANCHOR + SCALE * (theta - theta.mean())


def bootstrap_ratings(n_players: int, first: np.ndarray, second: np.ndarray, outcome: np.ndarray,
                      n_bootstrap: int = 200, seed: int = 0) -> np.ndarray:
    """Ratings refitted on battles resampled with replacement: float64 (n_bootstrap, n_players)."""
    rng = np.random.default_rng(seed)
    n = len(first)
    samples = np.empty((n_bootstrap, n_players))
    for b in range(n_bootstrap):
        counts = np.bincount(rng.integers(0, n, size=n), minlength=n).astype(np.float64)
        samples[b] = to_rating(fit_bradley_terry(n_players, first, second, outcome, weights=counts))
    return samples


def leaderboard_from_votes(votes: Sequence[dict], n_bootstrap: int = 200, seed: int = 0) -> list[dict]:
    """Rows sorted by rating: contestant, votes, battles, wins, ties, losses, win_rate (wins/battles,
    a tie is not a win), rating, ci_low, ci_high (95 % bootstrap percentile interval).
    votes: counts votes a contestant appeared in, including "both bad" ones."""
    names, first, second, outcome = battles_from_votes(votes)
    if not names:
        return []
    k = len(names)
    rating = to_rating(fit_bradley_terry(k, first, second, outcome)) if len(first) else np.full(k, ANCHOR)
    if len(first) and n_bootstrap > 0:
        low, high = np.percentile(bootstrap_ratings(k, first, second, outcome, n_bootstrap, seed),
                                  [2.5, 97.5], axis=0)
    else:
        low, high = rating.copy(), rating.copy()
    rows = []
    for i, name in enumerate(names):
        as_first, as_second = first == i, second == i
        battles = int(as_first.sum() + as_second.sum())
        wins = int((outcome[as_first] == 1.0).sum() + (outcome[as_second] == 0.0).sum())
        ties = int((outcome[as_first] == 0.5).sum() + (outcome[as_second] == 0.5).sum())
        rows.append({
            "contestant": name,
            "votes": sum(1 for v in votes if name in v["contestants"].values()),
            "battles": battles, "wins": wins, "ties": ties, "losses": battles - wins - ties,
            "win_rate": wins / battles if battles else 0.0,
            "rating": float(rating[i]), "ci_low": float(low[i]), "ci_high": float(high[i]),
        })
    rows.sort(key=lambda row: (-row["rating"], row["contestant"]))
    return rows
