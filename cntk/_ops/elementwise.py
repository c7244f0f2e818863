"""Element-wise ops: arithmetic with broadcasting, activations, comparisons, logic."""
from __future__ import annotations

from typing import Any

import numpy as np

from .naming import name_generated_ops
from .._graph.function import Function, primitive


def _unary(op_name: str, doc: str):
    def op(x: Any, name: str = "") -> Function:
        return primitive(op_name, [x], name=name)
    op.__doc__ = doc
    return op


def _binary(op_name: str, doc: str, arg_names=("left", "right")):
    def op(left: Any, right: Any, name: str = "") -> Function:
        return primitive(op_name, [left, right], name=name)
    op.__doc__ = doc
    return op


negate = _unary("Negate", "Element-wise -x.")
sigmoid = _unary("StableSigmoid", "Element-wise logistic sigmoid 1/(1+exp(-x)).")
tanh = _unary("Tanh", "Element-wise hyperbolic tangent.")
relu = _unary("ReLU", "Element-wise max(x, 0).")
exp = _unary("Exp", "Element-wise e**x.")
log = _unary("Log", "Element-wise natural logarithm.")
sqrt = _unary("Sqrt", "Element-wise square root.")
floor = _unary("Floor", "Element-wise floor.")
ceil = _unary("Ceil", "Element-wise ceiling.")
round = _unary("Round", "Element-wise rounding with halves rounded up (floor(x + 0.5)), as CNTK does.")
abs = _unary("Abs", "Element-wise absolute value.")
reciprocal = _unary("Reciprocal", "Element-wise 1/x.")
sin = _unary("Sin", "Element-wise sine.")
cos = _unary("Cos", "Element-wise cosine.")
tan = _unary("Tan", "Element-wise tangent.")
asin = _unary("Asin", "Element-wise arcsine.")
acos = _unary("Acos", "Element-wise arccosine.")
atan = _unary("Atan", "Element-wise arctangent.")
sinh = _unary("Sinh", "Element-wise hyperbolic sine.")
cosh = _unary("Cosh", "Element-wise hyperbolic cosine.")
asinh = _unary("Asinh", "Element-wise inverse hyperbolic sine.")
atanh = _unary("Atanh", "Element-wise inverse hyperbolic tangent.")
square = _unary("Square", "Element-wise x*x.")
stop_gradient = _unary("StopGradient", "Identity in the forward pass; blocks the gradient.")
element_not = _unary("ElementNot", "Element-wise logical not (1 where x == 0, else 0).")
straight_through_impl = _unary("StraightThrough", "Sign of x (+1 for x > 0, else -1) with a straight-through gradient.")

plus = _binary("Plus", "Element-wise left + right with broadcasting (a batch-only operand broadcasts over sequence steps).")
minus = _binary("Minus", "Element-wise left - right with broadcasting.")
element_times = _binary("ElementTimes", "Element-wise left * right with broadcasting.")
element_divide = _binary("ElementDivide", "Element-wise left / right with broadcasting.")
element_max = _binary("ElementMax", "Element-wise maximum with broadcasting.")
element_min = _binary("ElementMin", "Element-wise minimum with broadcasting.")
pow = _binary("Pow", "Element-wise base ** exponent with broadcasting.")
log_add_exp = _binary("LogPlus", "Element-wise log(exp(left) + exp(right)), computed stably.")
equal = _binary("Equal", "1.0 where left == right, else 0.0.")
not_equal = _binary("NotEqual", "1.0 where left != right, else 0.0.")
less = _binary("Less", "1.0 where left < right, else 0.0.")
less_equal = _binary("LessEqual", "1.0 where left <= right, else 0.0.")
greater = _binary("Greater", "1.0 where left > right, else 0.0.")
greater_equal = _binary("GreaterEqual", "1.0 where left >= right, else 0.0.")
element_and = _binary("ElementAnd", "Element-wise logical and (non-zero is true).")
element_or = _binary("ElementOr", "Element-wise logical or (non-zero is true).")
element_xor = _binary("ElementXor", "Element-wise logical exclusive or (non-zero is true).")
param_relu = _binary("PReLU", "Parametric ReLU: x where x > 0, else alpha * x. Called as param_relu(alpha, x).")


def elu(x: Any, alpha: float = 1.0, name: str = "") -> Function:
    """Exponential linear unit: x for x > 0, alpha*(exp(x)-1) otherwise."""
    return primitive("ELU", [x], {"alpha": float(alpha)}, name=name)


def selu(x: Any, scale: float = 1.0507009873554805, alpha: float = 1.6732632423543772, name: str = "") -> Function:
    """Scaled exponential linear unit."""
    return primitive("SELU", [x], {"scale": float(scale), "alpha": float(alpha)}, name=name)


def leaky_relu(x: Any, alpha: float = 0.01, name: str = "") -> Function:
    """x for x > 0, alpha*x otherwise."""
    return primitive("LeakyReLU", [x], {"alpha": float(alpha)}, name=name)


def softplus(x: Any, steepness: float = 1, name: str = "") -> Function:
    """log(1 + exp(steepness*x)) / steepness."""
    return primitive("Softplus", [x], {"steepness": float(steepness)}, name=name)


def softsign(x: Any, steepness: float = 1, name: str = "") -> Function:
    """x / (1 + |x|) (CNTK 2.7 ignores ``steepness``; so do we)."""
    return primitive("Softsign", [x], {"steepness": float(steepness)}, name=name)


def hard_sigmoid(x: Any, alpha: float, beta: float, name: str = "") -> Function:
    """clip(alpha*x + beta, 0, 1)."""
    return primitive("HardSigmoid", [x], {"alpha": float(alpha), "beta": float(beta)}, name=name)


def element_select(flag: Any, value_if_true: Any, value_if_false: Any, name: str = "") -> Function:
    """value_if_true where flag is non-zero, value_if_false elsewhere (with broadcasting)."""
    return primitive("Select", [flag, value_if_true, value_if_false], name=name)


def clip(x: Any, min_value: Any, max_value: Any, name: str = "") -> Function:
    """Clamp x to [min_value, max_value] element-wise; min_value wins if the bounds cross (as in CNTK,
    and in NumPy before 1.17). The derivative is 1 inside the closed interval, bounds included."""
    return primitive("Clip", [x, min_value, max_value], name=name)


def sum(*operands: Any, name: str = "") -> Function:
    """Element-wise sum of any number of operands (a list is accepted too)."""
    ops = list(operands[0]) if len(operands) == 1 and isinstance(operands[0], (list, tuple)) else list(operands)
    return primitive("Sum", ops, name=name)


def mean(*operands: Any, name: str = "") -> Function:
    """Element-wise mean of any number of operands (a list is accepted too)."""
    ops = list(operands[0]) if len(operands) == 1 and isinstance(operands[0], (list, tuple)) else list(operands)
    return primitive("Mean", ops, name=name)


def softmax(x: Any, axis: Any = None, name: str = "") -> Function:
    """exp(x) normalised to sum 1 along ``axis`` (default: over all static axes together, as CNTK does)."""
    from .axes import static_axis
    return primitive("Softmax", [x], {"axis": None if axis is None else static_axis(axis, "softmax")}, name=name)


def log_softmax(x: Any, axis: Any = None, name: str = "") -> Function:
    """log(softmax(x)) along ``axis`` (default: the last static axis), computed stably."""
    from .axes import static_axis
    return primitive("LogSoftmax", [x], {"axis": -1 if axis is None else static_axis(axis, "log_softmax")}, name=name)


def hardmax(x: Any, name: str = "") -> Function:
    """1 at the position of the maximum over all static axes together, 0 elsewhere (ties: the first index)."""
    return primitive("Hardmax", [x], {"axis": None}, name=name)


def dropout(x: Any, dropout_rate: float = 0.0, seed: Any = None, name: str = "") -> Function:
    """In training, zero each element with probability ``dropout_rate`` and scale the rest by
    1/(1-rate); the identity in evaluation."""
    if not 0.0 <= float(dropout_rate) < 1.0:
        raise ValueError("dropout: dropout_rate must be in [0, 1), got %r" % (dropout_rate,))
    from .random import resolve_seed
    return primitive("Dropout", [x], {"rate": float(dropout_rate), "seed": resolve_seed(seed)}, name=name)


def cast(node_input: Any, dtype: Any, name: str = "") -> Function:
    """Convert to another float type (np.float16, np.float32, np.float64)."""
    from .._graph.variable import sanitize_dtype
    return primitive("Cast", [node_input], {"dtype": sanitize_dtype(dtype)}, name=name)


def alias(x: Any, name: str = "") -> Function:
    """The identity, under a new name."""
    return primitive("NoOp", [x], name=name)


name_generated_ops(globals())
