"""A small sequence demo (until the Training issue lands the full seed program):
a hand-built recurrent network, sequence -> value, trained with plain gradient steps
through `Function.grad`, predicting the next value of noisy sine waves of different lengths."""
import numpy as np

import cntk as C


def make_batch(rng: np.random.RandomState, n: int) -> tuple:
    """Sequences of 5-14 sine samples; the target is the value after the last one."""
    xs, ys = [], []
    for _ in range(n):
        length, phase = rng.randint(5, 15), rng.uniform(0, 2 * np.pi)
        t = phase + 0.3 * np.arange(length + 1)
        wave = np.sin(t) + 0.02 * rng.randn(length + 1)
        xs.append(wave[:-1, None].astype(np.float32))
        ys.append(wave[-1:].astype(np.float32))
    return xs, np.array(ys)


def build(hidden: int = 16):
    """h_t = tanh(x_t W + h_{t-1} H + b); prediction = last(h) V + c."""
    rng = np.random.RandomState(1)
    x = C.sequence.input_variable(1, name="x")
    y = C.input_variable(1, name="y")
    W = C.parameter((1, hidden), init=rng.uniform(-0.5, 0.5, (1, hidden)), name="W")
    H = C.parameter((hidden, hidden), init=rng.uniform(-0.3, 0.3, (hidden, hidden)), name="H")
    b = C.parameter(hidden, init=0.0, name="b")
    V = C.parameter((hidden, 1), init=rng.uniform(-0.5, 0.5, (hidden, 1)), name="V")
    c = C.parameter(1, init=0.0, name="c")
    state = C.placeholder()
    h = C.tanh(C.times(x, W) + C.times(C.sequence.past_value(state), H) + b)
    h.replace_placeholders({state: h.output})
    prediction = C.times(C.sequence.last(h), V) + c
    loss = C.reduce_mean(C.square(prediction - y), axis=C.Axis.all_axes())
    return x, y, prediction, loss


def main() -> None:
    rng = np.random.RandomState(0)
    x, y, prediction, loss = build()
    params = loss.parameters
    lr = 0.1
    print("step     loss")
    for step in range(301):
        xs, ys = make_batch(rng, 32)
        grads = loss.grad({x: xs, y: ys}, wrt=params)
        for p in params:
            p.value = p.value - lr * grads[p]
        if step % 50 == 0:
            print("%4d  %.5f" % (step, float(loss.eval({x: xs, y: ys}))))
    xs, ys = make_batch(np.random.RandomState(42), 6)
    print("predictions vs targets:")
    for p, t in zip(prediction.eval({x: xs}).ravel(), ys.ravel()):
        print("  %+.3f  %+.3f" % (p, t))


if __name__ == "__main__":
    main()
