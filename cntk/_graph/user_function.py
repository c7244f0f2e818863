"""Python user-defined functions in the graph: `UserFunction`, `user_function`, `output_variable`.

A `UserFunction` subclass instance is what the user writes and keeps (its counters, its state). It
stands for one graph node, a `UserFunctionNode` with CNTK's op name ``UserFunction``: the instance
delegates its Function identity (inputs, outputs, name, uid) to that node, so the two read alike,
while the node is what the graph, the engine and model files see. The user's ``op_name`` (by
default ``module.Class``) is what model files record and what deserialization callbacks are keyed by.

Outputs are typed by the user's ``infer_outputs``, called lazily (as CNTK does: first when the
function is used as an operand or passed to `user_function`) and again whenever operand types
change. `Function.clone` copies nodes as plain Functions; the first type inference of a copy
gives it a user instance of its own, made by the original's ``clone(cloned_inputs)``.

Loading a model re-creates a user function only from a factory the user registered with
`register_udf_deserialize_callback` or from a subclass already defined in this process (imported
by the user); nothing named in a model file is ever imported or executed.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .axis import Axis
from .function import Function, as_variable
from .inference import Unknown, VarType, rule
from .variable import Variable, VariableKind, new_uid, sanitize_dtype, sanitize_shape

USER_FUNCTION_OP = "UserFunction"
SERIALIZATION_VERSION = 1

_DESERIALIZE_CALLBACKS: Dict[str, Callable] = {}
_SUBCLASSES: Dict[Tuple[str, str], type] = {}


def output_variable(shape: Any, dtype: Any, dynamic_axes: Any, needs_gradient: bool = True,
                    name: str = "") -> Variable:
    """Declare one output of a user function (what ``infer_outputs`` returns a list of).

    ``needs_gradient=False`` says that no gradient flows back through this output, so ``backward``
    is never asked about it.
    """
    axes = None if dynamic_axes is None else tuple(dynamic_axes)
    return Variable(sanitize_shape(shape), sanitize_dtype(dtype), bool(needs_gradient), False, axes, name,
                    VariableKind.Output)


def register_udf_deserialize_callback(op_name: str, callback: Callable) -> None:
    """Make loading use ``callback(inputs, name, state)`` to re-create user functions of ``op_name``.

    The callback gets the loaded input variables (a list), the function's name and the dictionary
    its ``serialize()`` returned when saved; it returns a `UserFunction` instance. A callback takes
    precedence over the class's own ``deserialize``. Registering an op name twice is an error.
    """
    if op_name in _DESERIALIZE_CALLBACKS:
        raise ValueError("a deserialize callback for the user function op name '%s' is already registered" % op_name)
    _DESERIALIZE_CALLBACKS[op_name] = callback


def deserialize_callback(op_name: str) -> Optional[Callable]:
    """The callback registered for ``op_name`` (None when there is none)."""
    return _DESERIALIZE_CALLBACKS.get(op_name)


def known_subclass(module: str, class_name: str) -> Optional[type]:
    """The `UserFunction` subclass ``module.class_name`` if this process has defined it, else None."""
    return _SUBCLASSES.get((module, class_name))


class UserFunction(Function):
    """Base class of operations written in Python.

    Subclass it and implement:

    * ``infer_outputs()``: a list of `output_variable` (shape, dtype, dynamic axes per output);
    * ``forward(arguments, device=None, outputs_to_retain=None)`` returning ``(state, result)``
      for one output, or ``forward(arguments, outputs, device=None, outputs_to_retain=None)``
      filling the dict ``outputs`` (keyed by ``self.outputs``) and returning the state for several;
    * ``backward(state, root_gradients)`` returning the input's gradient for one input, or
      ``backward(state, root_gradients, variables)`` filling ``variables`` (keyed by the inputs
      that need a gradient) for several; ``root_gradients`` is one value for one output, else a
      dict keyed by output;
    * optionally ``serialize()`` (a dict of plain values) with a static ``deserialize(inputs,
      name, state)``, and ``clone(cloned_inputs)`` when the constructor is not
      ``(*inputs, name=...)``.

    With ``as_numpy=True`` data come as NumPy arrays in CNTK's layout: ``(batch, *shape)`` for
    batch data, a list of ``(length, *shape)`` arrays (one per sequence) for sequence data,
    ``shape`` for parameters and constants; inside a recurrence each step is a list of
    ``(1, *shape)`` arrays. With ``as_numpy=False`` they come as `cntk.core.Value` objects.
    Wrap an instance with `user_function` to use it in a graph.

    Loading a saved model re-creates the function through a factory registered with
    `Function.register_udf_deserialize_callback`, else through ``deserialize`` of the subclass,
    which must already be defined (imported) in the loading process: model files never cause
    code to be imported or run.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> "UserFunction":
        return object.__new__(cls)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _SUBCLASSES[(cls.__module__, cls.__name__)] = cls

    def __init__(self, inputs: Sequence[Any], as_numpy: bool = True, attributes: Optional[dict] = None,
                 name: str = "") -> None:
        self.as_numpy = bool(as_numpy)
        node = Function.__new__(UserFunctionNode)
        node._op_name = USER_FUNCTION_OP
        node._inputs = [as_variable(x) for x in inputs]
        node._attributes = dict(attributes or {})
        node._name = name or ""
        node._block_root = None
        node._block_mapping = []
        node._arg_order = None
        node._uid = new_uid("UserDefinedFunction")
        node._outputs = []
        node._udf = self
        self._node = node

    def __getattr__(self, name: str) -> Any:
        raise AttributeError("'%s' object has no attribute '%s'" % (type(self).__name__, name))

    # --- the node's identity, shared ----------------------------------------------------------------
    @property
    def _inputs(self) -> List[Variable]:
        return self._node._inputs

    @_inputs.setter
    def _inputs(self, value: List[Variable]) -> None:
        self._node._inputs = value

    @property
    def _outputs(self) -> List[Variable]:
        node = self._node
        if not node._outputs:
            node._create_outputs()
        return node._outputs

    @property
    def _name(self) -> str:
        return self._node._name

    @_name.setter
    def _name(self, value: str) -> None:
        self._node._name = value

    @property
    def _uid(self) -> str:
        return self._node._uid

    @property
    def _attributes(self) -> dict:
        return self._node._attributes

    @property
    def _block_root(self) -> None:
        return None

    @property
    def _block_mapping(self) -> list:
        return []

    @property
    def _arg_order(self) -> Optional[List[Variable]]:
        return self._node._arg_order

    @_arg_order.setter
    def _arg_order(self, value: Optional[List[Variable]]) -> None:
        self._node._arg_order = value

    # --- what subclasses provide ---------------------------------------------------------------------
    @classmethod
    def _op_name(cls) -> str:
        return cls.__module__ + "." + cls.__name__

    @property
    def op_name(self) -> str:
        """The operation name recorded in model files (default ``module.Class``; may be overridden)."""
        return type(self)._op_name()

    def infer_outputs(self) -> List[Variable]:
        """Override: the output variables (made with `output_variable`) for the current inputs."""
        raise NotImplementedError("%s must implement infer_outputs()" % type(self).__name__)

    def forward(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """Override: compute the outputs from the input values (see the class docstring)."""
        raise NotImplementedError("%s must implement forward()" % type(self).__name__)

    def backward(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """Override: the inputs' gradients from the outputs' gradients (see the class docstring)."""
        raise NotImplementedError("%s must implement backward() to be differentiated" % type(self).__name__)

    def clone(self, cloned_inputs: Sequence[Any]) -> "UserFunction":  # type: ignore[override]
        """A new instance of this class on ``cloned_inputs`` (called ``cls(*inputs, name=...)``;
        override when the constructor differs)."""
        return self.__class__(*cloned_inputs, name=self.name)

    def serialize(self) -> dict:
        """Override: the state to store in a model file (plain values: numbers, strings, lists,
        dicts, float arrays)."""
        return {}

    @staticmethod
    def deserialize(inputs: List[Variable], name: str, state: dict) -> "UserFunction":
        """Override (as a static method): re-create the function from its inputs, name and the
        state ``serialize`` returned."""
        raise NotImplementedError("this UserFunction subclass does not implement deserialize(inputs, name, state)")

    def __repr__(self) -> str:
        return "%s%s(%s)" % (self.name + ": " if self.name else "", self.op_name,
                             ", ".join(v.name or v.uid for v in self._inputs))


class UserFunctionNode(Function):
    """The graph node of a user function (op name ``UserFunction``); ``_udf`` is the user's instance."""

    _udf: UserFunction

    def _create_outputs(self) -> None:
        declared = call_infer_outputs(self._udf)
        outs = []
        for k, decl in enumerate(declared):
            out = Variable(None, None, needs_gradient=decl.needs_gradient, kind=VariableKind.Output, name=decl.name,
                           uid="%s_Output_%d" % (self._uid, k))
            out._shape = None
            out._owner, out._output_index = self, k
            outs.append(out)
        self._outputs = outs
        self._infer()

    def _output_name(self, k: int) -> str:
        return self._outputs[k]._name

    @property
    def user_function(self) -> UserFunction:
        """The user's `UserFunction` instance behind this node."""
        return owner_instance(self)

    def serialize(self) -> dict:
        """What a model file stores for this function: class, module, op name, the user's state."""
        udf = owner_instance(self)
        return {"class": type(udf).__name__, "module": type(udf).__module__, "op_name": udf.op_name,
                "state": udf.serialize(), "version": SERIALIZATION_VERSION}

    def __repr__(self) -> str:
        udf = owner_instance(self)
        outs = ", ".join(str(list(o.shape)) for o in self._outputs)
        return "UserFunction(%s)%s -> %s" % (udf.op_name, (" '%s'" % self._name) if self._name else "", outs)


_UNKNOWN_DIM = -7
_UNKNOWN_AXIS = Axis("__unknown_dynamic_axis__")


def call_infer_outputs(udf: UserFunction) -> List[Variable]:
    """The user's ``infer_outputs()``, checked; its errors are raised as RuntimeError (as CNTK did).

    Operands whose type is not known yet (unbound placeholders, recurrent state before the loop
    closes) show the user a marker dimension and axis while it runs, so that outputs computed from
    them come out unknown (`declared_type`) while outputs computed from known operands are typed.
    """
    masked = []
    for v in udf._node._inputs:
        saved = (v._shape, v._dynamic_axes)
        if v._shape is None:
            v._shape = (_UNKNOWN_DIM,)
        if v._dynamic_axes is None:
            v._dynamic_axes = (_UNKNOWN_AXIS,)
        masked.append((v, saved))
    try:
        declared = list(udf.infer_outputs())
    except Exception as err:
        raise RuntimeError("%s.infer_outputs() failed: %s: %s" % (type(udf).__name__, type(err).__name__, err)) from err
    finally:
        for v, (shape, axes) in masked:
            v._shape, v._dynamic_axes = shape, axes
    if not declared:
        raise RuntimeError("%s.infer_outputs() returned no outputs" % type(udf).__name__)
    for d in declared:
        if not isinstance(d, Variable):
            raise RuntimeError("%s.infer_outputs() must return output_variable(...) objects, got %r"
                               % (type(udf).__name__, d))
    return declared


def declared_type(d: Variable) -> VarType:
    """The type of a declared output, Unknown where it came from an operand of unknown type."""
    shape: Any = Unknown
    if d._shape is not None and all(x >= 0 or x in (-1, -3) for x in d._shape):
        shape = tuple(d._shape)
    axes: Any = Unknown
    if d._dynamic_axes is not None and _UNKNOWN_AXIS not in d._dynamic_axes:
        axes = tuple(d._dynamic_axes)
    return VarType(shape, d._dtype if d._dtype is not None else Unknown, axes)


def owner_instance(node: Function) -> UserFunction:
    """The user instance of a user-function node. A node copied by `Function.clone` still points at
    the original's instance: it gets its own from ``original.clone(copied inputs)`` here."""
    udf = node._udf
    if udf._node is node:
        return udf
    copy = udf.clone(list(node._inputs))
    if not isinstance(copy, UserFunction):
        raise TypeError("%s.clone() must return a UserFunction, got %r" % (type(udf).__name__, copy))
    node.__class__ = UserFunctionNode
    copy._node = node
    node._udf = copy
    return copy


@rule(USER_FUNCTION_OP)
def _infer_user_function(fn: Function, types: Sequence[VarType]) -> List[VarType]:
    udf = owner_instance(fn)
    declared = call_infer_outputs(udf)
    if len(declared) != len(fn._outputs):
        raise RuntimeError("%s.infer_outputs() returned %d outputs, earlier %d"
                           % (type(udf).__name__, len(declared), len(fn._outputs)))
    for out, d in zip(fn._outputs, declared):
        out._needs_gradient = d.needs_gradient
    return [declared_type(d) for d in declared]


def user_function(user_func: Any) -> Function:
    """The graph Function of a `UserFunction` instance (its outputs typed now); any other Function
    is returned as it is."""
    if isinstance(user_func, UserFunction):
        user_func._outputs  # noqa: B018  (types the outputs: infer_outputs errors surface here)
        return user_func._node
    if isinstance(user_func, Function):
        return user_func
    raise TypeError("user_function expects a UserFunction instance, got %r" % (user_func,))
