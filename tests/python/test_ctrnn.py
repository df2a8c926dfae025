"""from_ctrnn_state_dict on pretend CTRNN state dicts made here (numpy arrays named like a PyTorch
CTRNN's: rnn.input2h, rnn.h2h, fc; no outside weights). The rate form is re-checked in numpy."""

import numpy as np
import pytest

import roro


def ctrnn_state_dict(n=8, d_in=3, classes=2, recurrent_scale=0.3, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "rnn.input2h.weight": rng.normal(size=(n, d_in)),
        "rnn.input2h.bias": rng.normal(size=n) * 0.1,
        "rnn.h2h.weight": rng.normal(size=(n, n)) * recurrent_scale / np.sqrt(n),
        "rnn.h2h.bias": rng.normal(size=n) * 0.1,
        "fc.weight": rng.normal(size=(classes, n)),
        "fc.bias": rng.normal(size=classes),
    }


def rate_steps(sd, alpha, inputs):
    """h <- (1 - alpha) h + alpha relu(input2h(u) + h2h(h)), as the CTRNN runs it."""
    h = np.zeros(sd["rnn.h2h.weight"].shape[0])
    for u in inputs:
        pre = sd["rnn.input2h.weight"] @ u + sd["rnn.input2h.bias"] + sd["rnn.h2h.weight"] @ h + sd["rnn.h2h.bias"]
        h = (1 - alpha) * h + alpha * np.maximum(pre, 0)
    return h, sd["fc.weight"] @ h + sd["fc.bias"]


def test_state_dict_becomes_the_same_rate_model_and_certifies():
    sd = ctrnn_state_dict()
    net = roro.from_ctrnn_state_dict(sd, dt=20, tau=100)
    assert net.form == "rate" and net.alpha == pytest.approx(0.2) and net.module_sizes == [8]
    assert np.array_equal(net.W, sd["rnn.h2h.weight"]) and not np.any(net.L)
    inputs = np.random.default_rng(1).uniform(size=(12, 1, 3))
    h, logits = rate_steps(sd, net.alpha, inputs[:, 0, :])
    out = roro.simulate(net, inputs)
    assert np.max(np.abs(out.final_state[0] - h)) < 1e-4  # float32 run
    assert np.max(np.abs(out.logits[0] - logits)) < 1e-3
    cert = roro.certify(net, use_sdp=False)
    assert cert.certified, cert.reason
    assert cert.certificate.form == "rate" and "rate form" in cert.reason
    assert roro.verify(net, cert).verdict == "certified"


def test_unstable_state_dict_is_refuted_with_a_rate_form_witness(tmp_path):
    sd = ctrnn_state_dict(seed=3)
    sd["rnn.h2h.weight"] = sd["rnn.h2h.weight"] + 1.5 * np.eye(8)  # self-excitation: -1 + 1.5 > 0
    net = roro.from_ctrnn_state_dict(sd, alpha=0.1)
    cert = roro.certify(net, use_sdp=False)
    assert cert.verdict == "refuted", cert.reason
    w = cert.witness
    assert w.kind == "vertex"
    d = np.asarray(w.vertex_slopes)
    jacobian = -np.eye(8) + np.diag(d) @ sd["rnn.h2h.weight"]  # the rate form's -I + D W
    assert np.max(np.linalg.eigvals(jacobian).real) > 0
    assert "units active" in cert.reason and "-I + D W + L" in cert.reason  # summarized, in the rate form


def test_round_trip_through_export_keeps_the_form(tmp_path):
    net = roro.from_ctrnn_state_dict(ctrnn_state_dict(), alpha=0.2)
    net.export(tmp_path / "out")
    back = roro.import_npy(tmp_path / "out")
    assert back.form == "rate" and np.array_equal(back.W, net.W)
    net.save(tmp_path / "m.json")
    assert roro.load(tmp_path / "m.json").form == "rate"


def test_alpha_must_be_given_once():
    with pytest.raises(ValueError, match="give alpha, or dt and tau"):
        roro.from_ctrnn_state_dict(ctrnn_state_dict())
    with pytest.raises(ValueError, match="give alpha, or dt and tau"):
        roro.from_ctrnn_state_dict(ctrnn_state_dict(), alpha=0.1, dt=1, tau=10)
    with pytest.raises(KeyError):
        roro.from_ctrnn_state_dict({"rnn.h2h.weight": np.eye(2)}, alpha=0.1)


def test_a_state_dict_model_trains_in_the_rate_form_and_stays_certified():
    sd = ctrnn_state_dict(d_in=2, classes=1, seed=5)
    net = roro.from_ctrnn_state_dict(sd, alpha=0.2)
    data = dict(synthetic_train=64, synthetic_test=32, synthetic_steps=12)
    before = roro.evaluate(net, "adding", **data, threads=1)
    run = roro.train(net, "adding", **data, keep_init=True, epochs=4, batch=16, lr=1e-2, threads=1, use_sdp=False)
    assert run.summary.termination == "completed"
    assert run.model.form == "rate" and np.array_equal(run.model.W, net.W)  # the module is kept
    assert run.initial_certificate.certificate.form == "rate" and run.certificate.certificate.form == "rate"
    assert run.verification.verdict == "certified"
    after = roro.evaluate(run.model, "adding", **data, threads=1)
    assert after.loss < before.loss
