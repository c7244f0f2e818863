"""A readable summary of a model file: inputs, outputs, parameters and layer structure
(what ``python -m cntk info MODEL`` prints)."""
from __future__ import annotations

from typing import List, Optional

import numpy as np

from .._graph.function import Function
from .._graph.variable import Variable


def _axes(v: Variable) -> str:
    names = [a.name for a in v.dynamic_axes]
    return "[%s]" % ", ".join(names) if names else "[] (static)"


def _dtype(v: Variable) -> str:
    return np.dtype(v.dtype).name


def _shape(v: Variable) -> str:
    return "(%s)" % ", ".join("free" if d == -3 else "?" if d < 0 else str(d) for d in v.shape)


def _table(rows: List[List[str]], indent: str = "  ") -> List[str]:
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def _count(shape: tuple) -> int:
    n = 1
    for d in shape:
        n *= max(int(d), 0)
    return n


def _owner_paths(root: Function) -> dict:
    """Parameter id -> dotted path of the named blocks that contain it (``classify.W``)."""
    paths: dict = {}

    def visit(fn: Function, prefix: str, depth: int) -> None:
        if depth > 50:
            return
        for block in _blocks_under(fn):
            label = block.name or ""
            here = (prefix + "." + label) if (prefix and label) else (label or prefix)
            for p in block.block_root.parameters:
                if id(p) not in paths or (here and len(here) > len(paths[id(p)][0])):
                    paths[id(p)] = (here, p)
            visit(block.block_root, here, depth + 1)
    visit(root, "", 0)
    return {k: (path + "." if path else "") + (p.name or p.uid) for k, (path, p) in paths.items()}


def _blocks_under(fn: Function) -> List[Function]:
    """Blocks reachable from ``fn`` without entering any block."""
    from .._graph.traversal import depth_first
    return [x for x in depth_first(fn) if isinstance(x, Function) and x.is_block]


def _layer_lines(root: Function, max_depth: int) -> List[str]:
    lines: List[str] = []

    def visit(fn: Function, depth: int) -> None:
        blocks = list(reversed(_blocks_under(fn)))
        for b in blocks:
            outs = ", ".join(_shape(o) for o in b.outputs)
            own = list(b.block_root.parameters)
            params = ", ".join("%s%s" % (p.name or p.uid, _shape(p)) for p in own)
            label = "%s '%s'" % (b.op_name, b.name) if b.name else b.op_name
            lines.append("%s%s -> %s%s" % ("  " * (depth + 1), label, outs, ("   [%s]" % params) if params else ""))
            if depth + 1 < max_depth:
                visit(b.block_root, depth + 1)
    visit(root, 0)
    return lines


def describe_function(fn: Function, source: str = "", depth: int = 2) -> str:
    """The text summary of a Function (``depth``: how many levels of nested layers to show)."""
    lines: List[str] = []
    if source:
        lines.append("Model: %s" % source)
    lines.append("Root: %s%s (uid %s)" % (fn.op_name, (" '%s'" % fn.name) if fn.name else "", fn.uid))
    args = fn.arguments
    lines.append("Inputs (%d, in argument order):" % len(args))
    lines += _table([[a.name or "''", a.uid, _shape(a), _dtype(a), _axes(a) + (" sparse" if a.is_sparse else "")]
                     for a in args])
    lines.append("Outputs (%d):" % len(fn.outputs))
    lines += _table([[str(k), o.name or "''", o.uid, _shape(o), _dtype(o), _axes(o)] for k, o in enumerate(fn.outputs)])
    params = fn.parameters
    paths = _owner_paths(fn)
    total = sum(_count(p.shape) for p in params)
    lines.append("Parameters (%d tensors, %d values):" % (len(params), total))
    lines += _table([[paths.get(id(p), p.name or p.uid), p.uid, _shape(p), _dtype(p)] for p in params])
    consts = fn.constants
    lines.append("Constants (%d tensors, %d values)" % (len(consts), sum(_count(c.shape) for c in consts)))
    layer_lines = _layer_lines(fn, depth)
    lines.append("Layers (blocks, from the inputs to the outputs; nested %d level(s)):" % depth)
    lines += layer_lines or ["  (none: the model is made of primitive ops only)"]
    from .._graph.traversal import reachable_functions
    ops: dict = {}
    for f in reachable_functions([fn], into_blocks=True):
        if not f.is_block:
            ops[f.op_name] = ops.get(f.op_name, 0) + 1
    lines.append("Primitive ops: " + ", ".join("%s x%d" % (k, v) for k, v in sorted(ops.items())))
    return "\n".join(lines)


def describe_checkpoint(ck: dict, source: str = "") -> str:
    """The text summary of a CNTK trainer checkpoint read by `read_cntk_checkpoint`."""
    lines = ["Trainer checkpoint: %s (format version %d)" % (source, ck["version"])]
    for k, entry in enumerate(ck["learners"]):
        lines.append("Learner %d: %d samples, %d minibatches, %d sweeps, %d updates; learning rate %s" % (
            k, entry["sample_count"], entry["minibatch_count"], entry["sweep_count"], entry["update_count"],
            entry["learning_rate"]["schedule"]))
        lines += _table([[str(i), str(tuple(g.shape)), np.dtype(g.dtype).name]
                         for i, g in enumerate(entry["smoothed_gradients"])], indent="    ")
    return "\n".join(lines)


def info(path: str, depth: int = 2) -> str:
    """The summary of a model file or a ``.ckp`` trainer checkpoint."""
    from .errors import ModelFileError
    from .model_io import function_from_bytes, read_source
    data, source = read_source(path)
    source = "%s (%d bytes)" % (source, len(data))
    try:
        fn = function_from_bytes(data, source)
    except ModelFileError as err:
        if "trainer checkpoint" not in str(err):
            raise
        from .checkpoint import read_cntk_checkpoint
        return describe_checkpoint(read_cntk_checkpoint(data), source)
    return describe_function(fn, source, depth)


def main(argv: Optional[List[str]] = None) -> int:
    """``python -m cntk info MODEL [--depth N]``: print a model's summary; returns the exit status."""
    import argparse
    import sys
    parser = argparse.ArgumentParser(prog="python -m cntk", description="Tools for CNTK model files (cntk-torch).")
    sub = parser.add_subparsers(dest="command")
    p_info = sub.add_parser("info", help="print a model's inputs, outputs, parameters and layers")
    p_info.add_argument("model", help="a CNTK v2 model file (or a trainer checkpoint .ckp)")
    p_info.add_argument("--depth", type=int, default=2, help="levels of nested layers to show (default 2)")
    args = parser.parse_args(argv)
    if args.command != "info":
        parser.print_help()
        return 2
    try:
        print(info(args.model, args.depth))
    except (ValueError, NotImplementedError) as err:
        print("error: %s" % err, file=sys.stderr)
        return 1
    return 0
