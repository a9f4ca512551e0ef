"""An MLP in numpy + fastrelu, trained on a synthetic dataset it makes.

    hidden: h = act(a @ W + b)           per hidden layer, through fr.bias_relu_
                                         (default) or fr.bias_sigmoid_: bias and
                                         activation in one in-place pass
    output: p = sigmoid(h @ W2 + b2)     binary cross-entropy loss

The forward pass also counts, per hidden unit, the outputs that were 0 (relu)
or saturated (sigmoid, y (1 - y) < 1e-3) through the `stats=` keyword: one
fr.UnitStats per hidden layer, reset every epoch, so st.dead() is the mask of
units that were 0 (or saturated) for every sample of the epoch.

Backward uses fr.relu_backward_ / fr.sigmoid_backward_ in place on the
gradient buffer; the output layer uses the fused sigmoid + BCE gradient
(p - y) / m, which is what fr.sigmoid_backward(dL/dp, p) reduces to.

    python examples/mlp.py [n] [epochs]
"""
import sys

import numpy as np

import fastrelu as fr


def make_data(n, seed):
    """Two classes on two concentric noisy rings in 2-d, plus 6 noise features."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    r = 1.0 + y + 0.25 * rng.standard_normal(n)             # class 1 on the outer ring
    t = rng.uniform(0, 2 * np.pi, n)
    X = np.column_stack([r * np.cos(t), r * np.sin(t), rng.standard_normal((n, 6))])
    return X.astype(np.float32), y.astype(np.float32)[:, None]


def bce_with_logits(z, y):
    """mean(softplus(z) - y z): binary cross-entropy of sigmoid(z), stable for any z."""
    return float(np.mean(fr.softplus(z) - y * z))


def main(n=2000, epochs=300, seed=0, hidden=32, lr=None, act="relu", every=None, verbose=True,
         batch=None, on_epoch=None):
    """Train and return the list of losses, one per epoch (the mean over the
    epoch's batches, each taken before that batch's update).

    hidden: units of the hidden layer, or a tuple of widths for several layers.
    lr defaults to 0.5 for relu hidden layers, 4.0 for sigmoid (its gradient is <= 1/4).
    batch: rows per gradient step (default n: full-batch gradient descent).
    on_epoch(epoch, loss, accuracy, stats): called after every epoch; stats is the
    list of UnitStats, one per hidden layer, holding that epoch's counts."""
    lr = lr if lr is not None else {"relu": 0.5, "sigmoid": 4.0}[act]
    fwd, bwd = {"relu": (fr.bias_relu_, fr.relu_backward_),
                "sigmoid": (fr.bias_sigmoid_, fr.sigmoid_backward_)}[act]
    widths = (hidden,) if np.ndim(hidden) == 0 else tuple(hidden)
    X, y = make_data(n, seed)
    rng = np.random.default_rng(seed + 1)
    sizes = (X.shape[1],) + widths
    Ws = [(rng.standard_normal((d, w)) * np.sqrt(2.0 / d)).astype(np.float32)
          for d, w in zip(sizes[:-1], sizes[1:])]
    bs = [np.zeros(w, np.float32) for w in widths]
    W2 = (rng.standard_normal((widths[-1], 1)) * np.sqrt(1.0 / widths[-1])).astype(np.float32)
    b2 = np.zeros(1, np.float32)
    batch = batch or n
    hs = [np.empty((batch, w), np.float32) for w in widths]   # reused every step
    stats = [fr.UnitStats() for _ in widths]                   # one per hidden layer
    losses = []
    every = every or max(1, epochs // 10)
    for epoch in range(epochs):
        for st in stats:
            st.reset()                             # count this epoch only
        loss = correct = 0.0
        for lo in range(0, n, batch):
            xb, yb = X[lo:lo + batch], y[lo:lo + batch]
            m = len(xb)
            # forward
            a = xb
            for W, b, h, st in zip(Ws, bs, hs, stats):
                np.matmul(a, W, out=h[:m])
                a = fwd(h[:m], b, stats=st)        # h = act(a W + b) in one pass, counted
            z = a @ W2 + b2
            p = fr.sigmoid(z)
            loss += bce_with_logits(z, yb) * m
            correct += float(np.sum((p > 0.5) == (yb > 0.5)))
            # backward
            dz = (p - yb) / m                      # d loss / d z (sigmoid + BCE fused)
            grads = [(a.T @ dz, dz.sum(0))]
            dh = dz @ W2.T
            for i in reversed(range(len(Ws))):
                bwd(dh, hs[i][:m])                 # dh = act'(...) * dh, in place (y = h)
                below = hs[i - 1][:m] if i else xb
                grads.append((below.T @ dh, dh.sum(0)))
                if i:
                    dh = dh @ Ws[i].T
            # update
            for (dW, db), W, b in zip(grads, [W2] + Ws[::-1], [b2] + bs[::-1]):
                W -= lr * dW
                b -= lr * db
        losses.append(loss / n)
        acc = correct / n
        if on_epoch is not None:
            on_epoch(epoch, losses[-1], acc, stats)
        if verbose and (epoch % every == 0 or epoch == epochs - 1):
            what = {"relu": "dead", "sigmoid": "saturated"}[act]
            layers = "  ".join(f"{int(st.dead().sum())}/{st.counts.size}" for st in stats)
            print(f"epoch {epoch:4d}  loss {losses[-1]:.4f}  accuracy {acc:.3f}  "
                  f"{what} units per layer {layers}")
    return losses


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
