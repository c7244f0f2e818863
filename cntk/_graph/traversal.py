"""Walking a graph: reachable functions, leaves in CNTK's order, and name lookup."""
from __future__ import annotations

from typing import Callable, Iterator, List

# Ops whose operands CNTK stores (and therefore walks) in the reverse of Python's order.
_REVERSED_OPERAND_OPS = frozenset(["Times", "TransposeTimes"])


def walk_order(fn) -> list:
    """The inputs of ``fn`` in the order CNTK's graph walks visit them."""
    inputs = list(fn._inputs)
    if fn.op_name in _REVERSED_OPERAND_OPS:
        inputs.reverse()
    return inputs


def depth_first(root, descend_blocks: bool = False, follow_block_arguments: bool = True) -> Iterator:
    """Yield functions and leaf variables reachable from ``root`` (a Function or Variable),
    each once, in CNTK's depth-first pre-order.

    A block's leaves are visited through its internal graph (so its parameters come in the
    order of its internals); with ``descend_blocks`` its internal functions are yielded too.
    """
    seen: set = set()
    stack: list = [root]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if _is_function(item):
            yield item
            stack.extend(reversed(_children(item, descend_blocks, follow_block_arguments)))
        else:
            owner = item.owner
            if owner is not None:
                stack.append(owner)
            else:
                yield item


def _children(fn, descend_blocks: bool, follow_block_arguments: bool) -> list:
    if fn.is_block:
        return list(_block_leaves_in_order(fn, descend_blocks))
    return walk_order(fn)


def _block_leaves_in_order(block, descend_blocks: bool) -> Iterator:
    """Leaves of a block's internal graph in walk order, block arguments replaced by the outer variables.
    With ``descend_blocks`` the internal root is returned instead (so internals are yielded)."""
    if descend_blocks:
        yield block.block_root
        for _, outer in block._block_mapping:
            yield outer
        return
    mapping = {id(inner): outer for inner, outer in block._block_mapping}
    arguments = []
    for leaf in depth_first(block.block_root, descend_blocks=False):
        if _is_function(leaf):
            continue
        if id(leaf) in mapping:
            arguments.append(mapping[id(leaf)])  # CNTK lists a block's own leaves before its arguments
            continue
        yield leaf
    for outer in arguments:
        yield outer


def _is_function(item) -> bool:
    return hasattr(item, "_outputs") and hasattr(item, "op_name")


def reachable_functions(roots: list, into_blocks: bool = True) -> List:
    """Every function reachable from ``roots`` (including block internals when asked)."""
    out: list = []
    seen: set = set()
    stack = list(roots)
    while stack:
        item = stack.pop()
        if _is_function(item):
            fn = item
        elif getattr(item, "owner", None) is not None:
            fn = item.owner
        else:
            continue
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        out.append(fn)
        stack.extend(fn._inputs)
        if fn.is_block:
            stack.append(fn.block_root)
            if into_blocks:
                stack.extend(outer for _, outer in fn._block_mapping)
    return out


def find_all(root, predicate: Callable, depth: int = 0) -> list:
    """Functions and variables under ``root`` matching ``predicate``; ``depth`` levels of blocks are
    searched inside (a negative depth searches all levels)."""
    found: list = []
    seen: set = set()

    def visit(start, level: int) -> None:
        for item in depth_first(start, descend_blocks=False):
            if id(item) in seen:
                continue
            seen.add(id(item))
            if predicate(item):
                found.append(item)
            if _is_function(item) and item.is_block and level != 0:
                visit(item.block_root, level - 1)
            if _is_function(item):
                for out in item._outputs:
                    if id(out) not in seen and out.name and predicate(out) and out.name != item.name:
                        seen.add(id(out))
                        found.append(out)

    visit(root, depth)
    return found
