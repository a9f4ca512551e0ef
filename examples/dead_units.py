"""Dead ReLU units, counted in the forward pass: the MLP of examples/mlp.py with
three hidden layers of 32, trained with minibatch SGD twice, at a learning
rate that trains well and at one that is too high, then once with sigmoid
hidden layers at a learning rate that saturates them.

Every hidden layer runs fr.bias_relu_(h, b, stats=st) (fr.bias_sigmoid_ for
sigmoid): bias, activation and the per-unit count of zero (or saturated,
y (1 - y) < 1e-3) outputs in one pass.  Each layer has one fr.UnitStats,
reset at the start of every epoch, so after the epoch's 20 batches
st.dead() marks the units that were 0 (saturated) for all 2000 samples of the
epoch, and st.fraction() is each unit's share of zero (saturated) outputs.

    python examples/dead_units.py [epochs]
"""
import sys

import mlp


def report(epoch, loss, accuracy, stats):
    dead = "  ".join(f"{st.dead().mean():5.1%}" for st in stats)
    share = "  ".join(f"{st.fraction().mean():5.1%}" for st in stats)
    print(f"{epoch:5d}  {loss:6.3f}  {accuracy:5.3f}   {dead}      {share}")


def run(title, epochs, act="relu", **kw):
    print(f"\n{title}")
    what = {"relu": ("units dead per layer   ", "outputs 0 per layer"),
            "sigmoid": ("units always saturated", "outputs saturated per layer")}[act]
    print(f"epoch    loss    acc   {what[0]}     {what[1]}")
    mlp.main(act=act, n=2000, epochs=epochs, hidden=(32, 32, 32), batch=100, verbose=False,
             on_epoch=report, **kw)


if __name__ == "__main__":
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    run("relu, lr 0.5", epochs, lr=0.5)
    run("relu, lr 3.0 (too high: many units of layers 2 and 3 die)", epochs, lr=3.0)
    run("sigmoid, lr 10 (too high: units saturate)", epochs, act="sigmoid", lr=10.0)
