// Input checks shared by the analyses' front ends (see analysis_inputs.h).
#include "roro/analysis/analysis_inputs.h"

#include <stdexcept>

#include "roro/topology/model_file.h"

namespace roro {

void RequireCertificateOfModel(const Network& network, const Certificate& certificate, const std::string& source) {
  if (certificate.model_sha256 != ModelSha256(network))
    throw std::invalid_argument(source + ": field 'model_sha256' names another model (" + certificate.model_sha256 +
                                ")");
  if (certificate.verdict != Verdict::kCertified) return;
  const VerificationResult check = VerifyCertificate(network, certificate);
  if (check.verdict != Verdict::kCertified)
    throw std::invalid_argument(source + ": does not verify for this model: " + check.reason);
}

std::vector<int> FirstSequencesOfClass(const SequenceDataset& split, int label, int count, int offset,
                                       const std::string& split_name) {
  std::vector<int> chosen;
  for (int i = offset; i < split.count() && static_cast<int>(chosen.size()) < count; ++i)
    if (split.labels[i] == label) chosen.push_back(i);
  if (static_cast<int>(chosen.size()) < count)
    throw std::invalid_argument("the " + split_name + " split has " + std::to_string(chosen.size()) +
                                " sequences of class " + std::to_string(label) + " from index " +
                                std::to_string(offset) + "; " + std::to_string(count) + " were asked for");
  return chosen;
}

}  // namespace roro
