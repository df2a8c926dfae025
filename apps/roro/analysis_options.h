#pragma once
/// @file The flags `roro analyze dynamics|similarity|gradient-flow` share: data and sequence
/// selection, the certificate to compare with, and the JSON outputs (--json, -o FILE atomic).

#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "roro/contraction/certify.h"
#include "roro/topology/network.h"
#include "roro/training/datasets.h"

namespace roro::cli {

struct AnalysisDataFlags {
  DataSpec data;
  std::string split = "test";
  int sequences = 8;  ///< how many sequences of the split (from `offset`)
  int offset = 0;
};

/// --data ... (required), --split, --sequences, --offset.
void AddAnalysisDataOptions(CLI::App& app, AnalysisDataFlags& flags, int default_sequences);

/// The split the flags name, loaded. @throws CliError(kExitUsage) on an invalid spec or split;
/// std::invalid_argument (exit 65) when the data cannot be read or the split is empty.
SequenceDataset LoadAnalysisSplit(const AnalysisDataFlags& flags, std::string* description);

/// Indices offset .. offset + sequences - 1 of the split.
/// @throws std::invalid_argument (exit 65) if the split has fewer sequences.
std::vector<int> SelectSequences(const AnalysisDataFlags& flags, const SequenceDataset& split);

struct CertificateFlags {
  std::string certificate;  ///< a certificate file; empty: certify now
  bool no_sdp = false;
  double timeout = 60;
};

void AddCertificateOptions(CLI::App& app, CertificateFlags& flags);

/// The certificate the analysis compares with: the file (it must verify against the model, else
/// exit 65 naming why), or a fresh Certify(network).
Certificate ObtainCertificate(const Network& network, const CertificateFlags& flags);

struct OutputFlags {
  bool json = false;
  std::string output;
};

void AddOutputOptions(CLI::App& app, OutputFlags& flags);

/// Fails with exit 73 before any work if -o names a file in a directory that does not exist.
void CheckOutputWritable(const OutputFlags& flags);

/// Writes the JSON (atomically) to -o, prints it with --json, else prints `report`.
void EmitAnalysis(const OutputFlags& flags, const nlohmann::json& json, const std::string& report);

}  // namespace roro::cli
