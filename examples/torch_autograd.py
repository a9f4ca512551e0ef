"""fastrelu inside torch autograd: FastReLU and FastSigmoid for CPU tensors.

forward and backward run fastrelu's ufuncs on numpy views of the tensors'
own storage (tensor.numpy() shares memory: nothing is copied), writing into
tensors allocated by torch, so autograd owns every buffer.

    from torch_autograd import FastReLU, FastSigmoid, fast_relu, fast_sigmoid
    y = fast_sigmoid(fast_relu(x @ w1) @ w2)      # differentiable
    y.sum().backward()

Run `python examples/torch_autograd.py` for a gradcheck and a comparison with
torch.relu / torch.sigmoid.
"""
import numpy as np
import torch
from torch.autograd.function import once_differentiable

import fastrelu as fr

_DTYPES = (torch.float16, torch.float32, torch.float64)


def _np(t):
    """A numpy view of a CPU tensor's storage (any strides), never a copy."""
    if t.device.type != "cpu" or t.dtype not in _DTYPES:
        raise TypeError(f"fastrelu works on CPU float16/32/64 tensors, got {t.dtype} on {t.device}")
    return t.detach().resolve_conj().resolve_neg().numpy()


def _unary(ufunc, x):
    out = torch.empty_like(x)          # keeps x's layout when x is dense
    ufunc(_np(x), out=_np(out))
    return out


def _backward(ufunc, grad, y):
    out = torch.empty_like(grad)
    ufunc(_np(grad), _np(y), out=_np(out))
    return out


class FastReLU(torch.autograd.Function):
    """relu(x) = x > 0 ? x : 0; gradient grad where y > 0, else 0 (torch's convention)."""

    @staticmethod
    def forward(ctx, x):
        y = _unary(fr.relu, x)
        ctx.save_for_backward(y)       # y > 0 exactly where x > 0
        return y

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return _backward(fr.relu_backward, grad, y)


class FastSigmoid(torch.autograd.Function):
    """sigmoid(x); gradient grad * y * (1 - y) from the saved output y."""

    @staticmethod
    def forward(ctx, x):
        y = _unary(fr.sigmoid, x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return _backward(fr.sigmoid_backward, grad, y)


def fast_relu(x):
    return FastReLU.apply(x)


def fast_sigmoid(x):
    return FastSigmoid.apply(x)


class ReLU(torch.nn.Module):
    def forward(self, x):
        return FastReLU.apply(x)


class Sigmoid(torch.nn.Module):
    def forward(self, x):
        return FastSigmoid.apply(x)


def main():
    torch.manual_seed(0)
    x = torch.randn(64, 8, dtype=torch.float64)
    x = (x + 0.05 * torch.sign(x)).requires_grad_()       # keep away from relu's kink
    for fn in (fast_relu, fast_sigmoid):
        ok = torch.autograd.gradcheck(fn, (x,))
        print(f"gradcheck {fn.__name__}: {ok}")
    g = torch.randn(64, 8, dtype=torch.float64)
    for fn, ref in ((fast_relu, torch.relu), (fast_sigmoid, torch.sigmoid)):
        (a,) = torch.autograd.grad(fn(x), x, g)
        (b,) = torch.autograd.grad(ref(x), x, g)
        print(f"{fn.__name__}: max |grad - torch grad| = {(a - b).abs().max().item():.3g}")
    print("numpy views share storage:", np.shares_memory(_np(x), x.detach().numpy()))


if __name__ == "__main__":
    main()
