"""Output types of the loss and metric ops, with CNTK 2.7's shapes.

Per-sample losses keep the operands' dynamic axes. The ops CNTK evaluates over a whole
minibatch at once (the logistic loss behind weighted_binary_cross_entropy, classification_error
with topN > 1, lambda_rank, ndcg_at_1, edit_distance_error) return one scalar with no dynamic
axes.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from .inference import (VarType, Unknown, broadcast_shapes, describe, first_known_dtype, normalize_axis, op_error,
                        rule, union_axes)

MINIBATCH_OPS = ("Logistic", "LambdaRank", "NDCG", "EditDistanceError")


def _known(shape: Any) -> bool:
    return shape is not Unknown and all(d >= 0 for d in shape)


def _matrix_path_shape(fn, o: tuple, y: tuple) -> tuple:
    """CNTK computes the default-axis criteria as a transposed product of target and output:
    ranks 1 or 2 only, last dims equal; the result is o.shape[:-1] + (y's leading dim or 1,)."""
    for k, s in ((0, o), (1, y)):
        if len(s) not in (1, 2):
            raise op_error(fn, "with the default axis the operands must be vectors or matrices (rank 1 or 2), "
                               "but %s has shape %s; pass axis= to reduce along one axis of a higher-rank "
                               "tensor" % (describe(fn, k), s))
    if o[-1] != y[-1]:
        raise op_error(fn, "output %s and target %s differ in their last (class) axis: %s vs %s"
                       % (describe(fn, 0), describe(fn, 1), o, y))
    return tuple(o[:-1]) + (y[0] if len(y) == 2 else 1,)


def _keep_axis(fn, shape: tuple, axis: int) -> tuple:
    a = normalize_axis(fn, axis, len(shape))
    return shape[:a] + (1,) + shape[a + 1:]


def _criterion_shape(fn, t: Sequence[VarType]) -> Any:
    """Shape of cross_entropy_with_softmax / classification_error (topN=1) for the node's axis."""
    o, y = t[0].shape, t[1].shape
    if not (_known(o) and _known(y)):
        return Unknown
    axis = fn._attributes.get("axis", -1)
    if axis == -1:
        return _matrix_path_shape(fn, tuple(o), tuple(y))
    both = broadcast_shapes(fn, t[:2])
    if axis is None or fn.op_name == "ClassificationError":
        return ()
    return broadcast_shapes(fn, [VarType(_keep_axis(fn, tuple(o), axis), None, ()),
                                 VarType(_keep_axis(fn, both, axis), None, ())])


@rule("CrossEntropyWithSoftmax")
def _cross_entropy(fn, t):
    return [VarType(_criterion_shape(fn, t), first_known_dtype(t[:2]), union_axes(fn, t[:2]))]


@rule("ClassificationError")
def _classification_error(fn, t):
    if fn._attributes.get("topN", 1) == 1:
        return [VarType(_criterion_shape(fn, t), first_known_dtype(t[:2]), union_axes(fn, t[:2]))]
    _same_sample_shape(fn, t[:2])
    return [VarType((), first_known_dtype(t[:2]), ())]


def _same_sample_shape(fn, t: Sequence[VarType]) -> Optional[tuple]:
    """The common static shape of operands CNTK requires to match exactly (None while unknown)."""
    shapes = [s.shape for s in t]
    if not all(_known(s) for s in shapes):
        return None
    if any(tuple(s) != tuple(shapes[0]) for s in shapes[1:]):
        raise op_error(fn, "operands must have the same shape, got %s"
                       % ", ".join("%s %s" % (describe(fn, k), tuple(s)) for k, s in enumerate(shapes)))
    return tuple(shapes[0])


@rule("CosDistance")
def _cos_distance(fn, t):
    _same_sample_shape(fn, t[:2])
    return [VarType(() if t[0].shape is not Unknown or t[1].shape is not Unknown else Unknown,
                    first_known_dtype(t), union_axes(fn, t))]


def _shared_minibatch(fn, t: Sequence[VarType]) -> Any:
    """The dynamic axes all operands with dynamic axes share (CNTK needs one minibatch layout)."""
    known = [(k, s.axes) for k, s in enumerate(t) if s.axes is not Unknown and len(s.axes) > 0]
    for k, axes in known[1:]:
        if tuple(axes) != tuple(known[0][1]):
            raise op_error(fn, "operands must share their dynamic axes: %s has %s, %s has %s"
                           % (describe(fn, known[0][0]), [a.name for a in known[0][1]], describe(fn, k),
                              [a.name for a in axes]))
    if any(s.axes is Unknown for s in t):
        return Unknown
    return known[0][1] if known else ()


@rule("CosDistanceWithNegativeSamples")
def _cos_distance_negative(fn, t):
    _same_sample_shape(fn, t[:2])
    return [VarType((fn._attributes["num_negative_samples"] + 1,), first_known_dtype(t), _shared_minibatch(fn, t))]


def _one_element_samples(fn, t: Sequence[VarType]) -> None:
    """CNTK reads these operands as one number per sample."""
    for k, s in enumerate(t):
        if _known(s.shape) and _elements(s.shape) != 1:
            raise op_error(fn, "expects one value per sample in every operand, but %s has shape %s"
                           % (describe(fn, k), tuple(s.shape)))


def _elements(shape: Sequence[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


@rule(*MINIBATCH_OPS)
def _minibatch_scalar(fn, t):
    if fn.op_name in ("Logistic", "LambdaRank", "NDCG"):
        _one_element_samples(fn, t)
    else:
        _same_sample_shape(fn, t)
    if _shared_minibatch(fn, t) == ():
        raise op_error(fn, "needs operands with a batch axis (it works on minibatches of samples)")
    return [VarType((), first_known_dtype(t), ())]
