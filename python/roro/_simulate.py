"""simulate: the network's Euler map on numpy inputs."""

import numpy as np

from . import _roro


class SimulationResult:
    """What roro.simulate returns.

    Attributes:
        states: x_1..x_T, shape (T, batch, N), or None when trajectory=False.
        final_state: x_T, shape (batch, N).
        logits: W_out x_T + b_out, shape (batch, classes).
    All in the inputs' dtype (float32 or float64).
    """

    __slots__ = ("states", "final_state", "logits")

    def __init__(self, states, final_state, logits):
        self.states = states
        self.final_state = final_state
        self.logits = logits

    def __repr__(self):
        shape = None if self.states is None else self.states.shape
        return (f"<roro.SimulationResult states={shape} final_state={self.final_state.shape} "
                f"logits={self.logits.shape} {self.final_state.dtype}>")


def simulate(network, inputs, *, trajectory=True):
    """Runs x_{t+1} = x_t + alpha(-x_t + W relu(x_t) + L x_t + W_in u_t + b) from x_0 = 0.

    Args:
        network: a Network.
        inputs: array of shape (T, batch, d_in), float32 (or float64 for a double-precision run).
        trajectory: keep every state (T x batch x N values) or only the last one.

    Returns:
        SimulationResult with states, final_state and logits.

    Raises:
        ValueError: a wrong shape ("inputs has shape (5, 3), expected (T, batch, d_in) ...") or
        dtype.
    """
    if not isinstance(network, _roro.Network):
        raise TypeError(f"network must be a roro.Network, got {type(network).__name__}")
    out = _roro.simulate(network, np.asarray(inputs), trajectory)
    return SimulationResult(out["states"], out["final_state"], out["logits"])
