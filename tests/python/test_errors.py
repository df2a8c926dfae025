"""Every bad input raises, with the library's message: ValueError for bad values, FileNotFoundError
for a missing input, OSError for an output that cannot be written."""

import json

import numpy as np
import pytest

import roro


@pytest.mark.parametrize("keywords,message", [
    (dict(modules="0x8"), r"module sizes '0x8': '0' is out of range \(expected COUNTxSIZE like 16x32"),
    (dict(modules="4y8"), r"module sizes '4y8': '4y8' is not a number"),
    (dict(modules=[4, 0]), r"modules \[4, 0\]: sizes must be integers >= 1, got 0"),
    (dict(modules=16), r"modules 16: expected 'COUNTxSIZE' like '16x32', or a list of sizes"),
    (dict(kind="dense"), r"kind 'dense' has no generator \(import a user matrix instead\)"),
    (dict(kind="blob"), r"unknown module kind 'blob' \(expected sparse, svd, symmetric or dense\)"),
    (dict(density=1.5), r"sparse module options: density must be in \[0, 1\], got 1.5"),
    (dict(scale=-1), r"sparse module options: scale must be finite and >= 0, got -1"),
    (dict(kind="svd", spectral_bound=1.5), r"svd module options: spectral_bound must be in \(0, 1\), got 1.5"),
    (dict(kind="symmetric", negative_bound=-1), r"symmetric module options: negative_bound must be in \(0, 1e6\]"),
    (dict(topology="star"), r"unknown topology 'star' \(expected all, gw, random, hierarchy, none or edges\)"),
    (dict(topology="gw", hubs=0), r"hubs must be >= 1, got 0"),
    (dict(topology="gw", hubs=16), r"global workspace needs 1 <= hubs < modules, got hubs = 16 with 16 modules"),
    (dict(topology="random", keep=2), r"keep must be in \[0, 1\], got 2"),
    (dict(alpha=0), r"alpha must be in \(0, 1\], got 0"),
    (dict(alpha=1.5), r"alpha must be in \(0, 1\], got 1.5"),
    (dict(slope_bound=0), r"slope bound must be > 0"),
    (dict(inputs=0), r"input and output sizes must be >= 1"),
    (dict(coupling_init=-1), r"coupling init scale must be >= 0"),
    (dict(metric="perron"), r"metric 'perron': expected \"closed-form\" or \"identity\""),
])
def test_bad_build_values_raise_value_error(keywords, message):
    with pytest.raises(ValueError, match=message):
        roro.build(**({"modules": "16x4"} | keywords))


def test_a_module_that_cannot_be_drawn_raises_generation_error():
    with pytest.raises(roro.GenerationError, match=r"no sparse module with rho\(g\|W\|\) < 1 after 1000 draws "
                                                   r"\(size 40, density 1, scale 5, g 1\)"):
        roro.build("2x40", density=1.0, scale=5.0)
    assert issubclass(roro.GenerationError, RuntimeError)


def test_missing_inputs_raise_file_not_found(tmp_path):
    for call, what in [(lambda: roro.load(tmp_path / "none.json"), "model file"),
                       (lambda: roro.certify(tmp_path / "none.json"), "model file"),
                       (lambda: roro.load_certificate(tmp_path / "none.json"), "certificate"),
                       (lambda: roro.verify(roro.build("2x4"), tmp_path / "none.json"), "certificate"),
                       (lambda: roro.import_npy(tmp_path / "none"), "import directory"),
                       (lambda: roro.build("2x4", edges_file=tmp_path / "none.txt"), "edge list")]:
        with pytest.raises(FileNotFoundError, match=f"{what} '.*none.*' does not exist"):
            call()


def test_outputs_that_cannot_be_written_raise_os_error(tmp_path):
    net = roro.build("2x4")
    with pytest.raises(OSError, match=r"cannot write .*missing/net.json"):
        net.save(tmp_path / "missing" / "net.json")
    with pytest.raises(OSError, match="cannot write"):
        roro.certify(net).save(tmp_path / "missing" / "cert.json")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OSError, match="cannot create directory"):
        roro.export(net, tmp_path / "file" / "sub")


def test_corrupt_files_name_the_file_field_and_value(tmp_path):
    (tmp_path / "garbage.json").write_text("not json")
    with pytest.raises(ValueError, match=r"garbage.json: corrupt JSON at byte 2"):
        roro.load(tmp_path / "garbage.json")
    net = roro.build("2x4", seed=1)
    model = json.loads(net.to_json())
    model["alpha"] = 7
    (tmp_path / "alpha.json").write_text(json.dumps(model))
    with pytest.raises(ValueError, match=r"alpha.json.*alpha.*7"):
        roro.load(tmp_path / "alpha.json")
    certificate = json.loads(roro.certify(net).certificate.to_json())
    certificate["verdict"] = "proven"
    (tmp_path / "cert.json").write_text(json.dumps(certificate))
    with pytest.raises(ValueError, match=r"cert.json.*verdict.*proven"):
        roro.load_certificate(tmp_path / "cert.json")
    (tmp_path / "npy").mkdir()
    with pytest.raises(ValueError, match=r"npy/meta.json: missing \(it gives module_sizes and alpha\)"):
        roro.import_npy(tmp_path / "npy")


def test_bad_certify_options_raise():
    net = roro.build("2x4")
    with pytest.raises(ValueError, match=r"invalid options: timeout_seconds must be positive and finite, got 0"):
        roro.certify(net, timeout=0)


def test_setters_check_shapes():
    net = roro.build("2x4", seed=1)
    with pytest.raises(ValueError, match=r"input weights must be 8xd_in with a bias of 8, got 7x1 and 7"):
        net.set_input_weights([[0.0]] * 7, [0.0] * 7)
    with pytest.raises(ValueError, match="(?i)nan|finite"):
        net.set_readout([[float("nan")] * 8] * 10, [0.0] * 10)
    with pytest.raises(ValueError, match=r"W_in has shape \(8, 1, 1\), expected a 2-D \(rows, columns\) array"):
        net.set_input_weights(np.zeros((8, 1, 1)), np.zeros(8))
    with pytest.raises(ValueError, match=r"b_out has shape \(10, 1\), expected a 1-D array"):
        net.set_readout(np.zeros((10, 8)), np.zeros((10, 1)))
    with pytest.raises(ValueError, match="W_out is not a numeric array"):
        net.set_readout("abc", np.zeros(10))
    with pytest.raises(ValueError, match=r"coupling block \(0, 0\) is not allowed by the module graph"):
        net.set_coupling_block(0, 0, [[0.0] * 4] * 4)
