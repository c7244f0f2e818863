"""How one minibatch of sequences is laid out for a fused recurrence.

Fused engines work on *packed* sequences, the layout of torch's ``PackedSequence``: the batch
is sorted by length (longest first, stably), and the steps are stored time-major, step ``t``
holding the ``batch_sizes[t]`` sequences that are still running, so every step is one contiguous
block of rows. A backward recurrence (``go_backwards``) reads every sequence from its own last
step, as CNTK does, so its packed step ``t`` holds step ``length - 1 - t`` of each sequence.

When every sequence fills the padded length the batch needs no sorting and packing is a
transpose (`DenseLayout`); ragged batches gather rows by index (`RaggedLayout`).
"""
from __future__ import annotations

import functools
from typing import Dict, List, Optional, Tuple

import torch

Tensor = torch.Tensor


class SequenceLayout:
    """Packed order of one minibatch: ``batch_sizes`` per step, and conversions from and to the
    engine's padded ``[B, T, ...]`` tensors. Final states are returned in sorted order."""

    batch_sizes: List[int]
    batch: int
    #: True for `BatchFirstLayout`: the data stay padded ``[B, T, ...]`` (only torch's kernels take that)
    batch_first = False

    @property
    def steps(self) -> int:
        return len(self.batch_sizes)

    @functools.cached_property
    def batch_sizes_tensor(self) -> Tensor:
        """``batch_sizes`` as the CPU int64 tensor torch's packed RNN functions take."""
        return torch.tensor(self.batch_sizes, dtype=torch.int64)

    def split(self, packed: Tensor) -> Tuple[Tensor, ...]:
        """One view per step of a packed tensor (one op for all steps)."""
        return packed.split(self.batch_sizes)

    def previous(self, step_views, initial: Tensor) -> List[Tensor]:
        """For each step, the rows of the previous step (``initial`` before the first) that are still running."""
        sizes = self.batch_sizes
        views = [initial]
        for t in range(1, len(sizes)):
            prev = step_views[t - 1]
            views.append(prev if sizes[t] == sizes[t - 1] else prev[:sizes[t]])
        return views

    def pack(self, x: Tensor) -> Tensor:
        """``[B, T, *S]`` padded -> ``[N, *S]`` packed."""
        raise NotImplementedError

    def unpack(self, packed: Tensor, T: int) -> Tensor:
        """``[N, *S]`` packed -> ``[B, T, *S]`` padded with zeros."""
        raise NotImplementedError

    def sort(self, h: Tensor) -> Tensor:
        """Per-sequence ``[B, *S]`` values into packed (sorted) order."""
        raise NotImplementedError

    def unsort(self, h: Tensor) -> Tensor:
        """Per-sequence values from sorted order back into the minibatch's order."""
        raise NotImplementedError

    def last(self, packed: Tensor) -> Tensor:
        """The last step of every sequence, sorted order."""
        raise NotImplementedError

    def shifted(self, packed: Tensor, initial: Tensor) -> Tensor:
        """For every packed row, the same sequence's value one step earlier (``initial`` at its start)."""
        raise NotImplementedError


class DenseLayout(SequenceLayout):
    """All sequences have the padded length: packed is time-major ``[T * B, ...]``, order unchanged."""

    def __init__(self, batch: int, steps: int, backward: bool) -> None:
        self.batch = batch
        self.batch_sizes = [batch] * steps
        self.backward = backward

    def pack(self, x: Tensor) -> Tensor:
        if self.backward:
            x = x.flip(1)
        rest = x.shape[2:]
        return x.transpose(0, 1).reshape(-1, rest[0]) if len(rest) == 1 else x.transpose(0, 1).reshape((-1,) + rest)

    def unpack(self, packed: Tensor, T: int) -> Tensor:
        y = packed.view((self.steps, self.batch) + tuple(packed.shape[1:])).transpose(0, 1)
        return y.flip(1) if self.backward else y

    def sort(self, h: Tensor) -> Tensor:
        return h

    def unsort(self, h: Tensor) -> Tensor:
        return h

    def last(self, packed: Tensor) -> Tensor:
        return packed[packed.shape[0] - self.batch:]

    def shifted(self, packed: Tensor, initial: Tensor) -> Tensor:
        return torch.cat([initial, packed[:packed.shape[0] - self.batch]])


class BatchFirstLayout(SequenceLayout):
    """All sequences have the padded length and are read forwards, and the kernel takes padded
    batch-first data (torch's own RNNs): "packed" is the padded ``[B, T, ...]`` tensor itself, so
    nothing is transposed or copied on the way in or out."""

    batch_first = True

    def __init__(self, batch: int, steps: int) -> None:
        self.batch = batch
        self.batch_sizes = [batch] * steps

    def pack(self, x: Tensor) -> Tensor:
        return x

    def unpack(self, packed: Tensor, T: int) -> Tensor:
        return packed

    def sort(self, h: Tensor) -> Tensor:
        return h

    def unsort(self, h: Tensor) -> Tensor:
        return h

    def last(self, packed: Tensor) -> Tensor:
        return packed[:, -1]

    def shifted(self, packed: Tensor, initial: Tensor) -> Tensor:
        return torch.cat([initial.unsqueeze(1), packed[:, :-1]], 1)


class RaggedLayout(SequenceLayout):
    """Sequences of different lengths: sorted, packed and unpacked by row indices computed once."""

    def __init__(self, lengths: List[int], T: int, backward: bool, device: torch.device) -> None:
        B = len(lengths)
        order = sorted(range(B), key=lambda b: -lengths[b])
        sorted_lengths = [lengths[b] for b in order]
        steps = sorted_lengths[0]
        ending = [0] * (steps + 1)
        for n in sorted_lengths:
            ending[n] += 1
        sizes, running = [], B
        for t in range(steps):
            running -= ending[t]
            sizes.append(running)
        offsets = [0]
        for n in sizes:
            offsets.append(offsets[-1] + n)
        self.batch = B
        self.batch_sizes = sizes
        cpu_order = torch.tensor(order, dtype=torch.int64)
        slen = torch.tensor(sorted_lengths, dtype=torch.int64).unsqueeze(0)
        t = torch.arange(steps, dtype=torch.int64).unsqueeze(1)
        running_mask = t < slen
        src_t = slen - 1 - t if backward else t
        flat = (cpu_order.unsqueeze(0) * T + src_t)[running_mask]
        last = torch.tensor([offsets[n - 1] + j for j, n in enumerate(sorted_lengths)], dtype=torch.int64)
        # rows of packed holding the previous step of each row after the first step's (none for one step)
        prev = torch.cat([torch.arange(0)] + [torch.arange(sizes[s]) + offsets[s - 1] for s in range(1, steps)])
        self._order = cpu_order.to(device)
        self._inverse = torch.empty_like(cpu_order).scatter_(0, cpu_order, torch.arange(B)).to(device)
        self._flat = flat.to(device)
        self._last = last.to(device)
        self._prev = prev.to(device)

    def pack(self, x: Tensor) -> Tensor:
        return x.reshape((-1,) + tuple(x.shape[2:])).index_select(0, self._flat)

    def unpack(self, packed: Tensor, T: int) -> Tensor:
        rest = tuple(packed.shape[1:])
        out = packed.new_zeros((self.batch * T,) + rest).index_copy(0, self._flat, packed)
        return out.view((self.batch, T) + rest)

    def sort(self, h: Tensor) -> Tensor:
        return h.index_select(0, self._order)

    def unsort(self, h: Tensor) -> Tensor:
        return h.index_select(0, self._inverse)

    def last(self, packed: Tensor) -> Tensor:
        return packed.index_select(0, self._last)

    def shifted(self, packed: Tensor, initial: Tensor) -> Tensor:
        out = packed.new_empty(packed.shape)
        out[:self.batch] = initial
        torch.index_select(packed, 0, self._prev, out=out[self.batch:])
        return out


@functools.lru_cache(maxsize=64)
def _dense_layout(batch: int, steps: int, backward: bool) -> DenseLayout:
    return DenseLayout(batch, steps, backward)


@functools.lru_cache(maxsize=64)
def batch_first_layout(batch: int, steps: int) -> BatchFirstLayout:
    """The `BatchFirstLayout` of ``batch`` sequences of ``steps`` steps."""
    return BatchFirstLayout(batch, steps)


# Inputs of equal-length sequences share one lengths tensor per shape (`binding.equal_lengths`):
# the layout last made from such a tensor is kept with it, so the next minibatch of the same shape
# finds it without reading the lengths.
_LAST_EQUAL: Dict[tuple, Tuple[Tensor, "DenseLayout"]] = {}


def layout_for(cache: Dict, lengths: Tensor, T: int, backward: bool, device: torch.device,
               key: Optional[tuple] = None) -> Optional[SequenceLayout]:
    """The layout of a minibatch with these sequence ``lengths`` padded to ``T`` steps, memoised
    in ``cache`` (one run's) under ``key`` so that loops over the same axis share it; None when
    the batch is empty or holds an empty sequence (fused engines do not take those)."""
    key = key + (T, backward) if key is not None else None
    if key is not None and key in cache:
        return cache[key]
    shared = _LAST_EQUAL.get((T, backward, device))
    if shared is not None and shared[0] is lengths:  # the same lengths tensor as a recent minibatch's
        return shared[1]
    lens = lengths.tolist()
    layout: Optional[SequenceLayout]
    if not lens or min(lens) < 1:
        layout = None
    elif all(n == T for n in lens):
        layout = _dense_layout(len(lens), T, backward)
        _LAST_EQUAL[(T, backward, device)] = (lengths, layout)
    else:
        layout = RaggedLayout(lens, T, backward, device)
    if key is not None:
        cache[key] = layout
    return layout
