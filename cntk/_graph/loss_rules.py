"""Output types of the loss and metric ops (per sample, as CNTK defines them)."""
from __future__ import annotations

from .inference import VarType, Unknown, broadcast_shapes, first_known_dtype, rule, union_axes


@rule("CrossEntropyWithSoftmax", "ClassificationError")
def _per_sample_vector(fn, t):
    broadcast_shapes(fn, t[:2])
    return [VarType((1,), first_known_dtype(t), union_axes(fn, t))]


@rule("CosDistance")
def _per_sample_scalar(fn, t):
    broadcast_shapes(fn, t[:2])
    return [VarType((), first_known_dtype(t), union_axes(fn, t))]
