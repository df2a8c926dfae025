#include "roro/study/removal_study.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "json_writer.h"
#include "roro/modules/random.h"
#include "roro/training/trainer.h"

namespace roro {
namespace {

bool Reject(std::string* error, const std::string& message) {
  if (error) *error = message;
  return false;
}

std::string JoinInts(const std::vector<int>& values, const char* separator) {
  std::string text;
  for (size_t k = 0; k < values.size(); ++k) {
    if (k) text += separator;
    text += std::to_string(values[k]);
  }
  return text;
}

std::string JoinStrings(const std::vector<std::string>& values) {
  std::string text;
  for (size_t k = 0; k < values.size(); ++k) {
    if (k) text += ',';
    text += values[k];
  }
  return text;
}

std::string RoleName(ModuleRole role) {
  switch (role) {
    case ModuleRole::kHub: return "hub";
    case ModuleRole::kSpoke: return "spoke";
    case ModuleRole::kNone: break;
  }
  return "-";
}

// Accuracy as a percentage for classification, the loss otherwise.
std::string Score(double accuracy, double loss, bool classification) {
  return classification ? fmt::format("{:.2f}%", 100 * accuracy) : fmt::format("{:.6g}", loss);
}

std::string Drop(double drop, bool classification) {
  return classification ? fmt::format("{:+.2f}", 100 * drop) : fmt::format("{:+.6g}", drop);
}

}  // namespace

bool RemovalOptions::IsValid(std::string* error) const {
  if (count < 1) return Reject(error, fmt::format("removal count must be >= 1, got {}", count));
  if (trials < 0) return Reject(error, fmt::format("removal trials must be >= 0, got {}", trials));
  if (count > 1 && trials == 0)
    return Reject(error, fmt::format("removing {} modules at a time needs a number of random trials (--trials R)", count));
  if (threads < 0) return Reject(error, fmt::format("threads must be >= 0, got {}", threads));
  if (batch_size < 1) return Reject(error, fmt::format("evaluation batch must be >= 1, got {}", batch_size));
  std::string inner;
  if (certify && !certify_options.IsValid(&inner)) return Reject(error, inner);
  return true;
}

std::vector<std::vector<int>> RemovalSets(int module_count, const RemovalOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument(error);
  if (options.count >= module_count)
    throw std::invalid_argument(fmt::format("cannot remove {} of {} modules: at least one must remain", options.count,
                                            module_count));
  std::vector<std::vector<int>> sets;
  if (options.trials == 0) {
    for (int i = 0; i < module_count; ++i) sets.push_back({i});
    return sets;
  }
  Rng rng(options.seed);
  for (int trial = 0; trial < options.trials; ++trial) {
    // A partial Fisher-Yates shuffle: the first `count` entries are a uniform draw without replacement.
    std::vector<int> order(module_count);
    for (int i = 0; i < module_count; ++i) order[i] = i;
    for (int k = 0; k < options.count; ++k) {
      const int pick = k + static_cast<int>(rng.UniformInt(static_cast<std::uint64_t>(module_count - k)));
      std::swap(order[k], order[pick]);
    }
    std::vector<int> removed(order.begin(), order.begin() + options.count);
    std::sort(removed.begin(), removed.end());
    sets.push_back(std::move(removed));
  }
  return sets;
}

RemovalStudyResult RunRemovalStudy(const Network& network, const SequenceDataset& data, const RemovalOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::vector<int>> sets = RemovalSets(network.module_count(), options);
  CheckDataFitsNetwork(data, network);

  RemovalStudyResult result;
  result.options = options;
  result.classification = data.task == TaskType::kClassification;
  const EvaluationStats intact = EvaluateNetwork(network, data, options.threads, options.batch_size);
  result.intact_accuracy = intact.accuracy;
  result.intact_loss = intact.loss;
  if (options.certify) result.intact_verdict = Certify(network, options.certify_options).verdict;

  for (const std::vector<int>& removed : sets) {
    const Network lesioned = LesionNetwork(network, removed, options.mode);
    const EvaluationStats stats = EvaluateNetwork(lesioned, data, options.threads, options.batch_size);
    LesionOutcome outcome;
    outcome.removed = removed;
    for (int i : removed) outcome.roles.push_back(RoleName(network.graph().role(i)));
    outcome.accuracy = stats.accuracy;
    outcome.loss = stats.loss;
    outcome.drop = result.classification ? intact.accuracy - stats.accuracy : stats.loss - intact.loss;
    if (options.certify) {
      const CertificationResult certification = Certify(lesioned, options.certify_options);
      outcome.verdict = certification.verdict;
      outcome.rate = certification.continuous_rate;
      outcome.euler_factor = certification.certificate.discrete_factor;
      outcome.reason = certification.reason;
    }
    result.lesions.push_back(std::move(outcome));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

RemovalSummary RemovalStudyResult::Summary() const {
  RemovalSummary s;
  s.mode = std::string(ToString(options.mode));
  s.count = options.count;
  s.lesions = static_cast<int>(lesions.size());
  s.intact_accuracy = classification ? intact_accuracy : intact_loss;
  if (lesions.empty()) return s;
  double sum = 0, sum_drop = 0, worst = std::numeric_limits<double>::infinity(), worst_drop = -worst;
  for (const LesionOutcome& l : lesions) {
    const double score = classification ? l.accuracy : l.loss;
    sum += score;
    sum_drop += l.drop;
    // Worst = the largest drop (lowest accuracy, or highest loss).
    if (l.drop > worst_drop) {
      worst_drop = l.drop;
      worst = score;
    }
    if (l.verdict && *l.verdict == Verdict::kCertified) ++s.certified_lesions;
  }
  const double n = static_cast<double>(lesions.size());
  s.mean_accuracy = sum / n;
  s.mean_drop = sum_drop / n;
  s.worst_accuracy = worst;
  s.worst_drop = worst_drop;
  double squares = 0;
  for (const LesionOutcome& l : lesions) squares += (l.drop - s.mean_drop) * (l.drop - s.mean_drop);
  s.drop_stddev = lesions.size() > 1 ? std::sqrt(squares / (n - 1)) : 0.0;
  return s;
}

std::string RemovalStudyResult::BriefReport() const {
  const RemovalSummary s = Summary();
  const char* score_name = classification ? "accuracy" : "loss";
  std::string text = fmt::format("removal study: mode {}, {} lesion(s) of {} module(s) each, {:.1f} s\n", s.mode,
                                 s.lesions, s.count, seconds);
  text += fmt::format("intact: {} {}", score_name, Score(intact_accuracy, intact_loss, classification));
  if (intact_verdict) text += fmt::format(", certificate {}", ToString(*intact_verdict));
  text += "\n";
  const std::string header_modules = options.count == 1 ? "module" : "modules";
  size_t module_width = header_modules.size(), role_width = 5;
  for (const LesionOutcome& l : lesions) {
    module_width = std::max(module_width, JoinInts(l.removed, ",").size());
    role_width = std::max(role_width, JoinStrings(l.roles).size());
  }
  auto row = [&](const std::string& modules, const std::string& roles, const std::string& score,
                 const std::string& drop, const std::string& verdict) {
    std::string line = fmt::format("{:<{}}  {:<{}}  {:>10}  {:>8}  {}", modules, module_width, roles, role_width, score,
                                   drop, verdict);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
  };
  text += row(header_modules, "role", score_name, "drop", intact_verdict ? "certificate" : "");
  for (const LesionOutcome& l : lesions) {
    text += row(JoinInts(l.removed, ","), JoinStrings(l.roles), Score(l.accuracy, l.loss, classification),
                Drop(l.drop, classification), l.verdict ? std::string(ToString(*l.verdict)) : "");
  }
  if (!lesions.empty()) {
    text += row("mean", "", Score(s.mean_accuracy, s.mean_accuracy, classification), Drop(s.mean_drop, classification), "");
    text += row("worst", "", Score(s.worst_accuracy, s.worst_accuracy, classification), Drop(s.worst_drop, classification),
                "");
    text += fmt::format("drop spread (std over lesions): {}\n", classification ? fmt::format("{:.2f}", 100 * s.drop_stddev) : fmt::format("{:.6g}", s.drop_stddev));
  }
  if (options.certify)
    text += fmt::format("lesioned networks certified: {} of {}\n", s.certified_lesions, s.lesions);
  return text;
}

std::string RemovalStudyResult::FullReport() const {
  std::string text = BriefReport();
  if (!options.certify) return text;
  text += "certificates of the lesioned networks:\n";
  for (const LesionOutcome& l : lesions) {
    text += fmt::format("  removed {}: {} rate {:.6g} euler factor {:.6g}{}\n", JoinInts(l.removed, ","),
                        ToString(*l.verdict), l.rate, l.euler_factor, l.reason.empty() ? "" : " (" + l.reason + ")");
  }
  return text;
}

nlohmann::json RemovalStudyResult::ToJson() const {
  using topology_internal::NumberOrNull;
  nlohmann::json json = {{"format", "roro-removal"},
                         {"version", 1},
                         {"mode", ToString(options.mode)},
                         {"count", options.count},
                         {"trials", options.trials},
                         {"seed", options.seed},
                         {"classification", classification},
                         {"intact", {{"accuracy", NumberOrNull(intact_accuracy)}, {"loss", NumberOrNull(intact_loss)}}},
                         {"seconds", seconds}};
  json["intact"]["verdict"] = intact_verdict ? nlohmann::json(ToString(*intact_verdict)) : nlohmann::json(nullptr);
  nlohmann::json rows = nlohmann::json::array();
  for (const LesionOutcome& l : lesions) {
    nlohmann::json row = {{"removed", l.removed}, {"roles", l.roles},         {"accuracy", NumberOrNull(l.accuracy)},
                          {"loss", NumberOrNull(l.loss)}, {"drop", NumberOrNull(l.drop)}};
    if (l.verdict) {
      row["verdict"] = ToString(*l.verdict);
      row["rate"] = NumberOrNull(l.rate);
      row["euler_factor"] = NumberOrNull(l.euler_factor);
      row["reason"] = l.reason;
    }
    rows.push_back(std::move(row));
  }
  json["lesions"] = std::move(rows);
  const RemovalSummary s = Summary();
  json["summary"] = {{"mean_accuracy", NumberOrNull(s.mean_accuracy)}, {"worst_accuracy", NumberOrNull(s.worst_accuracy)},
                     {"mean_drop", NumberOrNull(s.mean_drop)},         {"worst_drop", NumberOrNull(s.worst_drop)},
                     {"drop_stddev", NumberOrNull(s.drop_stddev)},     {"certified_lesions", s.certified_lesions}};
  return json;
}

}  // namespace roro
