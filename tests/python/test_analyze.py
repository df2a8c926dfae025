"""Analyses from Python: the documents `roro analyze ... --json` prints, computed in-process, with
the certificate checks and the bad-input messages of the CLI."""

import json

import numpy as np
import pytest

import roro

DATA = dict(copy_symbols=3, synthetic_steps=30, synthetic_train=10, synthetic_test=20)
CLI_DATA = ["--data", "copy", "--copy-symbols", "3", "--steps", "30", "--synthetic-train", "10",
            "--synthetic-test", "20"]


@pytest.fixture
def model(cli, tmp_path):
    path = tmp_path / "net.json"
    cli("build", "--modules", "3x4", "--kind", "sparse", "--density", "0.5", "--topology", "gw", "--seed", "2",
        "--inputs", "3", "--classes", "3", "--alpha", "0.1", "-o", path)
    return path


def without_timings(value):
    """The document without its wall-clock fields and the CLI-only 'model'/'models' names."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in ("seconds", "model", "models")}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def cli_json(cli, *args):
    return json.loads(cli("analyze", *args, "--json", *CLI_DATA).stdout)


def test_dynamics_is_the_cli_document(cli, model):
    result = roro.analyze_dynamics(model, "copy", **DATA)
    assert result.kind == "dynamics"
    assert without_timings(result.data) == without_timings(cli_json(cli, "dynamics", model))
    assert result.brief_report().startswith("dynamics: 8 sequences x 30 steps")
    assert len(result.full_report()) > len(result.brief_report())
    # What a certified model promises holds on the trajectories (the analysis lists any violation).
    assert result["certificate"]["verdict"] == "certified"
    assert result["violations"] == []


def test_similarity_of_a_model_and_its_lesion_is_the_cli_document(cli, model):
    result = roro.analyze_similarity([model, roro.lesion(model, [0])], "copy", labels=["net", "net-r0"], rank=4,
                                     **DATA)
    printed = cli_json(cli, "similarity", model, "--lesion", "0", "--rank", "4")
    for matrix in ("dsa", "dsa_lower_bound", "cka", "procrustes"):
        np.testing.assert_array_equal(np.array(result[matrix]), np.array(printed[matrix]), err_msg=matrix)
    assert [s["label"] for s in result["systems"]] == ["net", "net-r0"]
    assert result["dsa"][0][1] > 0  # removing a module changes the dynamics


def test_module_similarity_and_labels(model):
    result = roro.analyze_similarity([model], "copy", modules="all", rank=2, **DATA)
    assert [s["label"] for s in result["systems"]] == ["net:m0", "net:m1", "net:m2"]
    assert [s["role"] for s in result["systems"]] == ["hub", "spoke", "spoke"]
    dsa = np.array(result["dsa"])
    assert dsa.shape == (3, 3) and np.all(np.diag(dsa) == 0) and np.allclose(dsa, dsa.T)


def test_gradient_flow_is_the_cli_document(cli, model):
    result = roro.analyze_gradient_flow(model, "copy", classes=(0, 2), per_class=2, **DATA)
    printed = cli_json(cli, "gradient-flow", model, "--classes", "0,2", "--per-class", "2")
    # The engine check compares with a gradient summed over threads: equal to rounding, not bitwise.
    mine, theirs = without_timings(result.data), without_timings(printed)
    assert mine.pop("check")["relative_difference"] < 1e-12 and theirs.pop("check")["relative_difference"] < 1e-12
    assert mine == theirs
    assert result["objectives"]["a"]["indices"] == printed["objectives"]["a"]["indices"]


def test_save_writes_the_document(model, tmp_path):
    result = roro.analyze_dynamics(model, "copy", jacobian_samples=0, equilibrium=False, **DATA)
    result.save(tmp_path / "dyn.json")
    with open(tmp_path / "dyn.json") as f:
        assert json.load(f) == result.data
    assert "equilibrium" not in result.data or result.data["equilibrium"] is None


def test_a_foreign_or_tampered_certificate_is_refused(cli, model, tmp_path):
    other = roro.build("3x4", topology="gw", seed=9, inputs=3, classes=3, alpha=0.1)
    with pytest.raises(ValueError, match="names another model"):
        roro.analyze_dynamics(model, "copy", certificate=roro.certify(other), **DATA)
    own = tmp_path / "own.json"
    cli("certify", model, "-o", own)
    assert roro.analyze_dynamics(model, "copy", certificate=own, **DATA)["certificate"]["verdict"] == "certified"
    with open(own) as f:
        tampered = json.load(f)
    tampered["rate"] *= 2
    with open(own, "w") as f:
        json.dump(tampered, f)
    with pytest.raises(ValueError, match="does not verify for this model"):
        roro.analyze_dynamics(model, "copy", certificate=own, **DATA)


def test_bad_inputs_raise_with_the_reason(model):
    with pytest.raises(ValueError, match="the test split has 20 sequences"):
        roro.analyze_dynamics(model, "copy", sequences=50, **DATA)
    with pytest.raises(ValueError, match="constant_input has 2 values, the model takes 3 inputs"):
        roro.analyze_dynamics(model, "copy", constant_input=np.array([1.0, 2.0]), **DATA)
    with pytest.raises(ValueError, match="module 5 of a network with 3 modules"):
        roro.analyze_similarity([model], "copy", modules=[5], **DATA)
    with pytest.raises(ValueError, match="two different classes"):
        roro.analyze_gradient_flow(model, "copy", classes=(1, 1), **DATA)
    with pytest.raises(ValueError, match="class 7: the model has 3 classes"):
        roro.analyze_gradient_flow(model, "copy", classes=(0, 7), **DATA)
    with pytest.raises(ValueError, match="split 'dev'"):
        roro.analyze_dynamics(model, "copy", split="dev", **DATA)
    with pytest.raises(ValueError, match="labels has 1 entries for 2 models"):
        roro.analyze_similarity([model, model], "copy", labels=["a"], **DATA)
    with pytest.raises(ValueError):
        roro.lesion(model, [9])
    with pytest.raises(TypeError):
        roro.analyze_similarity(model, "copy", **DATA)
    with pytest.raises(FileNotFoundError):
        roro.analyze_dynamics("no-such-model.json", "copy", **DATA)
