"""Loss and metric ops, per sample, with CNTK's definitions (a sum over elements, not a mean)."""
from __future__ import annotations

from typing import Any

from .._graph import loss_rules  # noqa: F401  (registers the type rules)
from .._graph.function import Function, primitive
from .axes import static_axis


def squared_error(output: Any, target: Any, name: str = "") -> Function:
    """Per sample, the SUM over all elements of (output - target)**2 (shape ())."""
    return primitive("SquaredError", [output, target], name=name)


def cross_entropy_with_softmax(output_vector: Any, target_vector: Any, axis: int = -1, name: str = "") -> Function:
    """Per sample, logsumexp(output) - sum(target * output) along ``axis`` (shape (1,)); equals the usual
    cross entropy of softmax(output) only when the target sums to 1."""
    return primitive("CrossEntropyWithSoftmax", [output_vector, target_vector],
                     {"axis": static_axis(axis, "cross_entropy_with_softmax")}, name=name)


def binary_cross_entropy(output: Any, target: Any, name: str = "") -> Function:
    """Element-wise -[t log(o) + (1-t) log(1-o)] (the trainer sums the elements of a sample)."""
    return primitive("BinaryCrossEntropy", [output, target], name=name)


def weighted_binary_cross_entropy(output: Any, target: Any, weight: Any, name: str = "") -> Function:
    """Element-wise binary cross entropy scaled by ``weight``."""
    return primitive("WeightedBinaryCrossEntropy", [output, target, weight], name=name)


def cosine_distance(x: Any, y: Any, name: str = "") -> Function:
    """Per sample, the cosine SIMILARITY x·y / (|x| |y|) (CNTK's name notwithstanding; shape ())."""
    return primitive("CosDistance", [x, y], name=name)


def classification_error(output_vector: Any, target_vector: Any, axis: int = -1, topN: int = 1, name: str = "") -> Function:
    """Per sample 1.0 if the target's class (its argmax) is not among the ``topN`` largest outputs, else 0.0;
    ties resolve to the first index. Shape (1,)."""
    if topN < 1:
        raise ValueError("classification_error: topN must be >= 1, got %r" % (topN,))
    return primitive("ClassificationError", [output_vector, target_vector],
                     {"axis": static_axis(axis, "classification_error"), "topN": int(topN)}, name=name)


def _not_implemented(api: str):
    def fail(*args: Any, **kwargs: Any) -> Function:
        raise NotImplementedError("%s is not implemented in cntk-torch" % api)
    fail.__doc__ = "%s (not implemented)." % api
    return fail


lambda_rank = _not_implemented("cntk.losses.lambda_rank")
nce_loss = _not_implemented("cntk.losses.nce_loss")
hierarchical_softmax_layer = _not_implemented("cntk.losses.hierarchical_softmax_layer")
cosine_distance_with_negative_samples = _not_implemented("cntk.losses.cosine_distance_with_negative_samples")
fmeasure = _not_implemented("cntk.losses.fmeasure")
ndcg_at_1 = _not_implemented("cntk.metrics.ndcg_at_1")
edit_distance_error = _not_implemented("cntk.metrics.edit_distance_error")
