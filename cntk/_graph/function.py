"""`Function`: a node of the symbolic graph (primitive op, block, or combine), and composition.

A Function built by an op constructor is also the *composite* rooted at it: its
``arguments``, ``parameters`` and the rest describe the whole graph below it. Functions
are composed by calling them with variables, cloned with `clone`, searched by name.
Execution is delegated to the engine registered with `set_executor`, so this module
knows nothing of torch kernels.
"""
from __future__ import annotations

import enum
import itertools
from typing import Any, Dict, Iterable, List, Optional, Sequence

import numpy as np

from . import traversal
from .defaults import default_override_or, get_default_override
from .inference import infer_outputs, Unknown
from .tensor_ops import TensorOpsMixin
from .variable import Constant, Parameter, Variable, VariableKind, new_uid, sanitize_dtype

_executor = None
_training = None
_graph_version = itertools.count(1)
_current_version = [0]


def set_executor(executor: Any) -> None:
    """Register the object that evaluates graphs (the execution package does this on import)."""
    global _executor
    _executor = executor


def set_training(training: Any) -> None:
    """Register the object providing `Function.train` / `Function.test` (the training package does this)."""
    global _training
    _training = training


def graph_changed() -> int:
    """Bump the global graph version (compiled plans of older versions are discarded)."""
    _current_version[0] = next(_graph_version)
    return _current_version[0]


def graph_version() -> int:
    """The current global graph version."""
    return _current_version[0]


class CloneMethod(enum.Enum):
    """How `Function.clone` treats parameters: new copies, the same objects, or frozen constants."""

    clone = "clone"
    share = "share"
    freeze = "freeze"


def default_constant_dtype() -> Any:
    """The dtype of a constant made from a Python number or array with no other operand to take
    it from: the one ``default_options(dtype=...)`` sets, else float32 (so a float16 model's
    recurrences start from float16 zeros, as in CNTK)."""
    return get_default_override(Constant, dtype=default_override_or(None)) or np.float32


def as_variable(x: Any, dtype: Any = None) -> Variable:
    """A Variable for an operand: variables pass, single-output functions give their output,
    numbers and arrays become Constants."""
    if isinstance(x, Variable):
        return x
    if isinstance(x, Function):
        return x.output
    if x is None:
        raise TypeError("an operand is None; pass a Variable, a Function, a number or an array")
    if isinstance(x, (int, float, np.number, np.ndarray, list, tuple)):
        dtype = dtype or default_constant_dtype()
        return Constant(np.asarray(x, dtype=np.float64).astype(np.dtype(dtype)), dtype=dtype)
    raise TypeError("cannot use %r (%s) as an operand of a CNTK op" % (x, type(x).__name__))


_CNTK_ATTRIBUTE_NAMES = {"rate": "dropoutRate", "seed": "rngSeed"}  # our attribute -> CNTK's name for it


class _RenamingSwitch:
    """Whether a named Function may be given another name (CNTK refuses unless switched on)."""
    allowed = False


renaming = _RenamingSwitch()


class Function(TensorOpsMixin):
    """A graph node and the composite graph it roots.

    Properties mirror CNTK's: ``arguments`` (free inputs and placeholders), ``parameters``,
    ``constants``, ``placeholders``, ``outputs``/``output``, ``inputs``, ``shape``,
    ``dynamic_axes``, ``dtype``, ``name``, ``uid``, ``op_name``, ``is_block``, ``block_root``,
    ``root_function``. Calling it with Variables composes; calling it with data evaluates.
    """

    def __new__(cls, *args: Any, **kwargs: Any):
        if args and callable(args[0]) and not isinstance(args[0], str):
            from .decorator import function_from_callable
            return function_from_callable(args[0], **kwargs)
        return super().__new__(cls)

    def __init__(self, op_name: Any, inputs: Sequence[Any] = (), attributes: Optional[dict] = None, name: str = "",
                 num_outputs: int = 1, block_root: Optional["Function"] = None,
                 block_mapping: Optional[List[tuple]] = None, uid: Optional[str] = None, **_decorator: Any) -> None:
        if callable(op_name) and not isinstance(op_name, str):
            return  # built by __new__ (the @Function decorator form)
        self._op_name = op_name
        self._inputs: List[Variable] = [as_variable(x) for x in inputs]
        self._attributes = dict(attributes or {})
        self._name = name or ""
        self._block_root = block_root
        self._block_mapping: List[tuple] = list(block_mapping or [])
        self._uid = uid or new_uid("Block" if block_root is not None else op_name.replace("::", ""))
        self._arg_order: Optional[List[Variable]] = None
        if block_root is not None:
            num_outputs = len(block_root.outputs)
        elif op_name == "Combine":
            num_outputs = len(self._inputs)
        self._outputs = []
        for k in range(num_outputs):
            out = Variable(None, None, kind=VariableKind.Output, name=self._output_name(k),
                           uid="%s_Output_%d" % (self._uid, k))
            out._shape = None
            out._owner, out._output_index = self, k
            self._outputs.append(out)
        self._infer()

    def _output_name(self, k: int) -> str:
        if self._op_name == "Combine":
            return self._inputs[k].name
        if self._block_root is not None and self._name == "":
            return self._block_root.outputs[k].name
        return self._name

    # --- type inference ------------------------------------------------------------------------
    def _infer(self) -> bool:
        """Recompute output types from input types; True if anything changed."""
        if self._block_root is not None:
            for inner, outer in self._block_mapping:
                inner._shape, inner._dtype = outer._shape, outer._dtype
                inner._dynamic_axes, inner._is_sparse = outer._dynamic_axes, outer._is_sparse
            infer_graph([self._block_root])
            types = [(o._shape, o._dtype, o._dynamic_axes) for o in self._block_root.outputs]
        elif self._op_name == "Combine":
            types = [(v._shape, v._dtype, v._dynamic_axes) for v in self._inputs]
        else:
            types = infer_outputs(self)
        changed = False
        for out, (shape, dtype, axes) in zip(self._outputs, types):
            new = (None if shape is Unknown else shape, None if dtype is Unknown else dtype,
                   None if axes is Unknown else axes)
            if (out._shape, out._dtype, out._dynamic_axes) != new:
                out._shape, out._dtype, out._dynamic_axes = new
                changed = True
        return changed

    # --- identity and structure ------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The user-given name ('' when none)."""
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        if self._name and value != self._name and not renaming.allowed:
            raise ValueError("function '%s' already has a name; renaming it needs cntk.cntk_py.allow_renaming_functions()"
                             % self._name)
        self._rename(value)

    def _rename(self, value: str) -> None:
        """Set the name (the library's own naming of what it builds, never refused)."""
        self._name = value
        for k, out in enumerate(self._outputs):
            out._name = self._output_name(k)

    @property
    def uid(self) -> str:
        """A process-unique identifier such as ``Plus12``."""
        return self._uid

    @property
    def op_name(self) -> str:
        """CNTK's operation name (``Plus``, ``Times``, ``PastValue``; for a block, the layer's name)."""
        return self._op_name

    @property
    def attributes(self) -> dict:
        """The op's attributes: CNTK's dictionary for dropout, slice and convolution; for other ops
        their settings (axis, offset, ...)."""
        from .cntk_attributes import cntk_attributes
        cntk_view = cntk_attributes(self)
        if cntk_view is not None:
            return cntk_view
        attributes = dict(self._attributes)
        for own, cntk_name in _CNTK_ATTRIBUTE_NAMES.items():
            if own in attributes:
                attributes[cntk_name] = attributes[own]
        return attributes

    @property
    def custom_attributes(self) -> dict:
        """A dictionary of the user's own (strings, numbers, lists, dicts), saved with the model."""
        return self.__dict__.setdefault("_custom_attributes", {})

    @custom_attributes.setter
    def custom_attributes(self, value: dict) -> None:
        self.__dict__["_custom_attributes"] = dict(value)

    def set_attribute(self, name: str, value: Any) -> None:
        """Change one attribute of this op (CNTK allows ``dropoutRate`` and ``rngSeed``); a new seed
        restarts the op's random stream."""
        own = next((k for k, v in _CNTK_ATTRIBUTE_NAMES.items() if v == name), None)
        if own is None or own not in self._attributes:
            raise ValueError("%s (%s) has no settable attribute '%s' (settable: %s)"
                             % (self._uid, self._op_name, name,
                                [v for k, v in _CNTK_ATTRIBUTE_NAMES.items() if k in self._attributes]))
        self._attributes[own] = type(self._attributes[own])(value) if self._attributes[own] is not None else value
        if own == "seed":
            self.__dict__.pop("_generator", None)

    @property
    def is_block(self) -> bool:
        """True for a block (a layer: a sub-graph shown as one node)."""
        return self._block_root is not None

    @property
    def block_root(self) -> "Function":
        """The root of a block's internal graph."""
        if self._block_root is None:
            raise ValueError("'%s' (%s) is not a block" % (self._name, self._op_name))
        return self._block_root

    @property
    def block_arguments_mapping(self) -> list:
        """(inner placeholder, outer variable) pairs of a block."""
        return list(self._block_mapping)

    @property
    def root_function(self) -> "Function":
        """The primitive function at the root of this composite (the function itself)."""
        return self

    @property
    def is_composite(self) -> bool:
        """True: every Function here also stands for the composite it roots."""
        return True

    @property
    def is_primitive(self) -> bool:
        """True: every node is a primitive op or a block (which CNTK counts as primitive too)."""
        return True

    @property
    def inputs(self) -> List[Variable]:
        """The operands of the root node (for a block: the outer variables its internals use)."""
        if self.is_block:
            return _unique(traversal._block_leaves_in_order(self, descend_blocks=False))
        return list(self._inputs)

    @property
    def outputs(self) -> List[Variable]:
        """The output variables."""
        return list(self._outputs)

    @property
    def output(self) -> Variable:
        """The single output (an error when there are several)."""
        if len(self._outputs) != 1:
            raise ValueError("function '%s' (%s) has %d outputs; use .outputs" % (self._name, self._op_name, len(self._outputs)))
        return self._outputs[0]

    def _leaves(self) -> list:
        return [x for x in traversal.depth_first(self) if isinstance(x, Variable)]

    @property
    def arguments(self) -> List[Variable]:
        """Inputs and placeholders that must be given data or bound, in signature order."""
        found = [v for v in self._leaves() if v.is_input or v.is_placeholder]
        if self._arg_order is not None:
            ordered = [v for v in self._arg_order if any(v is f for f in found)]
            return ordered + [v for v in found if not any(v is o for o in ordered)]
        return found

    @property
    def parameters(self) -> List[Parameter]:
        """Learnable parameters, in CNTK's order (depth-first from the output)."""
        return [v for v in self._leaves() if v.is_parameter]

    @property
    def constants(self) -> List[Constant]:
        """Constants of the graph."""
        return [v for v in self._leaves() if v.is_constant]

    @property
    def placeholders(self) -> List[Variable]:
        """Unbound placeholders of the graph."""
        return [v for v in self._leaves() if v.is_placeholder]

    # --- attributes of the single output ----------------------------------------------------------
    @property
    def shape(self) -> tuple:
        """Shape of the single output."""
        return self.output.shape

    @property
    def dtype(self):
        """dtype of the single output."""
        return self.output.dtype

    @property
    def dynamic_axes(self) -> tuple:
        """Dynamic axes of the single output."""
        return self.output.dynamic_axes

    @property
    def is_sparse(self) -> bool:
        """Whether the single output is sparse (never, for computed values)."""
        return False

    @property
    def signature(self) -> List[Variable]:
        """The arguments (CNTK's name for them in signatures)."""
        return self.arguments

    def _as_variable(self) -> Variable:
        return self.output

    # --- search ----------------------------------------------------------------------------------
    def find_all_with_name(self, name: str, depth: int = 0) -> list:
        """All functions and variables named ``name`` (searching ``depth`` levels into blocks)."""
        return traversal.find_all(self, lambda x: x.name == name, depth)

    def find_by_name(self, name: str, depth: int = 0):
        """The one function or variable named ``name``; None if absent, ValueError if ambiguous."""
        found = self.find_all_with_name(name, depth)
        if len(found) > 1:
            raise ValueError("found %d nodes named '%s'; use find_all_with_name" % (len(found), name))
        return found[0] if found else None

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if hasattr(Variable, name) and len(self._outputs) == 1:  # a member of the only output (e.g. ``owner``)
            return getattr(self._outputs[0], name)
        root = self._block_root if self._block_root is not None else self
        found = [x for x in traversal.find_all(root, lambda x: x.name == name, 0) if x is not self]
        if not found and root is not self:  # a block: also search the graph feeding it
            found = [x for x in traversal.find_all(self, lambda x: x.name == name, 0) if x is not self]
        if not found and self._name == name:
            return self
        if not found:
            raise AttributeError("'%s' object has no attribute '%s' (and the graph has no node named '%s')"
                                 % (type(self).__name__, name, name))
        if len(found) > 1 and any(f is not found[0] and not _same_node(f, found[0]) for f in found):
            raise AttributeError("the graph has %d nodes named '%s'; use find_all_with_name" % (len(found), name))
        hit = found[0]
        if isinstance(hit, Variable) and hit.owner is not None:
            return hit.owner
        return hit

    # --- composition ------------------------------------------------------------------------------
    def argument_map(self, *args: Any, **kwargs: Any) -> Dict[Variable, Any]:
        """Pair positional and keyword arguments with this function's arguments."""
        params = self.arguments
        if len(args) > len(params):
            raise TypeError("function '%s' takes %d argument(s) (%s), %d given"
                            % (self._name or self._op_name, len(params), ", ".join(p.name or p.uid for p in params), len(args)))
        result: Dict[Variable, Any] = {}
        for p, a in zip(params, args):
            result[p] = a
        for key, value in kwargs.items():
            matches = [p for p in params if p.name == key]
            if not matches:
                raise TypeError("function '%s' has no argument named '%s' (arguments: %s)"
                                % (self._name or self._op_name, key, ", ".join(p.name for p in params)))
            result[matches[0]] = value
        return result

    def __call__(self, *args: Any, **kwargs: Any):
        values = list(args) + list(kwargs.values())
        if values and all(_is_symbolic(v) for v in values):
            arg_map = self.argument_map(*args, **kwargs)
            missing = [p for p in self.arguments if p not in arg_map and p.is_placeholder]
            if missing:
                raise TypeError("function '%s' needs %d argument(s), %d given"
                                % (self._name or self._op_name, len(self.arguments), len(arg_map)))
            return self.clone(CloneMethod.share, {p: as_variable(a) for p, a in arg_map.items()})
        if any(_is_symbolic(v) for v in values):
            raise TypeError("cannot mix symbolic arguments (Variables/Functions) and data in one call")
        arguments = self.argument_map(*args, **kwargs) if (args or kwargs) else {}
        result = self.eval(arguments)
        if isinstance(result, dict):
            return tuple(result[o] for o in self.outputs)
        return result

    def __rshift__(self, other: Any):
        from .composition import forward_compose
        return forward_compose(self, other)

    def __rrshift__(self, other: Any):
        from .composition import forward_compose
        return forward_compose(other, self)

    def clone(self, method: Any = CloneMethod.share, substitutions: Optional[dict] = None) -> "Function":
        """A copy of the graph. Parameters are copied (``clone``), shared (``share``) or turned into
        constants (``freeze``); ``substitutions`` maps variables of this graph to replacements."""
        from .cloning import clone_graph
        method = CloneMethod(method.value if isinstance(method, CloneMethod) else method)
        return clone_graph(self, method, substitutions or {})

    def replace_placeholders(self, substitutions: dict) -> "Function":
        """Bind placeholders in place to the given variables; returns this function."""
        from .cloning import replace_inputs_in_place
        subs = {k: as_variable(v) for k, v in substitutions.items()}
        for k in subs:
            if not (isinstance(k, Variable) and k.is_placeholder):
                raise TypeError("replace_placeholders: key %r is not a placeholder" % (k,))
        replace_inputs_in_place(self, subs)
        return self

    def replace_placeholder(self, substitution: Any) -> "Function":
        """Bind this function's only placeholder."""
        phs = self.placeholders
        if len(phs) != 1:
            raise ValueError("replace_placeholder needs exactly one placeholder, the function has %d" % len(phs))
        return self.replace_placeholders({phs[0]: substitution})

    @staticmethod
    def with_signature(*arg_types: Any, **kwarg_types: Any):
        """Decorator making a typed Function of a Python function:
        ``@Function.with_signature(Tensor[3], Tensor[2])``."""
        from .signature import attach_types
        return lambda f: Function(attach_types(f, arg_types, kwarg_types))

    def update_signature(self, *arg_types: Any, **kwarg_types: Any) -> None:
        """Replace placeholder arguments by typed inputs, in place."""
        from .signature import variables_for_types
        arg_map = self.argument_map(*arg_types, **kwarg_types)
        subs = variables_for_types(arg_map)
        self.replace_placeholders(subs)

    # --- execution (delegated) --------------------------------------------------------------------------
    def eval(self, arguments: Any = None, outputs: Optional[Sequence[Variable]] = None, device: Any = None,
             as_numpy: bool = True):
        """Evaluate in inference mode. ``arguments``: a dict {argument or its name: data}, or data
        for the single argument. Returns one value, or a dict {output: value} for several."""
        return _executor.eval(self, arguments, outputs, device, as_numpy)

    def forward(self, arguments: Any, outputs: Optional[Sequence[Variable]] = None, keep_for_backward: Any = None,
                device: Any = None, as_numpy: bool = True):
        """Evaluate and keep what `backward` needs; returns (state, {output: value}).
        A non-empty ``keep_for_backward`` runs in training mode (dropout active)."""
        return _executor.forward(self, arguments, outputs, keep_for_backward, device, as_numpy)

    def backward(self, state: Any, root_gradients: dict, variables: Iterable[Variable], as_numpy: bool = True):
        """Gradients of the kept forward pass w.r.t. ``variables``, seeded by ``root_gradients``
        (a dict keyed by output, or the bare gradient of a single-output function)."""
        if not isinstance(root_gradients, dict):
            if len(self._outputs) != 1:
                raise ValueError("backward: root_gradients must be a dict keyed by output for a function with %d "
                                 "outputs" % len(self._outputs))
            root_gradients = {self._outputs[0]: root_gradients}
        return _executor.backward(self, state, root_gradients, variables, as_numpy)

    def grad(self, at: Any, wrt: Optional[Sequence[Variable]] = None, outputs: Optional[Sequence[Variable]] = None,
             device: Any = None, as_numpy: bool = True, grad_root: Any = None):
        """Gradient of the (summed) output at the given argument values w.r.t. ``wrt``
        (default: all arguments that need gradients)."""
        return _executor.grad(self, at, wrt, outputs, device, as_numpy, grad_root)

    def test(self, minibatch_source: Any, minibatch_size: Any = 32, streams: Any = None,
             model_inputs_to_streams: Any = None, callbacks: Any = None):
        """Average this criterion's metric (its second output, else its only one) over finite data.

        ``minibatch_source`` is a reader or a tuple of arrays in argument order. Returns a Record
        (metric, samples) and prints a test summary through the progress writers in ``callbacks``.
        """
        return _training.test(self, minibatch_source, minibatch_size, streams, model_inputs_to_streams, callbacks)

    def train(self, minibatch_source: Any, minibatch_size: Any = 32, streams: Any = None,
              model_inputs_to_streams: Any = None, parameter_learners: Any = (), callbacks: Any = (),
              progress_frequency: Any = None, max_epochs: Any = None, epoch_size: Any = None,
              max_samples: Any = None):
        """Train this criterion (outputs: loss[, metric]) with ``parameter_learners``.

        ``minibatch_source`` is a reader (then give ``epoch_size`` or ``max_samples``) or a tuple of
        arrays in argument order (one epoch = all of it). ``callbacks`` holds progress writers and at
        most one each of CheckpointConfig, CrossValidationConfig and TestConfig. Returns a Record
        with ``updates`` and ``epoch_summaries`` (and ``test_summary`` with a TestConfig).
        """
        return _training.train(self, minibatch_source, minibatch_size, streams, model_inputs_to_streams,
                               parameter_learners, callbacks, progress_frequency, max_epochs, epoch_size, max_samples)

    def save(self, filename: str, format: Any = None, use_external_files_to_store_parameters: bool = False) -> None:
        """Save the graph and its parameter values to ``filename`` in CNTK's v2 model format (files load in
        CNTK 2.7), or as ONNX with ``format=ModelFormat.ONNX``."""
        from .._serialization.model_io import save_function
        save_function(self, filename, format, use_external_files_to_store_parameters)

    def restore(self, filename: str) -> None:
        """Overwrite this graph's parameters (and constants) in place with those saved in ``filename``."""
        from .._serialization.model_io import restore_function
        restore_function(self, filename)

    @staticmethod
    def load(model: Any, device: Any = None, format: Any = None) -> "Function":
        """Load a model saved by CNTK (or by `save`): a file path or the file's bytes; ONNX files with
        ``format=ModelFormat.ONNX``. Nothing in the file is executed."""
        from .._serialization.model_io import load_function
        return load_function(model, device, format)

    @staticmethod
    def register_udf_deserialize_callback(op_name: str, callback: Any) -> None:
        """Re-create user functions of ``op_name`` with ``callback(inputs, name, state)`` when loading
        (see `cntk.ops.functions.UserFunction`)."""
        from .user_function import register_udf_deserialize_callback
        register_udf_deserialize_callback(op_name, callback)

    def __str__(self) -> str:
        """The signature in CNTK's notation, e.g. ``f: Log(Tensor[1]) -> Tensor[1]``."""
        from .type_text import signature_text
        return signature_text(self)

    def __repr__(self) -> str:
        outs = ", ".join("%s%s" % (o.name and o.name + ": " or "", list(o.shape)) for o in self._outputs)
        return "Composite(%s)%s -> %s" % (self._op_name, (" '%s'" % self._name) if self._name else "", outs)

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other


def _same_node(a: Any, b: Any) -> bool:
    return (isinstance(a, Variable) and a.owner is not None and a.owner is b) or \
           (isinstance(b, Variable) and b.owner is not None and b.owner is a)


def _unique(items: Iterable) -> list:
    seen, out = set(), []
    for x in items:
        if id(x) not in seen:
            seen.add(id(x))
            out.append(x)
    return out


def _is_symbolic(x: Any) -> bool:
    return isinstance(x, (Variable, Function))


def infer_graph(roots: list, max_rounds: int = 8) -> None:
    """Re-run type inference over every function reachable from ``roots`` until nothing changes
    (graphs with recurrence loops need several rounds)."""
    fns = traversal.reachable_functions(roots, into_blocks=False)
    fns.reverse()
    for _ in range(max_rounds):
        changed = False
        for fn in fns:
            changed |= fn._infer()
        if not changed:
            break
    graph_changed()


def primitive(op_name: str, operands: Sequence[Any], attributes: Optional[dict] = None, name: str = "",
              num_outputs: int = 1) -> Function:
    """Create a primitive op node (used by the public op constructors)."""
    operands = _match_constant_dtypes([x for x in operands])
    return Function(op_name, operands, attributes, name, num_outputs)


def _match_constant_dtypes(operands: list) -> list:
    """Python numbers and arrays used as operands take the dtype of the other operands."""
    dtypes = [as_variable(x)._dtype for x in operands if isinstance(x, (Variable, Function))]
    dtype = next((d for d in dtypes if d is not None), None) or default_constant_dtype()
    return [as_variable(x, dtype) if not isinstance(x, (Variable, Function)) else x for x in operands]
