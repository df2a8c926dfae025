"""Analyses of trained networks from Python (`roro analyze dynamics | similarity | gradient-flow`)
and the lesions they compare against. See docs/analysis.md for what each analysis computes."""

import json
import os

from . import _roro
from ._certify import certify, load_certificate
from ._train import _network, _spec


class AnalysisResult:
    """One analysis: its JSON document as Python dicts and lists, and the CLI's two reports.

    Attributes:
        kind: "dynamics", "similarity" or "gradient-flow".
        data: the document (`roro analyze ... --json`; fields listed in docs/analysis.md).
    """

    def __init__(self, output):
        text, self._brief, self._full = output
        self._text = text
        self.data = json.loads(text)
        self.kind = self.data["kind"]

    def brief_report(self):
        """The report `roro analyze` prints."""
        return self._brief

    def full_report(self):
        """The report `roro analyze -v` prints (per module, full matrices, lag tables)."""
        return self._full

    def to_json(self):
        """The document as JSON text."""
        return self._text

    def save(self, path):
        """Writes the document atomically (what `roro analyze ... -o PATH` writes), e.g. into
        STUDY/analysis/ so that `roro report STUDY` draws it. Raises OSError if it cannot write."""
        _roro.save_text(os.fspath(path), self._text + "\n")

    def __getitem__(self, key):
        return self.data[key]

    def __repr__(self):
        first = self._brief.splitlines()[0] if self._brief else ""
        return f"<roro.AnalysisResult {self.kind}: {first}>"


def _certificate_for(network, certificate, use_sdp, timeout):
    """The certificate the analysis compares with: given (checked to name the model and to verify,
    in C++), or proven now."""
    if certificate is None:
        return certify(network, use_sdp=use_sdp, timeout=timeout).certificate
    if isinstance(certificate, _roro.CertificationResult):
        return certificate.certificate
    if isinstance(certificate, _roro.Certificate):
        return certificate
    return load_certificate(certificate)


def analyze_dynamics(model, data, *, certificate=None, split="test", sequences=8, offset=0, perturbation=1.0,
                     seed=0, jacobian_samples=4, equilibrium=True, constant_input=None, use_sdp=True, timeout=60.0,
                     **data_options):
    """Observed vs certified contraction per module and for the network (`roro analyze dynamics`).

    Args:
        model: a Network, a TrainingRun or a model file path.
        data: a source name with data options as keywords (see data_spec), or a DataSpec.
        certificate: a CertificationResult, Certificate or certificate file (it must name the model
            and, if certified, verify); None: certify now (use_sdp, timeout as for certify()).
        split, sequences, offset: the sequences offset .. offset + sequences - 1 of the split.
        perturbation: ||x0' - x0||_M of the second trajectory; seed: its direction.
        jacobian_samples: steps of the first sequence with a full Jacobian spectrum.
        equilibrium: solve for the equilibrium of a constant input (constant_input: one value per
            input channel; None: the mean input).

    Returns:
        AnalysisResult with kind "dynamics": certificate, network and per-module decay fits,
        participation ratios, spectra, equilibrium (with its proven error bound), violations.

    Raises:
        ValueError: bad options, data or certificate (the message names what); FileNotFoundError.
    """
    network = _network(model)
    cert = _certificate_for(network, certificate, use_sdp, timeout)
    return AnalysisResult(_roro.analyze_dynamics(
        network, cert, _spec(data, data_options), split=split, offset=offset, sequences=sequences,
        perturbation=perturbation, seed=seed, jacobian_samples=jacobian_samples, equilibrium=equilibrium,
        constant_input=constant_input))


def analyze_similarity(models, data, *, modules=None, labels=None, split="test", sequences=8, offset=0, rank=8,
                       delays=3, delay_interval=10, stride=1, skip=0, regress_inputs=True, random_starts=3,
                       state_stride=1, seed=0, **data_options):
    """Dynamical similarity (delay-embedded operators compared up to rotation) with CKA and
    Procrustes on the states, for every pair of systems (`roro analyze similarity`).

    Args:
        models: a list of Networks, TrainingRuns or model file paths (e.g. a model and
            ``roro.lesion(model, [0])``).
        data: a source name with data options as keywords, or a DataSpec.
        modules: None to compare whole networks; "all" or a list of module indices to compare those
            modules of every model instead.
        labels: one label per model (default: "model0", "model1", ... or the file stems).
        rank, delays, delay_interval, stride, skip, regress_inputs: the delay embedding.
        random_starts, seed: the rotation search; state_stride: every k-th step for CKA/Procrustes.

    Returns:
        AnalysisResult with kind "similarity": systems, and the dsa, cka and procrustes matrices.

    Raises:
        ValueError: bad options, a module a model does not have, data that do not fit.
    """
    if isinstance(models, (str, os.PathLike, _roro.Network)):
        raise TypeError("models must be a list of models (a Network, TrainingRun or path each)")
    networks = [_network(m) for m in models]
    if labels is None:
        labels = [os.path.splitext(os.path.basename(os.fspath(m)))[0] if isinstance(m, (str, os.PathLike))
                  else f"model{k}" for k, m in enumerate(models)]
    if len(labels) != len(networks):
        raise ValueError(f"labels has {len(labels)} entries for {len(networks)} models")
    systems = []
    for k, (label, network) in enumerate(zip(labels, networks)):
        if modules is None:
            systems.append((label, k, -1))
            continue
        chosen = range(network.module_count) if modules == "all" else modules
        systems.extend((f"{label}:m{i}", k, int(i)) for i in chosen)
    return AnalysisResult(_roro.analyze_similarity(
        networks, systems, _spec(data, data_options), split=split, offset=offset, sequences=sequences, rank=rank,
        delays=delays, delay_interval=delay_interval, stride=stride, skip=skip, regress_inputs=regress_inputs,
        random_starts=random_starts, state_stride=state_stride, seed=seed))


def analyze_gradient_flow(model, data, *, classes=(0, 1), per_class=2, certificate=None, split="test", offset=0,
                          lags=None, singular_values=6, finite_difference_directions=2, seed=0, use_sdp=True,
                          timeout=60.0, **data_options):
    """The parameter operator K and propagator P of the hidden states for two classes' sequences,
    their spectra, the objectives' credit through P, and the check against the engine's BPTT
    gradient (`roro analyze gradient-flow`).

    Args:
        model: a Network, a TrainingRun or a model file path.
        data: a classification source with data options as keywords, or a DataSpec.
        classes: the two classes (a, b); per_class: the first sequences of each from offset on.
        certificate: as for analyze_dynamics.
        lags: lags of the propagator spectra (None: T/8, T/4, T/2, T).
        singular_values: leading singular values kept; finite_difference_directions: gradient checks.

    Returns:
        AnalysisResult with kind "gradient-flow": k_singular_values, propagator, credit, engine check.
    """
    network = _network(model)
    cert = _certificate_for(network, certificate, use_sdp, timeout)
    a, b = classes
    return AnalysisResult(_roro.analyze_gradient_flow(
        network, cert, _spec(data, data_options), split=split, classes=(int(a), int(b)), per_class=per_class,
        offset=offset, lags=list(lags or []), singular_values=singular_values,
        finite_difference_directions=finite_difference_directions, seed=seed))


def lesion(model, removed, mode="state"):
    """The network with the modules ``removed`` (a list of indices) lesioned, as `roro ablate` does.

    mode: "state" (silence the module: its weights, inputs, coupling and readout), "output" (only
    its readout columns) or "coupling" (only its outgoing coupling). Raises ValueError for an index
    out of range or repeated, an empty list, or another mode."""
    return _roro.lesion(_network(model), [int(i) for i in removed], mode)
