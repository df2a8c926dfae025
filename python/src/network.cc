// Module, Network and NetworkRecipe for Python; build_network is `roro build`'s recipe step.
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <sstream>

#include "bindings.h"
#include "roro/contraction/certify.h"
#include "roro/topology/model_file.h"
#include "roro/topology/network_recipe.h"

namespace roro::python_internal {
namespace {

py::dict ProvenanceDict(const ModuleProvenance& provenance) {
  py::dict d;
  d["generator"] = provenance.generator;
  d["seed"] = provenance.seed;
  d["density"] = provenance.density;
  d["scale"] = provenance.scale;
  d["attempts"] = provenance.attempts;
  return d;
}

py::object SvdDict(const Module& module) {
  if (!module.svd()) return py::none();
  const SvdParameterization& svd = *module.svd();
  py::dict d;
  d["U"] = svd.U();
  d["V"] = svd.V();
  d["sigma"] = svd.Sigma();
  d["phi"] = svd.Phi();
  d["u_generator"] = svd.u_generator;
  d["v_generator"] = svd.v_generator;
  d["sigma_logit"] = svd.sigma_logit;
  d["log_phi"] = svd.log_phi;
  d["slope_bound"] = svd.slope_bound;
  return d;
}

py::object MaskArray(const BlockMask& mask) {
  if (mask.size() == 0) return py::none();
  return py::cast(Eigen::MatrixXi(mask.cast<int>()));
}

py::list EdgeList(const ModuleGraph& graph) {
  py::list edges;
  for (const ModuleEdge& e : graph.edges()) {
    py::dict edge;
    edge["from"] = e.from;
    edge["to"] = e.to;
    edge["kind"] = std::string(ToString(e.kind));
    edge["mask"] = MaskArray(e.mask);
    edges.append(edge);
  }
  return edges;
}

std::string NetworkRepr(const Network& network) {
  std::ostringstream text;
  const std::vector<int> sizes = network.module_sizes();
  const bool equal = std::all_of(sizes.begin(), sizes.end(), [&](int s) { return s == sizes[0]; });
  text << "<roro.Network ";
  if (equal) {
    text << sizes.size() << "x" << sizes[0];
  } else {
    for (std::size_t i = 0; i < sizes.size(); ++i) text << (i ? "," : "") << sizes[i];
  }
  text << " modules (N = " << network.state_size() << "), " << network.graph().edge_count() << " edges, "
       << ToString(network.coupling_form()) << " coupling, metric " << network.metric_source() << ", alpha "
       << network.alpha() << ", inputs " << network.input_size() << ", outputs " << network.output_size() << ">";
  return text.str();
}

std::string ModuleRepr(const Module& module) {
  std::ostringstream text;
  text << "<roro.Module " << ToString(module.kind()) << " n=" << module.size() << ", " << module.nonzero_count()
       << " nonzero weights>";
  return text.str();
}

// `roro build`'s step after the recipe (apps/roro/commands/build.cc): generate, then give the
// modules their Tier-1 closed-form metrics unless the identity is asked for.
Network BuildNetworkLikeCli(const NetworkRecipe& recipe, const std::string& metric) {
  if (metric != "closed-form" && metric != "identity")
    throw std::invalid_argument("metric '" + metric + "': expected \"closed-form\" or \"identity\"");
  std::string error;
  if (!recipe.IsValid(&error)) throw std::invalid_argument(error);
  Network network = BuildNetwork(recipe);
  if (metric == "closed-form") AssignClosedFormMetrics(network);
  return network;
}

void BindModule(py::module_& m) {
  py::class_<Module>(m, "Module", "One module W_i of a network (frozen, or trainable for kind 'svd').")
      .def_property_readonly(
          "kind", [](const Module& module) { return std::string(ToString(module.kind())); },
          "'sparse', 'svd', 'symmetric' or 'dense'.")
      .def_property_readonly("size", &Module::size, "Number of units n_i.")
      .def_property_readonly("weights", &Module::weights, py::return_value_policy::reference_internal,
                             "W_i (n_i x n_i float64, a read-only view).")
      .def_property_readonly("nonzero_count", &Module::nonzero_count, "Structurally nonzero weights.")
      .def_property_readonly(
          "provenance", [](const Module& module) { return ProvenanceDict(module.provenance()); },
          "How the module was generated: generator, seed, density, scale, attempts.")
      .def_property_readonly("svd", &SvdDict,
                             "svd modules: U, V, sigma, phi and the free parameters (W = Phi^-1 U diag(sigma) V^T "
                             "Phi); None otherwise.")
      .def("__repr__", &ModuleRepr);
}

void BindNetworkClass(py::module_& m) {
  py::class_<Network>(m, "Network",
                      "A modular recurrent network x+ = x + alpha(-x + W relu(x) + L x + W_in u + b), "
                      "y = W_out x_T + b_out. Make one with roro.build, roro.load or roro.from_arrays.")
      .def_property_readonly("module_count", &Network::module_count, "Number of modules p.")
      .def_property_readonly("state_size", &Network::state_size, "N = sum of the module sizes.")
      .def_property_readonly("input_size", &Network::input_size, "d_in, input channels per step.")
      .def_property_readonly("output_size", &Network::output_size, "Readout size (classes).")
      .def_property_readonly("module_sizes", &Network::module_sizes, "Sizes n_1..n_p.")
      .def_property_readonly("offsets", &Network::offsets, "First state index of each module.")
      .def_property_readonly("modules", &Network::modules, "The modules (copies).")
      .def_property_readonly("alpha", &Network::alpha, "Euler step dt/tau.")
      .def_property_readonly("slope_bound", &Network::slope_bound, "Slope bound g of the activation.")
      .def_property_readonly("activation", &Network::activation, "'relu'.")
      .def_property_readonly(
          "form", [](const Network& n) { return std::string(ToString(n.form())); },
          "'voltage' (x' = -x + W relu(x) + L x + W_in u + b) or 'rate' (h' = -h + relu(W h + W_in u + b) + L h).")
      .def_property_readonly("metric_source", &Network::metric_source,
                             "Where the module metrics came from: 'identity', 'closed-form', 'certificate', "
                             "'imported'.")
      .def_property_readonly(
          "coupling_form", [](const Network& n) { return std::string(ToString(n.coupling_form())); },
          "'metric_skew' (stored B, L = B - M^-1 B^T M on feedback blocks) or 'fixed' (stored L).")
      .def_property_readonly(
          "edges", [](const Network& n) { return EdgeList(n.graph()); },
          "Module graph edges: dicts with 'from', 'to', 'kind' ('feedback' or 'feedforward') "
          "and 'mask' (0/1 int array of block (to, from), or None when every entry is allowed).")
      .def_property_readonly(
          "roles",
          [](const Network& n) {
            std::vector<std::string> roles;
            for (int i = 0; i < n.module_count(); ++i) roles.emplace_back(ToString(n.graph().role(i)));
            return roles;
          },
          "Role of each module: 'hub', 'spoke' or 'module'.")
      .def_property_readonly(
          "hubs", [](const Network& n) { return n.graph().hubs(); }, "Indices of the hub modules.")
      // Dense matrices are computed on request and handed to numpy without a second copy.
      .def_property_readonly("W", &Network::DenseWeights, "W = blkdiag(W_i), N x N float64 (a new array).")
      .def_property_readonly("L", &Network::DenseCoupling, "The coupling L, N x N float64 (a new array).")
      .def_property_readonly(
          "B",
          [](const Network& n) -> py::object {
            if (n.coupling_form() != CouplingForm::kMetricSkew) return py::none();
            return py::cast(n.DenseFreeCoupling());
          },
          "The free coupling B (metric-skew form), N x N float64; None for a fixed coupling "
          "(as `roro export` writes no B.npy then).")
      .def_property_readonly("metric", &Network::DenseMetric, "M = blkdiag(M_i), N x N float64 (a new array).")
      .def_property_readonly("metric_blocks", &Network::metric_blocks, "The module metrics M_i (copies).")
      .def_property_readonly("metric_sector_multipliers", &Network::metric_sector_multipliers,
                             "Each module's stored sector multiplier (an empty vector where none is stored; "
                             "copies).")
      // Stored tensors are read-only views into the network (no copy).
      .def_property_readonly("W_in", &Network::input_weights, py::return_value_policy::reference_internal,
                             "Input weights, N x d_in (read-only view).")
      .def_property_readonly("b", &Network::input_bias, py::return_value_policy::reference_internal,
                             "Input bias, N (read-only view).")
      .def_property_readonly("W_out", &Network::readout_weights, py::return_value_policy::reference_internal,
                             "Readout weights, classes x N (read-only view).")
      .def_property_readonly("b_out", &Network::readout_bias, py::return_value_policy::reference_internal,
                             "Readout bias, classes (read-only view).")
      .def_property_readonly(
          "coupling_blocks",
          [](const Network& n) {
            py::list blocks;
            for (const CouplingBlock& block : n.coupling_blocks())
              blocks.append(py::make_tuple(block.row, block.col, block.values));
            return blocks;
          },
          "Stored coupling blocks (B, or L when fixed) as (row, col, values) tuples.")
      .def_property_readonly("trainable_parameter_count", &Network::trainable_parameter_count,
                             "Trained entries: allowed coupling entries, W_in, b, W_out, b_out, svd parameters.")
      .def_property_readonly("frozen_parameter_count", &Network::frozen_parameter_count,
                             "Frozen entries: nonzero module weights (non-svd) and metric entries.")
      .def_property_readonly("sha256", &ModelSha256, "SHA-256 of the model file bytes (what certificates name).")
      .def("set_input_weights", &Network::SetInputWeights, py::arg("W_in"), py::arg("b"),
           "Replaces W_in (N x d_in) and b (N). Raises ValueError on a wrong shape or NaN/Inf.")
      .def("set_readout", &Network::SetReadout, py::arg("W_out"), py::arg("b_out"),
           "Replaces W_out (classes x N) and b_out (classes). Raises ValueError on a wrong shape or NaN/Inf.")
      .def("set_coupling_block", &Network::SetCouplingBlock, py::arg("row"), py::arg("col"), py::arg("values"),
           "Replaces stored coupling block (row, col) (B, or L when fixed); entries outside the edge's mask are "
           "zeroed. Raises ValueError if the graph does not allow the block or the shape is wrong.")
      .def("set_metric_blocks", &Network::SetMetricBlocks, py::arg("blocks"), py::arg("source"),
           py::arg("sector_multipliers") = std::vector<Eigen::VectorXd>{},
           "Replaces the module metrics (L follows, B is what is stored), optionally with each module's sector "
           "multiplier (a list with one vector per module, empty where none; proof hints that `certify` "
           "re-checks). Raises ValueError on a wrong count or shape, an asymmetric or non-finite block, a "
           "non-positive diagonal entry or a negative multiplier.")
      .def("to_json", &SerializeModel, "The exact text save() writes (roro-model JSON).")
      .def(
          "__eq__", [](const Network& a, const Network& b) { return SerializeModel(a) == SerializeModel(b); },
          "Equal when the model files would be byte-identical.")
      .def("__copy__", [](const Network& n) { return Network(n); })
      .def(
          "__deepcopy__", [](const Network& n, py::dict) { return Network(n); }, py::arg("memo"))
      .def(py::pickle(
          [](const Network& n) { return py::bytes(SerializeModel(n)); },
          [](const py::bytes& bytes) { return ModelFromJson(nlohmann::json::parse(std::string(bytes)), "<pickle>"); }))
      .def("__repr__", &NetworkRepr);
  // Value semantics like the model file: two equal networks hash alike is not needed, so keep
  // instances unhashable rather than hash by identity while comparing by content.
  m.attr("Network").attr("__hash__") = py::none();
}

void BindRecipe(py::module_& m) {
  py::class_<TopologySpec>(m, "TopologySpec", "A module graph by name, as `roro build --topology` spells it.")
      .def(py::init<>())
      .def_readwrite("name", &TopologySpec::name, "all | gw | random | hierarchy | none | edges")
      .def_readwrite("hubs", &TopologySpec::hubs, "gw: number of hub modules")
      .def_readwrite("keep", &TopologySpec::keep, "random: probability that a module pair is coupled")
      .def_readwrite("extra", &TopologySpec::extra, "hierarchy: probability of each extra feedforward edge")
      .def_readwrite("edges_file", &TopologySpec::edges_file, "edges: edge-list file ('FROM TO [kind]' lines)")
      .def_readwrite("seed", &TopologySpec::seed, "random/hierarchy seed (0: derived from the recipe's seed)");

  py::class_<NetworkRecipe>(m, "NetworkRecipe", "The numbers `roro build` turns into a network.")
      .def(py::init<>())
      .def_readwrite("module_sizes", &NetworkRecipe::module_sizes)
      .def_property(
          "kind", [](const NetworkRecipe& r) { return std::string(ToString(r.kind)); },
          [](NetworkRecipe& r, const std::string& text) { r.kind = ParseModuleKind(text); },
          "'sparse', 'svd' or 'symmetric'")
      .def_readwrite("density", &NetworkRecipe::density)
      .def_readwrite("scale", &NetworkRecipe::scale)
      .def_readwrite("spectral_bound", &NetworkRecipe::spectral_bound)
      .def_readwrite("negative_bound", &NetworkRecipe::negative_bound)
      .def_readwrite("topology", &NetworkRecipe::topology)
      .def_readwrite("alpha", &NetworkRecipe::alpha)
      .def_readwrite("slope_bound", &NetworkRecipe::slope_bound)
      .def_readwrite("input_size", &NetworkRecipe::input_size)
      .def_readwrite("output_size", &NetworkRecipe::output_size)
      .def_readwrite("coupling_init_scale", &NetworkRecipe::coupling_init_scale)
      .def_readwrite("seed", &NetworkRecipe::seed)
      .def(
          "is_valid",
          [](const NetworkRecipe& r) {
            std::string error;
            const bool ok = r.IsValid(&error);
            return py::make_tuple(ok, error);
          },
          "(True, '') or (False, the reason).");

  m.def("parse_module_sizes", &ParseModuleSizes, py::arg("text"),
        "'16x32' -> sixteen 32s; '32,32,64' -> those sizes. Raises ValueError naming the text.");
  m.def("build_network", &BuildNetworkLikeCli, py::arg("recipe"), py::arg("metric") = "closed-form",
        py::call_guard<py::gil_scoped_release>(),
        "The network `roro build` writes for this recipe: BuildNetwork, then the Tier-1 closed-form module "
        "metrics (metric='closed-form') or none (metric='identity').");
}

}  // namespace

void BindNetwork(py::module_& m) {
  BindModule(m);
  BindNetworkClass(m);
  BindRecipe(m);
}

}  // namespace roro::python_internal
