"""Per-unit activation statistics, gathered in the same pass as the activation.

    st = fastrelu.UnitStats()
    fastrelu.bias_relu_(h, b, stats=st)      # h: (batch, units)
    st.fraction()                            # per unit: share of outputs that were 0
    st.dead()                                # units that were 0 for every row seen

Units are the last axis of the array (a dense layer's output ``x @ W + b``);
every other axis counts as rows.  Counts add up over calls until ``reset()``.
"""
import numpy as np

__all__ = ["UnitStats"]

# what each kind of activation counts
KIND = {"relu": "zero", "sigmoid": "saturated"}


class UnitStats:
    """Per-unit counts of dead ReLU outputs (y == 0) or saturated sigmoid
    outputs (y * (1 - y) < eps, computed in the array's dtype), filled by
    ``relu_``, ``sigmoid_``, ``bias_relu_`` and ``bias_sigmoid_`` through
    their ``stats=`` keyword.  Not thread-safe: use one per thread."""

    def __init__(self, eps=1e-3):
        if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating)) or not eps > 0:
            raise ValueError(f"UnitStats: eps must be a number > 0, got {eps!r}")
        self.eps = float(eps)
        self.reset()

    def reset(self):
        """Forget every count (and the unit count and kind)."""
        self.counts = None       # int64, one per unit
        self.rows = 0            # rows seen, summed over calls
        self.kind = None         # "zero" (relu) or "saturated" (sigmoid)

    def _buffer(self, fname, activation, units):
        """The counts array to add one call's counts into (checked, not yet touched)."""
        kind = KIND.get(activation)
        if kind is None:
            raise TypeError(f"{fname}: stats are counted for relu (zero outputs) and sigmoid "
                            f"(saturated outputs), not {activation}")
        if self.counts is None:
            return np.zeros(units, np.int64), kind
        if kind != self.kind:
            raise ValueError(f"{fname}: these stats hold {self.kind} counts; "
                             f"use another UnitStats for {kind} counts")
        if self.counts.shape[0] != units:
            raise ValueError(f"{fname}: these stats count {self.counts.shape[0]} units, "
                             f"the array has {units} (its last axis)")
        return self.counts, kind

    def _commit(self, counts, kind, rows):
        self.counts, self.kind = counts, kind
        self.rows += rows

    def fraction(self):
        """counts / rows per unit (float64; zeros before any row is seen)."""
        if self.counts is None:
            return np.zeros(0)
        return self.counts / self.rows if self.rows else np.zeros(self.counts.shape)

    def dead(self, threshold=1.0):
        """Boolean mask of the units whose fraction() >= threshold (default: every
        row seen was zero / saturated)."""
        return (self.fraction() >= threshold) & (self.rows > 0)

    def __repr__(self):
        if self.counts is None:
            return f"UnitStats(eps={self.eps}, empty)"
        return (f"UnitStats({self.kind}: {int(self.dead().sum())} of {self.counts.shape[0]} "
                f"units dead over {self.rows} rows, eps={self.eps})")
