"""roro from Python in one page: build, certify, verify, save/load, numpy arrays, your own weights,
simulate, train, evaluate. Runs in seconds (a small network, the synthetic copy task).

    PYTHONPATH=build/python /usr/bin/python3 examples/python/quickstart.py [WORK_DIR]
"""

import os
import sys
import tempfile

import numpy as np

import roro


def main(work):
    # The recipe `roro build --modules 8x16 --topology gw --hubs 1 --alpha 0.05 --inputs 8 --classes 8 --seed 3`.
    net = roro.build(modules="8x16", kind="sparse", density=0.1, scale=0.5, topology="gw", hubs=1, alpha=0.05,
                     inputs=8, classes=8, seed=3)
    print(net)
    cert = roro.certify(net)
    print(f"verdict {cert.verdict}, rate {cert.rate:.4f}, Euler factor {cert.euler_factor:.5f}, "
          f"max alpha {cert.max_alpha:.4f}")
    print("methods:", sorted({m.method for m in cert.modules}))
    print("verify:", roro.verify(net, cert).verdict)

    path = os.path.join(work, "net.json")
    net.save(path)
    cert.save(os.path.join(work, "cert.json"))
    assert roro.load(path) == net

    W, L, M = net.W, net.L, net.metric
    print(f"W {W.shape}, |M L + L^T M| = {np.abs(M @ L + L.T @ M).max():.1e}")

    # Your own weights: the same modules, a coupling of your choice, certified the same way.
    mine = roro.from_arrays(W_blocks=[m.weights for m in net.modules], B=0.5 * net.B, M=M, alpha=0.05,
                            module_kinds="sparse")
    print("my weights:", roro.certify(mine).verdict)

    inputs = np.random.default_rng(0).uniform(0, 1, (50, 4, 8)).astype(np.float32)
    traj = roro.simulate(net, inputs)
    print(f"trajectory {traj.states.shape}, final |x| {np.linalg.norm(traj.final_state):.4f}")

    run = roro.train(net, data="copy", synthetic_train=512, synthetic_test=128, synthetic_steps=20, epochs=2,
                     batch=32, lr=2e-3, seed=1, threads=1, out=os.path.join(work, "run"),
                     on_progress=lambda p: print(" ", p) if p.event == "epoch_end" else None)
    print(run.brief_report(), end="")
    acc = roro.evaluate(run.model, data="copy", synthetic_train=512, synthetic_test=128, synthetic_steps=20)
    print(f"test accuracy {100 * acc.accuracy:.2f}% on {acc.count} sequences")
    return run


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as work:
            main(work)
