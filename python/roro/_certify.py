"""certify / verify: the contraction checker and its solver-free re-check."""

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
    if isinstance(certificate, _roro.CertificationResult):
        certificate = certificate.certificate
    elif not isinstance(certificate, _roro.Certificate):
        certificate = load_certificate(certificate)
    return _roro.verify(_network(model), certificate)


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
