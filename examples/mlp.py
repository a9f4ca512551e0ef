"""A 2-layer MLP in numpy + fastrelu, trained on a synthetic dataset it makes.

    hidden: h = act(X @ W1 + b1)         act = fr.relu_ (default) or fr.sigmoid_, in place
    output: p = sigmoid(h @ W2 + b2)     binary cross-entropy loss

Backward uses fr.relu_backward_ / fr.sigmoid_backward_ in place on the
gradient buffer; the output layer uses the fused sigmoid + BCE gradient
(p - y) / n, which is what fr.sigmoid_backward(dL/dp, p) reduces to.

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
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def main(n=2000, epochs=300, seed=0, hidden=32, lr=None, act="relu", every=None, verbose=True):
    """Train and return the list of losses, one per epoch (before each update).

    lr defaults to 0.5 for a relu hidden layer, 4.0 for sigmoid (its gradient is <= 1/4)."""
    lr = lr if lr is not None else {"relu": 0.5, "sigmoid": 4.0}[act]
    fwd, bwd = {"relu": (fr.relu_, fr.relu_backward_),
                "sigmoid": (fr.sigmoid_, fr.sigmoid_backward_)}[act]
    X, y = make_data(n, seed)
    rng = np.random.default_rng(seed + 1)
    d = X.shape[1]
    W1 = (rng.standard_normal((d, hidden)) * np.sqrt(2.0 / d)).astype(np.float32)
    b1 = np.zeros(hidden, np.float32)
    W2 = (rng.standard_normal((hidden, 1)) * np.sqrt(1.0 / hidden)).astype(np.float32)
    b2 = np.zeros(1, np.float32)
    h = np.empty((n, hidden), np.float32)          # reused: no per-epoch activations
    losses = []
    every = every or max(1, epochs // 10)
    for epoch in range(epochs):
        # forward
        np.matmul(X, W1, out=h)
        h += b1
        fwd(h)                                     # h = act(X W1 + b1), in place
        z = h @ W2 + b2
        p = fr.sigmoid(z)
        losses.append(bce_with_logits(z, y))
        if verbose and (epoch % every == 0 or epoch == epochs - 1):
            acc = float(np.mean((p > 0.5) == (y > 0.5)))
            print(f"epoch {epoch:4d}  loss {losses[-1]:.4f}  accuracy {acc:.3f}")
        # backward
        dz = (p - y) / n                           # d loss / d z (sigmoid + BCE fused)
        dW2 = h.T @ dz
        db2 = dz.sum(0)
        dh = dz @ W2.T
        bwd(dh, h)                                 # dh = act'(...) * dh, in place (y = h)
        dW1 = X.T @ dh
        db1 = dh.sum(0)
        # update
        W1 -= lr * dW1; b1 -= lr * db1
        W2 -= lr * dW2; b2 -= lr * db2
    return losses


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
