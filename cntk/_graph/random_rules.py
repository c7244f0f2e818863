"""Output types of the class-sampling ops (random_sample, random_sample_inclusion_frequency)."""
from __future__ import annotations

from .inference import VarType, Unknown, describe, op_error, rule


def _classes(fn, weights: VarType) -> object:
    """The number of classes of the weight vector (Unknown while its shape is), checked against the
    number of samples when duplicates are not allowed."""
    if weights.shape is Unknown:
        return Unknown
    if len(weights.shape) != 1:
        raise op_error(fn, "the sampling weights %s must be a vector, got shape %s"
                       % (describe(fn, 0), tuple(weights.shape)))
    classes = weights.shape[0]
    samples = fn._attributes["num_samples"]
    if classes >= 0 and not fn._attributes["allow_duplicates"] and samples >= classes:
        raise op_error(fn, "sampling without duplicates needs fewer samples (%d) than classes (%d)"
                       % (samples, classes))
    return classes


@rule("RandomSample")
def _random_sample(fn, t):
    classes = _classes(fn, t[0])
    shape = Unknown if classes is Unknown else (fn._attributes["num_samples"], classes)
    return [VarType(shape, t[0].dtype, ())]


@rule("RandomSampleInclusionFrequency")
def _inclusion_frequency(fn, t):
    classes = _classes(fn, t[0])
    return [VarType(Unknown if classes is Unknown else (classes,), t[0].dtype, ())]
