"""Searching a graph from a root (public face: `cntk.logging.graph`)."""
from __future__ import annotations

import sys
from typing import Any, Callable, List, Optional


def _is_function(node: Any) -> bool:
    return hasattr(node, 'op_name') and hasattr(node, 'root_function')


def depth_first_search(root: Any, visitor: Callable[[Any], bool], depth: int = 0) -> list:
    """Every function and leaf variable under ``root`` for which ``visitor`` returns True, in
    depth-first pre-order (a function, then its inputs left to right; an output variable stands
    for the function that computes it).

    ``depth`` is how many levels of blocks to look inside (-1: all); a block looked into is
    reported itself, then its internals and its actual inputs.
    """
    levels = sys.maxsize if depth == -1 else depth
    start = root.root_function if _is_function(root) else (root.owner or root)
    stack = [(start, levels)]
    found: list = []
    visited: set = set()
    while stack:
        node, level = stack.pop(0)
        if node.uid in visited:
            continue
        visited.add(node.uid)
        if _is_function(node):
            if node.is_block and level > 0:
                stack.extend((outer, level - 1) for _, outer in node.block_arguments_mapping)
                visited.update(inner.uid for inner, _ in node.block_arguments_mapping)
                stack.append((node.block_root, level - 1))
            else:
                stack = [(i, level) for i in node.root_function.inputs] + stack
        elif node.owner is not None:
            stack.insert(0, (node.owner, level))
            continue
        if visitor(node):
            found.append(node)
    return found


def find_all_with_name(node: Any, node_name: str, depth: int = 0) -> list:
    """Every function or variable under ``node`` named ``node_name``."""
    return depth_first_search(node, lambda x: x.name == node_name, depth)


def _single(found: list, what: str) -> Optional[Any]:
    if len(found) > 1:
        raise ValueError('found multiple functions matching "%s". If that was expected call find_all_with_name'
                         % what)
    return found[0] if found else None


def find_by_name(node: Any, node_name: str, depth: int = 0) -> Optional[Any]:
    """The one function or variable under ``node`` named ``node_name`` (None if there is none)."""
    if not isinstance(node_name, str):
        raise ValueError('node name has to be a string. You gave a %s' % type(node_name))
    return _single(find_all_with_name(node, node_name, depth), node_name)


def find_by_uid(node: Any, node_uid: str, depth: int = 0) -> Optional[Any]:
    """The function or variable under ``node`` with unique id ``node_uid`` (None if there is none)."""
    if not isinstance(node_uid, str):
        raise ValueError('node_uid must be a string. You gave a %s' % type(node_uid))
    return _single(depth_first_search(node, lambda x: x.uid == node_uid, depth), node_uid)


def get_node_outputs(node: Any, depth: int = 0) -> List[Any]:
    """The outputs of every function under ``node``."""
    outputs: List[Any] = []
    for item in depth_first_search(node, lambda x: True, depth):
        outputs.extend(getattr(item, 'outputs', []) if hasattr(item, 'op_name') else [])
    return outputs


def plot(root: Any, filename: Optional[str] = None) -> str:
    """The graph under ``root`` in Graphviz DOT; written to ``filename`` when given.

    Only ``.dot`` files (or no file) are supported; render them with Graphviz' ``dot``.
    """
    if filename is not None and not filename.endswith('.dot'):
        raise NotImplementedError('cntk.logging.graph.plot writes DOT text only (a .dot file); render it with '
                                  'Graphviz, e.g. "dot -Tpng graph.dot -o graph.png"')
    lines = ['digraph cntk {']
    for fn in reversed(depth_first_search(root, _is_function, 0)):
        label = fn.op_name + (' ' + fn.name if fn.name else '')
        lines.append('  "%s" [label="%s", shape=ellipse];' % (fn.uid, label))
        for inp in fn.inputs:
            src = inp.owner.uid if inp.owner is not None else inp.uid
            if inp.owner is None:
                lines.append('  "%s" [label="%s %s", shape=box];' % (inp.uid, inp.name or inp.uid, list(inp.shape)))
            lines.append('  "%s" -> "%s";' % (src, fn.uid))
    lines.append('}')
    text = '\n'.join(lines) + '\n'
    if filename is not None:
        with open(filename, 'w') as f:
            f.write(text)
    return text
