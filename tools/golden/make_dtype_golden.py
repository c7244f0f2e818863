"""Record the dtypes CNTK 2.7 gives to what is created inside ``default_options(dtype=...)``, for
tests/test_mixed_precision.py.

Run from the repository root with the reference interpreter:

    /opt/cntk-ref/bin/python tools/golden/make_dtype_golden.py

Writes tests/golden/dtypes.json: for each option dtype (none, float16, float64) and each statement
of `STATEMENTS` (public API only, evaluated inside the ``with`` block), the name of the dtype of
the result's output, or the exception's type name when CNTK refuses.
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'golden', 'dtypes.json')

STATEMENTS = [
    "C.Parameter((2,))",
    "C.Parameter((2,), init=0)",
    "C.Parameter((2,), init=np.ones(2, np.float32))",
    "C.parameter((2,))",
    "C.Constant(1.0, shape=(2,))",
    "C.constant(1.0)",
    "C.input_variable(2)",
    "C.sequence.input_variable(2)",
    "C.input_variable(2, dtype=np.float32)",
    "C.layers.Dense(2)(C.input_variable(3))",
    "C.layers.Sequential([C.layers.Fold(C.layers.LSTM(4)), C.layers.Dense(1)])(C.sequence.input_variable(2))",
    "C.layers.Recurrence(C.layers.GRU(3))(C.sequence.input_variable(2))",
]
OPTIONS = {"none": None, "float16": np.float16, "float64": np.float64}


def dtype_name(x):
    v = getattr(x, "output", x)
    return np.dtype(v.dtype).name


def record(C):
    """{option: {statement: dtype name or exception type}}, evaluated with the ``cntk`` module C."""
    out = {}
    for option, dtype in OPTIONS.items():
        results = {}
        for statement in STATEMENTS:
            try:
                if dtype is None:
                    results[statement] = dtype_name(eval(statement, {"C": C, "np": np}))
                else:
                    with C.default_options(dtype=dtype):
                        results[statement] = dtype_name(eval(statement, {"C": C, "np": np}))
            except Exception as e:  # noqa: BLE001 - CNTK's refusal is what is recorded
                results[statement] = type(e).__name__
        out[option] = results
    return out


if __name__ == "__main__":
    import cntk
    with open(OUT, "w") as f:
        json.dump(record(cntk), f, indent=1, sort_keys=True)
    print("wrote", OUT)
