"""fastrelu inside torch autograd, through fastrelu.torch (`pip install fastrelu[torch]`).

    python examples/torch_autograd.py

Checks the gradients of fastrelu's ops (torch.autograd.gradcheck), then trains
the same small model twice from the same initial weights, once with torch's
activation modules and once with fastrelu's drop-ins, and prints both losses.
"""
import torch

import fastrelu.torch as frt


def model(relu, silu, sigmoid):
    torch.manual_seed(0)                  # the same initial weights every time
    return torch.nn.Sequential(torch.nn.Linear(8, 64), relu, torch.nn.Linear(64, 64), silu,
                               torch.nn.Linear(64, 1), sigmoid)


def main(steps=30):
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(64, 8, dtype=torch.float64, generator=gen)
    x = (x + 0.05 * torch.sign(x)).requires_grad_()      # away from relu's kink
    for name in ("relu", "sigmoid", "silu", "softplus", "log_sigmoid"):
        ok = torch.autograd.gradcheck(getattr(torch.ops.fastrelu, name), (x,))
        print(f"gradcheck torch.ops.fastrelu.{name}: {ok}")

    data = torch.randn(1024, 8, generator=gen)
    target = (data[:, :1] - data[:, 1:2] > 0).float()
    nets = {"torch.nn": model(torch.nn.ReLU(), torch.nn.SiLU(), torch.nn.Sigmoid()),
            "fastrelu.torch": model(frt.ReLU(inplace=True), frt.SiLU(), frt.Sigmoid())}
    for label, net in nets.items():
        opt = torch.optim.SGD(net.parameters(), lr=0.5)
        for _ in range(steps):
            opt.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy(net(data), target)
            loss.backward()
            opt.step()
        print(f"{label:15s} loss after {steps} steps: {loss.item():.7f}")

    t = torch.randn(4, 4)
    assert torch.ops.fastrelu.relu_(t) is t and (t >= 0).all()      # in place, same tensor


if __name__ == "__main__":
    main()
