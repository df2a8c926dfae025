"""from_torch_state_dict: certify the weights of a PyTorch Sparse Combo Net. PyTorch itself is not
imported: tensors are read through their .detach().cpu().numpy(), numpy arrays are taken as they are."""

import numpy as np

from ._network import from_arrays

#: The parameter names of the PyTorch reference (../shared/anchors/torch_scn, scn.py):
#: W_blocks (p x n x n frozen modules), m (diag of the metric M, N), mask (N x N allowed coupling
#: entries), B (N x N free coupling; L = B - M^-1 B^T M), inp (N x d_in Linear), out (classes x N Linear).
SCN_KEYS = {"W_blocks": "W_blocks", "metric_diagonal": "m", "mask": "mask", "B": "B",
            "W_in": "inp.weight", "b": "inp.bias", "W_out": "out.weight", "b_out": "out.bias"}


def _numpy(value):
    if hasattr(value, "detach"):  # a torch.Tensor, without importing torch
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def from_torch_state_dict(state_dict, *, alpha, keys=None, module_kinds="sparse", slope_bound=1.0):
    """A roro Network from the state_dict of a PyTorch SCN-style model, ready for roro.certify.

    The model is x+ = x + alpha(-x + W relu(x) + L x + W_in u + b), y = W_out x_T + b_out with
    W = blkdiag(W_blocks), L = B - M^-1 B^T M on the blocks ``mask`` allows and M = diag(m): the
    PyTorch reference in ../shared/anchors/torch_scn. Coupled module pairs (feedback edges) are
    read from the mask, so a B that happens to be zero on an allowed block keeps its edge.

    Args:
        state_dict: model.state_dict() (tensors) or a dict of numpy arrays.
        alpha: the Euler step the model runs at (SparseComboNet.alpha; not in the state_dict).
        keys: parameter names if yours differ from SCN_KEYS (same keys, your names).
        module_kinds: what the modules claim ("sparse": the absolute-value condition, checked on
            import; "dense" lets the checker find a metric).
        slope_bound: g of the activation (ReLU: 1).

    Returns:
        Network (coupling metric-skew with the model's own metric, so L is the model's L).

    Raises:
        KeyError: a parameter is missing.  ValueError: the import's checks, arrays named.
    """
    names = dict(SCN_KEYS, **(keys or {}))
    get = {key: (lambda k=key: _numpy(state_dict[names[k]])) for key in names}
    blocks = get["W_blocks"]()
    if blocks.ndim != 3 or blocks.shape[1] != blocks.shape[2]:
        raise ValueError(f"from_torch_state_dict: {names['W_blocks']} has shape {blocks.shape}, expected "
                         "(p, n, n) module blocks")
    p, n = blocks.shape[0], blocks.shape[1]
    mask = get["mask"]()
    metric = get["metric_diagonal"]()
    allowed = [[bool(np.any(mask[i * n:(i + 1) * n, j * n:(j + 1) * n])) for j in range(p)] for i in range(p)]
    edges = [(i, j, "feedback") for i in range(p) for j in range(i + 1, p) if allowed[i][j] or allowed[j][i]]
    return from_arrays(W_blocks=list(blocks), B=get["B"]() * (mask != 0), M=np.diag(metric),
                       W_in=get["W_in"](), b=get["b"](), W_out=get["W_out"](), b_out=get["b_out"](),
                       alpha=alpha, slope_bound=slope_bound, module_kinds=module_kinds, edges=edges)
