"""`Function.attributes` as CNTK reports them for the ops whose attribute dictionaries programs
read (dropout, slice, convolution): CNTK's key names, per-axis lists at the kernel's rank, static
axes as ``('ordered', 'static', index)`` counted from the last axis, as CNTK counts them."""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional

_VIEWS: Dict[str, Callable[[Any], dict]] = {}


def _view(op_name: str):
    def register(fn: Callable[[Any], dict]) -> Callable[[Any], dict]:
        _VIEWS[op_name] = fn
        return fn
    return register


def cntk_attributes(fn: Any) -> Optional[dict]:
    """CNTK's attribute dictionary of ``fn``, or None for ops without a dedicated view."""
    view = _VIEWS.get(fn.op_name)
    return None if view is None else view(fn)


def _static_axis(axis: int, rank: int) -> tuple:
    return ('ordered', 'static', rank - 1 - (axis + rank if axis < 0 else axis))


@_view("Dropout")
def _dropout(fn: Any) -> dict:
    a = fn._attributes
    return {'dropoutRate': a.get('rate', 0.0), 'rngSeed': a.get('seed', 0), 'rngOffset': 0}


@_view("Slice")
def _slice(fn: Any) -> dict:
    a = fn._attributes
    rank = len(fn._inputs[0].shape)
    axes = [_static_axis(ax, rank) for ax in a['axes']]
    if len(axes) == 1:
        return {'axis': axes[0], 'beginIndex': a['begins'][0], 'endIndex': a['ends'][0], 'sliceStrides': a['strides'][0]}
    return {'axisVec': axes, 'beginIndexVec': list(a['begins']), 'endIndexVec': list(a['ends']),
            'sliceStridesVec': list(a['strides'])}


def _per_axis(values: tuple, rank: int) -> list:
    """A per-axis setting at ``rank`` axes: a shorter list is extended at the front with its first value."""
    values = list(values)
    return [values[0]] * (rank - len(values)) + values if len(values) < rank else values


@_view("Convolution")
def _convolution(fn: Any) -> dict:
    a = fn._attributes
    kernel = tuple(fn._inputs[0].shape)
    rank = len(kernel)
    output_shape = a.get('output_shape')
    return {'autoPadding': _per_axis(a['auto_padding'], rank), 'sharing': _per_axis(a['sharing'], rank),
            'groups': a.get('groups', 1), 'strides': tuple(_per_axis(a['strides'], rank)),
            'dilation': tuple(_per_axis(a['dilation'], rank)),
            'maxTempMemSizeInSamples': a.get('max_temp_mem_size_in_samples', 0),
            'upperPad': (0,) * rank, 'lowerPad': (0,) * rank, 'transpose': bool(a.get('transpose', False)),
            'outputShape': tuple(output_shape) if output_shape else (0,), 'kernelShape': kernel,
            'sequential': bool(a.get('sequential', False))}
