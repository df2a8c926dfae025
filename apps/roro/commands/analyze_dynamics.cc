// `roro analyze dynamics MODEL --data ...`: observed vs certified contraction per module and for
// the whole network, time constants, participation ratios, Jacobian spectra along a trajectory,
// and the certified equilibrium for a constant input (docs/analysis.md).
//
// Exit codes: 0 analysed, 64 bad flags, 65 bad model, data or certificate, 66 a missing input
// file, 73 the -o file cannot be written.
#include <memory>
#include <sstream>

#include "roro/analysis/dynamics.h"
#include "roro/analysis_options.h"
#include "roro/cli_support.h"
#include "roro/command_registry.h"

namespace roro::cli {
namespace {

struct DynamicsFlags {
  std::string model;
  AnalysisDataFlags data;
  CertificateFlags certificate;
  OutputFlags output;
  DynamicsOptions options;
  std::vector<double> constant_input;
  bool no_equilibrium = false;
};

std::function<int()> Setup(CLI::App& app) {
  auto flags = std::make_shared<DynamicsFlags>();
  app.add_option("MODEL", flags->model, "Model file (roro-model JSON)")->required();
  AddAnalysisDataOptions(app, flags->data, 8);
  AddCertificateOptions(app, flags->certificate);
  AddOutputOptions(app, flags->output);
  app.add_option("--perturbation", flags->options.perturbation, "||x0' - x0||_M of the second trajectory")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--seed", flags->options.seed, "Seed of the perturbation directions");
  app.add_option("--jacobian-samples", flags->options.jacobian_samples,
                 "Steps of the first sequence with a full Jacobian spectrum")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--constant-input", flags->constant_input,
                 "Constant input of the equilibrium (one value per channel; default: mean input)")
      ->delimiter(',');
  app.add_flag("--no-equilibrium", flags->no_equilibrium, "Skip the equilibrium solve");
  app.footer(
      "Exit codes: 0 analysed, 64 bad flags, 65 bad model, data or certificate, 66 missing input, 73 cannot write -o.");

  return [flags]() -> int {
    DynamicsFlags& f = *flags;
    CheckOutputWritable(f.output);
    const Network network = LoadModelFile(f.model);
    if (!f.constant_input.empty()) {
      if (static_cast<int>(f.constant_input.size()) != network.input_size())
        throw CliError(kExitUsage, "usage: --constant-input has " + std::to_string(f.constant_input.size()) +
                                       " values, the model takes " + std::to_string(network.input_size()) + " inputs");
      f.options.constant_input =
          Eigen::Map<const Eigen::VectorXd>(f.constant_input.data(), static_cast<long>(f.constant_input.size()));
    }
    f.options.equilibrium = !f.no_equilibrium;
    if (std::string why; !f.options.IsValid(&why)) throw CliError(kExitUsage, "usage: " + why);
    std::string description;
    const SequenceDataset split = LoadAnalysisSplit(f.data, &description);
    const std::vector<int> indices = SelectSequences(f.data, split);
    const Certificate certificate = ObtainCertificate(network, f.certificate);
    const DynamicsAnalysis analysis = AnalyzeDynamics(network, certificate, split, indices, f.options);
    nlohmann::json json = analysis.ToJson();
    json["model"] = f.model;
    json["data"] = description;
    json["split"] = f.data.split;
    json["first_sequence"] = f.data.offset;
    std::ostringstream report;
    report << "model: " << f.model << "\ndata: " << description << " (" << f.data.split << " sequences "
           << f.data.offset << ".." << f.data.offset + f.data.sequences - 1 << ")\n"
           << (Verbose() ? analysis.FullReport() : analysis.BriefReport());
    EmitAnalysis(f.output, json, report.str());
    return kExitOk;
  };
}

const bool registered = RegisterCommand(
    {"analyze dynamics",
     "Observed vs certified contraction, time constants, dimensionality, Jacobian spectra, equilibrium", Setup});

}  // namespace
}  // namespace roro::cli
