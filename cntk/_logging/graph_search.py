"""Searching a graph from a root and drawing it (public face: `cntk.logging.graph`)."""
from __future__ import annotations

import os
import shutil
import sys
from typing import Any, Callable, List, Optional

import numpy as np


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
    """The one function or variable under ``node`` named ``node_name`` (None if there is none).

    >>> model = Dense(2, name='out')(Dense(4, name='hidden')(C.input_variable(3)))
    >>> find_by_name(model, 'hidden').op_name, find_by_name(model, 'nothing') is None
    ('Dense', True)
    """
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


# Short labels for the commonest primitives (drawn as small circles, as CNTK drew them).
_SYMBOLS = {'Plus': '+', 'Minus': '-', 'ElementTimes': '*', 'Times': '@'}
_TEXT_SUFFIXES = ('.dot', '.gv')
_RENDERED_SUFFIXES = ('.png', '.pdf', '.svg')
_INSTALL_HINT = ('install the graphviz Python package (pip install "cntk-torch[graph]") and the Graphviz programs '
                 '(the "graphviz" system package: apt-get install graphviz, brew install graphviz or '
                 'conda install graphviz), or write DOT text instead with plot(root, "graph.dot") and render it '
                 'elsewhere with "dot -Tpng graph.dot -o graph.png"')


def _quote(text: str) -> str:
    """``text`` as a double-quoted DOT string."""
    return '"' + text.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'


def _attrs(**attrs: Any) -> str:
    return ', '.join('%s=%s' % (k, _quote(str(v))) for k, v in attrs.items())


def _shape_text(var: Any) -> str:
    """A variable's type as CNTK's plot wrote it: ``[#,*](3,)`` — ``#`` the batch axis, ``*`` each further
    dynamic axis (a sequence axis), then the static shape."""
    n = len(var.dynamic_axes)
    return ('[#' + ',*' * (n - 1) + ']' if n else '') + str(tuple(var.shape))


def _function_node(fn: Any) -> str:
    if not fn.is_block and len(fn.outputs) == 1 and fn.output.name == fn.name:
        label = _SYMBOLS.get(fn.op_name, fn.op_name)
        if len(label) <= 4:  # the op's name stays in the source (tooltip) when a symbol is drawn
            return _attrs(label=label, tooltip=fn.op_name, shape='circle', fixedsize='true', width=0.5, penwidth=2)
        return _attrs(label=label, shape='box', penwidth=2)
    return _attrs(label=fn.op_name + ('\n' + fn.name + '()' if fn.name else ''), shape='box', penwidth=2)


def _leaf_node(var: Any) -> str:
    if var.is_parameter:
        return _attrs(label=(var.name or 'Parameter') + '\n' + _shape_text(var), shape='box', fillcolor='palegreen')
    if var.is_constant:
        if not var.name and tuple(var.shape) in ((), (1,)):
            return _attrs(label='%g' % float(np.asarray(var.value).reshape(-1)[0]), shape='plaintext',
                          fillcolor='white')
        return _attrs(label=(var.name or 'Constant') + '\n' + _shape_text(var), shape='box', fillcolor='lightblue')
    kind = 'Input' if var.is_input else 'Placeholder'
    return _attrs(label=kind + ('\n' + var.name if var.name else '') + '\n' + _shape_text(var), shape='egg',
                  fillcolor='lightyellow' if var.is_input else 'lightgray')


def graph_to_dot(root: Any) -> str:
    """The graph under ``root`` (a Function or Variable) as Graphviz DOT source.

    Functions are boxes (small circles for ``+ - * @``), inputs and the final outputs are egg shapes,
    parameters green and constants blue boxes; each edge is labelled with the name (or uid) of the
    variable it carries and its type, ``#`` standing for the batch axis and ``*`` for a sequence axis.
    Blocks (layers) are drawn as one node; constants private to a block are left out.
    """
    lines = ['digraph network_graph {', '  rankdir=TB;',
             '  node [%s];' % _attrs(shape='box', style='filled', fillcolor='lightgray', fontsize=12),
             '  edge [%s];' % _attrs(fontsize=10)]
    if _is_function(root):
        start = root.root_function
    elif root.owner is not None:
        start = root.owner
    else:   # a lone leaf variable
        lines.append('  %s [%s];' % (_quote(root.uid), _leaf_node(root)))
        return '\n'.join(lines + ['}']) + '\n'
    stack: list = [start]
    visited: set = set()
    header, blocks = lines, []  # one block of lines per function; written inputs first, as CNTK lists them
    while stack:
        node = stack.pop(0)
        if node.uid in visited:
            continue
        visited.add(node.uid)
        if not _is_function(node):          # an output variable stands for the function computing it
            if node.owner is not None:
                stack.insert(0, node.owner)
            continue
        fn = node.root_function
        stack = list(fn.inputs) + stack
        lines = ['  %s [%s];' % (_quote(fn.uid), _function_node(fn))]
        blocks.append(lines)
        for inp in fn.inputs:
            if fn.is_block and inp.is_constant:
                continue
            if inp.owner is not None:
                source = inp.owner.uid
            else:
                source = inp.uid
                if source not in visited:
                    visited.add(source)
                    lines.append('  %s [%s];' % (_quote(source), _leaf_node(inp)))
            label = (inp.name or inp.uid) + '\n' + _shape_text(inp)
            lines.append('  %s -> %s [%s];' % (_quote(source), _quote(fn.uid), _attrs(label=label)))
        if fn.uid == start.uid:             # draw the network's outputs themselves
            for out in fn.outputs:
                lines.append('  %s [%s];' % (_quote(out.uid), _attrs(label=(out.name or 'Output') + '\n'
                                                                     + _shape_text(out), shape='egg',
                                                                     fillcolor='lightyellow')))
                lines.append('  %s -> %s [%s];' % (_quote(fn.uid), _quote(out.uid),
                                                   _attrs(label=_shape_text(out))))
    ordered = header + [line for block in reversed(blocks) for line in block]
    return '\n'.join(ordered + ['}']) + '\n'


def _render(dot_source: str, filename: str, fmt: str) -> None:
    """Render DOT source to ``filename`` in ``fmt`` with the graphviz package and the ``dot`` program."""
    try:
        import graphviz
    except ImportError:
        raise ImportError('cntk.logging.graph.plot: writing %s needs Graphviz: %s' % (filename, _INSTALL_HINT)) \
            from None
    if shutil.which('dot') is None:
        raise RuntimeError('cntk.logging.graph.plot: writing %s needs the Graphviz "dot" program on PATH, which '
                           'was not found: %s' % (filename, _INSTALL_HINT))
    try:
        data = graphviz.Source(dot_source).pipe(format=fmt)
    except graphviz.ExecutableNotFound as e:   # pragma: no cover - dot vanished after the check
        raise RuntimeError('cntk.logging.graph.plot: %s; %s' % (e, _INSTALL_HINT)) from None
    with open(filename, 'wb') as f:
        f.write(data)


def plot(root: Any, filename: Optional[str] = None) -> str:
    r"""Draw the graph under ``root`` and return it as Graphviz DOT source (see `graph_to_dot`).

    With ``filename``, the drawing is also written: ``.dot`` or ``.gv`` files get the DOT text (no other
    software needed); ``.png``, ``.pdf`` and ``.svg`` files are rendered with Graphviz, which needs the
    ``graphviz`` Python package (``pip install "cntk-torch[graph]"``) and the Graphviz ``dot`` program
    on PATH; without them an ImportError or RuntimeError says what to install.

    Args:
        root: the Function (or a Variable) whose graph to draw.
        filename: where to write the drawing; its suffix chooses the format.

    Returns:
        The DOT source, whether or not a file was written.

    Raises:
        ValueError: for a file suffix other than .dot, .gv, .png, .pdf or .svg.

    >>> x = C.input_variable(3, name='features')
    >>> dot = plot(Dense(2, name='dense')(x))
    >>> print('\n'.join(line for line in dot.splitlines() if '->' in line))
      "Parameter..." -> "Block..." [label="W\n(3, 2)"];
      "Parameter..." -> "Block..." [label="b\n(2,)"];
      "Input..." -> "Block..." [label="features\n[#](3,)"];
      "Block..." -> "Block..._Output_0" [label="[#](2,)"];
    """
    suffix = os.path.splitext(filename)[1].lower() if filename else None
    if filename and suffix not in _TEXT_SUFFIXES + _RENDERED_SUFFIXES:
        raise ValueError('cntk.logging.graph.plot: unsupported file suffix %r in %r; use one of %s'
                         % (suffix, filename, ', '.join(_TEXT_SUFFIXES + _RENDERED_SUFFIXES)))
    text = graph_to_dot(root)
    if filename and suffix in _TEXT_SUFFIXES:
        with open(filename, 'w') as f:
            f.write(text)
    elif filename:
        _render(text, filename, suffix[1:])
    return text
