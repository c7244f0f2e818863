"""Losses CNTK builds from other ops: fmeasure, hierarchical_softmax_layer and nce_loss."""
from __future__ import annotations

import math
from typing import Any, List, Tuple

import numpy as np

from .._graph import rng
from .._graph.function import Function, as_variable
from .._graph.initializer import glorot_normal
from .._graph.variable import Constant, Parameter, Variable
from .elementwise import floor, log_add_exp, minus, plus, round, softmax
from .random import auto_select, random_sample, resolve_seed
from .tensor import one_hot, reduce_sum, reshape, times, times_transpose


def fmeasure(output: Any, target: Any, beta: float = 1) -> Function:
    """1 - F_beta of output and target: F = (1 + beta²) P R / (beta² P + R) with precision
    P = Σ o·t / Σ o and recall R = Σ o·t / Σ t, summed over all static axes, or over the last two
    axes of rank-3 operands (then the first axis holds classes, one score per class)."""
    output, target = as_variable(output), as_variable(target)
    if len(output.shape) != len(target.shape):
        raise ValueError("fmeasure: output and target must have the same rank, got shapes %s and %s"
                         % (output.shape, target.shape))
    axis = (1, 2) if len(output.shape) == 3 else None
    hits = reduce_sum(output * target, axis=axis)
    precision = hits / reduce_sum(output, axis=axis)
    recall = hits / reduce_sum(target, axis=axis)
    b2 = beta ** 2
    return 1 - (1 + b2) * precision * recall / (b2 * precision + recall)


# --- hierarchical softmax -------------------------------------------------------------------------------------------
def hierarchical_softmax_layer(input_var: Any, label_index: Any, label_dim: int,
                               label_classes: Any = None) -> Tuple[Function, Function, List[Function]]:
    """Two-level softmax over ``label_dim`` labels split into ``label_classes`` classes (default
    ceil(sqrt(label_dim))) of ceil(label_dim / label_classes) labels each: P(label) = P(class) *
    P(label | class). ``label_index`` holds the label index (shape (1,)).

    Returns (probability of the given label (1,), class probabilities (label_classes,), and per
    class the probabilities of its labels). Creates the parameters hsoftmax_w1, hsoftmax_b1,
    hsoftmax_w2s and hsoftmax_b2s (glorot_normal)."""
    x = as_variable(input_var)
    input_dim = x.shape[0]
    classes = int(label_classes) if label_classes else int(math.ceil(math.sqrt(float(label_dim))))
    per_class = int(math.ceil(label_dim / classes))
    w1 = Parameter((input_dim, classes), init=glorot_normal(), name="hsoftmax_w1")
    b1 = Parameter((classes,), init=glorot_normal(), name="hsoftmax_b1")
    w2s = Parameter((classes, input_dim, per_class), init=glorot_normal(), name="hsoftmax_w2s")
    b2s = Parameter((classes, per_class), init=glorot_normal(), name="hsoftmax_b2s")

    class_probs = softmax(b1 + times(x, w1))
    target_class = floor((label_index + 0.5) / per_class)
    position_in_class = round(label_index - target_class * per_class)
    class_hot = one_hot(target_class, num_classes=classes, sparse_output=False)
    in_class = _label_probs(x, class_hot, w2s, b2s, input_dim)
    label_prob = times_transpose(one_hot(position_in_class, num_classes=per_class, sparse_output=False), in_class)
    output_prob = label_prob * times_transpose(class_hot, class_probs)

    all_probs = []
    for c in range(classes):
        hot = one_hot(Constant(float(c)), num_classes=classes, sparse_output=False)
        all_probs.append(_label_probs(x, hot, w2s, b2s, input_dim, flatten=False) * times_transpose(class_probs, hot))
    return output_prob, class_probs, all_probs


def _label_probs(x: Variable, class_hot: Function, w2s: Parameter, b2s: Parameter, input_dim: int,
                 flatten: bool = True) -> Function:
    """softmax over the labels of the class selected by the one-hot ``class_hot``."""
    w2 = times(class_hot, w2s, output_rank=2)
    b2 = times(class_hot, b2s, output_rank=1)
    if flatten:
        w2, b2 = reshape(w2, (input_dim, -1)), reshape(b2, (-1,))
    return softmax(b2 + times(x, w2))


# --- noise contrastive estimation -----------------------------------------------------------------------------------
def nce_loss(weights: Any, biases: Any, inputs: Any, labels: Any, noise_distribution: Any, num_samples: int = 32,
             allow_duplicates: bool = True, seed: Any = auto_select, name: str = "") -> Function:
    """Noise contrastive estimation loss per sample (shape ()), following Dyer's notes as CNTK does.

    At every evaluation ``num_samples`` classes are drawn from the normalised ``noise_distribution``
    q (shared by the whole minibatch). With logits z_c = W[c]·x + b[c] and log-priors
    l_c = log(num_samples q_c), the loss is logaddexp(z_y, l_y) - z_y for the label y, plus
    num_samples * Σ_k w_k logaddexp(z_k, l_k) - Σ_c e^{l_c} l_c over the drawn classes k, w_k the
    importance weight q_k / (expected inclusion of k). ``weights`` is (classes, input dim), the input
    dim may be inferred; ``biases`` is (classes, 1); labels are one-hot vectors."""
    q = np.asarray(noise_distribution.value if isinstance(noise_distribution, Variable) else noise_distribution)
    q = q.astype(q.dtype.type if q.dtype in (np.float32, np.float64) else np.float32)
    x, y = as_variable(inputs), as_variable(labels)
    classes = _check_nce_shapes(weights, biases, x, y, q)
    seed = resolve_seed(seed)
    noise, log_prior, entropy, importance = _noise_constants(q, num_samples, allow_duplicates, seed)

    drawn = random_sample(Constant(noise, name="noise"), num_samples, allow_duplicates, seed, name="negativeSamples")
    log_prior_c = Constant(log_prior.reshape(classes, 1), name="logNoisePrior")
    importance_c = Constant(importance.reshape(classes, 1), name="importanceWeights")

    def per_draw(column: Any) -> Function:  # (classes, 1) values picked for the drawn classes: (num_samples,)
        return reshape(times(drawn, column), (-1,))

    def of_label(column: Any) -> Function:  # the label's entry of a (classes, 1) column: shape ()
        return reshape(times(y, column), ())

    negative_logits = plus(times_transpose(x, times(drawn, weights)), per_draw(biases), name="negativeLogits")
    positive_logit = plus(reduce_sum(x * times(y, weights)), of_label(biases), name="positiveLogits")
    weighted = per_draw(importance_c) * log_add_exp(negative_logits, per_draw(log_prior_c))
    on_negatives = minus(float(num_samples) * reduce_sum(weighted), Constant(entropy, name="noisePriorEntropy"))
    on_positives = minus(log_add_exp(positive_logit, of_label(log_prior_c)), positive_logit, name="lossOnPositives")
    return plus(on_positives, on_negatives, name=name)


def _noise_constants(q: np.ndarray, num_samples: int, allow_duplicates: bool,
                     seed: int) -> Tuple[np.ndarray, np.ndarray, Any, np.ndarray]:
    """(normalised noise q, log-priors l = log(num_samples q), Σ e^l l, importance weights), in q's
    dtype; the inclusion estimate behind the weights uses its own stream started from ``seed``."""
    dtype = q.dtype.type
    n = dtype(num_samples)
    noise = q / q.sum(dtype=dtype)
    log_prior = np.log(n * noise)
    entropy = (n * noise * log_prior).sum(dtype=dtype)
    inclusion = rng.inclusion_frequencies(rng.Mt64Stream(seed), noise, int(num_samples), bool(allow_duplicates))
    return noise, log_prior, entropy, noise / inclusion.astype(dtype)


def _check_nce_shapes(weights: Any, biases: Any, x: Variable, y: Variable, q: np.ndarray) -> int:
    """The number of classes, after checking the operands' shapes against it (inferring the input
    dim of ``weights`` from ``inputs`` when it is left open)."""
    if q.ndim != 1:
        raise ValueError("nce_loss: noise_distribution must be a vector, got shape %s" % (q.shape,))
    classes = q.shape[0]
    w_shape = tuple(weights.shape)
    if len(w_shape) != 2 or w_shape[0] != classes:
        raise ValueError("nce_loss: weights must have shape (%d, input dim) to match noise_distribution, got %s"
                         % (classes, w_shape))
    if tuple(biases.shape) != (classes, 1):
        raise ValueError("nce_loss: biases must have shape (%d, 1), got %s" % (classes, tuple(biases.shape)))
    if len(x.shape) != 1:
        raise ValueError("nce_loss: inputs must be vectors, got shape %s" % (tuple(x.shape),))
    if tuple(y.shape) != (classes,):
        raise ValueError("nce_loss: labels must be one-hot vectors of %d classes, got shape %s"
                         % (classes, tuple(y.shape)))
    if w_shape[1] < 0 and hasattr(weights, "_resolve"):
        weights._resolve((classes, x.shape[0]), x.dtype)
    elif w_shape[1] != x.shape[0]:
        raise ValueError("nce_loss: weights (%s) must have the input dim %d of inputs in their second axis"
                         % (w_shape, x.shape[0]))
    return classes
