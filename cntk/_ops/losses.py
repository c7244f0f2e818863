"""Loss and metric ops with CNTK 2.7's definitions.

Per-sample criteria are sums over elements, not means. A few criteria are minibatch-level in
CNTK (one number for the whole minibatch, no dynamic axes): weighted_binary_cross_entropy,
classification_error with topN > 1, lambda_rank, ndcg_at_1 and edit_distance_error; the Trainer
divides their value by the number of samples it read, as CNTK does.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from .._graph import loss_rules  # noqa: F401  (registers the type rules)
from .._graph.axis import Axis
from .._graph.function import Function, primitive
from .axes import static_axis


def _criterion_axis(axis: Any, op: str) -> Optional[int]:
    """The ``axis`` argument of cross_entropy_with_softmax / classification_error: None (all static
    axes) or a Python-order index. Only -1 (an int or ``Axis(-1)``) selects CNTK's default
    computation; any other index, even one naming the last axis, reduces along that axis."""
    if axis is None or (isinstance(axis, Axis) and axis.name == "AllStaticAxes"):
        return None
    return static_axis(axis, op)


def squared_error(output: Any, target: Any, name: str = "") -> Function:
    """Per sample, the sum over all elements of (output - target)**2 (shape ())."""
    return primitive("SquaredError", [output, target], name=name)


def cross_entropy_with_softmax(output_vector: Any, target_vector: Any, axis: Any = -1, name: str = "") -> Function:
    """Per sample, logsumexp(output) - target·output: the cross entropy of softmax(output) when the
    target sums to 1 (and not otherwise).

    With the default ``axis=-1`` CNTK computes ``logsumexp(o, last axis) - target^T o`` as a matrix
    product, so vectors give shape (1,) and matrices o (B, C), t (A, C) give (B, A) with entry
    [b, a] = logsumexp(o[b]) - t[a]·o[b]; higher ranks are an error. Any other axis reduces along
    that axis keeping it as 1 (o (2, 4), axis=1 -> (2, 1)); ``axis=None`` reduces all static axes
    to shape ()."""
    return primitive("CrossEntropyWithSoftmax", [output_vector, target_vector],
                     {"axis": _criterion_axis(axis, "cross_entropy_with_softmax")}, name=name)


def binary_cross_entropy(output: Any, target: Any, name: str = "") -> Function:
    """Element-wise -[t log(1e-6 + o) + (1 - t) log(1 + 1e-6 - o)] (CNTK's guard against log 0);
    the Trainer sums the elements of a sample."""
    return primitive("BinaryCrossEntropy", [output, target], name=name)


def weighted_binary_cross_entropy(output: Any, target: Any, weight: Any, name: str = "") -> Function:
    """CNTK's logistic loss over the whole minibatch (one value, no dynamic axes):
    ``-N * sum(w * log(2 t o + 1 - t - o)) / sum(w)`` with N the number of columns CNTK's minibatch
    matrix has (samples, plus the gaps of ragged sequences). Every operand holds one value per
    sample. As in CNTK 2.7 the gradient reaches ``output`` only, and it leaves out the factor
    N / sum(w): ``-w (2t - 1) / (2 t o + 1 - t - o)``."""
    return primitive("Logistic", [output, target, weight], name=name)


def cosine_distance(x: Any, y: Any, name: str = "") -> Function:
    """Per sample, the cosine similarity x·y / (|x| |y|) over all elements (CNTK's name
    notwithstanding; shape ()). The operands must have the same shape."""
    return primitive("CosDistance", [x, y], name=name)


def cosine_distance_with_negative_samples(x: Any, y: Any, shift: int, num_negative_samples: int,
                                          name: str = "") -> Function:
    """Per sample j, the cosine similarity of x[j] with y[j], then with ``num_negative_samples``
    other samples of y: y[(j + shift + m - 1) mod n] for m = 1.., the n samples counted as CNTK's
    minibatch columns (ragged sequences packed into streams, gaps included). Shape
    (num_negative_samples + 1,)."""
    if int(shift) < 1 or int(num_negative_samples) < 1:
        raise ValueError("cosine_distance_with_negative_samples: shift and num_negative_samples must be positive "
                         "integers, got %r and %r" % (shift, num_negative_samples))
    return primitive("CosDistanceWithNegativeSamples", [x, y],
                     {"shift": int(shift), "num_negative_samples": int(num_negative_samples)}, name=name)


def lambda_rank(output: Any, gain: Any, group: Any, name: str = "") -> Function:
    """LambdaRank over the minibatch: ``(1 - mean NDCG of the groups) * 100 * N`` (one value, no
    dynamic axes; N = minibatch columns). Groups are runs of equal (integer-truncated) ``group``
    values; within a group the samples must come in order of decreasing gain, which defines the
    ideal DCG (gain / log(2 + position)). Ranks sort by score, ties by increasing gain.

    The gradient w.r.t. ``output`` is CNTK's lambda gradient, independent of the gradient flowing
    into this op: for each pair (i before j, gain_i > the group's last gain), -|ΔNDCG_ij| /
    (1 + exp(s_i - s_j)) goes to i and its negative to j. CNTK 2.7 skips pairs of equal gain
    without advancing through its list of pair weights, so after such a pair later pairs take the
    weight of an earlier pair; this port does the same."""
    return primitive("LambdaRank", [output, gain, group], name=name)


def classification_error(output_vector: Any, target_vector: Any, axis: Any = -1, topN: int = 1,
                         name: str = "") -> Function:
    """Classification error as CNTK 2.7 computes it.

    * Default ``axis=-1``, topN=1: ``1 - target^T hardmax(output)`` per sample (hardmax over the
      whole sample, ties to the first index), so one-hot targets give 0 or 1, shape (1,) for
      vectors and (B, A) for matrices o (B, C), t (A, C). Its gradient w.r.t. the target is
      -hardmax(output); w.r.t. the output 0.
    * Another axis (or None): per sample, the mean over the positions along the other axes of
      "target differs anywhere from (output == its max along the axis)", shape ().
    * topN > 1 (default axis only): the number of samples in the minibatch whose target class
      (first argmax) is not among the topN largest outputs (ties to the first index) — one value,
      no dynamic axes, and no gradient."""
    if int(topN) < 1:
        raise ValueError("classification_error: topN must be >= 1, got %r" % (topN,))
    axis = _criterion_axis(axis, "classification_error")
    if int(topN) > 1 and axis != -1:
        raise ValueError("classification_error: topN > 1 is only supported along the default axis (-1), got axis=%r"
                         % (axis,))
    return primitive("ClassificationError", [output_vector, target_vector], {"axis": axis, "topN": int(topN)},
                     name=name)


def ndcg_at_1(output: Any, gain: Any, group: Any, name: str = "") -> Function:
    """NDCG at 1 over the minibatch: ``mean over groups of gain(top-scored) / gain(first) * 100 * N``
    (one value, no dynamic axes; N = minibatch columns; groups whose first gain is 0 count as 0).
    Groups as in `lambda_rank`. Evaluation only: it has no gradient."""
    return primitive("NDCG", [output, gain, group], name=name)


def edit_distance_error(input_a: Any, input_b: Any, subPen: float = 1, delPen: float = 1, insPen: float = 1,
                        squashInputs: bool = False, tokensToIgnore: Iterable[int] = (), name: str = "") -> Function:
    """Edit distance between the label sequences (per-step argmax, first index on ties) of two
    inputs, over the whole minibatch (one value, no dynamic axes). The penalties choose the
    alignment; the error counts its substitutions, deletions and insertions, summed over the
    sequences and scaled by (number of steps) / (total length of input_b's label sequences), after
    ``tokensToIgnore`` are dropped and, with ``squashInputs``, runs of a repeated label merged.
    Batch-only inputs are sequences of one step each. Evaluation only: it has no gradient."""
    attrs = {"sub_pen": float(subPen), "del_pen": float(delPen), "ins_pen": float(insPen),
             "squash": bool(squashInputs), "ignore": tuple(int(k) for k in tokensToIgnore)}
    return primitive("EditDistanceError", [input_a, input_b], attrs, name=name)


def lattice_sequence_with_softmax(*args: Any, **kwargs: Any) -> Function:
    """CNTK's sequence-discriminative (MMI/sMBR) criterion over speech lattices: not available here."""
    raise NotImplementedError("cntk.losses.lattice_sequence_with_softmax is not implemented in cntk-torch: it trains on "
                              "speech decoding lattices read by CNTK's HTK/Kaldi lattice readers, which this port "
                              "does not have")
