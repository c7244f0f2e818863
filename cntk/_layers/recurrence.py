"""Loops that drive a step function along a sequence: Recurrence, RecurrenceFrom, Fold, UnfoldFrom,
plus Delay and PastValueWindow.

All loops are ordinary graphs: one placeholder per state, a `past_value` (`future_value` when
``go_backwards``) of it feeds the step, and `replace_placeholders` closes the cycle with the
step's new state. The execution engine runs such cycles one time step at a time.
"""
from __future__ import annotations

from typing import Any, List

from .._graph.defaults import default_override_or, get_default_override
from .._graph.function import Function
from .._graph.variable import Variable, placeholder
from ._util import as_function, composite_with_args, make_block


def _step_arity(step: Function) -> int:
    n = len(step.arguments)
    if n < 2:
        raise TypeError("a recurrence step function needs at least two arguments (state(s) and input), got %d" % n)
    return n - 1


def _close_loop(step: Function, x: Variable, initial_states: List[Any], go_backwards: bool) -> Function:
    """Apply ``step`` to delayed copies of its own outputs and ``x``; returns the step's clone."""
    from ..ops.sequence import future_value, past_value
    delay = future_value if go_backwards else past_value
    n = len(initial_states)
    states = [placeholder(name='state%d' % k) for k in range(n)]
    prev = [delay(s, initial_state=init) for s, init in zip(states, initial_states)]
    out = step(*(prev + [x]))
    outs = out.outputs
    if len(outs) < n:
        raise TypeError("the step function has %d state argument(s) but only %d output(s)" % (n, len(outs)))
    out.replace_placeholders({s: o for s, o in zip(states, outs[:n])})
    return out


def _initial_states(initial_state: Any, n: int) -> list:
    if isinstance(initial_state, tuple):
        if len(initial_state) != n:
            raise ValueError("initial_state has %d values but the step function has %d states" % (len(initial_state), n))
        return [0 if s is None else s for s in initial_state]
    return [initial_state] * n


def _result(out: Function, return_full_state: bool, n: int):
    from ..ops import combine
    if return_full_state:
        return out if len(out.outputs) == n else combine(out.outputs[:n])
    return combine([out.outputs[0]])


def Recurrence(step_function, go_backwards=default_override_or(False), initial_state=default_override_or(0),
               return_full_state=False, name=''):
    """Run ``step_function(prev_state..., x) -> new_state(s)`` along the sequence axis of its input.

    The output at every step is the (first) new state; all states with ``return_full_state``.
    ``initial_state`` (default 0) is a scalar, an array or Variable for every state, or a tuple
    with one value per state. ``go_backwards`` runs from the end of each sequence.

    Examples::

        >>> rnn = Recurrence(LSTM(50))                     # (dh, dc, x) step, outputs h
        >>> cumsum = Recurrence(lambda h, x: h + x)         # a Python step function
        >>> # bidirectional: run one LSTM each way and splice their outputs
        >>> bi = Sequential([(Recurrence(LSTM(50)), Recurrence(LSTM(50), go_backwards=True)), C.splice])
        >>> # stacking with dropout between the layers
        >>> deep = Sequential([Embedding(150),
        ...                    For(range(2), lambda: [Recurrence(LSTM(300)), Dropout(0.2)]),
        ...                    Dense(10)])
    """
    go_backwards = get_default_override(Recurrence, go_backwards=go_backwards)
    initial_state = get_default_override(Recurrence, initial_state=initial_state)
    step = as_function(step_function)
    n = _step_arity(step)
    inits = _initial_states(initial_state, n)
    x = placeholder(name='x')
    out = _close_loop(step, x, inits, go_backwards)
    fn = composite_with_args(_result(out, return_full_state, n), [x])
    if name:
        fn._rename(name)
    return fn


def RecurrenceFrom(step_function, go_backwards=default_override_or(False), return_full_state=False, name=''):
    """Like `Recurrence`, but the initial states are inputs: call it as ``f(h0, [c0,] x)``.
    The initial states are per-sequence (batch-only) tensors, e.g. the outputs of a `Fold`, and
    may come from a different sequence axis than x (encoder/decoder)."""
    go_backwards = get_default_override(RecurrenceFrom, go_backwards=go_backwards)
    step = as_function(step_function)
    n = _step_arity(step)
    inits = [placeholder(name='initial_state%d' % k if n > 1 else 'initial_state') for k in range(n)]
    x = placeholder(name='x')
    out = _close_loop(step, x, list(inits), go_backwards)
    fn = composite_with_args(_result(out, return_full_state, n), inits + [x])
    if name:
        fn._rename(name)
    return fn


def Fold(folder_function, go_backwards=default_override_or(False), initial_state=default_override_or(0),
         return_full_state=False, name=''):
    """`Recurrence` reduced to its final state per sequence (the last step, or the first when
    ``go_backwards``); the result has no sequence axis.

    >>> x = C.sequence.input_variable(1)
    >>> total = Fold(lambda h, x_t: h + x_t)(x)
    >>> total.eval({x: [np.array([[1.], [2.], [3.]], np.float32), np.array([[10.]], np.float32)]}).ravel().tolist()
    [6.0, 10.0]
    """
    from ..ops import combine
    from ..ops.sequence import first, last
    go_backwards = get_default_override(Fold, go_backwards=go_backwards)
    initial_state = get_default_override(Fold, initial_state=initial_state)
    step = as_function(folder_function)
    n = _step_arity(step)
    x = placeholder(name='x')
    out = _close_loop(step, x, _initial_states(initial_state, n), go_backwards)
    pick = first if go_backwards else last
    outs = out.outputs[:n] if return_full_state else [out.outputs[0]]
    fn = composite_with_args(combine([pick(o) for o in outs]), [x])
    if name:
        fn._rename(name)
    return fn


def UnfoldFrom(generator_function, until_predicate=None, length_increase=1, name=''):
    """Generate a sequence: called as ``f(initial_state, dynamic_axes_like)``, step k emits
    ``generator(previous output)`` starting from ``initial_state`` (not emitted). The output has
    ``round(length_increase * len(dynamic_axes_like))`` steps per sequence; with ``until_predicate``
    it ends right after the first step where the predicate is non-zero. The generator may return
    ``(output, new_state)``.

    >>> start, like = C.input_variable(1), C.sequence.input_variable(1)
    >>> halve = UnfoldFrom(Dense(1, init=0.5, bias=False))(start, like)
    >>> out = halve.eval({start: np.array([[8.]], np.float32), like: [np.zeros((3, 1), np.float32)]})
    >>> out[0].ravel().tolist()
    [4.0, 2.0, 1.0]
    """
    from ..ops import combine, reduce_sum
    from ..ops.sequence import broadcast_as, gather, past_value, where
    generator = as_function(generator_function)
    initial_state = placeholder(name='initial_state')
    axes_like = placeholder(name='dynamic_axes_like')
    if length_increase == 1:
        zero = reduce_sum(axes_like) * 0.0
    else:
        counts = broadcast_as(reduce_sum(axes_like) * 0.0 + float(length_increase), axes_like)
        zero = where(counts) * 0.0
    state = placeholder(name='state')
    prev = past_value(state, initial_state=initial_state)
    z = generator(prev)
    outs = z.outputs
    output = outs[0]
    new_state = outs[1] if len(outs) > 1 else outs[0]
    new_state_on_axis = new_state + zero
    new_state_on_axis.replace_placeholders({state: new_state_on_axis.output})
    if len(outs) > 1:
        output = output + zero
    else:
        output = new_state_on_axis.output
    if until_predicate is not None:
        from ..ops import element_times
        stop = until_predicate(output)
        prev_stop = past_value(stop, initial_state=0.0)
        valid_ph = placeholder(name='valid')
        valid = element_times(past_value(valid_ph, initial_state=1.0), 1.0 - prev_stop)
        valid.replace_placeholders({valid_ph: valid.output})
        result = gather(output, valid, name='valid_output')
    else:
        result = combine([output])
    fn = composite_with_args(result, [initial_state, axes_like])
    if name:
        fn._rename(name)
    return fn


def Delay(T=1, initial_state=default_override_or(0), name=''):
    """Shift a sequence in time: ``T > 0`` gives the value T steps back (past_value), ``T < 0`` the
    value |T| steps ahead (future_value); ``initial_state`` fills the steps outside the sequence."""
    initial_state = get_default_override(Delay, initial_state=initial_state)
    from ..ops import alias
    from ..ops.sequence import future_value, past_value

    def delay(x):
        if T > 0:
            return past_value(x, initial_state=initial_state, time_step=T)
        if T < 0:
            return future_value(x, initial_state=initial_state, time_step=-T)
        return alias(x)
    return make_block(delay, 'Delay', name)


def PastValueWindow(window_size, axis, go_backwards=default_override_or(False), name=''):
    """The last ``window_size`` values of every sequence (newest first; oldest first from the
    start with ``go_backwards``), stacked along the new static axis ``axis`` (0 or -2), and a 0/1
    mask telling which of them exist. Outputs ``(value, valid)``; no sequence axis."""
    go_backwards = get_default_override(PastValueWindow, go_backwards=go_backwards)
    from ..ops import reduce_sum, reshape, splice
    from ..ops.sequence import first, future_value, last, past_value
    if axis not in (0, -2):
        raise NotImplementedError("PastValueWindow: only axis=0 or axis=-2 (a new leading axis) is supported")
    delay = future_value if go_backwards else past_value
    pick = first if go_backwards else last

    def past_value_window(x):
        ones = reshape(reduce_sum(x * 0.0), (1,)) + 1.0
        values, valids = [], []
        for t in range(window_size):
            xv = delay(x, time_step=t) if t else x
            ov = delay(ones, time_step=t) if t else ones
            v = pick(xv)
            values.append(reshape(v, (1,), 0, 0))
            valids.append(reshape(pick(ov), (1,), 0, 0))
        return (splice(values, axis=0), splice(valids, axis=0))
    return make_block(past_value_window, 'PastValueWindow', name)
