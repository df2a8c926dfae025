// `roro build`: a random modular network from a few numbers, written as a model file.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "roro/cli_support.h"
#include "roro/command_registry.h"
#include "roro/contraction/certify.h"
#include "roro/network_summary.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/network_recipe.h"

namespace roro::cli {
namespace {

// The default Euler step of `roro build` (the library's NetworkRecipe keeps 0.1). Chosen by
// measurement (docs/accuracy.md): a 784-step sequence is remembered only if 1/(alpha * rate) is
// long against 784 steps, and the default model (16x32 sparse, density 0.1, scale 0.5; rate about
// 0.08) certifies its Euler map up to alpha of about 0.08 only, so 0.1 was inconclusive.
constexpr double kDefaultBuildAlpha = 0.005;

NetworkRecipe DefaultBuildRecipe() {
  NetworkRecipe recipe;
  recipe.alpha = kDefaultBuildAlpha;
  return recipe;
}

// The largest alpha, rounded down to two significant digits, so that the printed value is below
// the proven bound.
double RoundDownTwoDigits(double value) {
  if (!(value > 0)) return 0;
  const double unit = std::pow(10.0, std::floor(std::log10(value)) - 1);
  return std::floor(value / unit) * unit;
}

// A quick Tier-1 certify (no SDP, a few seconds at most): when the continuous-time rate is proven
// but the Euler map at the model's alpha is not, say so and which alpha would certify. The model
// is written either way (a warning, exit 0); `roro certify` gives the full verdict.
void WarnIfEulerMapNotCertified(const Network& network) {
  CertifyOptions options;
  options.use_sdp = false;
  options.compute_max_alpha = true;
  options.timeout_seconds = 10;
  const CertificationResult result = Certify(network, options);
  const Certificate& certificate = result.certificate;
  if (result.verdict == Verdict::kCertified || !(result.continuous_rate > 0)) return;
  if (certificate.discrete_factor < 1) return;  // the Euler map is not what failed
  char text[512];
  if (certificate.max_alpha > 0) {
    std::snprintf(text, sizeof text,
                  "warning: the Euler map at alpha %g is not proven contracting; a quick Tier-1 certify "
                  "proves it up to alpha %.6g: rebuild with --alpha %g (or smaller), else `roro certify` "
                  "is inconclusive (exit 2)\n",
                  network.alpha(), certificate.max_alpha,
                  RoundDownTwoDigits(certificate.max_alpha));
  } else {
    std::snprintf(text, sizeof text,
                  "warning: the Euler map at alpha %g is not proven contracting, and a quick Tier-1 certify "
                  "proves it at no alpha; `roro certify` may be inconclusive (exit 2)\n",
                  network.alpha());
  }
  std::cerr << text;
}

struct BuildArgs {
  std::string modules = "16x32";
  std::string kind = "sparse";
  std::string topology = "all";
  std::string edges_file;
  std::string metric = "closed-form";
  std::string form = "voltage";
  std::vector<std::string> from_modules;  // model files whose modules are kept (--from-modules)
  std::string output;
  double negative_bound = 0;  // 0: not given (the recipe's default)
  NetworkRecipe recipe = DefaultBuildRecipe();
};

// `--from-modules`: the modules of these model files, each with its metric block, coupled by the
// recipe's topology. The network takes the files' form (they must agree; --form is then not
// needed). Each module is then certified alone (rate only): the ones no tier proves are named, so
// that `roro repair` can be offered before training.
int BuildFromModules(const BuildArgs& args, NetworkRecipe recipe) {
  std::vector<Module> modules;
  std::vector<Eigen::MatrixXd> metrics;
  std::vector<Eigen::VectorXd> multipliers;
  std::vector<std::string> origin;
  std::optional<NetworkForm> form;
  std::string metric_source;
  for (const std::string& path : args.from_modules) {
    const Network part = LoadModelFile(path);
    if (form && *form != part.form())
      throw CliError(kExitDataError, "error: --from-modules: " + path + " is " + std::string(ToString(part.form())) +
                                         "-form, the files before it are " + std::string(ToString(*form)) + "-form");
    form = part.form();
    metric_source = metric_source.empty() || metric_source == part.metric_source() ? part.metric_source() : "imported";
    for (int i = 0; i < part.module_count(); ++i) {
      modules.push_back(part.module(i));
      metrics.push_back(part.metric_blocks()[i]);
      multipliers.push_back(part.metric_sector_multiplier(i));
      origin.push_back(path + (part.module_count() > 1 ? " module " + std::to_string(i) : ""));
    }
  }
  recipe.form = *form;
  Network network =
      BuildNetworkFromModules(std::move(modules), std::move(metrics), metric_source, recipe, std::move(multipliers));
  SaveModelFile(network, args.output);
  std::cout << NetworkSummary(network) << "wrote " << args.output << "\n";
  CertifyOptions options;
  options.rate_only = true;
  options.compute_max_alpha = false;
  int unproven = 0;
  for (int i = 0; i < network.module_count(); ++i) {
    Network alone = NetworkBuilder()
                        .AddModule(network.module(i))
                        .SetMetricBlocks({network.metric_blocks()[i]}, network.metric_source(),
                                         {network.metric_sector_multiplier(i)})
                        .SetSlopeBound(network.slope_bound())
                        .SetAlpha(network.alpha())
                        .SetForm(network.form())
                        .Build();
    const CertificationResult result = Certify(alone, options);
    if (result.verdict == Verdict::kCertified) continue;
    ++unproven;
    std::cout << "module " << i << " (" << origin[i] << "): no tier certifies it (" << ToString(result.verdict)
              << ": " << result.reason.substr(0, 200) << "); `roro repair` can make it certifiable\n";
  }
  if (unproven == 0) std::cout << "every module is certified alone\n";
  return kExitOk;
}

std::function<int()> SetupBuild(CLI::App& app) {
  auto args = std::make_shared<BuildArgs>();
  app.add_option("--modules", args->modules, "Module sizes: COUNTxSIZE (16x32) or a list (32,32,64)")
      ->capture_default_str();
  app.add_option("--kind", args->kind, "Module kind")->check(CLI::IsMember({"sparse", "svd", "symmetric"}))
      ->capture_default_str();
  app.add_option("--density", args->recipe.density, "sparse: probability of a nonzero weight")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  app.add_option("--scale", args->recipe.scale, "sparse: weights are U(-1,1)*scale")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  app.add_option("--spectral-bound", args->recipe.spectral_bound,
                 "svd/symmetric: largest singular value / eigenvalue, as a fraction of 1/g")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  app.add_option("--negative-bound", args->negative_bound,
                 "symmetric: -(smallest eigenvalue) as a multiple of 1/g (default: --spectral-bound); "
                 "above 1 gives inhibition-dominated modules, certified by the eigen-metric")
      ->check(CLI::Range(1e-9, 1e6));
  app.add_option("--topology", args->topology, "Module graph: all | gw | random | hierarchy | none")
      ->check(CLI::IsMember({"all", "gw", "random", "hierarchy", "none"}))->capture_default_str();
  app.add_option("--hubs", args->recipe.topology.hubs, "gw: number of hub modules")
      ->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--keep", args->recipe.topology.keep, "random: probability that a module pair is coupled")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  app.add_option("--edges", args->edges_file, "Custom edge list file: lines 'FROM TO [feedback|feedforward]'")
      ->check(CLI::ExistingFile);
  app.add_option("--seed", args->recipe.seed, "Seed of modules, topology and initial trained tensors")
      ->capture_default_str();
  app.add_option("--alpha", args->recipe.alpha, "Euler step dt/tau (the build warns, with the alpha that would, when the Euler map does not certify)")->check(CLI::Range(1e-9, 1.0))
      ->capture_default_str();
  app.add_option("--slope-bound", args->recipe.slope_bound, "Slope bound g of the activation")
      ->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--inputs", args->recipe.input_size, "Input channels per step")->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--classes", args->recipe.output_size, "Readout size")->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--coupling-init", args->recipe.coupling_init_scale,
                 "Initial B entries ~ N(0, (s/sqrt(N))^2) on allowed blocks")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  app.add_option("--metric", args->metric,
                 "Module metrics for the coupling L = B - M^-1 B^T M: closed-form (Tier 1 where it applies) or identity")
      ->check(CLI::IsMember({"closed-form", "identity"}))->capture_default_str();
  app.add_option("--form", args->form,
                 "Dynamics: voltage (x' = -x + W relu(x) + L x + W_in u + b) or rate "
                 "(h' = -h + relu(W h + W_in u + b) + L h)")
      ->check(CLI::IsMember({"voltage", "rate"}))->capture_default_str();
  app.add_option("--from-modules", args->from_modules,
                 "Model files whose modules (weights and frozen metrics) are kept, in order, instead of "
                 "generating modules; --topology couples them, and the modules no tier certifies are named")
      ->check(CLI::ExistingFile);
  app.add_option("-o,--output", args->output, "Model file to write")->required();
  return [args] {
    NetworkRecipe recipe = args->recipe;
    try {  // flag values, so a bad one is a usage error (64), not a data error
      recipe.module_sizes = ParseModuleSizes(args->modules);
      recipe.kind = ParseModuleKind(args->kind);
      recipe.form = ParseNetworkForm(args->form);
    } catch (const std::invalid_argument& e) {
      throw CliError(kExitUsage, std::string("error: --modules/--kind: ") + e.what());
    }
    if (args->negative_bound > 0) recipe.negative_bound = args->negative_bound;
    recipe.topology.name = args->edges_file.empty() ? args->topology : "edges";
    recipe.topology.edges_file = args->edges_file;
    if (!args->from_modules.empty()) return BuildFromModules(*args, std::move(recipe));
    std::string error;
    if (!recipe.IsValid(&error)) throw CliError(kExitUsage, "error: " + error);
    Network network = BuildNetwork(recipe);
    if (args->metric == "closed-form") AssignClosedFormMetrics(network);
    SaveModelFile(network, args->output);
    std::cout << NetworkSummary(network) << "wrote " << args->output << "\n";
    if (args->metric == "closed-form") WarnIfEulerMapNotCertified(network);
    return static_cast<int>(kExitOk);
  };
}

const bool registered = RegisterCommand({"build", "Build a random modular network and write its model file", SetupBuild});

}  // namespace
}  // namespace roro::cli
