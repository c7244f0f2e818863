"""Kernels along sequence axes, on padded ``[B, T, ...]`` tensors with per-sequence lengths."""
from __future__ import annotations

import torch

from . import Call, align, kernel


def _lengths(call: Call, k: int = 0) -> torch.Tensor:
    return call.ctx.lengths_of(call.node.inputs[k])


def _bcast(mask: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return mask.reshape(tuple(mask.shape) + (1,) * (like.dim() - mask.dim()))


def delay_initial(init, x: torch.Tensor, dyn: int) -> torch.Tensor:
    """The initial state laid out like ``x`` (``dyn`` leading dynamic dims), broadcast."""
    rank = x.dim() - dyn
    return align(init, dyn, rank).expand_as(x) if init.dyn <= dyn else init.t


@kernel("PastValue", "FutureValue")
def _delay(call: Call):
    x, init = call.args
    off = call.attrs.get("offset", 1)
    t = x.t
    T = t.shape[1]
    init_t = align(init, 2, x.static_rank)
    steps = torch.arange(T, device=t.device)
    if call.fn.op_name == "PastValue":
        src = steps - off
        valid = (src >= 0).unsqueeze(0).expand(t.shape[0], T)
    else:
        src = steps + off
        valid = src.unsqueeze(0) < _lengths(call).unsqueeze(1)
    shifted = t[:, src.clamp(0, max(T - 1, 0))]
    if init.dyn == 2:
        init_t = _initial_sequence_steps(call, init_t, src, T)
    return [torch.where(_bcast(valid, t), shifted, init_t.expand_as(t))]


def _initial_sequence_steps(call: Call, init_t: torch.Tensor, src: torch.Tensor, T: int) -> torch.Tensor:
    """An initial state that is itself a sequence supplies, per output step, the step the shift
    reaches past the sequence's edge: a past value the last steps of the initial sequence, a
    future value its first ones (a one-step initial sequence broadcasts)."""
    init_len = _lengths(call, 1).unsqueeze(1)
    if call.fn.op_name == "PastValue":
        idx = init_len + src.unsqueeze(0)
    else:
        idx = src.unsqueeze(0) - _lengths(call).unsqueeze(1)
    idx = torch.minimum(idx.clamp(min=0), (init_len - 1).clamp(min=0))
    batch = torch.arange(init_t.shape[0], device=init_t.device).unsqueeze(1)
    return init_t[batch, idx]


@kernel("Sequence::First")
def _first(call: Call):
    return [call.args[0].t[:, 0]]


@kernel("Sequence::Last")
def _last(call: Call):
    t = call.args[0].t
    idx = (_lengths(call) - 1).clamp(min=0)
    return [t[torch.arange(t.shape[0], device=t.device), idx]]


@kernel("Sequence::ReduceSum", "Sequence::ReduceMax")
def _seq_reduce(call: Call):
    t = call.args[0].t
    mask = _bcast(call.ctx.step_mask(call.node.inputs[0], t), t)
    if call.fn.op_name == "Sequence::ReduceSum":
        return [torch.where(mask, t, torch.zeros((), dtype=t.dtype, device=t.device)).sum(dim=1)]
    return [torch.where(mask, t, torch.full((), float("-inf"), dtype=t.dtype, device=t.device)).amax(dim=1)]


@kernel("Sequence::Softmax")
def _seq_softmax(call: Call):
    t = call.args[0].t
    mask = _bcast(call.ctx.step_mask(call.node.inputs[0], t), t)
    filled = torch.where(mask, t, torch.full((), float("-inf"), dtype=t.dtype, device=t.device))
    return [torch.where(mask, torch.softmax(filled, dim=1), torch.zeros((), dtype=t.dtype, device=t.device))]


@kernel("Sequence::IsFirst", "Sequence::IsLast")
def _is_first_last(call: Call):
    t = call.args[0].t
    B, T = t.shape[0], t.shape[1]
    steps = torch.arange(T, device=t.device).unsqueeze(0).expand(B, T)
    if call.fn.op_name == "Sequence::IsFirst":
        flag = steps == 0
    else:
        flag = steps == (_lengths(call) - 1).unsqueeze(1)
    return [flag.to(t.dtype)]


@kernel("Sequence::Slice")
def _seq_slice(call: Call):
    t = call.args[0].t
    lengths = _lengths(call)
    begin, end = call.attrs["begin"], call.attrs["end"]
    b = torch.where(torch.tensor(begin < 0, device=t.device), lengths + begin, torch.full_like(lengths, begin)).clamp(min=0)
    if end == 0:
        e = lengths
    elif end < 0:
        e = lengths + end
    else:
        e = torch.minimum(torch.full_like(lengths, end), lengths)
    b = torch.minimum(b, lengths)
    new_len = (e - b).clamp(min=0)
    if call.attrs.get("single_step"):
        if bool((new_len < 1).any()):
            raise ValueError("sequence.slice(%d, %d): a sequence of the batch is too short (lengths %s)"
                             % (begin, end, lengths.tolist()[:8]))
        return [t[torch.arange(t.shape[0], device=t.device), b]]
    out = _take_steps(t, b, new_len)
    call.ctx.set_lengths(call.node.outputs[0], new_len)
    return [out]


def _take_steps(t: torch.Tensor, start: torch.Tensor, count: torch.Tensor) -> torch.Tensor:
    """Per sequence b, steps start[b] .. start[b]+count[b]-1, left-aligned and zero-padded."""
    B = t.shape[0]
    T_out = int(count.max().item()) if B else 0
    steps = torch.arange(T_out, device=t.device).unsqueeze(0)
    src = (start.unsqueeze(1) + steps).clamp(0, max(t.shape[1] - 1, 0))
    gathered = t[torch.arange(B, device=t.device).unsqueeze(1), src]
    valid = steps < count.unsqueeze(1)
    return torch.where(_bcast(valid, gathered), gathered, torch.zeros((), dtype=t.dtype, device=t.device))


def _repeat_counts(call: Call, cond: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """How many times each step is emitted: CNTK rounds the cumulative sum of the condition."""
    c = cond.reshape(cond.shape[0], cond.shape[1], -1)[..., 0].detach().double()
    mask = torch.arange(c.shape[1], device=c.device).unsqueeze(0) < lengths.unsqueeze(1)
    c = torch.where(mask, c, torch.zeros_like(c))
    cum = torch.floor(torch.cumsum(c, dim=1) + 0.5)
    prev = torch.cat([torch.zeros_like(cum[:, :1]), cum[:, :-1]], dim=1)
    return (cum - prev).clamp(min=0).long()


def _indices_from_counts(counts: torch.Tensor) -> tuple:
    B, T = counts.shape
    new_len = counts.sum(dim=1)
    T_out = int(new_len.max().item()) if B else 0
    idx = torch.zeros((B, T_out), dtype=torch.long, device=counts.device)
    for b in range(B):
        steps = torch.repeat_interleave(torch.arange(T, device=counts.device), counts[b])
        idx[b, :steps.numel()] = steps
    return idx, new_len


@kernel("Where")
def _where(call: Call):
    cond = call.args[0].t
    counts = _repeat_counts(call, cond, _lengths(call))
    idx, new_len = _indices_from_counts(counts)
    if call.out_dyn[0] == 1:  # one index per sequence (no new sequence axis)
        if bool((new_len < 1).any()):
            raise ValueError("Where '%s': a sequence of the batch selects no step, but the result holds exactly one "
                             "index per sequence (selected counts %s)" % (call.fn.uid, new_len.tolist()[:8]))
        return [idx[:, 0].to(cond.dtype)]
    call.ctx.set_lengths(call.node.outputs[0], new_len)
    return [idx.to(cond.dtype)]


@kernel("PackedIndex")
def _packed_index(call: Call):
    # Indices of steps within each sequence already address the padded [B, T] layout.
    return [call.args[1].t]


@kernel("GatherPacked")
def _gather_packed(call: Call):
    x, idx = call.args
    if x.dyn != 2:
        raise ValueError("GatherPacked '%s': the source has no sequence axis" % call.fn.uid)
    t = x.t
    B, T = t.shape[0], t.shape[1]
    rows = torch.arange(B, device=t.device)
    steps = idx.t.long().clamp(0, max(T - 1, 0))
    if idx.dyn == 1:
        return [t[rows, steps]]
    out = t[rows.unsqueeze(1), steps]
    valid = torch.arange(steps.shape[1], device=t.device).unsqueeze(0) < _lengths(call, 1).unsqueeze(1)
    return [torch.where(_bcast(valid, out), out, torch.zeros((), dtype=t.dtype, device=t.device))]


@kernel("ScatterPacked")
def _scatter_packed(call: Call):
    x, idx, like = call.args
    t = x.t
    B, T = like.t.shape[0], like.t.shape[1]
    out = torch.zeros((B, T) + tuple(t.shape[2:]), dtype=t.dtype, device=t.device)
    valid = torch.arange(t.shape[1], device=t.device).unsqueeze(0) < _lengths(call, 0).unsqueeze(1)
    b_idx, n_idx = valid.nonzero(as_tuple=True)
    steps = idx.t.long()[b_idx, n_idx].clamp(0, max(T - 1, 0))
    return [out.index_put((b_idx, steps), t[b_idx, n_idx])]


@kernel("Sequence::Gather")
def _seq_gather(call: Call):
    x, cond = call.args
    counts = _repeat_counts(call, cond.t, _lengths(call, 1))
    idx, new_len = _indices_from_counts(counts)
    t = x.t
    out = t[torch.arange(t.shape[0], device=t.device).unsqueeze(1), idx]
    valid = torch.arange(idx.shape[1], device=t.device).unsqueeze(0) < new_len.unsqueeze(1)
    out = torch.where(_bcast(valid, out), out, torch.zeros((), dtype=t.dtype, device=t.device))
    if call.out_dyn[0] == 1:  # one step per sequence by declaration: no sequence axis
        return [out[:, 0]]
    call.ctx.set_lengths(call.node.outputs[0], new_len)
    return [out]


@kernel("Sequence::Scatter")
def _seq_scatter(call: Call):
    x, cond = call.args
    c = cond.t.reshape(cond.t.shape[0], cond.t.shape[1], -1)[..., 0]
    lengths = _lengths(call, 1)
    B, T = c.shape
    mask = (c != 0) & (torch.arange(T, device=c.device).unsqueeze(0) < lengths.unsqueeze(1))
    pos = (torch.cumsum(mask.long(), dim=1) - 1).clamp(min=0)
    src = x.t[torch.arange(B, device=c.device).unsqueeze(1), pos.clamp(max=max(x.t.shape[1] - 1, 0))]
    return [torch.where(_bcast(mask, src), src, torch.zeros((), dtype=src.dtype, device=src.device))]


@kernel("ReconcileDynamicAxis")
def _reconcile(call: Call):
    x, like = call.args
    if x.dyn == 2:
        return [x.t]
    rank = x.static_rank
    T = like.t.shape[1] if like.dyn == 2 else 1
    t = align(x, 2 if like.dyn == 2 else like.dyn, rank)
    target = tuple(like.t.shape[:like.dyn]) + tuple(x.t.shape[x.dyn:])
    return [t.expand(target)]


@kernel("UnpackSequence")
def _unpack(call: Call):
    t = call.args[0].t
    mask = call.ctx.step_mask(call.node.inputs[0], t)
    pad = torch.full((), call.attrs.get("padding_value", 0.0), dtype=t.dtype, device=t.device)
    outs = [torch.where(_bcast(mask, t), t, pad)]
    if not call.attrs.get("suppress_mask", False):
        outs.append(mask.to(t.dtype))
    return outs


@kernel("ToSequence")
def _to_sequence(call: Call):
    x = call.args[0].t
    B, N = x.shape[0], x.shape[1]
    if len(call.args) > 1:
        lengths = call.args[1].t.reshape(B).long()
    else:
        lengths = torch.full((B,), N, dtype=torch.long, device=x.device)
    call.ctx.set_lengths(call.node.outputs[0], lengths)
    return [x]


@kernel("ToSequenceLike")
def _to_sequence_like(call: Call):
    return [call.args[0].t]


@kernel("UnpackBatch", "ToBatch")
def _batch_moves(call: Call):
    return [call.args[0].t]
