"""from_torch_state_dict on the PyTorch reference (../shared/anchors/torch_scn); skipped when PyTorch
or the reference is not there. The rest of the package never imports torch."""

import importlib.util
import os

import numpy as np
import pytest

import roro

torch = pytest.importorskip("torch", reason="PyTorch is not installed (scripts/setup.sh --anchor)")

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python", "certify_torch_scn.py")
spec = importlib.util.spec_from_file_location("certify_torch_scn", EXAMPLE)
example = importlib.util.module_from_spec(spec)
spec.loader.exec_module(example)
if not os.path.isfile(os.path.join(example.ANCHOR, "scn.py")):
    pytest.skip(f"the PyTorch reference is not at {example.ANCHOR}", allow_module_level=True)
scn = example.load_reference()


@pytest.mark.parametrize("topology", ["gw", "all"])
def test_state_dict_gives_the_same_model(topology):
    model = scn.SparseComboNet(p=4, n=8, topology=topology, alpha=0.1, seed=2)
    net = roro.from_torch_state_dict(model.state_dict(), alpha=model.alpha)
    assert net.module_sizes == [8] * 4 and net.alpha == 0.1 and [m.kind for m in net.modules] == ["sparse"] * 4
    pairs = [(e["from"], e["to"]) for e in net.edges]
    assert pairs == ([(0, 1), (0, 2), (0, 3)] if topology == "gw" else [(i, j) for i in range(4) for j in range(i + 1, 4)])
    assert np.array_equal(net.W, torch.block_diag(*model.W_blocks).double().numpy())
    assert np.allclose(net.L, model.coupling().detach().double().numpy(), atol=1e-6)
    assert example.same_logits(model, net) < 1e-4
    cert = roro.certify(net)
    assert cert.certified and cert.euler_factor < 1


def test_the_example_certifies_a_trained_model():
    cert, difference = example.main(["--modules", "4", "--size", "8", "--train-steps", "5"])
    assert cert.certified and difference < 1e-4


def test_other_parameter_names_and_numpy_arrays():
    model = scn.SparseComboNet(p=3, n=6, topology="gw", alpha=0.2, seed=1)
    renamed = {{"W_blocks": "modules", "m": "metric"}.get(k, k): v.numpy() for k, v in model.state_dict().items()
               if k != "W_dense"}
    net = roro.from_torch_state_dict(renamed, alpha=0.2, keys={"W_blocks": "modules", "metric_diagonal": "metric"})
    assert net == roro.from_torch_state_dict(model.state_dict(), alpha=0.2)
    with pytest.raises(KeyError):
        roro.from_torch_state_dict(renamed, alpha=0.2)
