"""Moving data between the channel axis and the spatial axes of (C, H, W) images: depth_to_space
and space_to_depth, built as CNTK builds them (blocks of reshapes and one transpose)."""
from __future__ import annotations

from typing import Any

from .._graph.function import Function, as_variable, primitive
from .._graph.variable import Variable, placeholder


def _block_size(block_size: Any, op: str) -> int:
    size = int(block_size)
    if size < 1:
        raise ValueError("%s: block_size must be a positive integer, got %r" % (op, block_size))
    return size


def _block(op_name: str, root: Function, inner: Variable, operand: Any, block_size: int, name: str) -> Function:
    """A block named like CNTK's, with CNTK's ``blockSize`` attribute."""
    outer = as_variable(operand)
    return Function(op_name, [outer], {"blockSize": block_size}, name=name, block_root=root,
                    block_mapping=[(inner, outer)])


def _reshape(x: Any, shape: tuple, begin_axis: int, end_axis: int) -> Function:
    return primitive("Reshape", [x], {"shape": shape, "begin_axis": begin_axis, "end_axis": end_axis})


def depth_to_space(operand: Any, block_size: int, name: str = "") -> Function:
    """Rearrange an image of shape (C, H, W) into (C / b², H·b, W·b), b = ``block_size``: output
    pixel (h·b + i, w·b + j) of channel c is input pixel (h, w) of channel (i·b + j)·C/b² + c.
    C must be a multiple of b²."""
    b = _block_size(block_size, "depth_to_space")
    x = placeholder(name="operand")
    split = _reshape(x, (b, b, -1), 0, 1)                                        # (b, b, C', H, W)
    moved = primitive("TransposeAxes", [split], {"perm": [2, 3, 0, 4, 1]})       # (C', H, b, W, b)
    out = _reshape(_reshape(moved, (-1,), 3, 5), (-1,), 1, 3)                    # (C', H·b, W·b)
    return _block("DepthToSpace", out, x, operand, b, name)


def space_to_depth(operand: Any, block_size: int, name: str = "") -> Function:
    """The inverse of `depth_to_space`: an image of shape (C, H·b, W·b) becomes (C·b², H, W),
    b = ``block_size``. H and W must be multiples of b."""
    b = _block_size(block_size, "space_to_depth")
    x = placeholder(name="operand")
    split = _reshape(_reshape(x, (-1, b), 2, 3), (-1, b), 1, 2)                  # (C, H, b, W, b)
    moved = primitive("TransposeAxes", [split], {"perm": [2, 4, 0, 1, 3]})       # (b, b, C, H, W)
    out = _reshape(moved, (-1,), 0, 3)                                           # (b²·C, H, W)
    return _block("SpaceToDepth", out, x, operand, b, name)
