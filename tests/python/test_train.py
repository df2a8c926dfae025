"""Training from Python: the same model as `roro train`, callbacks that stop a run, Ctrl-C, resume,
evaluation, the GIL, and bad options."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import roro
from conftest import read_bytes

# A copy task small enough to train in well under a second.
DATA = dict(synthetic_train=256, synthetic_test=64, synthetic_steps=20)
CLI_DATA = ["--data", "copy", "--synthetic-train", "256", "--synthetic-test", "64", "--steps", "20"]


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "net.json"
    roro.build("4x8", topology="gw", hubs=1, seed=3, alpha=0.05, inputs=8, classes=8).save(path)
    return path


def test_python_training_gives_the_model_of_roro_train(cli, model, tmp_path):
    cli("train", "--model", model, *CLI_DATA, "--epochs", "2", "--batch", "32", "--lr", "2e-3", "--clip", "1",
        "--seed", "1", "--threads", "1", "--checkpoint-every", "3", "--out", tmp_path / "cli")
    run = roro.train(model, "copy", **DATA, epochs=2, batch=32, lr=2e-3, clip=1.0, seed=1, threads=1,
                     checkpoint_every=3, out=tmp_path / "py")
    for name in ("initial_model.json", "model.json", "certificate.json"):
        assert read_bytes(tmp_path / "py" / name) == read_bytes(tmp_path / "cli" / name), name
    assert run.summary.termination == "completed" and run.summary.steps == 16 and run.summary.epochs_completed == 2
    assert run.model == roro.load(tmp_path / "cli" / "model.json")
    assert run.certified and run.certificate.verdict == "certified" and run.initial_certificate.certified
    assert run.out == str(tmp_path / "py")
    assert "post-training certification: certified" in run.brief_report()
    # The trained tensors moved; the frozen modules and metric did not.
    initial = roro.load(tmp_path / "py" / "initial_model.json")
    assert not np.array_equal(initial.B, run.model.B)
    assert np.array_equal(initial.W, run.model.W) and np.array_equal(initial.metric, run.model.metric)


def test_group_learning_rates_give_the_model_of_roro_train(cli, model, tmp_path):
    groups = ["--lr-coupling", "5e-4", "--weight-decay-coupling", "0.1", "--lr-modules", "1e-3"]
    cli("train", "--model", model, *CLI_DATA, "--epochs", "1", "--batch", "32", "--lr", "2e-3", *groups,
        "--seed", "1", "--threads", "1", "--out", tmp_path / "cli")
    roro.train(model, "copy", **DATA, epochs=1, batch=32, lr=2e-3, lr_coupling=5e-4, weight_decay_coupling=0.1,
               lr_modules=1e-3, seed=1, threads=1, out=tmp_path / "py")
    assert read_bytes(tmp_path / "py" / "model.json") == read_bytes(tmp_path / "cli" / "model.json")
    plain = roro.train(model, "copy", **DATA, epochs=1, batch=32, lr=2e-3, seed=1, threads=1)
    assert plain.model != roro.load(tmp_path / "py" / "model.json")
    with pytest.raises(ValueError, match="--lr-coupling"):
        roro.train(model, "copy", **DATA, epochs=1, lr_coupling=-1.0)


def test_warmup_gives_the_model_of_roro_train(cli, model, tmp_path):
    cli("train", "--model", model, *CLI_DATA, "--epochs", "1", "--batch", "32", "--lr", "2e-3", "--warmup-steps", "3",
        "--seed", "1", "--threads", "1", "--out", tmp_path / "cli")
    roro.train(model, "copy", **DATA, epochs=1, batch=32, lr=2e-3, warmup_steps=3, seed=1, threads=1,
               out=tmp_path / "py")
    assert read_bytes(tmp_path / "py" / "model.json") == read_bytes(tmp_path / "cli" / "model.json")
    plain = roro.train(model, "copy", **DATA, epochs=1, batch=32, lr=2e-3, seed=1, threads=1)
    assert plain.model != roro.load(tmp_path / "py" / "model.json")
    with pytest.raises(ValueError, match="--warmup-steps"):
        roro.train(model, "copy", **DATA, epochs=1, warmup_steps=-1)


def test_keep_best_and_early_stopping(model, tmp_path):
    run = roro.train(model, "copy", **DATA, validation=64, epochs=4, batch=64, lr=2e-3, seed=1, threads=1,
                     keep_best=True, patience=1, min_delta=1e9, out=tmp_path / "run")
    assert run.summary.termination == "early-stopped"
    assert run.summary.epochs_completed == 2
    assert run.summary.kept_best and run.summary.best_epoch in (1, 2)
    assert read_bytes(tmp_path / "run" / "model.json") == read_bytes(tmp_path / "run" / "best_model.json")
    with pytest.raises(ValueError, match="--val"):
        roro.train(model, "copy", **DATA, epochs=1, keep_best=True)


def test_keep_init_trains_the_model_as_it_is(cli, model, tmp_path):
    cli("train", "--model", model, *CLI_DATA, "--epochs", "1", "--batch", "64", "--seed", "2", "--keep-init",
        "--threads", "1", "--out", tmp_path / "cli")
    roro.train(model, "copy", **DATA, epochs=1, batch=64, seed=2, keep_init=True, threads=1, out=tmp_path / "py")
    assert read_bytes(tmp_path / "py" / "model.json") == read_bytes(tmp_path / "cli" / "model.json")
    assert read_bytes(tmp_path / "py" / "initial_model.json") == read_bytes(model)


def test_trainer_api(model):
    trainer = roro.Trainer(model, "copy", **DATA, epochs=1, batch=64, threads=1, seed=1)
    assert trainer.step == 0 and trainer.options.epochs == 1 and trainer.data.source == "copy"
    before = trainer.evaluate()
    seen = []
    summary = trainer.run(on_progress=lambda p: seen.append((p.event, p.step, p.loss)))
    assert summary.termination == "completed" and summary.steps == 4 and trainer.step == 4
    assert [s for e, s, _ in seen if e == "batch"] == [1, 2, 3, 4] and seen[-1][0] == "epoch_end"
    assert all(np.isfinite(loss) for e, _, loss in seen if e == "batch")
    after = trainer.evaluate()
    assert after.count == before.count == 64 and after.loss != before.loss
    assert summary.test.loss == after.loss
    assert trainer.evaluate("train").count == 256
    with pytest.raises(ValueError, match="the validation split of copy is empty"):
        trainer.evaluate("validation")
    assert "step 4" in repr(trainer)


def test_callback_stops_a_run_and_resume_finishes_it_bit_identically(model, tmp_path):
    def stop_at_step_3(progress):
        return progress.step < 3

    stopped = roro.train(model, "copy", **DATA, epochs=2, batch=32, seed=1, threads=1, out=tmp_path / "stopped",
                         on_progress=stop_at_step_3)
    assert stopped.summary.termination == "stopped" and stopped.summary.steps == 3
    assert os.path.exists(tmp_path / "stopped" / "checkpoint.json")
    assert os.path.exists(tmp_path / "stopped" / "model.json")
    resumed = roro.resume(tmp_path / "stopped", threads=1)
    assert resumed.summary.termination == "completed" and resumed.summary.steps == 16
    straight = roro.train(model, "copy", **DATA, epochs=2, batch=32, seed=1, threads=1, out=tmp_path / "straight")
    assert read_bytes(tmp_path / "stopped" / "model.json") == read_bytes(tmp_path / "straight" / "model.json")
    assert resumed.model == straight.model


@pytest.mark.parametrize("answer,termination", [(False, "stopped"), ("stop", "stopped"),
                                                (roro.CallbackReturn.STOP, "stopped"),
                                                ("abort", "aborted"), (roro.CallbackReturn.ABORT, "aborted")])
def test_callback_answers(model, tmp_path, answer, termination):
    trainer = roro.Trainer(model, "copy", **DATA, epochs=1, batch=32, threads=1, out=tmp_path / "run")
    summary = trainer.run(on_progress=lambda p: answer if p.step == 2 else None)
    assert summary.termination == termination and summary.steps == 2
    assert os.path.exists(tmp_path / "run" / "model.json") == (termination == "stopped")


def test_callback_with_a_bad_answer_raises_type_error(model, tmp_path):
    trainer = roro.Trainer(model, "copy", **DATA, epochs=1, batch=32, threads=1, out=tmp_path / "run")
    with pytest.raises(TypeError, match=r"on_progress returned 5; expected None or True") as error:
        trainer.run(on_progress=lambda p: 5)
    assert any("roro: training stopped at step 1" in note for note in error.value.__notes__)


def test_an_exception_in_the_callback_stops_the_run_cleanly(model, tmp_path):
    def explode(progress):
        if progress.step == 2:
            raise RuntimeError("boom")

    trainer = roro.Trainer(model, "copy", **DATA, epochs=1, batch=32, threads=1, out=tmp_path / "run")
    with pytest.raises(RuntimeError, match="boom") as error:
        trainer.run(on_progress=explode)
    assert error.value.__notes__ == [f"roro: training stopped at step 2 (stopped); checkpoint in {tmp_path / 'run'} "
                                     f"(roro.resume('{tmp_path / 'run'}') continues the run)"]
    assert trainer.step == 2
    checkpoint = json.loads((tmp_path / "run" / "checkpoint.json").read_text())
    assert checkpoint["counters"]["global_step"] == 2


SIGINT_CHILD = textwrap.dedent("""
    import sys, roro
    try:
        roro.train(sys.argv[1], "copy", synthetic_train=256, synthetic_test=64, synthetic_steps=50, epochs=100000,
                   batch=32, seed=1, threads=1, log_every=1, out=sys.argv[2])
    except KeyboardInterrupt as interrupt:
        print("KeyboardInterrupt", *getattr(interrupt, "__notes__", []), flush=True)
        sys.exit(3)
    print("finished without an interrupt", flush=True)
""")


def test_ctrl_c_stops_training_cleanly_at_the_next_batch(cli, model, tmp_path):
    run = tmp_path / "run"
    child = subprocess.Popen([sys.executable, "-c", SIGINT_CHILD, str(model), str(run)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=os.environ)
    try:
        deadline = time.monotonic() + 120
        while not (run / "metrics.jsonl").exists() or not (run / "metrics.jsonl").read_text().strip():
            assert child.poll() is None and time.monotonic() < deadline, child.communicate()
            time.sleep(0.05)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 3, err
    assert out.startswith("KeyboardInterrupt roro: training stopped at step ") and f"checkpoint in {run}" in out
    step = int(out.split("at step ")[1].split()[0])
    checkpoint = json.loads((run / "checkpoint.json").read_text())
    assert checkpoint["counters"]["global_step"] == step > 0
    assert os.path.exists(run / "model.json")
    # The checkpoint is intact: the CLI resumes it, to the end of the epoch in progress ...
    epochs = checkpoint["counters"]["epoch"] + 1
    cli("train", "--resume", run, "--epochs", epochs)
    # ... and that equals a run that was never interrupted.
    roro.train(model, "copy", synthetic_train=256, synthetic_test=64, synthetic_steps=50, epochs=epochs, batch=32,
               seed=1, threads=1, out=tmp_path / "straight")
    assert read_bytes(run / "model.json") == read_bytes(tmp_path / "straight" / "model.json")


def test_training_releases_the_gil(model):
    """A helper thread that needs the GIL runs between two callbacks only if the trainer released it
    (the huge switch interval keeps the interpreter from handing it over by itself)."""
    go, ran = threading.Event(), threading.Event()
    observed = []

    def helper():
        go.wait()
        ran.set()

    def on_progress(progress):
        if progress.step == 1 and progress.event == "batch":
            go.set()
        elif progress.event == "epoch_end":
            observed.append(ran.is_set())

    thread = threading.Thread(target=helper)
    thread.start()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        # 16 batches of about a millisecond each: time enough for the helper to be scheduled.
        roro.Trainer(model, "copy", synthetic_train=512, synthetic_test=64, synthetic_steps=200, epochs=1, batch=32,
                     threads=1).run(on_progress=on_progress)
    finally:
        sys.setswitchinterval(interval)
        go.set()
        thread.join()
    assert observed == [True]


def test_evaluate_matches_roro_eval(cli, model, tmp_path):
    run = roro.train(model, "copy", **DATA, epochs=1, batch=32, seed=1, threads=1, out=tmp_path / "run")
    printed = json.loads(cli("eval", tmp_path / "run" / "model.json", *CLI_DATA, "--confusion", "--json").stdout)
    for model_argument in (run, run.model, tmp_path / "run" / "model.json"):
        stats = roro.evaluate(model_argument, "copy", **DATA, confusion=True)
        assert stats.count == printed["count"] == 64
        assert stats.loss == pytest.approx(printed["loss"], rel=1e-15)
        assert stats.accuracy == pytest.approx(printed["accuracy"], rel=1e-15)
        assert stats.confusion.tolist() == printed["confusion"]
    assert roro.evaluate(run, "copy", **DATA).confusion is None
    train = roro.evaluate(run, roro.data_spec("copy", **DATA), split="train")
    assert train.count == 256


def test_a_refuted_model_is_not_trained(tmp_path):
    refuted = roro.from_arrays(W_blocks=[2.0 * np.eye(4), 0.1 * np.eye(4)], L=np.zeros((8, 8)),
                               W_in=np.zeros((8, 8)), W_out=np.zeros((8, 8)), alpha=0.1)
    with pytest.raises(ValueError, match=r"refusing to train a model that is not certified: the pre-training "
                                         r"certification is refuted \(.*\).*allow_uncertified"):
        roro.train(refuted, "copy", **DATA, epochs=1, out=tmp_path / "run")
    # Only the pre-training certificate, which says why.
    assert os.listdir(tmp_path / "run") == ["certificate-before.json"]


def test_allow_uncertified_trains_and_the_run_records_it(tmp_path):
    refuted = roro.from_arrays(W_blocks=[2.0 * np.eye(4), 0.1 * np.eye(4)], L=np.zeros((8, 8)),
                               W_in=np.zeros((8, 8)), W_out=np.zeros((8, 8)), alpha=0.1)
    run = roro.train(refuted, "copy", **DATA, epochs=1, threads=1, out=tmp_path / "run", allow_uncertified=True)
    assert run.initial_certificate.verdict == "refuted"
    assert run.summary.pre_training_verdict == "refuted"
    assert run.summary.allow_uncertified and run.summary.trained_uncertified
    assert "UNCERTIFIED: the model was refuted before training" in run.summary.brief_report()
    with open(tmp_path / "run" / "metrics.jsonl") as log:
        lines = [json.loads(line) for line in log]
    assert lines[0]["type"] == "start" and lines[0]["allow_uncertified"] is True
    assert lines[-1]["type"] == "end" and lines[-1]["pre_training_verdict"] == "refuted"
    options = roro.Trainer.resume(tmp_path / "run", epochs=2)._impl.options
    assert options.allow_uncertified  # resume keeps the run's choice


@pytest.mark.parametrize("keywords,error,message", [
    (dict(epochs=0), ValueError, "epochs must be >= 1, got 0"),
    (dict(batch=0), ValueError, "batch size must be >= 1, got 0"),
    (dict(lr=-1.0), ValueError, "learning rate must be > 0, got -1"),
    (dict(optimizer="rmsprop"), ValueError, "optimizer must be adam or sgd, got 'rmsprop'"),
    (dict(schedule="step"), ValueError, "the step schedule needs --lr-milestones"),
    (dict(euler_cap=1.5), ValueError, r"Euler cap must be in \(0, 1\] \(or 0: relative\), got 1.5"),
    (dict(euler_guard_mode="clip"), ValueError, "Euler guard mode must be project or halve, got 'clip'"),
    (dict(threads=-1), ValueError, r"threads must be >= 0 \(0 = all cores\), got -1"),
    (dict(synthetic_steps=0), ValueError, "synthetic_steps 0 must be >= 1 for copy"),
    (dict(limit_train=-2), ValueError, r"limit_train -2 must be >= 0 \(0 = all\)"),
    (dict(colour="red"), TypeError, r"unexpected keyword argument\(s\) colour"),
])
def test_bad_training_options_raise(model, keywords, error, message):
    with pytest.raises(error, match=message):
        roro.Trainer(model, "copy", **(DATA | keywords))


def test_bad_data_raise(model, tmp_path):
    with pytest.raises(ValueError, match="data source 'nope' is not one of fashion-mnist, mnist, idx:DIR"):
        roro.train(model, "nope", out=tmp_path / "run")
    with pytest.raises(ValueError, match=r"data set 'copy/train': input size 8 but the model takes 1 input channel"):
        roro.Trainer(roro.build("2x4", seed=1), "copy", **DATA)
    with pytest.raises(ValueError, match=r"idx data: neither /nonexistent/train-images-idx3-ubyte nor"):
        roro.evaluate(model, "idx:/nonexistent")
    with pytest.raises(TypeError, match="data must be a source name"):
        roro.evaluate(model, 42)
    with pytest.raises(ValueError, match=r"split \"validation\" needs a validation set"):
        roro.evaluate(model, "copy", split="validation", **DATA)


def test_a_run_directory_is_not_reused_and_resume_needs_a_checkpoint(model, tmp_path):
    roro.train(model, "copy", **DATA, epochs=1, batch=64, threads=1, out=tmp_path / "run")
    with pytest.raises(ValueError, match=r"already holds a run \(checkpoint.json\): use roro.resume"):
        roro.train(model, "copy", **DATA, epochs=1, out=tmp_path / "run")
    with pytest.raises(ValueError, match="checkpoint"):
        roro.Trainer(model, "copy", **DATA, epochs=1, out=tmp_path / "run")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="checkpoint '.*checkpoint.json' does not exist"):
        roro.resume(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="run directory"):
        roro.resume(tmp_path / "missing")


FASHION = "/usr/share/datasets/fashion-mnist"


@pytest.mark.skipif(not os.path.isdir(FASHION) and "RORO_DATA_DIR" not in os.environ,
                    reason="Fashion-MNIST (dataset-fashion-mnist) is not installed")
def test_the_issue_example_on_fashion_mnist(cli, tmp_path):
    net = roro.build("4x8", kind="sparse", density=0.1, scale=0.5, topology="gw", hubs=1, alpha=0.005, seed=3)
    steps = []
    run = roro.train(net, data="fashion-mnist", limit_train=128, limit_test=64, epochs=1, batch=64, lr=2e-3,
                     threads=1, out=tmp_path / "run", on_progress=lambda p: steps.append(p.step))
    assert run.summary.steps == 2 and steps[:2] == [1, 2]
    acc = roro.evaluate(run.model, data="fashion-mnist", limit_test=64)
    printed = json.loads(cli("eval", tmp_path / "run" / "model.json", "--data", "fashion-mnist", "--limit-test", "64",
                             "--json").stdout)
    assert acc.count == 64 and acc.accuracy == pytest.approx(printed["accuracy"], rel=1e-15)


def test_trainer_and_data_defaults_are_the_cli_defaults():
    import inspect
    defaults = {k: p.default for k, p in inspect.signature(roro.Trainer.__init__).parameters.items()}
    options = roro.TrainerOptions()
    settings, guard = options.optimizer, options.euler_guard
    for name, value in [("epochs", options.epochs), ("batch", options.batch_size), ("lr", settings.learning_rate),
                        ("optimizer", settings.kind), ("momentum", settings.momentum), ("schedule", settings.schedule),
                        ("lr_decay", settings.decay), ("clip", settings.clip_norm),
                        ("weight_decay", settings.weight_decay), ("time_budget", options.time_budget_seconds),
                        ("threads", options.threads), ("coupling_init_scale", options.coupling_init_scale),
                        ("checkpoint_every", options.checkpoint_every), ("eval_batch", options.eval_batch_size),
                        ("test_every_epoch", options.evaluate_test_each_epoch), ("euler_guard", guard.enabled),
                        ("euler_cap", guard.cap), ("euler_keep_margin", guard.keep_margin),
                        ("euler_check_every", guard.check_every), ("euler_guard_mode", guard.mode),
                        ("log_every", options.log_every)]:
        assert defaults[name] == value, name
    assert list(defaults["lr_milestones"]) == settings.milestones
    spec = roro.DataSpec()
    data = {k: p.default for k, p in inspect.signature(roro.data_spec).parameters.items()}
    for name, value in [("permuted", spec.permuted), ("perm_seed", spec.perm_seed), ("validation", spec.validation),
                        ("data_seed", spec.seed), ("synthetic_train", spec.synthetic_train),
                        ("synthetic_test", spec.synthetic_test), ("synthetic_steps", spec.synthetic_steps),
                        ("copy_symbols", spec.copy_symbols), ("limit_train", spec.limit_train),
                        ("limit_test", spec.limit_test)]:
        assert data[name] == value, name
