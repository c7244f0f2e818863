"""`MinibatchSource`: minibatches from one or more deserializers, counted in samples as CNTK counts."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from cntk._core.value import Value

from .config import MinibatchSourceConfig
from .constants import DEFAULT_RANDOMIZATION_WINDOW_IN_CHUNKS, FULL_DATA_SWEEP, INFINITELY_REPEAT, TraceLevel
from .deserializers import Deserializer
from .minibatch import MinibatchData
from .store import Selection, Store, as_selection, join_stores
from .streams import Record, StreamInformation
from .timeline import Timeline, take_budget

_POSITION_KEY = "minibatchSourcePosition"


def _limit(value: Optional[int]) -> float:
    if value is None or value == INFINITELY_REPEAT:
        return float("inf")
    return int(value)


def resolve_dtype(variable: Any) -> Any:
    """float64 when the variable asks for it, else float32."""
    dt = getattr(variable, "dtype", None)
    try:
        return np.float64 if dt is not None and np.dtype(dt) == np.float64 else np.float32
    except TypeError:
        return np.float32


class MinibatchSource:
    """Deliver minibatches from deserializers (e.g. `CTFDeserializer`).

    Args:
        deserializers: one deserializer or a list; several are joined by sequence id (the first
            one decides the order; sequences missing from another are dropped). A
            `MinibatchSourceConfig` may stand here instead; its settings then replace the other
            arguments.
        max_samples: stop after this many samples (`INFINITELY_REPEAT`: never;
            `FULL_DATA_SWEEP`: after one sweep).
        max_sweeps: stop after this many passes over the data.
        randomization_window_in_chunks: how many chunks of the input are mixed together.
        randomization_window_in_samples: if > 0, mix windows of about this many samples instead
            (``randomization_window_in_chunks`` must then be 0: setting both is a RuntimeError,
            as are ``max_samples`` with ``max_sweeps`` and ``frame_mode`` with ``truncation_length``).
        randomization_seed: seed of the shuffling; sweep ``k`` is shuffled with seed ``randomization_seed + k``.
        trace_level, multithreaded_deserializer: accepted for compatibility.
        frame_mode: deliver single samples; every sequence must then have length 1.
        truncation_length: if > 0, cut sequences into pieces of this many steps (truncated
            BPTT); each minibatch holds ``minibatch_size // truncation_length`` parallel slots.
        randomize: shuffle the sequences (True by default, as in CNTK).
        max_errors: number of malformed rows/sequences to skip (with a warning) before failing.

    A minibatch is filled with whole sequences while the running size (each sequence counts with
    its longest stream, or the stream marked ``defines_mb_size``) stays within the requested
    size; a first sequence larger than the request is delivered alone. Minibatches may span
    sweeps. After the last sweep/sample `next_minibatch` returns ``{}``.
    """

    def __init__(self, deserializers: Any, max_samples: int = INFINITELY_REPEAT, max_sweeps: int = INFINITELY_REPEAT,
                 randomization_window_in_chunks: int = DEFAULT_RANDOMIZATION_WINDOW_IN_CHUNKS,
                 randomization_window_in_samples: int = 0, randomization_seed: int = 0,
                 trace_level: Any = TraceLevel.Warning, multithreaded_deserializer: Any = None,
                 frame_mode: bool = False, truncation_length: int = 0, randomize: bool = True,
                 max_errors: int = 0) -> None:
        if isinstance(deserializers, MinibatchSourceConfig):
            config = deserializers
        else:
            config = MinibatchSourceConfig(deserializers if isinstance(deserializers, (list, tuple))
                                           else [deserializers])
            config.max_samples = max_samples
            config.max_sweeps = max_sweeps
            config.randomization_window_in_chunks = randomization_window_in_chunks
            config.randomization_window_in_samples = randomization_window_in_samples
            config.randomization_seed = randomization_seed
            if multithreaded_deserializer is not None:
                config.is_multithreaded.set(multithreaded_deserializer)
            config.is_frame_mode_enabled = frame_mode
            config.truncation_length = truncation_length
            config.trace_level = int(trace_level)
            config.max_errors = max_errors
            if not randomize:
                config.randomization_window_in_chunks = config.randomization_window_in_samples = 0
        self._configure(config)

    def _configure(self, config: MinibatchSourceConfig) -> None:
        """Set the reader up from a validated ``config``."""
        config.validate()
        deserializers = list(config.deserializers)
        if not deserializers:
            raise ValueError("MinibatchSource: at least one deserializer is required")
        for d in deserializers:
            if not isinstance(d, Deserializer):
                raise TypeError("MinibatchSource: expected deserializers (e.g. CTFDeserializer), got %r"
                                % (type(d).__name__,))
        if int(config.truncation_length) < 0:
            raise ValueError("MinibatchSource: truncation_length must be >= 0, got %r" % config.truncation_length)
        self._deserializers = deserializers
        max_samples, max_sweeps = config.max_samples, config.max_sweeps
        if max_samples == FULL_DATA_SWEEP:
            max_samples, max_sweeps = INFINITELY_REPEAT, 1
        if max_sweeps == FULL_DATA_SWEEP:
            max_sweeps = 1
        self._max_samples = _limit(max_samples)
        self._max_sweeps = _limit(max_sweeps)
        if self._max_sweeps < 0 or self._max_samples < 0:
            raise ValueError("MinibatchSource: max_samples and max_sweeps must not be negative")
        self._frame_mode = bool(config.is_frame_mode_enabled)
        self._truncation = int(config.truncation_length)
        self._max_errors = int(config.max_errors)
        self.trace_level = config.trace_level

        defs: Dict[str, Any] = {}
        for d in self._deserializers:
            for name, sd in d.streams.items():
                if name in defs:
                    raise ValueError("MinibatchSource: stream %r is declared by two deserializers" % name)
                defs[name] = sd
        self._defs = defs
        self._infos: Dict[str, StreamInformation] = {}
        for i, name in enumerate(defs):
            sd = defs[name]
            self._infos[name] = StreamInformation(name, i, "sparse" if sd.get("is_sparse") else "dense", np.float32,
                                                  sd.get("shape"), bool(sd.get("defines_mb_size")))
        self._streams = Record(**self._infos)

        self._store: Optional[Store] = None
        self._timeline: Optional[Timeline] = None
        self._randomize = config.is_randomized
        self._seed = int(config.randomization_seed)
        self._win_chunks = int(config.randomization_window_in_chunks)
        self._win_samples = int(config.randomization_window_in_samples)
        self._reset_state()

    # ------------------------------------------------------------------ data
    def _data(self) -> Tuple[Store, Timeline]:
        if self._store is None:
            # the data of a randomization window (plus one chunk for a minibatch that spans two
            # windows) stays in memory; other chunks are read again when needed
            capacity = max(1, self._win_chunks) + 1
            store = join_stores([d._load(self._max_errors, capacity) for d in self._deserializers])
            if store.num_sequences == 0:
                raise ValueError("MinibatchSource: the input holds no sequences")
            lengths = store.lengths
            definers = [n for n in lengths if self._defs[n].get("defines_mb_size")]
            if len(definers) > 1:
                raise RuntimeError("MinibatchSource: only one stream may define the minibatch size, found %s"
                                   % ", ".join(definers))
            if definers:
                sizes = lengths[definers[0]].copy()
            else:
                sizes = np.max(np.stack(list(lengths.values())), axis=0)
            if self._frame_mode:
                bad = np.nonzero(sizes != 1)[0]
                if len(bad):
                    raise ValueError("MinibatchSource(frame_mode=True): every sequence must have exactly one sample;"
                                     " sequence (id = %d) has %d" % (store.keys[bad[0]], sizes[bad[0]]))
            self._timeline = Timeline(sizes, store.chunks, self._randomize, self._seed, self._win_chunks,
                                      self._win_samples)
            store.reserve(self._timeline.chunks_per_window() + 1)
            self._store = store
        return self._store, self._timeline  # type: ignore[return-value]

    def _reset_state(self) -> None:
        self._sweep = 0
        self._pos = 0
        self._delivered = 0
        self._eos_reported = False
        self._slots: List[Optional[List[int]]] = []     # truncation: per slot [sequence, offset] or None

    # ------------------------------------------------------------------ public API
    @property
    def streams(self) -> Record:
        """Record of `StreamInformation` by stream name (``reader.streams.features``, ``.keys()``)."""
        return self._streams

    def stream_infos(self) -> List[StreamInformation]:
        """All `StreamInformation` objects."""
        return list(self._infos.values())

    def stream_info(self, name: str) -> StreamInformation:
        """The `StreamInformation` of stream ``name``."""
        try:
            return self._infos[name]
        except KeyError:
            raise KeyError("no stream named %r (streams: %s)" % (name, ", ".join(self._infos))) from None

    def __getitem__(self, name: str) -> StreamInformation:
        return self.stream_info(name)

    def is_infinite(self) -> bool:
        """True when the source never runs out (no max_samples/max_sweeps limit)."""
        return self._max_samples == float("inf") and self._max_sweeps == float("inf")

    def next_minibatch(self, minibatch_size_in_samples: int, input_map: Optional[Dict[Any, Any]] = None,
                       device: Any = None, num_data_partitions: Optional[int] = None,
                       partition_index: Optional[int] = None) -> Dict[Any, MinibatchData]:
        """The next minibatch of about ``minibatch_size_in_samples`` samples (sequences are never split).

        Returns ``{StreamInformation: MinibatchData}``, or ``{Variable: MinibatchData}`` for the
        streams named in ``input_map``; ``{}`` once ``max_samples``/``max_sweeps`` is reached.
        With ``num_data_partitions`` workers, this call returns worker ``partition_index``'s share
        (about ``minibatch_size_in_samples / num_data_partitions`` samples of disjoint sequences:
        every n-th sequence). ``max_samples`` then counts
        the samples of all workers up to where a sequence starts in the sweep.
        """
        k = int(minibatch_size_in_samples)
        if k < 0:
            raise ValueError("next_minibatch: minibatch_size_in_samples must be >= 0, got %r" % (minibatch_size_in_samples,))
        n_parts = int(num_data_partitions) if num_data_partitions else 1
        part = int(partition_index) if partition_index is not None else 0
        if n_parts < 1 or not 0 <= part < n_parts:
            raise ValueError("next_minibatch: partition_index %r is not in [0, %d)" % (partition_index, n_parts))
        targets = self._targets(input_map)
        store, tl = self._data()
        slots_busy = any(s is not None for s in self._slots)
        if k == 0 or self._delivered >= self._max_samples or (self._sweep >= self._max_sweeps and not slots_busy):
            return {}
        if n_parts > 1:   # the workers split the requested size; the first k % n get one sample more
            k = max(1, k // n_parts + (1 if part < k % n_parts else 0))
        budget = k
        if self._truncation:
            return self._next_truncated(k, store, tl, n_parts, part, targets)

        # Walk the sweep's order taking this worker's sequences. The minibatch ends when the next
        # sequence does not fit or the budget is used up; it reports the end of a sweep when it
        # holds the sweep's last sequence or when the walk passes the end of the sweep.
        pieces: List[np.ndarray] = []
        acc = 0
        total = tl.sweep_total()
        sweep_end = False
        while True:
            order, cum = tl.order(self._sweep, n_parts, part)
            if self._pos >= len(order):
                if not self._eos_reported:
                    sweep_end = True
                self._sweep += 1
                self._pos = 0
                self._eos_reported = False
                if self._sweep >= self._max_sweeps or len(order) == 0:
                    break
                continue
            j = take_budget(cum, self._pos, budget - acc, force_one=not pieces)
            if self._max_samples != float("inf"):
                # a sequence may start only while fewer than max_samples samples (counted over all
                # workers, up to where the sequence starts in the sweep) have been read
                left = self._max_samples - self._sweep * total
                j = min(j, int(np.searchsorted(tl.starts(self._sweep, n_parts, part), left, side="left")))
            if j <= self._pos:
                break
            pieces.append(order[self._pos:j])
            acc += int(cum[j - 1] - (cum[self._pos - 1] if self._pos else 0))
            self._pos = j
            if j == len(order) and order[-1] == tl.last_of_sweep(self._sweep):
                sweep_end = self._eos_reported = True
            if j < len(order) or acc >= budget:
                break
        if not pieces:
            return {}
        seqs = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
        self._delivered += acc
        # in file order the sequences of one piece are consecutive: gather them as a slice
        selection = slice(int(seqs[0]), int(seqs[0]) + len(seqs)) if len(pieces) == 1 and tl.in_file_order(n_parts) \
            else as_selection(seqs)
        return self._assemble(store, seqs, None, None, sweep_end, targets, selection)

    def _next_truncated(self, k: int, store: Store, tl: Timeline, n_parts: int, part: int,
                        targets) -> Dict[Any, MinibatchData]:
        T = self._truncation
        nslots = max(1, k // T)
        if len(self._slots) < nslots:
            self._slots.extend([None] * (nslots - len(self._slots)))
        seq_l: List[int] = []
        beg_l: List[int] = []
        cnt_l: List[int] = []
        sweep_end = False
        exhausted = False
        for s in range(nslots):
            room = T
            while room > 0:
                slot = self._slots[s]
                if slot is None:
                    if exhausted:
                        break
                    if self._sweep >= self._max_sweeps:
                        exhausted = True
                        break
                    order, _ = tl.order(self._sweep, n_parts, part)
                    while self._pos >= len(order):
                        self._sweep += 1
                        self._pos = 0
                        order, _ = tl.order(self._sweep, n_parts, part)
                        if self._sweep >= self._max_sweeps or len(order) == 0:
                            exhausted = True
                            break
                    if exhausted:
                        break
                    slot = self._slots[s] = [int(order[self._pos]), 0]
                    self._pos += 1
                    if self._pos == len(order):
                        sweep_end = True
                seq, off = slot
                n = min(room, int(tl.sizes[seq]) - off)
                seq_l.append(seq)
                beg_l.append(off)
                cnt_l.append(n)
                room -= n
                slot[1] += n
                if slot[1] >= tl.sizes[seq]:
                    self._slots[s] = None
        if not seq_l:
            self._sweep = max(self._sweep, int(min(self._max_sweeps, 2 ** 62)))
            return {}
        begins = np.asarray(beg_l, np.int64)
        counts = np.asarray(cnt_l, np.int64)
        self._delivered += int(counts.sum())
        seqs = np.asarray(seq_l, np.int64)
        return self._assemble(store, seqs, begins, counts, sweep_end, targets, seqs)

    def _targets(self, input_map: Optional[Dict[Any, Any]]) -> List[Tuple[Any, StreamInformation, Any]]:
        if input_map is None:
            return [(si, si, np.float32) for si in self._infos.values()]
        out = []
        for var, si in input_map.items():
            if isinstance(si, str):
                si = self.stream_info(si)
            if not isinstance(si, StreamInformation) or self._infos.get(si.name) != si:
                raise ValueError("input_map: the value for %r must be one of this reader's streams (%s), got %r"
                                 % (getattr(var, "name", var), ", ".join(self._infos), si))
            vshape = getattr(var, "shape", None)
            if isinstance(vshape, tuple) and vshape and all(isinstance(d, int) and d > 0 for d in vshape):
                if int(np.prod(vshape)) != int(np.prod(si.shape)):
                    raise ValueError("input_map: variable %r has shape %s but stream %r has samples of shape %s"
                                     % (getattr(var, "name", ""), vshape, si.name, si.shape))
            out.append((var, si, resolve_dtype(var)))
        return out

    def _assemble(self, store: Store, seqs: np.ndarray, begins: Optional[np.ndarray], counts: Optional[np.ndarray],
                  sweep_end: bool, targets, selection: Selection) -> Dict[Any, MinibatchData]:
        """The minibatch of sequences ``seqs`` (``selection``: the same, possibly as a slice)."""
        result: Dict[Any, MinibatchData] = {}
        for key, si, dtype in targets:
            if counts is not None:
                # truncated pieces: clip each stream to its own length
                lens = store.lengths[si.name][seqs]
                b = np.minimum(begins, lens)
                c = np.clip(np.minimum(begins + counts, lens) - b, 0, None)
                which: tuple = (seqs, b, c)
            else:
                which = (selection, None, None)
            tensor, lengths = store.gather(si.name, *which, dtype)
            value = Value._from_padded(tensor, lengths, si.is_sparse)
            if si.is_sparse:  # the engine then looks rows up without scanning the dense tensor
                value._one_hot = store.gather(si.name, *which, dtype, one_hot=True)[0]
            if begins is not None:
                value._continues = begins > 0
            result[key] = MinibatchData(value, len(seqs), int(lengths.sum()), sweep_end)
        return result

    # ------------------------------------------------------------------ checkpointing
    def get_checkpoint_state(self) -> Dict[str, Any]:
        """The reader's position: ``{'minibatchSourcePosition': samples delivered, ...}``.

        Pass it to `restore_from_checkpoint` (of this or a new, identically configured reader)
        to continue exactly where this one stands.
        """
        state: Dict[str, Any] = {_POSITION_KEY: int(self._delivered), "sweep": int(self._sweep),
                                 "sequence_position": int(self._pos), "sweep_end_reported": self._eos_reported}
        if self._truncation:
            state["slots"] = [None if s is None else list(s) for s in self._slots]
        return state

    def restore_from_checkpoint(self, checkpoint: Dict[str, Any]) -> None:
        """Continue from a state returned by `get_checkpoint_state`."""
        if _POSITION_KEY not in checkpoint:
            raise ValueError("restore_from_checkpoint: not a MinibatchSource checkpoint (no %r)" % _POSITION_KEY)
        self._reset_state()
        self._delivered = int(checkpoint[_POSITION_KEY])
        if "sweep" in checkpoint and "sequence_position" in checkpoint:
            self._sweep = int(checkpoint["sweep"])
            self._pos = int(checkpoint["sequence_position"])
            self._eos_reported = bool(checkpoint.get("sweep_end_reported", False))
            self._slots = [None if s is None else list(s) for s in checkpoint.get("slots", [])]
            return
        # only a sample position (e.g. written by CNTK): find the sequence boundary it denotes
        _, tl = self._data()
        total = tl.sweep_total()
        self._sweep, rem = divmod(self._delivered, total) if total else (0, 0)
        _, cum = tl.order(self._sweep)
        self._pos = int(np.searchsorted(cum, rem, side="right"))

    @property
    def current_position(self) -> Dict[str, Any]:
        """The same dict as `get_checkpoint_state`; assigning to it restores the position."""
        return self.get_checkpoint_state()

    @current_position.setter
    def current_position(self, position: Dict[str, Any]) -> None:
        self.restore_from_checkpoint(position)

    def __repr__(self) -> str:
        return "MinibatchSource(streams=%s)" % list(self._infos)
