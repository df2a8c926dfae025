// `roro certify MODEL`: prove (or refute) contraction of a model; optionally write the certificate.
// `--store-metric` (or `--store-metric-to PATH`) records the proven module metrics in the model
// file and certifies the stored model again: what is printed, written with -o and returned as the
// exit code is then the stored model's verdict. A stored model whose verdict is worse than the
// original's (a metric-skew L changes with the metric) is not written (exit 2).
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "roro/cli_support.h"
#include "roro/command_registry.h"
#include "roro/contraction/certify.h"
#include "roro/contraction/store_metric.h"

namespace roro::cli {
namespace {

struct CertifyFlags {
  std::string model;
  std::string output;
  bool json = false;
  bool rate_only = false;
  bool max_alpha = false;
  bool no_max_alpha = false;
  bool no_sdp = false;
  std::string csdp_path;
  double timeout = 60;
  bool store_metric = false;
  std::string store_metric_to;
};

// certified > inconclusive > refuted: storing metrics must not make a model worse.
int Rank(Verdict verdict) {
  switch (verdict) {
    case Verdict::kCertified: return 2;
    case Verdict::kInconclusive: return 1;
    case Verdict::kRefuted: return 0;
  }
  return 0;
}

// The result of storing the certificate's metrics (when asked to).
struct StoredModel {
  StoredMetricChange change;
  std::string path;          // where it was (or would have been) written
  bool written = false;
  std::optional<CertificationResult> result;  // the stored model's certification
};

StoredModel StoreMetrics(const Network& network, const CertificationResult& original, const CertifyFlags& flags,
                         const CertifyOptions& options) {
  StoredModel stored;
  stored.path = flags.store_metric_to.empty() ? flags.model : flags.store_metric_to;
  Network changed = network;
  stored.change = StoreCertificateMetrics(changed, original.certificate);
  if (!stored.change.changed()) return stored;
  stored.result = Certify(changed, options);
  if (Rank(stored.result->verdict) < Rank(original.verdict)) return stored;
  SaveModelFile(changed, stored.path);
  stored.written = true;
  return stored;
}

nlohmann::json StoredJson(const StoredModel& stored) {
  nlohmann::json modules = nlohmann::json::array();
  for (size_t k = 0; k < stored.change.modules.size(); ++k)
    modules.push_back({{"module", stored.change.modules[k]}, {"metric_source", ToString(stored.change.sources[k])}});
  return {{"model", stored.path},
          {"written", stored.written},
          {"modules", modules},
          {"coupling_change", stored.change.coupling_change},
          {"verdict", stored.result ? nlohmann::json(ToString(stored.result->verdict)) : nlohmann::json(nullptr)}};
}

int ExitCodeOf(Verdict verdict) {
  switch (verdict) {
    case Verdict::kCertified: return kExitOk;
    case Verdict::kRefuted: return kExitRefuted;
    case Verdict::kInconclusive: return kExitInconclusive;
  }
  return kExitInconclusive;
}

std::function<int()> SetupCertify(CLI::App& app) {
  auto flags = std::make_shared<CertifyFlags>();
  app.add_option("MODEL", flags->model, "Model file (JSON)")->required();
  app.add_option("-o,--output", flags->output, "Write the certificate here (atomic; every verdict, verdict inside)");
  app.add_flag("--json", flags->json, "Print the full report as JSON on stdout");
  app.add_flag("--rate-only", flags->rate_only, "Continuous-time rate only (skip the Euler factor)");
  auto* max_alpha = app.add_flag("--max-alpha", flags->max_alpha,
                                 "Report the largest alpha keeping the Euler map contracting (the default)");
  app.add_flag("--no-max-alpha", flags->no_max_alpha,
               "Do not compute the largest contracting alpha (recorded as 0); with --rate-only this skips every "
               "discrete-time (Euler) proof")
      ->excludes(max_alpha);
  app.add_flag("--no-sdp", flags->no_sdp, "Do not use Tier 2 (metric LMI by SDP)");
  app.add_option("--csdp", flags->csdp_path, "Path of the csdp executable (default: csdp on PATH)");
  app.add_option("--timeout", flags->timeout, "Wall-clock budget in seconds")->check(CLI::PositiveNumber);
  auto* store = app.add_flag("--store-metric", flags->store_metric,
                             "Record the proven module metrics (and sector multipliers) in MODEL, certify the "
                             "stored model again and report that (for a metric-skew coupling L is re-derived "
                             "from B in the new metric)");
  app.add_option("--store-metric-to", flags->store_metric_to,
                 "As --store-metric, but write the stored model to this path and leave MODEL as it is")
      ->excludes(store);
  return [flags] {
    const Network network = LoadModelFile(flags->model);
    CertifyOptions options;
    options.rate_only = flags->rate_only;
    options.compute_max_alpha = !flags->no_max_alpha;
    options.use_sdp = !flags->no_sdp;
    options.timeout_seconds = flags->timeout;
    if (!flags->csdp_path.empty()) options.sdp.csdp_path = flags->csdp_path;
    std::string error;
    if (!options.IsValid(&error)) throw CliError(kExitUsage, "invalid options: " + error);
    for (const auto& [path, what] : {std::pair{flags->output, "certificate"}, std::pair{flags->store_metric_to, "model"}}) {
      if (path.empty()) continue;
      const std::filesystem::path parent = std::filesystem::absolute(path).parent_path();
      if (!std::filesystem::is_directory(parent))
        throw CliError(kExitCantCreate, std::string("cannot write ") + what + " '" + path + "': no such directory");
    }
    const CertificationResult original = Certify(network, options);
    std::optional<StoredModel> stored;
    if (flags->store_metric || !flags->store_metric_to.empty()) stored = StoreMetrics(network, original, *flags, options);
    // What the model file on disk now is: the stored model where it was written.
    const bool reported_stored = stored && stored->written;
    const CertificationResult& result = reported_stored ? *stored->result : original;
    if (!flags->output.empty()) {
      try {
        SaveCertificate(result.certificate, flags->output);
      } catch (const std::runtime_error& e) {
        throw CliError(kExitCantCreate, std::string("cannot write certificate: ") + e.what());
      }
    }
    if (flags->json) {
      nlohmann::json report = result.ToJson();
      if (stored) {
        report["stored_metric"] = StoredJson(*stored);
        report["stored_metric"]["original_verdict"] = ToString(original.verdict);
      }
      std::cout << report.dump(2) << "\n";
    } else {
      std::cout << "model: " << flags->model << "\n";
      if (stored) {
        std::cout << "before storing the metrics: " << ToString(original.verdict) << "\n"
                  << stored->change.Summary() << "\n";
        if (stored->written)
          std::cout << "wrote " << stored->path << "; the stored model:\n";
        else if (stored->result)
          std::cout << "not written: the stored model would be " << ToString(stored->result->verdict) << " ("
                    << stored->result->reason.substr(0, 200) << "); " << stored->path << " is unchanged\n";
      }
      std::cout << (Verbose() ? result.FullReport() : result.BriefReport());
      if (!flags->output.empty()) std::cout << "certificate: " << flags->output << "\n";
    }
    if (stored && stored->result && !stored->written) return static_cast<int>(kExitInconclusive);
    return ExitCodeOf(result.verdict);
  };
}

const bool registered = RegisterCommand(
    {"certify", "Prove contraction of a model (exit 0 certified, 1 refuted, 2 inconclusive)", SetupCertify});

}  // namespace
}  // namespace roro::cli
