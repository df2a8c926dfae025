"""build / save / load / export / import from Python give the CLI's files byte for byte."""

import copy
import inspect
import os
import pickle

import numpy as np
import pytest

import roro
from roro import _roro
from conftest import read_bytes

RECIPES = [
    # (roro build flags, roro.build keywords)
    (["--modules", "4x8", "--kind", "sparse", "--topology", "gw", "--hubs", "1", "--seed", "3", "--alpha", "0.05"],
     dict(modules="4x8", kind="sparse", topology="gw", hubs=1, seed=3, alpha=0.05)),
    (["--modules", "6,8,10", "--kind", "svd", "--topology", "random", "--keep", "0.5", "--seed", "7"],
     dict(modules=[6, 8, 10], kind="svd", topology="random", keep=0.5, seed=7)),
    (["--modules", "3x6", "--kind", "symmetric", "--negative-bound", "4", "--topology", "all", "--seed", "2",
      "--inputs", "3", "--classes", "4"],
     dict(modules="3x6", kind="symmetric", negative_bound=4, topology="all", seed=2, inputs=3, classes=4)),
    (["--modules", "5x6", "--kind", "sparse", "--density", "0.3", "--scale", "0.4", "--topology", "hierarchy",
      "--metric", "identity", "--coupling-init", "0.3", "--seed", "11"],
     dict(modules="5x6", kind="sparse", density=0.3, scale=0.4, topology="hierarchy", metric="identity",
          coupling_init=0.3, seed=11)),
    # the defaults (alpha included: 0.005 in both)
    (["--modules", "16x32", "--topology", "gw", "--seed", "1"], dict(modules="16x32", topology="gw", seed=1)),
]


@pytest.mark.parametrize("flags,keywords", RECIPES)
def test_build_writes_the_cli_bytes(cli, tmp_path, flags, keywords):
    cli("build", *flags, "-o", tmp_path / "cli.json")
    roro.build(**keywords).save(tmp_path / "py.json")
    assert read_bytes(tmp_path / "py.json") == read_bytes(tmp_path / "cli.json")


def test_build_with_an_edge_file_matches_the_cli(cli, tmp_path):
    edges = tmp_path / "edges.txt"
    edges.write_text("0 1\n1 2 feedforward\n# comment\n0 3 feedback\n")
    cli("build", "--modules", "4x6", "--edges", edges, "--seed", "5", "-o", tmp_path / "cli.json")
    roro.build("4x6", edges_file=edges, seed=5).save(tmp_path / "py.json")
    assert read_bytes(tmp_path / "py.json") == read_bytes(tmp_path / "cli.json")


def test_save_load_round_trip_is_byte_identical(cli, tmp_path):
    cli("build", *RECIPES[1][0], "-o", tmp_path / "cli.json")
    net = roro.load(tmp_path / "cli.json")
    net.save(str(tmp_path / "again.json"))
    assert read_bytes(tmp_path / "again.json") == read_bytes(tmp_path / "cli.json")
    assert net.to_json().encode() == read_bytes(tmp_path / "cli.json")
    assert roro.load(tmp_path / "again.json") == net
    assert net.sha256 == _roro.sha256_hex(read_bytes(tmp_path / "cli.json"))


@pytest.mark.parametrize("flags,keywords", RECIPES)
def test_certificate_file_equals_the_cli_certificate(cli, tmp_path, flags, keywords):
    cli("build", *flags, "-o", tmp_path / "net.json")
    result = cli("certify", tmp_path / "net.json", "-o", tmp_path / "cli-cert.json", check=False)
    cert = roro.certify(roro.load(tmp_path / "net.json"))
    cert.save(tmp_path / "py-cert.json")
    assert read_bytes(tmp_path / "py-cert.json") == read_bytes(tmp_path / "cli-cert.json")
    assert result.returncode == {"certified": 0, "refuted": 1, "inconclusive": 2}[cert.verdict]
    # What `roro certify` prints after its "model:" line is the brief report.
    printed = result.stdout.split("\n", 1)[1]
    assert printed.startswith(cert.brief_report().split("time:")[0])
    # A certificate read back verifies like the CLI's.
    loaded = roro.load_certificate(tmp_path / "cli-cert.json")
    assert loaded.to_json() == cert.certificate.to_json()
    verified = cli("verify", tmp_path / "net.json", tmp_path / "py-cert.json", check=False)
    assert (verified.returncode == 0) == bool(roro.verify(tmp_path / "net.json", tmp_path / "py-cert.json"))


def test_rate_only_certificate_equals_the_cli(cli, tmp_path):
    cli("build", *RECIPES[0][0], "-o", tmp_path / "net.json")
    cli("certify", tmp_path / "net.json", "--rate-only", "-o", tmp_path / "cli.json")
    roro.certify(tmp_path / "net.json", rate_only=True).save(tmp_path / "py.json")
    assert read_bytes(tmp_path / "py.json") == read_bytes(tmp_path / "cli.json")


def test_arrays_match_roro_export(cli, tmp_path):
    for flags, keywords in RECIPES:
        net = roro.build(**keywords)
        net.save(tmp_path / "net.json")
        cli("export", tmp_path / "net.json", "--out", tmp_path / "cli")
        files = {name: np.load(tmp_path / "cli" / f"{name}.npy") for name in
                 ("W", "L", "M", "W_in", "b", "W_out", "b_out")}
        for name, array in [("W", net.W), ("L", net.L), ("M", net.metric), ("W_in", net.W_in), ("b", net.b),
                            ("W_out", net.W_out), ("b_out", net.b_out)]:
            assert array.dtype == np.float64 and array.shape == files[name].shape, name
            assert np.array_equal(array, files[name]), name
        assert np.array_equal(net.B, np.load(tmp_path / "cli" / "B.npy"))
        assert np.array_equal(net.W, _block_diag([m.weights for m in net.modules]))
        # roro.export writes the CLI's files byte for byte, and import_npy reads them as `roro import`.
        roro.export(net, tmp_path / "py")
        for name in sorted(os.listdir(tmp_path / "cli")):
            assert read_bytes(tmp_path / "py" / name) == read_bytes(tmp_path / "cli" / name), name
        cli("import", tmp_path / "cli", "-o", tmp_path / "imported.json")
        roro.import_npy(tmp_path / "py").save(tmp_path / "py-imported.json")
        assert read_bytes(tmp_path / "py-imported.json") == read_bytes(tmp_path / "imported.json")
        for name in os.listdir(tmp_path / "cli"):
            os.remove(tmp_path / "cli" / name)


def _block_diag(blocks):
    n = sum(b.shape[0] for b in blocks)
    out, k = np.zeros((n, n)), 0
    for b in blocks:
        out[k:k + b.shape[0], k:k + b.shape[0]] = b
        k += b.shape[0]
    return out


def test_fixed_coupling_has_no_B(tmp_path):
    net = roro.from_arrays(W_blocks=[0.1 * np.eye(3), 0.1 * np.eye(2)], L=np.pad(np.ones((3, 2)), ((0, 2), (3, 0))),
                           alpha=0.1)
    assert net.coupling_form == "fixed" and net.B is None
    assert net.L[0, 3] == 1.0 and net.edges == [{"from": 1, "to": 0, "kind": "feedforward", "mask": None}]


def test_stored_tensors_are_read_only_views():
    net = roro.build("3x4", seed=1)
    with pytest.raises(ValueError):
        net.W_in[0, 0] = 1.0
    assert not net.W_out.flags.writeable and not net.modules[0].weights.flags.writeable
    net.set_input_weights(np.full((12, 1), 0.5), np.zeros(12))
    assert np.all(net.W_in == 0.5)


def test_build_defaults_are_the_recipe_defaults():
    recipe = _roro.NetworkRecipe()
    spec = recipe.topology
    defaults = {k: p.default for k, p in inspect.signature(roro.build).parameters.items()}
    assert _roro.parse_module_sizes(defaults["modules"]) == recipe.module_sizes
    assert defaults["kind"] == recipe.kind
    for name, value in [("density", recipe.density), ("scale", recipe.scale), ("spectral_bound", recipe.spectral_bound),
                        ("negative_bound", recipe.negative_bound), ("topology", spec.name), ("hubs", spec.hubs),
                        ("keep", spec.keep), ("extra", spec.extra), ("seed", recipe.seed),
                        ("slope_bound", recipe.slope_bound), ("inputs", recipe.input_size),
                        ("classes", recipe.output_size), ("coupling_init", recipe.coupling_init_scale)]:
        assert defaults[name] == value, name
    # alpha is `roro build`'s default (0.005: the default model's Euler map certifies), not the
    # library recipe's 0.1.
    assert defaults["alpha"] == 0.005 and recipe.alpha == 0.1


def test_network_pickles_and_copies_by_value():
    net = roro.build("3x5", kind="svd", topology="gw", seed=4)
    for other in (pickle.loads(pickle.dumps(net)), copy.deepcopy(net), copy.copy(net)):
        assert other == net and other is not net
        assert other.to_json() == net.to_json()
    assert roro.build("3x5", kind="svd", topology="gw", seed=5) != net


def test_network_properties_describe_the_model():
    net = roro.build("4x6", topology="gw", hubs=1, seed=2, inputs=2, classes=3, alpha=0.2)
    assert (net.module_count, net.state_size, net.input_size, net.output_size) == (4, 24, 2, 3)
    assert net.module_sizes == [6] * 4 and net.offsets == [0, 6, 12, 18]
    assert net.alpha == 0.2 and net.slope_bound == 1.0 and net.activation == "relu"
    assert net.hubs == [0] and net.roles == ["hub", "spoke", "spoke", "spoke"]
    assert [(e["from"], e["to"], e["kind"]) for e in net.edges] == [(0, 1, "feedback"), (0, 2, "feedback"),
                                                                   (0, 3, "feedback")]
    assert net.metric_source == "closed-form" and net.coupling_form == "metric_skew"
    # L = B - M^-1 B^T M on feedback blocks: M L + L^T M = 0.
    M, L = net.metric, net.L
    assert np.abs(M @ L + L.T @ M).max() < 1e-12
    assert np.allclose(L, net.B - np.linalg.solve(M, net.B.T @ M))
    assert "4x6 modules (N = 24)" in repr(net)
    assert net.modules[0].kind == "sparse" and net.modules[0].provenance["generator"] == "sparse"
    svd = roro.build("2x4", kind="svd", seed=1).modules[1].svd
    assert np.allclose(np.diag(1 / svd["phi"]) @ svd["U"] @ np.diag(svd["sigma"]) @ svd["V"].T @ np.diag(svd["phi"]),
                       roro.build("2x4", kind="svd", seed=1).modules[1].weights)
