"""Networks: build (the `roro build` recipe), load/save, export/import of .npy directories, and
networks from user arrays (the `roro import` code path)."""

import json
import numbers
import os
import tempfile

import numpy as np

from . import _roro
from ._paths import require_directory, require_file

Network = _roro.Network


def build(modules="16x32", kind="sparse", *, density=0.1, scale=0.5, spectral_bound=0.9,
          negative_bound=None, topology="all", hubs=1, keep=0.3, extra=0.1, edges_file=None,
          seed=0, alpha=0.005, slope_bound=1.0, inputs=1, classes=10, coupling_init=0.1,
          metric="closed-form"):
    """A random modular network from a few numbers: the network `roro build` writes.

    Same recipe, same seed, same bytes: ``roro.build(...).save(p)`` equals
    ``roro build ... -o p``.

    Args:
        modules: "COUNTxSIZE" ("16x32"), a list like "32,32,64", or a sequence of ints.
        kind: "sparse" (absolute-value condition), "svd" (trainable) or "symmetric".
        density, scale: sparse modules: nonzero probability and U(-1, 1) * scale entries.
        spectral_bound: svd/symmetric: largest singular value / eigenvalue as a fraction of 1/g.
        negative_bound: symmetric: -(smallest eigenvalue) as a multiple of 1/g (None: spectral_bound).
        topology: "all", "gw" (global workspace), "random", "hierarchy" or "none".
        hubs: gw: number of hub modules.  keep: random: probability a pair is coupled.
        extra: hierarchy: probability of each extra feedforward edge.
        edges_file: a custom edge list ("FROM TO [feedback|feedforward]" lines); overrides topology.
        seed: seed of the modules, the topology and the initial trained tensors.
        alpha: Euler step dt/tau in (0, 1]; 0.005 as `roro build` (NetworkRecipe keeps 0.1): the
            default model's Euler map certifies and a 784-step sequence is remembered.
            slope_bound: g.
        inputs, classes: input channels per step and readout size.
        coupling_init: initial B entries ~ N(0, (s/sqrt(N))^2) on the allowed blocks.
        metric: "closed-form" (Tier-1 module metrics, as `roro build`) or "identity".

    Returns:
        Network.

    Raises:
        ValueError: a bad value (the message names it).
        roro.GenerationError: a module kind's condition cannot be met within the retry cap.
    """
    recipe = _roro.NetworkRecipe()
    recipe.module_sizes = _module_sizes(modules)
    recipe.kind = kind
    recipe.density = density
    recipe.scale = scale
    recipe.spectral_bound = spectral_bound
    recipe.negative_bound = negative_bound
    spec = _roro.TopologySpec()
    spec.name = "edges" if edges_file is not None else topology
    spec.hubs = hubs
    spec.keep = keep
    spec.extra = extra
    if edges_file is not None:
        spec.edges_file = require_file(edges_file, "edge list")
    recipe.topology = spec
    recipe.alpha = alpha
    recipe.slope_bound = slope_bound
    recipe.input_size = inputs
    recipe.output_size = classes
    recipe.coupling_init_scale = coupling_init
    recipe.seed = seed
    return _roro.build_network(recipe, metric)


def _module_sizes(modules):
    if isinstance(modules, str):
        return _roro.parse_module_sizes(modules)
    if isinstance(modules, numbers.Integral):
        raise ValueError(f"modules {modules!r}: expected 'COUNTxSIZE' like '16x32', or a list of sizes")
    sizes = list(modules)
    for size in sizes:
        if not isinstance(size, numbers.Integral) or size < 1:
            raise ValueError(f"modules {modules!r}: sizes must be integers >= 1, got {size!r}")
    return [int(s) for s in sizes]


def load(path):
    """Reads a model file (roro-model JSON, as `roro build` writes it).

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is corrupt or inconsistent (the message names file, field and value).
    """
    return _roro.load_model(require_file(path, "model file"))


def _save(self, path):
    """Writes the model file atomically: the exact bytes `roro build -o` writes for it.

    Raises OSError if it cannot be written."""
    _roro.save_model(self, os.fspath(path))


def export(network, directory):
    """`roro export`: one float64 .npy per matrix (W, B, L, M, W_in, b, W_out, b_out) plus
    meta.json in ``directory`` (created if needed). Raises OSError if it cannot write."""
    _roro.export_network(network, os.fspath(directory))


def _export(self, directory):
    """`roro export` of this network into ``directory`` (see roro.export)."""
    export(self, directory)


def import_npy(directory):
    """`roro import`: a network from a directory of .npy files and meta.json.

    B.npy present: metric-skew coupling L = B - M^-1 B^T M (M.npy, identity if absent); only
    L.npy: that fixed coupling; neither: no coupling. meta.json's "form" ("rate") gives the form. Raises FileNotFoundError for a missing directory and ValueError
    naming the file and what is wrong otherwise."""
    return _roro.import_network(require_directory(directory, "import directory"))


def _argument(name, value, ndim):
    """A float64 array of ``ndim`` dimensions, or ValueError naming the argument and its shape."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} is not a numeric array ({error})") from None
    if array.ndim != ndim:
        expected = "a 2-D (rows, columns) array" if ndim == 2 else "a 1-D array"
        raise ValueError(f"{name} has shape {array.shape}, expected {expected}")
    return array


_set_input_weights = Network.set_input_weights
_set_readout = Network.set_readout


def _set_input_weights_checked(self, W_in, b):
    """Replaces W_in (N x d_in) and b (N). Raises ValueError on a wrong shape or NaN/Inf."""
    _set_input_weights(self, _argument("W_in", W_in, 2), _argument("b", b, 1))


def _set_readout_checked(self, W_out, b_out):
    """Replaces W_out (classes x N) and b_out (classes). Raises ValueError on a wrong shape or NaN/Inf."""
    _set_readout(self, _argument("W_out", W_out, 2), _argument("b_out", b_out, 1))


Network.save = _save
Network.export = _export
Network.set_input_weights = _set_input_weights_checked
Network.set_readout = _set_readout_checked


def from_arrays(W=None, *, alpha, W_blocks=None, module_sizes=None, B=None, L=None, M=None,
                metric_blocks=None, W_in=None, b=None, W_out=None, b_out=None, slope_bound=1.0,
                module_kinds=None, edges=None, roles=None, metric_source=None, form=None):
    """A network from your own weights (numpy arrays, or anything np.asarray takes).

    The arrays go through exactly the code path of `roro import` (the same checks, the same
    messages), so ``roro.from_arrays(...)`` certifies identically to `roro import` of the same
    .npy files.

    Args:
        W: N x N block-diagonal module weights (needs module_sizes), or
        W_blocks: one square block per module (module sizes follow from their shapes).
        alpha: the Euler step dt/tau the model runs at (required: it decides the Euler factor).
        B: free coupling: metric-skew form L = B - M^-1 B^T M (trainable, contracting for any B).
        L: a fixed coupling (only L, no B).  Neither: the modules are not coupled.
        M / metric_blocks: module metrics (N x N block-diagonal, or one block per module);
            identity if neither is given.
        W_in, b, W_out, b_out: input and readout; default zeros with d_in = 1 and 10 classes.
        slope_bound: g.  module_kinds: "dense" (default), "sparse" or "symmetric" for every
            module, or one per module; a claimed kind is checked and decides the closed form tried.
        edges: module graph as (from, to[, kind]) tuples or dicts like meta.json's "topology"
            (default: derived from the nonzero coupling blocks).
        roles: "hub" / "spoke" / "module" per module.
        metric_source: recorded provenance of M (default "imported").
        form: "voltage" (default) or "rate" (h' = -h + relu(W h + W_in u + b) + L h, input and bias
            inside the nonlinearity: PyTorch CTRNNs; see from_ctrnn_state_dict).

    Raises:
        ValueError: with the import's message, the array named (e.g. "W: not block-diagonal ...").
    """
    if W is not None and W_blocks is not None:
        raise ValueError("from_arrays: give W or W_blocks, not both")
    if W_blocks is not None:
        blocks = [_square_block(f"W_blocks[{i}]", block) for i, block in enumerate(W_blocks)]
        if not blocks:
            raise ValueError("from_arrays: W_blocks is empty (a network needs at least one module)")
        sizes = [block.shape[0] for block in blocks]
        if module_sizes is not None and list(module_sizes) != sizes:
            raise ValueError(f"from_arrays: module_sizes {list(module_sizes)} disagree with the W_blocks "
                             f"shapes {sizes}")
        W = _block_diagonal(blocks)
    elif W is None:
        raise ValueError("from_arrays: W (N x N, block-diagonal, with module_sizes) or W_blocks "
                         "(one square block per module) is required")
    elif module_sizes is None:
        raise ValueError("from_arrays: module_sizes is required with W (or pass W_blocks)")
    else:
        sizes = _module_sizes(module_sizes)
    if M is not None and metric_blocks is not None:
        raise ValueError("from_arrays: give M or metric_blocks, not both")
    if metric_blocks is not None:
        M = _block_diagonal([_square_block(f"metric_blocks[{i}]", m) for i, m in enumerate(metric_blocks)])
    n = int(sum(sizes))
    arrays = {"W": W, "B": B, "L": L, "M": M,
              "W_in": np.zeros((n, 1)) if W_in is None else W_in,
              "b": np.zeros(n) if b is None else b,
              "W_out": np.zeros((10, n)) if W_out is None else W_out}
    arrays["b_out"] = np.zeros(np.shape(arrays["W_out"])[0]) if b_out is None else b_out
    meta = {"format": "roro-export", "version": 1, "module_sizes": sizes,
            "alpha": float(alpha) if isinstance(alpha, numbers.Real) else alpha,
            "slope_bound": float(slope_bound) if isinstance(slope_bound, numbers.Real) else slope_bound}
    if module_kinds is not None:
        meta["module_kinds"] = [module_kinds] * len(sizes) if isinstance(module_kinds, str) else list(module_kinds)
    if edges is not None:
        meta["topology"] = [_edge_json(edge) for edge in edges]
    if roles is not None:
        meta["roles"] = list(roles)
    if metric_source is not None:
        meta["metric_source"] = metric_source
    if form is not None:
        meta["form"] = form
    with tempfile.TemporaryDirectory(prefix="roro-arrays-") as directory:
        for name, array in arrays.items():
            if array is not None:
                np.save(os.path.join(directory, name + ".npy"), _float64(name, array))
        with open(os.path.join(directory, "meta.json"), "w") as f:
            json.dump(meta, f)
        try:
            return _roro.import_network(directory)
        except ValueError as error:
            raise ValueError(_name_arrays(str(error), directory)) from None


def _float64(name, array):
    try:
        return np.ascontiguousarray(np.asarray(array, dtype=np.float64))
    except (TypeError, ValueError) as error:
        raise ValueError(f"from_arrays: {name} is not a numeric array ({error})") from None


def _square_block(name, block):
    block = _float64(name, block)
    if block.ndim != 2 or block.shape[0] != block.shape[1] or block.shape[0] < 1:
        raise ValueError(f"from_arrays: {name} has shape {block.shape}, expected a square (n, n) block")
    return block


def _block_diagonal(blocks):
    n = sum(block.shape[0] for block in blocks)
    out = np.zeros((n, n))
    offset = 0
    for block in blocks:
        k = block.shape[0]
        out[offset:offset + k, offset:offset + k] = block
        offset += k
    return out


def _edge_json(edge):
    if isinstance(edge, dict):
        edge = dict(edge)
        if edge.get("mask") is not None:
            edge["mask"] = np.asarray(edge["mask"]).tolist()
        elif "mask" in edge:
            del edge["mask"]
        return edge
    edge = tuple(edge)
    if len(edge) not in (2, 3):
        raise ValueError(f"from_arrays: edge {edge!r}: expected (from, to) or (from, to, kind)")
    out = {"from": int(edge[0]), "to": int(edge[1])}
    if len(edge) == 3:
        out["kind"] = edge[2]
    return out


def _name_arrays(message, directory):
    """The import names its files; from_arrays users gave arrays, so name those instead."""
    for name in ("W_out", "W_in", "b_out", "W", "B", "L", "M", "b"):
        message = message.replace(os.path.join(directory, name + ".npy"), name)
    message = message.replace(os.path.join(directory, "meta.json"), "from_arrays")
    return message.replace(directory, "from_arrays")
