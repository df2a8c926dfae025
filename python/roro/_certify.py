"""certify / verify: the contraction checker and its solver-free re-check."""

import json
import os

from . import _roro
from ._network import load
from ._paths import require_file

CertificationResult = _roro.CertificationResult
Certificate = _roro.Certificate


def _network(model):
    return model if isinstance(model, _roro.Network) else load(model)


def certify(model, *, rate_only=False, max_alpha=True, use_sdp=True, csdp=None, timeout=60.0):
    """Proves (or refutes) that the network contracts: what `roro certify` does.

    The GIL is released while the checker runs, so other Python threads keep going.

    Args:
        model: a Network, or the path of a model file.
        rate_only: continuous-time rate only (skip the Euler factor; the verdict ignores alpha).
        max_alpha: also report the largest alpha keeping the Euler map contracting.
        use_sdp: allow Tier 2 (metric LMI by SDP through the csdp program) where Tier 1 fails.
        csdp: path of the csdp executable (default: csdp on PATH).
        timeout: wall-clock budget in seconds; exceeded -> "inconclusive".

    Returns:
        CertificationResult: verdict ("certified", "refuted", "inconclusive"), rate,
        euler_factor, max_alpha, modules (per-module method, rate, metric), witness (for a
        refutation), certificate, brief_report(), full_report(), save(path).

    Raises:
        ValueError: invalid options, or a network holding NaN/Inf. A refuted model is a result.
    """
    options = _roro.CertifyOptions()
    options.rate_only = rate_only
    options.compute_max_alpha = max_alpha
    options.use_sdp = use_sdp
    if csdp is not None:
        options.csdp_path = os.fspath(csdp)
    options.timeout_seconds = timeout
    ok, error = options.is_valid()
    if not ok:
        raise ValueError("invalid options: " + error)
    return _roro.certify(_network(model), options)


def verify(model, certificate):
    """Re-checks a certificate against a network without any solver (`roro verify`).

    Args:
        model: a Network or a model file path.
        certificate: a CertificationResult, a Certificate, or a certificate file path.

    Returns:
        VerificationResult: ``valid`` (also its truth value), ``verdict``, ``reason``. A
        tampered or mismatched certificate is not valid; it does not raise.
    """
    return _roro.verify(_network(model), _as_certificate(certificate))


def verify_report(model, certificate):
    """The re-check as a dict: what `roro verify --json` prints, without the file names.

    Args:
        model: a Network or a model file path.
        certificate: a CertificationResult, a Certificate, or a certificate file path.

    Returns:
        dict: ``verdict`` ("certified" iff every claim was re-proven), ``reason``,
        ``model_sha256``, ``certificate_model_sha256``, ``verification`` and ``claims`` (rate,
        slope_bound, alpha, discrete_factor, coupling_rule, coupling_residual, coupling_groups,
        and ``modules``: index, method, metric_source, rate, euler_factor; None where unproven).
    """
    return json.loads(_roro.verification_report(_network(model), _as_certificate(certificate)))


def store_metrics(network, result):
    """Stores the module metrics a certification proved in the network, in place
    (`roro certify --store-metric`).

    Every module proven in a metric other than the stored one (closed form, eigen-metric, SDP)
    gets that metric as its stored block, with the sector multiplier of a sector-LMI proof, so
    that certifying again re-proves it without a solver. For a metric-skew coupling L = B - M^-1
    B^T M is re-derived from the kept B: the network changes; certify it again.

    Args:
        network: the Network that was certified (a model file path is not accepted: the
            network is changed in place; load it, store, then save()).
        result: its CertificationResult or Certificate.

    Returns:
        dict: ``modules`` (indices changed), ``sources`` (their metric sources),
        ``coupling_change`` (max |dL|), ``summary`` (one line).

    Raises:
        ValueError: the certificate speaks for another model.
    """
    if not isinstance(network, _roro.Network):
        raise TypeError("store_metrics changes a Network in place; got " + type(network).__name__)
    modules, sources, change, summary = _roro.store_certificate_metrics(network, _as_certificate(result))
    return {"modules": list(modules), "sources": list(sources), "coupling_change": change, "summary": summary}


def _as_certificate(certificate):
    if isinstance(certificate, _roro.CertificationResult):
        return certificate.certificate
    if isinstance(certificate, _roro.Certificate):
        return certificate
    return load_certificate(certificate)


def load_certificate(path):
    """Reads a certificate file (roro-certificate JSON).

    Raises FileNotFoundError if it does not exist, ValueError naming the field if it is malformed."""
    return _roro.load_certificate(require_file(path, "certificate"))


def _save_certificate(self, path):
    """Writes the certificate atomically: the bytes `roro certify -o PATH` writes.

    Raises OSError if it cannot be written."""
    certificate = self.certificate if isinstance(self, _roro.CertificationResult) else self
    _roro.save_certificate(certificate, os.fspath(path))


def _to_dict(self):
    """The JSON report (`roro certify --json` for a result, the file's content for a certificate)
    as Python dicts and lists."""
    import json
    return json.loads(self.to_json())


CertificationResult.save = _save_certificate
Certificate.save = _save_certificate
CertificationResult.to_dict = _to_dict
Certificate.to_dict = _to_dict
