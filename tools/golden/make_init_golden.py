"""Golden data for parameter initialisers: the values CNTK 2.7 draws for each initialiser with an
explicit seed, and with automatic seeds after reset_random_seed (which also fixes the order in
which parameters and dropout take their seeds).

Run with the reference from anywhere:
    /opt/cntk-ref/bin/python tools/golden/make_init_golden.py
writes tests/golden/initializer_golden.json; tests/test_initializer_golden.py compares.
"""
from __future__ import print_function

import json
import os

import cntk as C

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "golden", "initializer_golden.json")

# name -> (initialiser expression, shape); the expression is evaluated with `C` bound to cntk
CASES = [
    ("glorot_uniform", "C.glorot_uniform(seed=5)", (2, 3)),
    ("glorot_uniform_rank2", "C.glorot_uniform(output_rank=2, seed=7)", (3, 2, 4)),
    ("glorot_normal", "C.glorot_normal(seed=5)", (3, 4)),
    ("he_uniform", "C.he_uniform(scale=2.0, seed=9)", (4, 3)),
    ("he_normal", "C.he_normal(seed=11)", (5, 2)),
    ("xavier", "C.xavier(seed=3)", (3, 3)),
    ("uniform", "C.uniform(0.5, seed=13)", (7,)),
    ("normal", "C.normal(0.3, seed=17)", (2, 5)),
    ("truncated_normal", "C.truncated_normal(0.2, seed=19)", (50,)),
]


def automatic_seeds(C):
    """Parameters, layers and dropout created in a row after reset_random_seed(3)."""
    C.cntk_py.reset_random_seed(3)
    x = C.input_variable(3)
    first = C.parameter((2, 2), init=C.glorot_uniform())
    dense = C.layers.Dense(2)
    C.layers.LSTM(2)
    seed = C.dropout(x, 0.5).root_function.attributes["rngSeed"]
    w = [p for p in dense(x).parameters if p.name == "W"][0]
    return {"first": first.value.tolist(), "dense_W": w.value.tolist(), "dropout_seed": seed}


def main():
    out = {"cases": {}}
    for name, expr, shape in CASES:
        out["cases"][name] = {"init": expr, "shape": list(shape),
                              "value": C.parameter(shape, init=eval(expr)).value.tolist()}
    out["automatic"] = automatic_seeds(C)
    with open(OUT, "w") as fh:
        json.dump(out, fh, indent=1)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
