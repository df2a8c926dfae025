"""from_ctrnn_state_dict: a PyTorch CTRNN (the rate form) as a roro model. PyTorch itself is not
imported: tensors are read through their .detach().cpu().numpy(), numpy arrays are taken as they are."""

import numpy as np

from ._network import from_arrays

#: The parameter names of the common CTRNN layout: an nn.Module with rnn.input2h (Linear
#: d_in -> N), rnn.h2h (Linear N -> N) and fc (Linear N -> classes), stepping
#: h <- (1 - alpha) h + alpha relu(input2h(u) + h2h(h)),  alpha = dt / tau.
CTRNN_KEYS = {"W_in": "rnn.input2h.weight", "b_in": "rnn.input2h.bias", "W": "rnn.h2h.weight",
              "b_h": "rnn.h2h.bias", "W_out": "fc.weight", "b_out": "fc.bias"}


def _numpy(value):
    if hasattr(value, "detach"):  # a torch.Tensor, without importing torch
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def from_ctrnn_state_dict(state_dict, *, alpha=None, dt=None, tau=None, keys=None, module_sizes=None,
                          slope_bound=1.0):
    """A rate-form roro Network from the state_dict of a PyTorch CTRNN, ready for roro.certify.

    The CTRNN h <- (1 - alpha) h + alpha relu(W_in u + b_in + W h + b_h) is roro's rate form
    h' = -h + relu(W h + W_in u + b) + L h with W = h2h.weight, b = input2h.bias + h2h.bias (both
    biases sit inside the nonlinearity), W_in = input2h.weight, W_out/b_out = fc, and L = 0: one
    module, or ``module_sizes`` if W is block-diagonal (uncoupled modules side by side).

    Args:
        state_dict: model.state_dict() (tensors) or a dict of numpy arrays.
        alpha: the Euler step dt / tau; or give dt and tau.
        keys: parameter names if yours differ from CTRNN_KEYS (same keys, your names).
        module_sizes: split of the N units into modules (default: one module of N).
        slope_bound: g of the activation (ReLU: 1).

    Raises:
        KeyError: a parameter is missing.  ValueError: alpha not given (or given twice), or the
        import's checks (W not block-diagonal for module_sizes, shapes, NaN), arrays named.
    """
    if (alpha is None) == (dt is None and tau is None):
        raise ValueError("from_ctrnn_state_dict: give alpha, or dt and tau (alpha = dt / tau), not both")
    if alpha is None:
        if dt is None or tau is None:
            raise ValueError("from_ctrnn_state_dict: give both dt and tau (alpha = dt / tau)")
        alpha = float(dt) / float(tau)
    names = dict(CTRNN_KEYS, **(keys or {}))
    get = {key: (lambda k=key: _numpy(state_dict[names[k]])) for key in names}
    W = get["W"]()
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"from_ctrnn_state_dict: {names['W']} has shape {W.shape}, expected (N, N)")
    b = get["b_in"]() + get["b_h"]()
    sizes = [W.shape[0]] if module_sizes is None else list(module_sizes)
    return from_arrays(W, module_sizes=sizes, alpha=alpha, W_in=get["W_in"](), b=b, W_out=get["W_out"](),
                       b_out=get["b_out"](), slope_bound=slope_bound, form="rate")
