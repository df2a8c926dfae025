"""Certify the weights of a PyTorch Sparse Combo Net with roro.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/certify_torch_scn.py
    ... --topology all --modules 8 --size 16 --train-steps 20 --state-dict model.pt

The PyTorch model is the reference of ../shared/anchors/torch_scn (scn.py: SparseComboNet, PyTorch
from Debian's python3-torch): frozen sparse modules W_i, their diagonal metrics M_i, a trained
coupling B entering as L = B - M^-1 B^T M, input and readout layers. The recipe is three lines:

    net = roro.from_torch_state_dict(model.state_dict(), alpha=model.alpha)
    cert = roro.certify(net)
    print(cert.brief_report())

This script builds such a model (or loads a saved state_dict), moves its coupling with a few Adam
steps on random data so that B is not the initial draw, certifies it, and checks that roro's Euler
map gives the PyTorch model's logits (to float32 rounding) on random inputs.
"""

import argparse
import os
import sys

import numpy as np

import roro

HERE = os.path.dirname(os.path.abspath(__file__))
ANCHOR = os.environ.get("RORO_TORCH_ANCHOR",
                        os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "anchors", "torch_scn")))


def load_reference(anchor=ANCHOR):
    """The anchor's scn module (imports torch)."""
    if not os.path.isfile(os.path.join(anchor, "scn.py")):
        raise FileNotFoundError(f"the PyTorch reference is not at {anchor} (set RORO_TORCH_ANCHOR)")
    sys.path.insert(0, anchor)
    try:
        import scn
    finally:
        sys.path.remove(anchor)
    return scn


def train_a_little(model, steps, seed=0, T=30):
    """A few Adam steps on random sequences, so the coupling B has moved away from its draw."""
    import torch
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)  # the anchor trains with Adam at 1e-3
    for _ in range(steps):
        u, y = torch.rand(16, T, 1), torch.randint(0, 10, (16,))
        loss = torch.nn.functional.cross_entropy(model(u), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def same_logits(model, net, seed=1, T=40, batch=3):
    """Largest |logit difference| between the PyTorch forward pass and roro.simulate."""
    import torch
    torch.manual_seed(seed)
    u = torch.rand(batch, T, 1)
    with torch.no_grad():
        expected = model(u).numpy()
    got = roro.simulate(net, u.numpy().transpose(1, 0, 2).copy()).logits
    return float(np.abs(got - expected).max())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topology", default="gw", choices=["gw", "all"])
    parser.add_argument("--modules", type=int, default=16)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--alpha", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-steps", type=int, default=10)
    parser.add_argument("--state-dict", help="a saved model.state_dict() (torch.save) of the same shape")
    parser.add_argument("--anchor", default=ANCHOR, help="folder of the PyTorch reference (scn.py)")
    args = parser.parse_args(argv)

    scn = load_reference(args.anchor)
    import torch
    torch.set_num_threads(1)
    model = scn.SparseComboNet(p=args.modules, n=args.size, topology=args.topology, alpha=args.alpha, seed=args.seed)
    if args.state_dict:
        model.load_state_dict(torch.load(args.state_dict))
    else:
        train_a_little(model, args.train_steps, seed=args.seed)

    net = roro.from_torch_state_dict(model.state_dict(), alpha=model.alpha)
    cert = roro.certify(net)
    difference = same_logits(model, net)
    print(f"PyTorch SCN: {args.modules}x{args.size} modules, topology {args.topology}, alpha {model.alpha}")
    print(net)
    print(cert.brief_report(), end="")
    print(f"largest |logit difference| PyTorch vs roro.simulate: {difference:.2e}")
    return cert, difference


if __name__ == "__main__":
    certificate, _ = main()
    sys.exit(0 if certificate.certified else 1)
