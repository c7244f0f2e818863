"""CNTK 2.7's minibatch-level ranking and sequence metrics, on plain arrays (one entry per minibatch
column): NDCG and LambdaRank over groups, and the edit distance between label sequences."""
from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np

_SAME_GAIN = 1e-7  # CNTK treats gains closer than this as equal when pairing


def _groups(groups: np.ndarray) -> List[range]:
    """Runs of equal group id (ids truncated to integers, as CNTK casts them)."""
    ids = [int(g) for g in groups]
    runs: List[range] = []
    start = 0
    for i in range(1, len(ids) + 1):
        if i == len(ids) or ids[i] != ids[start]:
            runs.append(range(start, i))
            start = i
    if not runs:
        raise ValueError("lambda_rank/ndcg_at_1: the minibatch holds no samples")
    return runs


def _ranks(scores: np.ndarray, gains: np.ndarray, members: range) -> List[int]:
    """Rank of each member by decreasing score; equal scores rank the smaller gain first."""
    order = sorted(members, key=lambda i: (-scores[i], gains[i]))
    rank = [0] * len(members)
    for r, i in enumerate(order):
        rank[i - members.start] = r
    return rank


def _log_positions(n: int, ft: type) -> List:
    """log(2 + position) for positions 0..n-1, in the element type."""
    return [np.log(ft(2 + p)) for p in range(n)]


def _dcg(gains: Sequence, log_position: Sequence) -> object:
    total = gains[0] * 0
    for g, lp in zip(gains, log_position):
        total = total + g / lp
    return total


def ndcg_value(scores: np.ndarray, gains: np.ndarray, groups: np.ndarray) -> float:
    """LambdaRank's value: (1 - mean over groups of DCG / ideal DCG) * 100 * columns, computed in the
    arrays' element type as CNTK does. The ideal DCG takes the members in the given order (they
    must come by decreasing gain); a group whose ideal DCG is 0 counts as NDCG 0."""
    ft = gains.dtype.type
    total = ft(0)
    runs = _groups(groups)
    for members in runs:
        g = list(gains[members.start:members.stop])
        logs = _log_positions(len(g), ft)
        ideal = _dcg(g, logs)
        if ideal != 0:
            total = total + _dcg(g, [logs[r] for r in _ranks(scores, gains, members)]) / ideal
    return float((ft(1) - total / ft(len(runs))) * ft(100) * ft(len(scores)))


def ndcg_at_1_value(scores: np.ndarray, gains: np.ndarray, groups: np.ndarray) -> float:
    """Mean over groups of gain(top-scored member) / gain(first member), times 100 * columns; groups
    whose first gain is 0 count as 0."""
    ft = gains.dtype.type
    total = ft(0)
    runs = _groups(groups)
    for members in runs:
        first = gains[members.start]
        if first != 0:
            top = members.start + _ranks(scores, gains, members).index(0)
            total = total + gains[top] / first
    return float(total / ft(len(runs)) * ft(100) * ft(len(scores)))


def lambda_rank_gradient(scores: np.ndarray, gains: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """CNTK's LambdaRank gradient w.r.t. the scores, in the arrays' element type.

    Pairs (i, j), j after i in its group, are formed for every i whose gain exceeds the group's last
    gain, and each gets the weight -1 / (1 + exp(s_i - s_j)) in that order. The gradient walks the
    same pairs but skips those of (nearly) equal gain without moving on in the list of weights, so
    that — as in CNTK 2.7 — later pairs use the weight of an earlier one. Each used pair adds
    weight * |ΔNDCG_ij| to i and subtracts it from j."""
    ft = gains.dtype.type
    runs = _groups(groups)
    weights = [ft(-1) / (ft(1) + np.exp(scores[i] - scores[j])) for members in runs for i, j in _pairs(gains, members)]
    grad = np.zeros(len(scores), dtype=ft)
    used = 0
    for members in runs:
        g = list(gains[members.start:members.stop])
        logs = _log_positions(len(g), ft)
        ideal = _dcg(g, logs)
        log_rank = [logs[r] for r in _ranks(scores, gains, members)]
        for i, j in _pairs(gains, members):
            if abs(float(gains[i]) - float(gains[j])) < _SAME_GAIN:
                continue
            di, dj = log_rank[i - members.start], log_rank[j - members.start]
            delta = ft(0) if ideal == 0 else abs((gains[i] - gains[j]) * (di - dj) / (di * dj) / ideal)
            step = weights[used] * delta
            used += 1
            grad[i] += step
            grad[j] -= step
    return grad


def _pairs(gains: np.ndarray, members: range) -> List[Tuple[int, int]]:
    last = gains[members[-1]]
    return [(i, j) for i in members if gains[i] > last for j in range(i + 1, members.stop)]


# --- edit distance ----------------------------------------------------------------------------------------------------
def _labels(seq: Sequence[int], squash: bool, ignore: Sequence[int]) -> List[int]:
    """The label sequence after merging runs of a repeated label (``squash``) and dropping ``ignore``."""
    out: List[int] = []
    previous = None
    for k, label in enumerate(seq):
        if squash and k > 0 and label == previous:
            continue
        previous = label
        if label not in ignore:
            out.append(label)
    return out


def _operations(a: Sequence[int], b: Sequence[int], sub: float, dele: float, ins: float) -> float:
    """Number of edits on the cheapest alignment of ``a`` to ``b`` (CNTK's tie order: substitution,
    then deletion, then insertion)."""
    cost = [[0.0] * (len(b) + 1) for _ in range(len(a) + 1)]
    count = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        cost[i][0], count[i][0] = float(np.float32(i * dele)), i
    for j in range(len(b) + 1):
        cost[0][j], count[0][j] = float(np.float32(j * ins)), j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                cost[i][j], count[i][j] = cost[i - 1][j - 1], count[i - 1][j - 1]
                continue
            d = float(np.float32(cost[i - 1][j] + dele))
            n = float(np.float32(cost[i][j - 1] + ins))
            s = float(np.float32(cost[i - 1][j - 1] + sub))
            if s <= d and s <= n:
                cost[i][j], count[i][j] = s, count[i - 1][j - 1] + 1
            elif d < n:
                cost[i][j], count[i][j] = d, count[i - 1][j] + 1
            else:
                cost[i][j], count[i][j] = n, count[i][j - 1] + 1
    return float(count[len(a)][len(b)])


def edit_distance_error(sequences: Sequence[Tuple[Sequence[int], Sequence[int]]], sub: float, dele: float, ins: float,
                        squash: bool, ignore: Sequence[int], dtype: type) -> float:
    """CNTK's edit distance error of (a, b) label sequence pairs: total edits * total steps / total
    length of the processed b sequences (inf or nan when they are all empty)."""
    edits, steps, b_total = 0.0, 0, 0
    for a, b in sequences:
        if not a:
            continue
        steps += len(a)
        la, lb = _labels(a, squash, ignore), _labels(b, squash, ignore)
        b_total += len(lb)
        edits += _operations(la, lb, float(np.float32(sub)), float(np.float32(dele)), float(np.float32(ins)))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(dtype(edits) * dtype(steps) / dtype(b_total))
