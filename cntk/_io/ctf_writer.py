"""CNTK Text Format writer: sequences -> CTF text that CNTK (and `ctf_parser`) read back."""
from __future__ import annotations

import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

import numpy as np


def _format_numbers(arr: np.ndarray) -> List[str]:
    """Shortest text that reads back to the same value, in Python's float style (``1.0``, ``1e-08``)."""
    if arr.dtype.kind in "iub":
        return [str(int(v)) for v in arr.tolist()]
    if arr.dtype == np.float64:
        return [repr(v) for v in arr.tolist()]
    # float32/float16: numpy gives the shortest digits for the narrow type; re-emit them in Python's style
    return [repr(float(t)) for t in arr.astype(np.float32).astype(str).tolist()]


def _step_text(step: Any) -> str:
    if isinstance(step, Mapping):                         # sparse step: {index: value}
        return " ".join("%d:%s" % (int(k), _format_numbers(np.asarray([v]))[0]) for k, v in sorted(step.items()))
    if hasattr(step, "tocoo"):                            # one row of a SciPy sparse matrix
        coo = step.tocoo()
        order = np.argsort(coo.col, kind="stable")
        vals = _format_numbers(np.asarray(coo.data)[order])
        return " ".join("%d:%s" % (int(c), v) for c, v in zip(coo.col[order].tolist(), vals))
    return " ".join(_format_numbers(np.asarray(step).ravel(order="C")))


def _steps(tensor: Any) -> List[Any]:
    if hasattr(tensor, "tocsr"):                          # SciPy sparse: one row per step
        m = tensor.tocsr()
        return [m[i] for i in range(m.shape[0])]
    if isinstance(tensor, list) and tensor and isinstance(tensor[0], Mapping):
        return tensor
    arr = np.asarray(tensor)
    if arr.dtype == object:
        raise ValueError("expected a dense tensor, a SciPy sparse matrix or a list of {index: value} dicts, got %r"
                         % (type(tensor).__name__,))
    if arr.ndim == 0:
        arr = arr.reshape(1)
    return list(arr)


def sequence_to_cntk_text_format(seq_idx: int, alias_tensor_map: Dict[str, Any]) -> str:
    """Format one sequence as CTF rows.

    Args:
        seq_idx: the sequence id written at the start of every row.
        alias_tensor_map: stream name (the ``|name`` in the file) -> the sequence's data for that
            stream: an array whose first axis is the step (a 1-D array is a sequence of scalars),
            a SciPy sparse matrix (one row per step), or a list of ``{index: value}`` dicts (sparse).

    Returns:
        ``"{seq_idx}\\t|name v v ... |other v ..."`` per step, streams in name order joined by a
        space, rows joined by ``"\\n"`` (no trailing newline). Streams shorter than the longest
        are simply absent from the later rows.

    >>> import numpy as np
    >>> sequence_to_cntk_text_format(7, {'x': np.array([[1., 2.], [3., 4.]], np.float32),
    ...                                  'y': np.array([[0., 1., 0.]], np.float32)})
    '7\\t|x 1.0 2.0 |y 0.0 1.0 0.0\\n7\\t|x 3.0 4.0'
    """
    steps = {alias: _steps(t) for alias, t in alias_tensor_map.items()}
    longest = max((len(s) for s in steps.values()), default=0)
    rows = []
    for t in range(longest):
        parts = ["%s %s" % (alias, _step_text(s[t])) for alias, s in sorted(steps.items()) if t < len(s)]
        rows.append("%d\t|" % seq_idx + " |".join(parts))
    return "\n".join(rows)


def write_ctf(filename: str, streams: Dict[str, Sequence[Any]], sequence_ids: Optional[Iterable[int]] = None) -> int:
    """Write several sequences to a CTF file.

    Args:
        filename: the file to create (parent folders are created).
        streams: stream name -> a list with one entry per sequence (each entry as accepted by
            `sequence_to_cntk_text_format`); all lists must have the same length.
        sequence_ids: ids to write (default 0, 1, 2, ...).

    Returns:
        The number of sequences written.
    """
    names = list(streams)
    if not names:
        raise ValueError("write_ctf: no streams given")
    n = len(streams[names[0]])
    for name in names:
        if len(streams[name]) != n:
            raise ValueError("write_ctf: stream %r has %d sequences, %r has %d" % (name, len(streams[name]), names[0], n))
    ids = list(range(n)) if sequence_ids is None else list(sequence_ids)
    if len(ids) != n:
        raise ValueError("write_ctf: %d sequence ids for %d sequences" % (len(ids), n))
    parent = os.path.dirname(os.path.abspath(filename))
    os.makedirs(parent, exist_ok=True)
    with open(filename, "w", encoding="utf-8", newline="\n") as out:
        for i in range(n):
            text = sequence_to_cntk_text_format(ids[i], {name: streams[name][i] for name in names})
            if text:
                out.write(text)
                out.write("\n")
    return n


def _is_tensor(data: Any) -> bool:
    """True for a NumPy array, or for nested lists whose innermost first element is a number
    (what `sequence_to_cntk_text_format` accepts as one tensor)."""
    if isinstance(data, np.ndarray):
        return True
    if not isinstance(data, list):
        return False
    while data:
        head = data[0]
        if not isinstance(head, list):
            return isinstance(head, (int, float, np.number)) and not isinstance(head, bool)
        data = head
    return True
