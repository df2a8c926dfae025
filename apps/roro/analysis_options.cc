#include "roro/analysis_options.h"

#include <filesystem>
#include <iostream>

#include "roro/analysis/analysis_inputs.h"
#include "roro/cli_support.h"
#include "roro/command_registry.h"
#include "roro/data_options.h"
#include "roro/topology/model_file.h"

namespace roro::cli {

void AddAnalysisDataOptions(CLI::App& app, AnalysisDataFlags& flags, int default_sequences) {
  flags.sequences = default_sequences;
  AddDataOptions(app, flags.data)->required();
  app.add_option("--split", flags.split, "test | validation | train")
      ->check(CLI::IsMember({"test", "validation", "train"}));
  app.add_option("--sequences", flags.sequences, "Sequences of the split to analyse")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--offset", flags.offset, "Index of the first sequence")->check(CLI::NonNegativeNumber);
}

SequenceDataset LoadAnalysisSplit(const AnalysisDataFlags& flags, std::string* description) {
  RequireValidDataSpec(flags.data);
  if (flags.split == "validation" && flags.data.validation == 0)
    throw CliError(kExitUsage, "usage: --split validation needs --val N");
  DataSplits splits = LoadData(flags.data);
  if (description) *description = splits.description;
  SequenceDataset& set = flags.split == "test"         ? splits.test
                         : flags.split == "validation" ? splits.validation
                                                       : splits.train;
  if (set.count() == 0)
    throw std::invalid_argument("the " + flags.split + " split of " + flags.data.source + " is empty");
  return std::move(set);
}

std::vector<int> SelectSequences(const AnalysisDataFlags& flags, const SequenceDataset& split) {
  if (static_cast<long>(flags.offset) + flags.sequences > split.count())
    throw std::invalid_argument("the " + flags.split + " split of " + flags.data.source + " has " +
                                std::to_string(split.count()) + " sequences; --offset " + std::to_string(flags.offset) +
                                " --sequences " + std::to_string(flags.sequences) + " asks for more");
  std::vector<int> indices(flags.sequences);
  for (int k = 0; k < flags.sequences; ++k) indices[k] = flags.offset + k;
  return indices;
}

void AddCertificateOptions(CLI::App& app, CertificateFlags& flags) {
  app.add_option("--certificate", flags.certificate,
                 "Compare with this certificate (it must verify); default: certify now");
  app.add_flag("--no-sdp", flags.no_sdp, "When certifying now: no Tier 2 (SDP)");
  app.add_option("--timeout", flags.timeout, "When certifying now: wall-clock budget in seconds")
      ->check(CLI::PositiveNumber);
}

Certificate ObtainCertificate(const Network& network, const CertificateFlags& flags) {
  if (!flags.certificate.empty()) {
    RequireExists(flags.certificate, "certificate file");
    Certificate certificate = LoadCertificate(flags.certificate);
    RequireCertificateOfModel(network, certificate, flags.certificate);
    return certificate;
  }
  CertifyOptions options;
  options.use_sdp = !flags.no_sdp;
  options.timeout_seconds = flags.timeout;
  return Certify(network, options).certificate;
}

void AddOutputOptions(CLI::App& app, OutputFlags& flags) {
  app.add_flag("--json", flags.json, "Print the analysis as JSON on stdout");
  app.add_option("-o,--output", flags.output, "Write the analysis as JSON to this file (atomic)");
}

void CheckOutputWritable(const OutputFlags& flags) {
  if (flags.output.empty()) return;
  std::error_code error;
  const std::filesystem::path parent = std::filesystem::absolute(flags.output, error).parent_path();
  if (!std::filesystem::is_directory(parent, error))
    throw CliError(kExitCantCreate, "error: cannot write '" + flags.output + "': no such directory");
}

void EmitAnalysis(const OutputFlags& flags, const nlohmann::json& json, const std::string& report) {
  if (!flags.output.empty()) SaveTextFile(flags.output, json.dump(1) + "\n");
  if (flags.json) {
    std::cout << json.dump(2) << "\n";
    return;
  }
  std::cout << report;
  if (!flags.output.empty()) std::cout << "analysis: " << flags.output << "\n";
}

}  // namespace roro::cli
