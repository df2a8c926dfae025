"""simulate: the Euler map on (T, batch, d_in) arrays, checked against a numpy implementation."""

import numpy as np
import pytest

import roro


def numpy_euler(net, inputs):
    """x_{t+1} = x_t + alpha(-x_t + W relu(x_t) + L x_t + W_in u_t + b), x_0 = 0, in float64."""
    W, L, W_in, b, alpha = net.W, net.L, net.W_in, net.b, net.alpha
    x = np.zeros((inputs.shape[1], net.state_size))
    states = []
    for u in inputs.astype(np.float64):
        x = x + alpha * (-x + np.maximum(x, 0) @ W.T + x @ L.T + u @ W_in.T + b)
        states.append(x)
    return np.stack(states)


@pytest.fixture(scope="module")
def net():
    network = roro.build("3x5", topology="all", seed=2, inputs=2, classes=4, alpha=0.3)
    rng = np.random.default_rng(0)
    network.set_input_weights(rng.normal(0, 1, (15, 2)), rng.normal(0, 0.5, 15))
    network.set_readout(rng.normal(0, 1, (4, 15)), rng.normal(0, 1, 4))
    return network


def test_double_precision_matches_numpy(net):
    inputs = np.random.default_rng(1).uniform(0, 1, (25, 3, 2))
    result = roro.simulate(net, inputs)
    expected = numpy_euler(net, inputs)
    assert result.states.dtype == np.float64 and result.states.shape == (25, 3, 15)
    assert np.allclose(result.states, expected, rtol=1e-12, atol=1e-12)
    assert np.array_equal(result.final_state, result.states[-1])
    assert np.allclose(result.logits, result.final_state @ net.W_out.T + net.b_out, rtol=1e-12, atol=1e-12)
    assert result.logits.shape == (3, 4)


def test_float32_runs_in_float32(net):
    inputs = np.random.default_rng(2).uniform(0, 1, (30, 4, 2)).astype(np.float32)
    result = roro.simulate(net, inputs)
    assert result.states.dtype == result.final_state.dtype == result.logits.dtype == np.float32
    assert np.allclose(result.states, numpy_euler(net, inputs), rtol=1e-4, atol=1e-4)
    # Each sequence of the batch is independent of the others.
    alone = roro.simulate(net, inputs[:, 2:3])
    assert np.allclose(alone.final_state[0], result.final_state[2], rtol=1e-6, atol=1e-6)


def test_without_trajectory_only_the_end_is_kept(net):
    inputs = np.ones((10, 2, 2), dtype=np.float32)
    full, short = roro.simulate(net, inputs), roro.simulate(net, inputs, trajectory=False)
    assert short.states is None
    assert np.array_equal(short.final_state, full.final_state) and np.array_equal(short.logits, full.logits)
    assert "states=(10, 2, 15)" in repr(full)


def test_non_contiguous_inputs_are_read_correctly(net):
    inputs = np.random.default_rng(3).uniform(0, 1, (3, 12, 2)).transpose(1, 0, 2)  # (12, 3, 2), not C order
    assert not inputs.flags.c_contiguous
    assert np.allclose(roro.simulate(net, inputs).states, numpy_euler(net, inputs), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("inputs,message", [
    (np.zeros((5, 3), np.float32), r"inputs has shape \(5, 3\), expected \(T, batch, d_in\) with d_in = 2"),
    (np.zeros((5, 3, 1), np.float32), r"inputs has shape \(5, 3, 1\), expected \(T, batch, d_in\) with T >= 1, "
                                      r"batch >= 1 and d_in = 2"),
    (np.zeros((0, 3, 2), np.float32), r"inputs has shape \(0, 3, 2\)"),
    (np.zeros((5, 3, 2), np.int64), r"inputs has dtype int64, expected float32 \(or float64\)"),
])
def test_bad_inputs_raise(net, inputs, message):
    with pytest.raises(ValueError, match=message):
        roro.simulate(net, inputs)


def test_a_network_is_required():
    with pytest.raises(TypeError, match="network must be a roro.Network"):
        roro.simulate("net.json", np.zeros((1, 1, 1), np.float32))
