// `roro analyze gradient-flow MODEL --data ...`: the parameter operator K and the linearized
// propagator P of the hidden states for the sequences of two classes, their leading singular
// values, how the two classes' objectives align through them, and the check that their product
// reproduces the engine's BPTT gradient (docs/analysis.md).
//
// Exit codes: 0 analysed, 64 bad flags, 65 bad model, data or certificate (or too few sequences of
// a class), 66 a missing input file, 73 the -o file cannot be written.
#include <memory>
#include <sstream>

#include "roro/analysis/analysis_inputs.h"
#include "roro/analysis/gradient_flow.h"
#include "roro/analysis_options.h"
#include "roro/cli_support.h"
#include "roro/command_registry.h"

namespace roro::cli {
namespace {

struct GradientFlowFlags {
  std::string model;
  AnalysisDataFlags data;
  CertificateFlags certificate;
  OutputFlags output;
  GradientFlowOptions options;
  std::vector<int> classes = {0, 1};
  int per_class = 2;
};

std::function<int()> Setup(CLI::App& app) {
  auto flags = std::make_shared<GradientFlowFlags>();
  app.add_option("MODEL", flags->model, "Model file (roro-model JSON)")->required();
  AddAnalysisDataOptions(app, flags->data, 1);
  AddCertificateOptions(app, flags->certificate);
  AddOutputOptions(app, flags->output);
  app.add_option("--classes", flags->classes, "The two classes whose objectives are compared (A,B)")->delimiter(',');
  app.add_option("--per-class", flags->per_class, "Sequences of each class (the first ones from --offset)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--singular-values", flags->options.singular_values, "Leading singular values of K and P")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--lags", flags->options.lags, "Propagator lags T - s (default T/8, T/4, T/2, T)")->delimiter(',');
  app.add_option("--power-iterations", flags->options.power_iterations, "Randomized SVD power steps")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--fd-directions", flags->options.finite_difference_directions,
                 "Central-difference checks of the gradient")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--seed", flags->options.seed, "Seed of the random directions");
  app.footer(
      "--sequences is not used here: --per-class sequences of each of --classes are.\n"
      "Exit codes: 0 analysed, 64 bad flags, 65 bad model, data or certificate, 66 missing input, 73 cannot write -o.");

  return [flags]() -> int {
    GradientFlowFlags& f = *flags;
    CheckOutputWritable(f.output);
    if (f.classes.size() != 2 || f.classes[0] == f.classes[1])
      throw CliError(kExitUsage, "usage: --classes needs two different classes, e.g. --classes 0,1");
    if (std::string why; !f.options.IsValid(&why)) throw CliError(kExitUsage, "usage: " + why);
    const Network network = LoadModelFile(f.model);
    for (int label : f.classes)
      if (label < 0 || label >= network.output_size())
        throw CliError(kExitUsage, "usage: class " + std::to_string(label) + " is outside the model's " +
                                       std::to_string(network.output_size()) + " classes");
    std::string description;
    const SequenceDataset split = LoadAnalysisSplit(f.data, &description);
    if (split.task != TaskType::kClassification)
      throw CliError(kExitUsage,
                     "usage: gradient-flow compares two classes; " + f.data.data.source + " is a regression task");
    const std::vector<int> a = FirstSequencesOfClass(split, f.classes[0], f.per_class, f.data.offset, f.data.split);
    const std::vector<int> b = FirstSequencesOfClass(split, f.classes[1], f.per_class, f.data.offset, f.data.split);
    const Certificate certificate = ObtainCertificate(network, f.certificate);
    const GradientFlowAnalysis analysis = AnalyzeGradientFlow(network, certificate, split, a, b, f.options);
    nlohmann::json json = analysis.ToJson();
    json["model"] = f.model;
    json["data"] = description;
    json["split"] = f.data.split;
    json["objectives"]["a"]["indices"] = a;
    json["objectives"]["b"]["indices"] = b;
    std::ostringstream report;
    report << "model: " << f.model << "\ndata: " << description << "\n"
           << (Verbose() ? analysis.FullReport() : analysis.BriefReport());
    EmitAnalysis(f.output, json, report.str());
    return kExitOk;
  };
}

const bool registered = RegisterCommand(
    {"analyze gradient-flow",
     "Parameter operator K and propagator P of the hidden states; two classes' objectives; BPTT check", Setup});

}  // namespace
}  // namespace roro::cli
