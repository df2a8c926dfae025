"""Training from Python: the Trainer (the engine behind `roro train`), the whole `roro train`
flow in train()/resume(), and evaluate() (`roro eval`)."""

import os

from . import _roro
from ._certify import certify, verify
from ._network import load
from ._paths import require_directory, require_file

_DATA_OPTIONS = ("permuted", "perm_seed", "validation", "data_seed", "synthetic_train", "synthetic_test",
                 "synthetic_steps", "copy_symbols", "limit_train", "limit_test")


class TrainingDiverged(RuntimeError):
    """Training hit NaN/Inf (loss, gradient or parameters); the last good checkpoint is kept and no
    model is written. ``summary`` holds the TrainingSummary."""

    def __init__(self, message, summary):
        super().__init__(message)
        self.summary = summary


def data_spec(source, *, permuted=False, perm_seed=0, validation=0, data_seed=0, synthetic_train=10000,
              synthetic_test=1000, synthetic_steps=100, copy_symbols=8, limit_train=0, limit_test=0):
    """What data to load (the --data flags of `roro train` / `roro eval`).

    Args:
        source: "fashion-mnist", "mnist", "idx:DIR", "cifar10:DIR", "adding" or "copy".
        permuted, perm_seed: a fixed seeded permutation of the time steps.
        validation: sequences carved out of the training set (0 = none).
        data_seed: seed of the validation split and of the synthetic tasks.
        synthetic_train, synthetic_test, synthetic_steps, copy_symbols: the synthetic tasks.
        limit_train, limit_test: keep only the first K sequences (0 = all).

    Returns:
        DataSpec. Raises ValueError naming the bad field.
    """
    spec = _roro.DataSpec()
    spec.source = source
    spec.permuted = permuted
    spec.perm_seed = perm_seed
    spec.validation = validation
    spec.seed = data_seed
    spec.synthetic_train = synthetic_train
    spec.synthetic_test = synthetic_test
    spec.synthetic_steps = synthetic_steps
    spec.copy_symbols = copy_symbols
    spec.limit_train = limit_train
    spec.limit_test = limit_test
    ok, error = spec.is_valid()
    if not ok:
        raise ValueError(error)
    return spec


def _spec(data, data_options):
    unknown = sorted(set(data_options) - set(_DATA_OPTIONS))
    if unknown:
        raise TypeError(f"unexpected keyword argument(s) {', '.join(unknown)} (data options are "
                        f"{', '.join(_DATA_OPTIONS)})")
    if isinstance(data, _roro.DataSpec):
        if data_options:
            raise TypeError("data options cannot be combined with a DataSpec")
        ok, error = data.is_valid()
        if not ok:
            raise ValueError(error)
        return data
    if not isinstance(data, str):
        raise TypeError(f"data must be a source name (e.g. 'fashion-mnist') or a roro.DataSpec, got "
                        f"{type(data).__name__}")
    return data_spec(data, **data_options)


def _network(model):
    if isinstance(model, TrainingRun):
        return model.model
    return model if isinstance(model, _roro.Network) else load(model)


def _trainer_options(out, epochs, batch, lr, optimizer, momentum, schedule, lr_decay, lr_milestones, clip,
                     weight_decay, time_budget, threads, seed, coupling_init_scale, checkpoint_every, eval_batch,
                     test_every_epoch, euler_guard, euler_cap, euler_keep_margin, euler_check_every,
                     euler_guard_mode, log_every, allow_uncertified=False, use_sdp=True, certify_timeout=60.0,
                     lr_coupling=None, lr_modules=None, weight_decay_coupling=None, weight_decay_modules=None,
                     warmup_steps=0, keep_best=False, patience=0, min_delta=0.0, freeze_phi=False):
    options = _roro.TrainerOptions()
    options.allow_uncertified = allow_uncertified
    options.freeze_phi = freeze_phi
    options.keep_best = keep_best
    options.patience = patience
    options.min_delta = min_delta
    certify_options = options.certify
    certify_options.use_sdp = use_sdp
    certify_options.timeout_seconds = certify_timeout
    options.certify = certify_options
    options.epochs = epochs
    options.batch_size = batch
    settings = options.optimizer
    settings.kind = optimizer
    settings.learning_rate = lr
    settings.momentum = momentum
    settings.schedule = schedule
    settings.decay = lr_decay
    settings.milestones = list(lr_milestones)
    settings.clip_norm = clip
    settings.weight_decay = weight_decay
    settings.coupling_learning_rate = lr_coupling
    settings.module_learning_rate = lr_modules
    settings.coupling_weight_decay = weight_decay_coupling
    settings.module_weight_decay = weight_decay_modules
    settings.warmup_steps = warmup_steps
    options.optimizer = settings
    guard = options.euler_guard
    guard.enabled = euler_guard
    guard.cap = euler_cap
    guard.keep_margin = euler_keep_margin
    guard.check_every = euler_check_every
    guard.mode = euler_guard_mode
    options.euler_guard = guard
    options.time_budget_seconds = time_budget
    options.threads = threads
    options.seed = 0 if seed is None else seed
    options.reinitialize = False  # done before the trainer sees the network (as `roro train` does)
    options.coupling_init_scale = coupling_init_scale
    options.checkpoint_every = checkpoint_every
    options.eval_batch_size = eval_batch
    options.evaluate_test_each_epoch = test_every_epoch
    options.log_every = log_every
    options.run_directory = "" if out is None else os.fspath(out)
    ok, error = options.is_valid()
    if not ok:
        raise ValueError(error)
    return options


class Trainer:
    """A training run: minibatch BPTT with Adam or SGD, the Euler guard, checkpoints and exact
    resumption (the engine of `roro train`).

    Args:
        model: a Network (not modified) or a model file path.
        data: a source name ("fashion-mnist", "mnist", "adding", "copy", "idx:DIR",
            "cifar10:DIR") with data options as keywords (see data_spec), or a DataSpec.
        out: run directory (checkpoint.json, metrics.jsonl, initial_model.json, model.json);
            None keeps nothing on disk.
        epochs, batch, lr: epochs, batch size, learning rate.
        optimizer: "adam" or "sgd" (momentum).  schedule: "constant", "step" (lr_decay at each of
            lr_milestones) or "cosine".  clip: global gradient-norm clip (0 = off).
        weight_decay: decoupled for Adam, L2 for SGD.  time_budget: seconds (0 = none).
        lr_coupling, lr_modules, weight_decay_coupling, weight_decay_modules: the coupling B's and
            the modules' own learning rate and weight decay (None: lr, weight_decay), as
            `roro train --lr-coupling ...`; W_in, b, W_out, b_out use lr and weight_decay.
        warmup_steps: linear warm-up of the rate over the first N optimizer steps (0 = none), on
            top of the schedule, as `roro train --warmup-steps`.
        keep_best, patience, min_delta: with a validation split, model.json is the best-validation
            model (keep_best; RUN/best_model.json is always kept), and early stopping after
            `patience` epochs without a validation gain of min_delta, as `roro train --keep-best
            --patience P --min-delta D`.
        freeze_phi: keep every svd module's Phi fixed (U, V and Sigma still train), as `roro train
            --freeze-phi`; by default Phi trains and the metric Phi^2 follows it.
        threads: engine threads (0 = all cores; the same count gives the same bits).
        seed: seed of the data order; given (and keep_init False), B, W_in and W_out are also
            drawn afresh from it, as `roro train --seed` does.
        coupling_init_scale: B ~ N(0, (s/sqrt(N))^2) when re-drawn.
        checkpoint_every: batches between checkpoints (0: at epoch ends only).
        eval_batch: evaluation batch size.  test_every_epoch: evaluate the test set each epoch.
        euler_guard, euler_cap, euler_keep_margin, euler_check_every, euler_guard_mode: the guard
            that keeps the Euler map contracting (see docs/training.md).
        log_every: a progress line in metrics.jsonl every N steps (0 = off).

    Raises:
        ValueError: invalid options, data that do not fit the network, or a run directory that
            already holds a checkpoint (use Trainer.resume).
    """

    def __init__(self, model, data, *, out=None, epochs=10, batch=64, lr=1e-3, optimizer="adam", momentum=0.9,
                 schedule="constant", lr_decay=0.1, lr_milestones=(), clip=0.0, weight_decay=0.0, time_budget=0.0,
                 threads=0, seed=None, keep_init=False, coupling_init_scale=0.1, checkpoint_every=0,
                 eval_batch=256, test_every_epoch=False, euler_guard=True, euler_cap=0.0, euler_keep_margin=0.5,
                 euler_check_every=1, euler_guard_mode="project", log_every=20, allow_uncertified=False,
                 use_sdp=True, certify_timeout=60.0, lr_coupling=None, lr_modules=None,
                 weight_decay_coupling=None, weight_decay_modules=None, warmup_steps=0, keep_best=False, patience=0, min_delta=0.0,
                 freeze_phi=False, **data_options):
        spec = _spec(data, data_options)
        options = _trainer_options(out, epochs, batch, lr, optimizer, momentum, schedule, lr_decay,
                                   lr_milestones, clip, weight_decay, time_budget, threads, seed,
                                   coupling_init_scale, checkpoint_every, eval_batch, test_every_epoch,
                                   euler_guard, euler_cap, euler_keep_margin, euler_check_every,
                                   euler_guard_mode, log_every, allow_uncertified, use_sdp, certify_timeout,
                                   lr_coupling, lr_modules, weight_decay_coupling, weight_decay_modules,
                                   warmup_steps, keep_best, patience, min_delta, freeze_phi)
        network = _network(model)
        if seed is not None and not keep_init:
            network = _roro.reinitialize_trained_tensors(network, seed, coupling_init_scale)
        self._impl = _roro.Trainer(network, spec, options)

    @classmethod
    def resume(cls, run_directory, *, epochs=None, time_budget=None, threads=None, checkpoint_every=None):
        """The run in ``run_directory``, continued from its checkpoint with the data it names
        (`roro train --resume`). Only these four settings may change.

        Raises FileNotFoundError if there is no checkpoint, ValueError if it is corrupt."""
        run_directory = require_directory(run_directory, "run directory")
        require_file(_roro.run_paths(run_directory)["checkpoint"], "checkpoint")
        overrides = _roro.ResumeOverrides()
        overrides.epochs = epochs
        overrides.time_budget_seconds = time_budget
        overrides.threads = threads
        overrides.checkpoint_every = checkpoint_every
        trainer = cls.__new__(cls)
        trainer._impl = _roro.Trainer.resume(run_directory, overrides)
        return trainer

    def run(self, on_progress=None, on_message=None):
        """Trains until the epochs are done, the time budget is spent, on_progress stops it, or it
        diverges. The GIL is released between callbacks.

        Args:
            on_progress: called after every batch and at every epoch end with a TrainingProgress
                (p.step, p.loss, p.epoch, p.euler_factor, ...; str(p) is a log line). Return
                None/True to continue, False or "stop" to stop cleanly (checkpoint, evaluation,
                model), "abort" to stop writing nothing more.
            on_message: called with the trainer's messages for people (guard actions).

        Ctrl-C stops the run cleanly at the next batch (checkpoint intact, model written) and then
        raises KeyboardInterrupt; an exception raised by a callback stops it the same way and is
        re-raised. Either carries a note naming the step and the run directory.

        Returns:
            TrainingSummary (termination, steps, epochs_completed, test, final_euler_factor, ...).
        """
        return self._impl.run(on_progress, on_message)

    @property
    def network(self):
        """A copy of the network with the current parameters."""
        return self._impl.network

    @property
    def options(self):
        """The TrainerOptions of the run."""
        return self._impl.options

    @property
    def data(self):
        """The DataSpec of the run's data."""
        return self._impl.data

    @property
    def step(self):
        """Optimizer steps taken so far."""
        return self._impl.step

    @property
    def epoch(self):
        """The epoch in progress (0-based)."""
        return self._impl.epoch

    @property
    def initial_euler_factor(self):
        """The Euler factor bound of the initial model (the guard's reference)."""
        return self._impl.initial_euler_factor

    @property
    def pre_training_certification(self):
        """The CertificationResult of the initial model, computed before training
        (RUN/certificate-before.json). A model that is not certified is refused at construction
        unless allow_uncertified."""
        return self._impl.pre_training_certification

    def evaluate(self, split="test", confusion=False):
        """Loss/accuracy of the current network on a split ("test", "validation", "train") of the
        run's data. Returns EvaluationStats."""
        return self._impl.evaluate(split, confusion)

    def __repr__(self):
        return (f"<roro.Trainer step {self.step}, epoch {self.epoch + 1}/{self.options.epochs}, "
                f"data {self._impl.data_description!r}>")


class TrainingRun:
    """What roro.train / roro.resume return: the summary, the trained model and its certificate.

    Attributes:
        summary: TrainingSummary (termination, steps, test accuracy, Euler factors, ...).
        model: the trained Network.
        certificate: CertificationResult of the trained model (as `roro train` certifies it).
        verification: VerificationResult of that certificate (None unless certified).
        initial_certificate: CertificationResult before training (None when resumed).
        out: the run directory, or None.
    """

    def __init__(self, summary, model, certificate, verification, initial_certificate, out):
        self.summary = summary
        self.model = model
        self.certificate = certificate
        self.verification = verification
        self.initial_certificate = initial_certificate
        self.out = out

    @property
    def certified(self):
        """True when the trained model is certified and the certificate re-verified."""
        return self.certificate.certified and bool(self.verification)

    def brief_report(self):
        """The summary, the certificate's verdict and the verification, as `roro train` prints them."""
        text = self.summary.brief_report()
        text += f"post-training certification: {self.certificate.verdict}"
        text += f" ({self.certificate.reason})\n" if self.certificate.reason else "\n"
        if self.verification is not None:
            text += f"verification: {self.verification.verdict}"
            text += f" ({self.verification.reason})\n" if self.verification.reason else "\n"
        return text

    def __repr__(self):
        return (f"<roro.TrainingRun {self.summary.termination}, {self.summary.steps} steps, "
                f"certificate {self.certificate.verdict}, out={self.out!r}>")


def _finish(trainer, summary, initial, use_sdp, certify_timeout):
    """`roro train` after Trainer::Run: certify the trained model, keep the certificate, verify it."""
    if summary.termination == "diverged":
        raise TrainingDiverged(summary.message, summary)
    model = trainer.network
    after = certify(model, use_sdp=use_sdp, timeout=certify_timeout)
    out = trainer.options.run_directory or None
    if out is not None:
        after.save(_roro.run_paths(out)["certificate"])
    verification = verify(model, after) if after.certified else None
    return TrainingRun(summary, model, after, verification, initial, out)


def train(model, data, *, out=None, seed=None, keep_init=False, coupling_init_scale=0.1, allow_uncertified=False,
          use_sdp=True, certify_timeout=60.0, on_progress=None, on_message=None, **options):
    """Trains a Sparse Combo Net the way `roro train` does, and certifies the result.

    Steps: re-draw B, W_in, W_out from ``seed`` (if given and not keep_init), certify (the Trainer does
    it and writes RUN/certificate-before.json; a refuted or inconclusive model is refused unless
    allow_uncertified), train (Trainer.run: GIL released, on_progress
    may stop it, Ctrl-C stops it cleanly and raises KeyboardInterrupt), certify the trained model,
    write RUN/certificate.json, verify it. The same model, seed and threads give the same
    model.json and certificate.json bytes as `roro train`.

    Args:
        model: a Network or a model file path.
        data: a source name with data options as keywords (see data_spec), or a DataSpec.
        out: run directory (None: nothing on disk).
        seed, keep_init, coupling_init_scale: see Trainer.
        allow_uncertified: train a model that is not certified before training (refuted or
            inconclusive); the run records it (metrics.jsonl, summary.allow_uncertified).
        use_sdp, certify_timeout: options of the certifications before and after.
        on_progress, on_message: see Trainer.run.
        **options: epochs, batch, lr, optimizer, clip, time_budget, threads, ... (see Trainer)
            and data options (permuted, validation, limit_train, ...).

    Returns:
        TrainingRun (summary, model, certificate, verification, initial_certificate, out).

    Raises:
        ValueError: bad options or data, a run directory already holding a run, or a model that
            is not certified (refuted or inconclusive) without allow_uncertified.
        TrainingDiverged: NaN/Inf during training (the last good checkpoint is kept).
    """
    network = _network(model)
    if seed is not None and not keep_init:
        network = _roro.reinitialize_trained_tensors(network, seed, coupling_init_scale)
    data_options = {k: options.pop(k) for k in list(options) if k in _DATA_OPTIONS}
    spec = _spec(data, data_options)
    if out is not None and os.path.exists(_roro.run_paths(os.fspath(out))["checkpoint"]):
        raise ValueError(f"{os.fspath(out)} already holds a run (checkpoint.json): use roro.resume("
                         f"{os.fspath(out)!r}) or another out")
    # The Trainer certifies first (RUN/certificate-before.json) and refuses an uncertified model.
    trainer = Trainer(network, spec, out=out, seed=seed, keep_init=True, coupling_init_scale=coupling_init_scale,
                      allow_uncertified=allow_uncertified, use_sdp=use_sdp, certify_timeout=certify_timeout,
                      **options)
    before = trainer.pre_training_certification
    summary = trainer.run(on_progress, on_message)
    return _finish(trainer, summary, before, use_sdp, certify_timeout)


def resume(run_directory, *, epochs=None, time_budget=None, threads=None, checkpoint_every=None, use_sdp=True,
           certify_timeout=60.0, on_progress=None, on_message=None):
    """Continues an interrupted run (`roro train --resume RUN/`), kill -9 or Ctrl-C included, and
    certifies the result. Bit-identical to an uninterrupted run with the same thread count.

    Returns TrainingRun (initial_certificate None). Raises FileNotFoundError without a checkpoint."""
    trainer = Trainer.resume(run_directory, epochs=epochs, time_budget=time_budget, threads=threads,
                             checkpoint_every=checkpoint_every)
    summary = trainer.run(on_progress, on_message)
    return _finish(trainer, summary, None, use_sdp, certify_timeout)


def evaluate(model, data, *, split="test", threads=0, batch=256, confusion=False, **data_options):
    """Loss and accuracy of a model on one split of a data set (`roro eval`).

    Args:
        model: a Network, a TrainingRun or a model file path.
        data: a source name with data options as keywords (see data_spec), or a DataSpec.
        split: "test", "validation" (needs validation=N) or "train".
        threads, batch: engine threads (0 = all cores) and evaluation batch size.
        confusion: also compute the confusion matrix (classification).

    Returns:
        EvaluationStats (loss, accuracy, count, confusion).
    """
    return _roro.evaluate(_network(model), _spec(data, data_options), split, threads, batch, confusion)
