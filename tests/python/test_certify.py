"""certify / verify from Python: the fields the CLI prints, witnesses, tampering, the GIL."""

import json
import sys
import threading

import numpy as np
import pytest

import roro


@pytest.fixture(scope="module")
def gw():
    return roro.build("4x8", topology="gw", hubs=1, seed=3, alpha=0.05)


def test_result_carries_what_the_certificate_file_says(gw, tmp_path):
    cert = roro.certify(gw)
    assert cert.verdict == "certified" and cert.certified and cert.witness is None
    cert.save(tmp_path / "cert.json")
    data = json.loads((tmp_path / "cert.json").read_text())
    assert cert.rate == data["rate"] > 0
    assert cert.euler_factor == data["discrete_factor"] < 1
    assert cert.max_alpha == data["max_alpha"] and cert.alpha == data["alpha"] == 0.05
    assert cert.coupling_rule == data["coupling_rule"] == "metric-skew"
    assert cert.certificate.model_sha256 == data["model_sha256"] == gw.sha256
    assert cert.to_dict()["certificate"] == data
    assert len(cert.modules) == 4
    for module, stored in zip(cert.modules, data["modules"]):
        assert module.method == stored["method"] == "diagonal-metzler"
        assert module.metric_source == stored["metric_source"]
        assert module.rate == stored["rate"] > 0
        assert np.array_equal(module.metric_diagonal, stored["metric_diagonal"])
        assert np.array_equal(module.metric, np.diag(stored["metric_diagonal"]))
        assert module.metric_condition >= 1 and module.kind == "sparse"
    # The network rate is the slowest module's (metric-skew coupling costs nothing).
    assert cert.rate == pytest.approx(min(m.rate for m in cert.modules), rel=1e-9)
    assert cert.slowest_module == int(np.argmin([m.rate for m in cert.modules]))
    # The metrics are the ones the network carries (closed form, as `roro build` assigns them).
    for module, block in zip(cert.modules, gw.metric_blocks):
        assert np.array_equal(module.metric, block)


def test_reports_and_repr(gw):
    cert = roro.certify(gw)
    brief, full = cert.brief_report(), cert.full_report()
    assert brief.startswith("verdict: certified\n") and f"Euler factor at alpha = 0.05: {cert.euler_factor:.6f}" in brief
    assert full.startswith(brief.split("time:")[0])
    assert sum(line.startswith("  module ") for line in full.splitlines()) == 4
    assert str(cert) == brief
    assert repr(cert).startswith("<roro.CertificationResult certified rate=") and "4 modules" in repr(cert)
    assert "diagonal-metzler" in repr(cert.modules[0])


def test_refuted_model_is_a_result_with_a_witness(cli, tmp_path):
    net = roro.from_arrays(W_blocks=[2.0 * np.eye(3), 0.1 * np.eye(2)], L=np.zeros((5, 5)), alpha=0.1)
    cert = roro.certify(net)
    assert cert.verdict == "refuted" and not cert.certified and cert.rate == 0
    witness = cert.witness
    assert witness.kind == "vertex" and "eigenvalue with real part" in witness.description
    # The witness is checkable by hand: J = -I + W D + L at its vertex has that eigenvalue.
    D = np.diag(witness.vertex_slopes)
    eigenvalues = np.linalg.eigvals(-np.eye(5) + net.W @ D + net.L)
    assert np.isclose(eigenvalues, witness.eigenvalue).any() and witness.eigenvalue.real > 0
    assert [m.method for m in cert.modules] == ["none", "diagonal-metzler"]
    assert cert.modules[0].note != ""
    assert "(witness: vertex)" in repr(cert)
    assert not roro.verify(net, cert) and roro.verify(net, cert).verdict == "inconclusive"
    net.save(tmp_path / "refuted.json")
    assert cli("certify", tmp_path / "refuted.json", check=False).returncode == 1


def test_verify_rejects_a_tampered_certificate(gw, tmp_path):
    cert = roro.certify(gw)
    check = roro.verify(gw, cert)
    assert check.valid and bool(check) and check.verdict == "certified"
    cert.save(tmp_path / "cert.json")
    data = json.loads((tmp_path / "cert.json").read_text())
    data["rate"] *= 1.5
    (tmp_path / "tampered.json").write_text(json.dumps(data))
    tampered = roro.verify(gw, tmp_path / "tampered.json")
    assert not tampered and tampered.verdict == "inconclusive" and "rate" in tampered.reason
    other = roro.build("4x8", topology="gw", hubs=1, seed=4, alpha=0.05)
    mismatch = roro.verify(other, cert)
    assert not mismatch and "model hash mismatch" in mismatch.reason and other.sha256[:16] in mismatch.reason


def test_verify_report_is_the_cli_json_without_file_names(gw, tmp_path, cli):
    cert = roro.certify(gw)
    report = roro.verify_report(gw, cert)
    assert report["verdict"] == "certified" and report["model_sha256"] == gw.sha256
    assert report["claims"]["rate"] == cert.rate and len(report["claims"]["modules"]) == 4
    gw.save(tmp_path / "net.json")
    cert.save(tmp_path / "cert.json")
    printed = json.loads(cli("verify", tmp_path / "net.json", tmp_path / "cert.json", "--json").stdout)
    assert {k: v for k, v in printed.items() if k not in ("model", "certificate")} == report
    data = json.loads((tmp_path / "cert.json").read_text())
    data["rate"] *= 1.5
    (tmp_path / "tampered.json").write_text(json.dumps(data))
    tampered = roro.verify_report(gw, tmp_path / "tampered.json")
    assert tampered["verdict"] == "inconclusive" and "rate" in tampered["reason"]


def test_store_metrics_lets_a_dense_sdp_module_join_the_metric_skew_coupling():
    w = np.kron(np.eye(4), np.array([[-5.0, -4.9], [-4.89, -5.0]]))  # only Tier 2 proves it
    sparse = roro.build("2x8", seed=5).modules[0].weights
    rng = np.random.default_rng(2)
    b = np.zeros((16, 16))
    b[:8, 8:] = 5 * rng.standard_normal((8, 8))
    b[8:, :8] = 5 * rng.standard_normal((8, 8))
    net = roro.from_arrays(W_blocks=[w, sparse], alpha=1e-5, B=b)  # a large B: a stiff L, a small Euler step
    before = roro.certify(net)
    assert before.verdict != "certified"
    change = roro.store_metrics(net, before)
    assert change["modules"][0] == 0 and change["sources"][0] == "sdp" and change["coupling_change"] > 0
    after = roro.certify(net, use_sdp=False)
    assert after.verdict == "certified" and after.coupling_rule == "metric-skew", after.full_report()
    assert roro.verify_report(net, after)["verdict"] == "certified"
    assert roro.store_metrics(net, after)["modules"] == []
    with pytest.raises(TypeError):
        roro.store_metrics("net.json", after)


def test_options_reach_the_checker(gw):
    rate_only = roro.certify(gw, rate_only=True)
    assert rate_only.certified and rate_only.rate == roro.certify(gw).rate
    assert not np.isfinite(rate_only.euler_factor) or rate_only.euler_factor == 0
    no_max = roro.certify(gw, max_alpha=False)
    assert no_max.max_alpha == 0 and no_max.euler_factor < 1
    with pytest.raises(ValueError, match="invalid options: .*timeout"):
        roro.certify(gw, timeout=-1)


def test_certify_releases_the_gil():
    """A thread that needs the GIL gets it while certify runs. With a huge switch interval the
    interpreter never takes the GIL from a running thread, so the helper can only run inside
    certify if certify released it."""
    net = roro.build("64x32", topology="gw", seed=1)  # about 0.2 s of checking
    go, ran = threading.Event(), threading.Event()

    def helper():
        go.wait()
        ran.set()

    thread = threading.Thread(target=helper)
    thread.start()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        go.set()
        roro.certify(net)
        ran_during_certify = ran.is_set()
    finally:
        sys.setswitchinterval(interval)
        thread.join()
    assert ran_during_certify
