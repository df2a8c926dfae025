"""from_arrays: user weights certify exactly as `roro import` of the same .npy files, and every bad
array is rejected with the import's message."""

import json
import os

import numpy as np
import pytest

import roro
from conftest import read_bytes


def user_model(seed=0, sizes=(6, 6, 4)):
    """Weights as a numpy user would bring them: small random modules, a coupling B on the pairs a
    star (module 0 the hub) couples, a positive diagonal metric, input and readout."""
    rng = np.random.default_rng(seed)
    n = sum(sizes)
    offsets = np.cumsum((0,) + sizes[:-1])
    blocks = [0.3 * rng.uniform(-1, 1, (k, k)) / k for k in sizes]
    B = np.zeros((n, n))
    for j in range(1, len(sizes)):
        B[offsets[0]:offsets[0] + sizes[0], offsets[j]:offsets[j] + sizes[j]] = rng.normal(0, 0.1, (sizes[0], sizes[j]))
    M = np.diag(rng.uniform(0.5, 2.0, n))
    return dict(W_blocks=blocks, B=B, M=M, W_in=rng.normal(0, 0.3, (n, 2)), b=rng.normal(0, 0.1, n),
                W_out=rng.normal(0, 0.3, (3, n)), b_out=np.zeros(3))


def block_diagonal(blocks):
    n = sum(b.shape[0] for b in blocks)
    out, k = np.zeros((n, n)), 0
    for b in blocks:
        out[k:k + len(b), k:k + len(b)] = b
        k += len(b)
    return out


def write_directory(directory, arrays, meta):
    """What a numpy user does for `roro import`: np.save each array, write meta.json."""
    os.makedirs(directory, exist_ok=True)
    for name, array in arrays.items():
        np.save(os.path.join(directory, f"{name}.npy"), array)
    with open(os.path.join(directory, "meta.json"), "w") as f:
        json.dump(meta, f)


CASES = {
    "metric-skew B with M, star edges, dense modules": (
        lambda: user_model(1), {"edges": [(0, 1), (0, 2)]}),
    "metric-skew B, graph from B, claimed sparse": (
        lambda: user_model(2), {"module_kinds": "sparse"}),
    "fixed L, no metric": (
        lambda: {k: v for k, v in user_model(3).items() if k not in ("B", "M")} | {"L": user_model(3)["B"]}, {}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_from_arrays_certifies_like_roro_import(cli, tmp_path, case):
    make, extra = CASES[case]
    arrays = make()
    alpha = 0.2
    meta = {"module_sizes": [len(b) for b in arrays["W_blocks"]], "alpha": alpha}
    if "edges" in extra:
        meta["topology"] = [{"from": a, "to": b} for a, b in extra["edges"]]
    if "module_kinds" in extra:
        meta["module_kinds"] = [extra["module_kinds"]] * len(arrays["W_blocks"])
    files = {k: v for k, v in arrays.items() if k != "W_blocks"} | {"W": block_diagonal(arrays["W_blocks"])}
    write_directory(tmp_path / "npy", files, meta)
    cli("import", tmp_path / "npy", "-o", tmp_path / "cli.json")
    cli("certify", tmp_path / "cli.json", "-o", tmp_path / "cli-cert.json", check=False)

    net = roro.from_arrays(alpha=alpha, **arrays, **extra)
    net.save(tmp_path / "py.json")
    assert read_bytes(tmp_path / "py.json") == read_bytes(tmp_path / "cli.json")
    cert = roro.certify(net)
    cert.save(tmp_path / "py-cert.json")
    assert read_bytes(tmp_path / "py-cert.json") == read_bytes(tmp_path / "cli-cert.json")
    assert cert.verdict == "certified"

    # The full W with module_sizes is the same model as the blocks.
    full = roro.from_arrays(files["W"], module_sizes=meta["module_sizes"], alpha=alpha,
                            **{k: v for k, v in arrays.items() if k != "W_blocks"}, **extra)
    assert full == net


def test_defaults_give_zero_input_and_a_ten_class_readout():
    net = roro.from_arrays(W_blocks=[0.2 * np.eye(3), -0.1 * np.eye(2)], L=np.zeros((5, 5)), alpha=0.1)
    assert (net.input_size, net.output_size) == (1, 10)
    assert not net.W_in.any() and not net.W_out.any() and not net.b.any() and not net.b_out.any()
    assert [m.kind for m in net.modules] == ["dense", "dense"] and net.metric_source == "identity"
    assert roro.certify(net).certified


def test_float32_arrays_are_taken_exactly():
    arrays = user_model(4)
    as32 = {k: ([b.astype(np.float32) for b in v] if k == "W_blocks" else v.astype(np.float32))
            for k, v in arrays.items()}
    net = roro.from_arrays(alpha=0.1, **as32)
    assert np.array_equal(net.B, as32["B"].astype(np.float64))
    assert np.array_equal(net.W, block_diagonal([b.astype(np.float64) for b in as32["W_blocks"]]))


Z3, Z2 = np.zeros((3, 3)), np.zeros((2, 2))
NOT_BLOCK = np.zeros((5, 5))
NOT_BLOCK[0, 3] = 0.5

BAD = [
    (dict(W=NOT_BLOCK, module_sizes=[3, 2], L=np.zeros((5, 5))),
     "W: not block-diagonal for module_sizes [3, 2]: entry (0, 3) = 0.5 couples module 0 to module 1"),
    (dict(W_blocks=[Z3, Z2], L=0.5 * np.eye(5)), "L: entry (0, 0) = 0.5 lies in the diagonal block of module 0"),
    (dict(W_blocks=[Z3, Z2], B=np.full((5, 5), np.nan)), "B: element 0 (C order) is nan (NaN/Inf not allowed)"),
    (dict(W_blocks=[Z3, Z2], B=np.zeros((5, 5)), W_in=np.zeros((4, 1))),
     "W_in: W_in (N x d_in) has shape (4, 1), expected (5, any)"),
    (dict(W_blocks=[Z3, Z2], B=np.zeros((5, 5)), W_in=np.zeros(5)), "W_in: expected a 2-D array, got shape (5,)"),
    (dict(W_blocks=[Z3, Z2], B=np.zeros((5, 4))), "B: B has shape (5, 4), expected (5, 5)"),
    (dict(W_blocks=[np.ones((3, 3)), Z2], B=np.zeros((5, 5)), module_kinds="sparse"),
     "W: module 0 claimed sparse in meta.json, but rho(g * |W_0|) = 3 >= 1"),
    (dict(W_blocks=[Z3, Z2], B=np.zeros((5, 5)), alpha=2), "from_arrays: alpha: expected a number in (0, 1], got 2.0"),
    (dict(W_blocks=[Z3, Z2], B=np.zeros((5, 5)), module_kinds=["dense", "blob"]),
     "from_arrays: module_kinds[1]: unknown module kind 'blob'"),
    (dict(W_blocks=[Z3, Z2, Z2], B=np.pad(np.ones((3, 2)), ((0, 4), (5, 0))), edges=[(0, 1)]),
     "B: entry (0, 5) = 1 is in block (0, 2), which meta.json's topology does not couple"),
    (dict(W_blocks=[Z3, Z2], B=np.zeros((5, 5)), edges=[(0, 7)]),
     "from_arrays: topology[0].to: expected an integer in [0, 1], got 7"),
    (dict(W_blocks=[Z3, Z2], B=np.zeros((5, 5)), M=-np.eye(5)), "M: metric diagonal entry 0 is -1 (must be > 0)"),
    (dict(W_blocks=[Z3, Z2], B=np.zeros((5, 5)), roles=["hub", "boss"]), "from_arrays: roles[1]: unknown role"),
    (dict(W_blocks=[Z3, Z2], B=np.pad(np.ones((3, 2)), ((0, 2), (3, 0))), L=np.zeros((5, 5))),
     "L: disagrees with the coupling L = B - M^-1 B^T M that B.npy and M.npy give"),
    # Argument errors of from_arrays itself (before any array reaches the import).
    (dict(W_blocks=[Z3, Z2], edges=[(0, 1)]),
     "from_arrays: meta.json's topology lists 1 edge(s), but the directory holds neither B.npy"),
    (dict(W_blocks=[np.zeros((3, 2))], B=np.zeros((3, 3))),
     "from_arrays: W_blocks[0] has shape (3, 2), expected a square (n, n) block"),
    (dict(W_blocks=[Z3, Z2], module_sizes=[2, 3], B=np.zeros((5, 5))),
     "from_arrays: module_sizes [2, 3] disagree with the W_blocks shapes [3, 2]"),
    (dict(W=np.zeros((5, 5)), B=np.zeros((5, 5))), "from_arrays: module_sizes is required with W"),
    (dict(W=np.zeros((5, 5)), W_blocks=[Z3, Z2], B=np.zeros((5, 5))), "from_arrays: give W or W_blocks, not both"),
    (dict(W_blocks=[Z3, Z2], B="abc"), "from_arrays: B is not a numeric array"),
]


@pytest.mark.parametrize("keywords,message", BAD, ids=[m[:40] for _, m in BAD])
def test_bad_arrays_raise_the_import_message(keywords, message):
    keywords = {"alpha": 0.1} | keywords
    with pytest.raises(ValueError) as error:
        roro.from_arrays(**keywords)
    assert str(error.value).startswith(message)


def test_messages_are_the_cli_import_messages(cli, tmp_path):
    """The same bad files through `roro import` fail with exit 65 and the same text after the file name."""
    for name, files, meta_extra in [
        ("W", {"W": NOT_BLOCK, "L": np.zeros((5, 5))}, {}),
        ("L", {"W": np.zeros((5, 5)), "L": 0.5 * np.eye(5)}, {}),
        ("M", {"W": np.zeros((5, 5)), "B": np.zeros((5, 5)), "M": -np.eye(5)}, {}),
    ]:
        directory = tmp_path / name
        readout = {"W_in": np.zeros((5, 1)), "b": np.zeros(5), "W_out": np.zeros((10, 5)), "b_out": np.zeros(10)}
        write_directory(directory, files | readout, {"module_sizes": [3, 2], "alpha": 0.1} | meta_extra)
        result = cli("import", directory, "-o", tmp_path / "out.json", check=False)
        assert result.returncode == 65
        with pytest.raises(ValueError) as error:
            roro.from_arrays(files["W"], module_sizes=[3, 2], alpha=0.1, **{k: v for k, v in files.items() if k != "W"})
        python_message = str(error.value)
        assert python_message.startswith(name + ": ")
        cli_message = result.stderr.strip()
        assert cli_message == f"roro import: error: {directory}/{name}.npy: {python_message[len(name) + 2:]}"
