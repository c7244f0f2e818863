"""Trainer checkpoints on disk: the model file plus a ``.ckp`` companion holding parameters,
learner state, counters and the caller's external state.

The ``.ckp`` file is a NumPy ``.npz`` archive (read with ``allow_pickle=False``): one JSON entry
describes the structure, arrays are stored as arrays. Both files are written to temporary names
and renamed into place only when both are complete, so a failed save leaves the previous
checkpoint intact.
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from typing import Any, Callable, Dict, Tuple

import numpy as np

FORMAT_NAME = 'cntk-torch trainer checkpoint'
FORMAT_VERSION = 1
_META_KEY = '__meta__'


class _ArrayStore:
    """Collects arrays out of a nested structure, leaving references to them in the JSON part."""

    def __init__(self) -> None:
        self.arrays: Dict[str, np.ndarray] = {}

    def encode(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {'__dict__': [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        if isinstance(value, (list, tuple)):
            return [self.encode(v) for v in value]
        if isinstance(value, np.ndarray):
            key = 'array/%d' % len(self.arrays)
            self.arrays[key] = value
            return {'__array__': key}
        if isinstance(value, np.generic):
            return value.item()
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        raise TypeError('cannot store a %s in a checkpoint (numbers, strings, lists, dicts and NumPy arrays only)'
                        % type(value).__name__)


def _decode(value: Any, arrays: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    if isinstance(value, dict):
        if '__array__' in value:
            return np.array(arrays[value['__array__']])
        return {_decode(k, arrays): _decode(v, arrays) for k, v in value['__dict__']}
    return value


def _temporary_beside(path: str) -> str:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix='.' + os.path.basename(path) + '.', suffix='.tmp', dir=directory)
    os.close(fd)
    return tmp


def _write_state(path: str, state: Dict[str, Any]) -> None:
    store = _ArrayStore()
    meta = {'format': FORMAT_NAME, 'version': FORMAT_VERSION, 'state': store.encode(state)}
    arrays = dict(store.arrays)
    arrays[_META_KEY] = np.frombuffer(json.dumps(meta).encode('utf-8'), dtype=np.uint8)
    with open(path, 'wb') as f:
        np.savez(f, **arrays)
        f.flush()
        os.fsync(f.fileno())


def save(model_path: str, write_model: Callable[[str], None], state: Dict[str, Any]) -> None:
    """Write ``model_path`` (by ``write_model``) and ``model_path + '.ckp'`` (``state``) atomically."""
    model_tmp = _temporary_beside(model_path)
    state_tmp = _temporary_beside(model_path + '.ckp')
    try:
        write_model(model_tmp)
        _write_state(state_tmp, state)
        os.replace(model_tmp, model_path)
        os.replace(state_tmp, model_path + '.ckp')
    finally:
        for tmp in (model_tmp, state_tmp):
            if os.path.exists(tmp):
                os.remove(tmp)


def is_own_format(path: str) -> bool:
    """True if ``path`` is a ``.ckp`` written by this project (a zip archive)."""
    return zipfile.is_zipfile(path)


def load_state(path: str) -> Dict[str, Any]:
    """The state dict saved by `save` in ``path`` (a ``.ckp`` file); never unpickles anything."""
    if not os.path.exists(path):
        raise FileNotFoundError('trainer checkpoint %s does not exist' % path)
    if not zipfile.is_zipfile(path):
        raise ValueError('%s is not a cntk-torch trainer checkpoint (not a NumPy .npz archive)' % path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            if _META_KEY not in archive.files:
                raise ValueError('%s is not a cntk-torch trainer checkpoint (no %s entry)' % (path, _META_KEY))
            meta = json.loads(bytes(archive[_META_KEY]).decode('utf-8'))
            if meta.get('format') != FORMAT_NAME:
                raise ValueError('%s is not a cntk-torch trainer checkpoint' % path)
            if int(meta.get('version', 0)) > FORMAT_VERSION:
                raise ValueError('%s was written by a newer cntk-torch (checkpoint version %s, this one reads %d)'
                                 % (path, meta.get('version'), FORMAT_VERSION))
            return _decode(meta['state'], archive)
    except (zipfile.BadZipFile, OSError, EOFError, json.JSONDecodeError) as err:
        raise ValueError('cannot read the trainer checkpoint %s: %s' % (path, err)) from err


def split_paths(filename: str) -> Tuple[str, str]:
    """(model file, state file) of a checkpoint named ``filename``."""
    return filename, filename + '.ckp'


