"""roro: provably stable modular recurrent networks ("RNNs of RNNs") from Python.

The same C++ libraries as the ``roro`` command line, with numpy in and out::

    import numpy as np, roro
    net = roro.build(modules="16x32", kind="sparse", density=0.1, scale=0.5, topology="gw", hubs=1,
                     alpha=0.005, seed=3)                 # the same recipe as `roro build`
    cert = roro.certify(net)                              # CertificationResult
    print(cert.verdict, cert.rate, cert.euler_factor, cert.max_alpha); print(cert.full_report())
    roro.verify(net, cert)                                # re-check without any solver
    net.save("net.json"); net2 = roro.load("net.json")
    W, L, M = net.W, net.L, net.metric                    # numpy arrays
    traj = roro.simulate(net, inputs)                     # inputs: (T, batch, d_in) float32
    run = roro.train(net, data="fashion-mnist", epochs=1, batch=64, lr=2e-3, out="run/")
    acc = roro.evaluate(run.model, data="fashion-mnist").accuracy
    dyn = roro.analyze_dynamics(run.model, data="fashion-mnist")   # observed vs certified rates

Bad input raises ValueError with the library's message (naming the field and the value); a missing
file raises FileNotFoundError, a file that cannot be written OSError. A refuted model is a result
(``cert.verdict == "refuted"``, ``cert.witness``), never an exception. See docs/python.md.
"""

from . import _roro
from ._roro import (
    CallbackReturn,
    Certificate,
    CertificationResult,
    CertifyOptions,
    DataSpec,
    EvaluationStats,
    GenerationError,
    Module,
    ModuleCertificate,
    ModuleResult,
    Network,
    RefutationWitness,
    TrainerOptions,
    TrainingProgress,
    TrainingSummary,
    VerificationResult,
)
from ._network import build, export, from_arrays, import_npy, load
from ._certify import certify, load_certificate, store_metrics, verify, verify_report
from ._simulate import SimulationResult, simulate
from ._train import Trainer, TrainingDiverged, TrainingRun, data_spec, evaluate, resume, train
from ._torch import from_torch_state_dict
from ._analyze import AnalysisResult, analyze_dynamics, analyze_gradient_flow, analyze_similarity, lesion
from ._ctrnn import from_ctrnn_state_dict

__version__ = "0.1.0"

__all__ = [
    "build", "load", "from_arrays", "from_torch_state_dict", "from_ctrnn_state_dict", "export", "import_npy",
    "certify", "verify", "verify_report", "store_metrics", "load_certificate",
    "simulate", "SimulationResult",
    "analyze_dynamics", "analyze_similarity", "analyze_gradient_flow", "lesion", "AnalysisResult",
    "data_spec", "train", "resume", "evaluate", "Trainer", "TrainingRun", "TrainingDiverged",
    "Network", "Module", "CertificationResult", "Certificate", "ModuleResult", "ModuleCertificate",
    "RefutationWitness", "VerificationResult", "CertifyOptions", "DataSpec", "TrainerOptions",
    "TrainingProgress", "TrainingSummary", "EvaluationStats", "CallbackReturn", "GenerationError",
]
