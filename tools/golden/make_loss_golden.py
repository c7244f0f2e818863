"""Run with the reference CNTK 2.7 (/opt/cntk-ref/bin/python): writes tests/golden/losses/losses.npz,
the per-sample values and gradients of CNTK's losses and metrics on a ragged sequence batch."""
import os

import numpy as np
import cntk as C

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "golden", "losses", "losses.npz")
rng = np.random.RandomState(7)
LENGTHS = [3, 1, 4]
outputs = [rng.uniform(0.05, 0.95, (n, 4)).astype(np.float32) for n in LENGTHS]
labels = [np.eye(4, dtype=np.float32)[rng.randint(0, 4, n)] for n in LENGTHS]
outputs[0][1] = [0.3, 0.7, 0.7, 0.1]
labels[0][1] = [0, 0, 1, 0]


def cases(o, t):
    # classification_error with topN > 1 is left out: CNTK 2.7 returns one aggregate scalar for the whole
    # minibatch there instead of a value per sample; ours stays per sample.
    return {
        "squared_error": C.squared_error(o, t),
        "cross_entropy_with_softmax": C.cross_entropy_with_softmax(o, t),
        "binary_cross_entropy": C.binary_cross_entropy(o, t),
        "classification_error": C.classification_error(o, t),
        "cosine_distance": C.cosine_distance(o, t),
    }


def main():
    o = C.sequence.input_variable(4, needs_gradient=True, name="o")
    t = C.sequence.input_variable(4, name="t")
    data = {}
    for k in range(len(LENGTHS)):
        data["o_%d" % k], data["t_%d" % k] = outputs[k], labels[k]
    for name, f in cases(o, t).items():
        values = f.eval({o: outputs, t: labels})
        for k, v in enumerate(values):
            data["%s_value_%d" % (name, k)] = np.asarray(v)
        if name.startswith("classification"):
            continue
        grads = f.grad({o: outputs, t: labels}, wrt=[o])
        for k, g in enumerate(grads):
            data["%s_grad_%d" % (name, k)] = np.asarray(g)
    np.savez(OUT, **data)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
