"""ONNX export (`Function.save(path, format=ModelFormat.ONNX)`) through torch's TorchScript-based exporter.

The graph is translated into a traceable torch module (`OnnxProgram`): element-wise ops, products,
static shape ops, sequence first/last, and recurrences over stock cells, which become torch's
``nn.LSTM`` / ``nn.RNN`` and therefore ONNX ``LSTM`` / ``RNN`` ops. Unlike CNTK 2.7's exporter, batch
and sequence length stay dynamic: each sequence input ``x`` is ``[batch, time, *shape]`` and comes with
an int64 input ``x__lengths`` (the true length of each sequence); sequence outputs are padded the same
way. Ops without such a translation raise NotImplementedError naming the op (GRU cells, sigmoid
RNNStep cells, peepholes, self-stabilisation, Where/Gather-style sequence ops, ...).
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch

from .._graph.function import Function
from .._graph.variable import Variable, torch_dtype

_ELEMENTWISE = {"Plus": torch.add, "Minus": torch.sub, "ElementTimes": torch.mul, "ElementDivide": torch.div,
                "Pow": torch.pow}
_UNARY = {"Tanh": torch.tanh, "ReLU": torch.relu, "StableSigmoid": torch.sigmoid, "Sigmoid": torch.sigmoid,
          "Exp": torch.exp, "Log": torch.log, "Negate": torch.neg, "Abs": torch.abs, "Sqrt": torch.sqrt,
          "Reciprocal": torch.reciprocal, "Floor": torch.floor, "NoOp": lambda x: x, "Pass": lambda x: x,
          "StopGradient": lambda x: x, "Dropout": lambda x: x, "Alias": lambda x: x, "Sin": torch.sin,
          "Cos": torch.cos}
_STOCK_LSTM_OPS = {"Times", "Plus", "Slice", "StableSigmoid", "Tanh", "ElementTimes", "Combine"}


def _dyn(v: Variable) -> int:
    return len(v._dynamic_axes or ())


def _unsupported(fn: Function, why: str = "") -> NotImplementedError:
    return NotImplementedError("ONNX export of %s '%s'%s is not supported" % (fn.op_name, fn.name or fn.uid,
                                                                               (": " + why) if why else ""))


class OnnxProgram(torch.nn.Module):
    """A traceable torch module computing a CNTK Function, for torch.onnx.export."""

    def __init__(self, function: Function) -> None:
        super().__init__()
        self.function = function
        self.arguments = list(function.arguments)
        self.seq_arguments = [a for a in self.arguments if a.has_sequence_axis()]
        self._tensors: Dict[int, str] = {}
        self._rnns: Dict[int, Tuple[str, torch.nn.Module, dict]] = {}
        for k, p in enumerate(function.parameters):
            self.register_buffer("param%d" % k, p._tensor.detach().clone())
            self._tensors[id(p)] = "param%d" % k
        for k, c in enumerate(function.constants):
            self.register_buffer("const%d" % k, c._tensor.detach().clone())
            self._tensors[id(c)] = "const%d" % k

    # --- the traced computation ---------------------------------------------------------------------
    def forward(self, *inputs: torch.Tensor):
        """Inputs: the arguments in order, then one lengths tensor per sequence argument."""
        n = len(self.arguments)
        self._values: Dict[int, torch.Tensor] = {}
        self._lengths: Dict[str, torch.Tensor] = {}
        for a, t in zip(self.arguments, inputs[:n]):
            self._values[id(a)] = t
        for a, lens in zip(self.seq_arguments, inputs[n:]):
            self._lengths[a.sequence_axis.name] = lens
        outs = [self._masked(o, self._value(o)) for o in self.function.outputs]
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _masked(self, o: Variable, t: torch.Tensor) -> torch.Tensor:
        """A sequence output with zeros past each sequence's length (CNTK leaves them undefined)."""
        axis = o.sequence_axis
        if axis is None or axis.name not in self._lengths:
            return t
        valid = torch.arange(t.shape[1]).unsqueeze(0) < self._lengths[axis.name].unsqueeze(1)
        return t * valid.reshape(tuple(valid.shape) + (1,) * (t.dim() - 2)).to(t.dtype)

    def _value(self, v: Variable, bindings: Optional[Dict[int, Variable]] = None) -> torch.Tensor:
        while v.owner is None and bindings and id(v) in bindings:
            v = bindings[id(v)]
        if id(v) in self._values:
            return self._values[id(v)]
        if v.owner is None:
            if id(v) in self._tensors:
                return getattr(self, self._tensors[id(v)])
            raise ValueError("ONNX export: '%s' is not bound to any input" % (v.name or v.uid))
        t = self._compute(v, bindings or {})
        self._values[id(v)] = t
        return t

    def _compute(self, v: Variable, bindings: Dict[int, Variable]) -> torch.Tensor:
        fn, k = v.owner, v._output_index
        if fn.op_name == "Combine":
            return self._value(fn._inputs[k], bindings)
        if fn.is_block:
            if fn.op_name in ("LSTM", "RNNStep") and self._delays_of(fn):
                return self._recurrence(fn, k, bindings)
            if fn.op_name == "Sequence::Slice":
                picked = self._first_last(fn, bindings)
                if picked is not None:
                    return picked
            inner = dict(bindings)
            for ph, outer in fn._block_mapping:
                inner[id(ph)] = self._resolve(outer, bindings)
            return self._value(fn._block_root.outputs[k], inner)
        if fn.op_name in ("PastValue", "FutureValue"):
            raise _unsupported(fn, "only recurrences over stock LSTM cells and tanh/relu RNNStep cells become "
                                   "ONNX recurrent ops (torch has no GRU with CNTK's reset-before-product form)")
        args = [self._value(x, bindings) for x in fn._inputs]
        return self._primitive(fn, v, args)

    def _resolve(self, v: Variable, bindings: Dict[int, Variable]) -> Variable:
        while v.owner is None and id(v) in bindings:
            v = bindings[id(v)]
        return v

    # --- primitives ------------------------------------------------------------------------------------
    def _align(self, fn: Function, args: List[torch.Tensor]) -> List[torch.Tensor]:
        dyns = [_dyn(x) for x in fn._inputs]
        out = max(dyns)
        aligned = []
        for t, d in zip(args, dyns):
            if d == 1 and out == 2:     # a per-sequence value used at every step
                t = t.unsqueeze(1)
            aligned.append(t)           # static operands broadcast from the right as they are
        return aligned

    def _primitive(self, fn: Function, v: Variable, args: List[torch.Tensor]) -> torch.Tensor:
        op, a = fn.op_name, fn._attributes
        if op in _UNARY:
            return _UNARY[op](args[0])
        if op in _ELEMENTWISE:
            x, y = self._align(fn, args)
            return _ELEMENTWISE[op](x, y)
        if op == "Times":
            x, w = args
            out_rank = a.get("output_rank", 1)
            w_shape = tuple(fn._inputs[1].shape)
            k = len(w_shape) - out_rank
            if k == 1:        # the usual case: a plain MatMul in the ONNX graph
                y = torch.matmul(x, w if len(w_shape) == 2 else w.reshape(w_shape[0], -1))
                return y if len(w_shape) <= 2 else y.reshape(tuple(y.shape[:-1]) + w_shape[1:])
            lead = x.shape[:x.dim() - k]
            y = x.reshape(lead + (-1,)) @ w.reshape(int(np.prod(w_shape[:k])), -1) if k else \
                x.unsqueeze(-1) * w.reshape(-1)
            return y.reshape(lead + w_shape[k:])
        if op == "Cast":
            return args[0].to(torch_dtype(a["dtype"]))
        if op in ("Softmax", "LogSoftmax"):
            if len(fn._inputs[0].shape) != 1 and a.get("axis") is None:
                raise _unsupported(fn, "over several axes")
            f = torch.softmax if op == "Softmax" else torch.log_softmax
            return f(args[0], dim=-1 if a.get("axis") is None else a["axis"] - len(fn._inputs[0].shape))
        if op == "Slice":
            t = args[0]
            rank = len(fn._inputs[0].shape)
            for axis, b, e, s in zip(a["axes"], a["begins"], a["ends"], a["strides"]):
                d = t.dim() - rank + (axis + rank if axis < 0 else axis)
                n = t.shape[d]
                b = b + n if b < 0 else b
                e = n if e == 0 else (e + n if e < 0 else e)
                t = t.narrow(d, b, e - b)[(slice(None),) * d + (slice(None, None, s),)] if s != 1 else t.narrow(d, b, e - b)
            return t
        if op == "Splice":
            args = self._align(fn, args)
            rank = len(v.shape)
            axis = a["axis"]
            return torch.cat(args, dim=axis - rank if axis >= 0 else axis)
        if op in ("Sequence::First", "Sequence::Last"):
            x = args[0]
            if op == "Sequence::First":
                return x[:, 0]
            return x[torch.arange(x.shape[0]), (self._lengths_of(fn._inputs[0], fn) - 1).clamp(min=0)]
        if op == "Reshape":
            t = args[0]
            return t.reshape(tuple(t.shape[:_dyn(v)]) + tuple(v.shape))
        raise _unsupported(fn)

    # --- sequences ----------------------------------------------------------------------------------------
    def _lengths_of(self, var: Variable, fn: Function) -> torch.Tensor:
        axis = var.sequence_axis
        if axis is None or axis.name not in self._lengths:
            raise _unsupported(fn, "its sequence axis '%s' does not come from an input"
                               % (axis.name if axis is not None else None))
        return self._lengths[axis.name]

    def _first_last(self, fn: Function, bindings: Dict[int, Variable]) -> Optional[torch.Tensor]:
        """sequence.first / sequence.last (CNTK's Sequence::Slice block of one step)."""
        from .._graph.traversal import reachable_functions
        inner = reachable_functions([fn._block_root], into_blocks=False)
        delays = [f for f in inner if f.op_name in ("PastValue", "FutureValue")]
        if len(fn._outputs[0]._dynamic_axes or ()) != 1 or len(delays) != 1 or delays[0]._attributes.get("offset") != 1:
            return None
        if len(fn._block_mapping) != 1:
            return None
        outer = self._resolve(fn._block_mapping[0][1], bindings)
        x = self._value(outer, bindings)
        rows = torch.arange(x.shape[0])
        if delays[0].op_name == "PastValue":
            return x[:, 0]
        return x[rows, (self._lengths_of(outer, fn) - 1).clamp(min=0)]

    def _delays_of(self, block: Function) -> List[Tuple[Variable, Function, int]]:
        """(inner placeholder, delay node, state index) for each state of a recurrence over ``block``."""
        from .writer import through_combines
        found = []
        for inner, outer in block._block_mapping:
            d = outer.owner
            if d is None or d.op_name not in ("PastValue", "FutureValue"):
                continue
            src = through_combines(d._inputs[0])
            if src.owner is block:
                found.append((inner, d, src._output_index))
        return found

    def _recurrence(self, block: Function, k: int, bindings: Dict[int, Variable]) -> torch.Tensor:
        key = id(block)
        if k != 0:
            raise _unsupported(block, "using the cell state output (torch's LSTM gives only the final one)")
        if key in self._values:
            return self._values[key][k]
        delays = self._delays_of(block)
        ops = {f.op_name for f in _inner_functions(block)}
        names = sorted(p.name for p in block._block_root.parameters)
        directions = {d.op_name for _, d, _ in delays}
        if len(directions) != 1 or any(d._attributes.get("offset", 1) != 1 for _, d, _ in delays):
            raise _unsupported(block, "a recurrence mixing directions or with a delay other than 1")
        backward = directions == {"FutureValue"}
        state_inner = {id(inner) for inner, _, _ in delays}
        inputs = [outer for inner, outer in block._block_mapping if id(inner) not in state_inner]
        if len(inputs) != 1:
            raise _unsupported(block, "a step with %d non-state inputs" % len(inputs))
        x_var = self._resolve(inputs[0], bindings)
        x = self._value(x_var, bindings)
        lengths = self._lengths_of(x_var, block)
        inits: Dict[int, Any] = {}
        for _, d, idx in delays:
            init = self._resolve(d._inputs[1], bindings)
            if init.is_constant and init.value.size == 1:
                inits[idx] = float(init.value.reshape(-1)[0])
            elif _dyn(init) == 1:                      # one state per sequence (e.g. an encoder's final state)
                inits[idx] = self._value(init, bindings).unsqueeze(0)
            else:
                raise _unsupported(block, "an initial state that is neither a constant scalar nor one vector "
                                          "per sequence")
        if id(block) in self._rnns:
            rnn, h_size = self._rnns[id(block)][1], self._rnns[id(block)][2]["hidden"]
        elif block.op_name == "LSTM":
            if names != ["H", "W", "b"] or not ops <= _STOCK_LSTM_OPS:
                raise _unsupported(block, "an LSTM with peepholes, stabilisers or a projection")
            rnn, h_size = self._lstm_module(block)
        else:
            if names != ["H", "W", "b"] or ops - {"Times", "Plus", "Tanh", "ReLU", "Combine"} or \
                    not ops & {"Tanh", "ReLU"}:
                raise _unsupported(block, "an RNNStep whose activation is not tanh or relu")
            rnn, h_size = self._rnn_module(block, "tanh" if "Tanh" in ops else "relu")
        if backward:
            x = _reverse_padded(x, lengths)
        batch = x.shape[0]
        h0 = torch.zeros(1, batch, h_size, dtype=x.dtype) + inits.get(0, 0.0)
        if block.op_name == "LSTM":
            c0 = torch.zeros(1, batch, h_size, dtype=x.dtype) + inits.get(1, 0.0)
            y, _ = rnn(x, (h0, c0))
        else:
            y, _ = rnn(x, h0)
        if backward:
            y = _reverse_padded(y, lengths)
        self._values[key] = [y]
        return y

    def _lstm_module(self, block: Function) -> Tuple[torch.nn.Module, int]:
        params = {p.name: p.value for p in block._block_root.parameters}
        W, H, b = params["W"], params["H"], params["b"]
        n = H.shape[0]
        rnn = torch.nn.LSTM(W.shape[0], n, batch_first=True).to(torch_dtype(block._outputs[0].dtype))

        def reorder(m: np.ndarray) -> np.ndarray:   # CNTK gates [i, g, f, o] -> torch [i, f, g, o]
            i, g, f, o = np.split(m, 4, axis=-1)
            return np.concatenate([i, f, g, o], axis=-1)
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(torch.as_tensor(reorder(W).T.copy()))
            rnn.weight_hh_l0.copy_(torch.as_tensor(reorder(H).T.copy()))
            rnn.bias_ih_l0.copy_(torch.as_tensor(reorder(b)))
            rnn.bias_hh_l0.zero_()
        self.add_module("rnn%d" % len(self._rnns), rnn)
        self._rnns[id(block)] = ("LSTM", rnn, {"hidden": n})
        return rnn, n

    def _rnn_module(self, block: Function, activation: str) -> Tuple[torch.nn.Module, int]:
        params = {p.name: p.value for p in block._block_root.parameters}
        W, H, b = params["W"], params["H"], params["b"]
        rnn = torch.nn.RNN(W.shape[0], H.shape[0], nonlinearity=activation, batch_first=True)
        rnn = rnn.to(torch_dtype(block._outputs[0].dtype))
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(torch.as_tensor(W.T.copy()))
            rnn.weight_hh_l0.copy_(torch.as_tensor(H.T.copy()))
            rnn.bias_ih_l0.copy_(torch.as_tensor(b))
            rnn.bias_hh_l0.zero_()
        self.add_module("rnn%d" % len(self._rnns), rnn)
        self._rnns[id(block)] = ("RNN", rnn, {"hidden": H.shape[0]})
        return rnn, H.shape[0]


def _inner_functions(block: Function) -> List[Function]:
    from .._graph.traversal import reachable_functions
    return reachable_functions([block._block_root], into_blocks=True)


def _reverse_padded(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Each sequence reversed within its own length (padding stays at the end)."""
    steps = torch.arange(x.shape[1]).unsqueeze(0)
    idx = lengths.unsqueeze(1) - 1 - steps
    idx = torch.where(idx >= 0, idx, steps)
    gather = idx.reshape(idx.shape + (1,) * (x.dim() - 2)).expand_as(x)
    return torch.gather(x, 1, gather)


def example_inputs(function: Function, batch: int = 2, time: int = 3) -> Tuple[torch.Tensor, ...]:
    """Zero inputs of the right shapes (arguments, then the lengths of the sequence arguments)."""
    xs, lens = [], []
    for a in function.arguments:
        lead = (batch, time) if a.has_sequence_axis() else (batch,)
        xs.append(torch.zeros(lead + tuple(a.shape), dtype=torch_dtype(a.dtype)))
        if a.has_sequence_axis():
            lens.append(torch.full((batch,), time, dtype=torch.int64))
    return tuple(xs + lens)


def save_onnx(function: Function, filename: Any, opset: int = 17) -> None:
    """Write ``function`` as an ONNX model with dynamic batch and sequence axes (see the module docstring)."""
    program = OnnxProgram(function).eval()
    args = example_inputs(function)
    program(*args)      # fail early, with our own messages, on ops that cannot be translated
    names = [a.name or a.uid for a in function.arguments]
    names += ["%s__lengths" % (a.name or a.uid) for a in function.arguments if a.has_sequence_axis()]
    out_names = ["%s" % (o.name or "output%d" % k) for k, o in enumerate(function.outputs)]
    if len(set(out_names)) != len(out_names):
        out_names = ["output%d" % k for k in range(len(out_names))]
    dynamic: Dict[str, Dict[int, str]] = {}
    for a, n in zip(function.arguments, names):
        dynamic[n] = {0: "batch", 1: "time_%s" % a.sequence_axis.name} if a.has_sequence_axis() else {0: "batch"}
    for n in names[len(function.arguments):]:
        dynamic[n] = {0: "batch"}
    for o, n in zip(function.outputs, out_names):
        axis = o.sequence_axis
        dynamic[n] = {0: "batch", 1: "time_%s" % axis.name} if axis is not None else ({0: "batch"} if o.dynamic_axes else {})
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(program, args, os.fspath(filename), input_names=names, output_names=out_names,
                          dynamic_axes=dynamic, opset_version=opset, dynamo=False)
