"""How golden .npz files store values (shared by the golden scripts and the tests; Python 3.6
compatible, since the reference interpreter runs it): a list of per-sequence arrays under
``<prefix>_n`` and ``<prefix>_seq_<i>``, anything else as one array under ``<prefix>``."""
import numpy as np


def pack(store, prefix, value):
    """Store a per-sequence list or a dense array under ``prefix``."""
    if isinstance(value, (list, tuple)):
        store[prefix + '_n'] = np.array(len(value))
        for i, v in enumerate(value):
            store['%s_seq_%d' % (prefix, i)] = np.asarray(v)
    else:
        store[prefix] = np.asarray(value)


def unpack(npz, prefix):
    """The value `pack` stored under ``prefix`` (None when absent)."""
    if prefix + '_n' in npz:
        return [npz['%s_seq_%d' % (prefix, i)] for i in range(int(npz[prefix + '_n']))]
    if prefix in npz:
        return npz[prefix]
    return None


def store_float32(arrays, key, value):
    """Store ``value`` as float32 under ``key``, a list as ``<key>_0``, ``<key>_1``, ..."""
    if isinstance(value, list):
        for i, v in enumerate(value):
            arrays["%s_%d" % (key, i)] = np.asarray(v, dtype=np.float32)
    else:
        arrays[key] = np.asarray(value, dtype=np.float32)
