#pragma once
// JSON values of the analysis files: non-finite numbers become null (JSON has no NaN or infinity;
// readers take null as "not available"), matrices are lists of rows.
#include <cmath>
#include <complex>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

namespace roro::analysis_internal {

inline nlohmann::json Number(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

inline nlohmann::json VectorJson(const Eigen::Ref<const Eigen::VectorXd>& v) {
  nlohmann::json out = nlohmann::json::array();
  for (Eigen::Index i = 0; i < v.size(); ++i) out.push_back(Number(v[i]));
  return out;
}

inline nlohmann::json VectorJson(const std::vector<double>& v) {
  nlohmann::json out = nlohmann::json::array();
  for (double x : v) out.push_back(Number(x));
  return out;
}

inline nlohmann::json MatrixJson(const Eigen::Ref<const Eigen::MatrixXd>& m) {
  nlohmann::json rows = nlohmann::json::array();
  for (Eigen::Index r = 0; r < m.rows(); ++r) rows.push_back(VectorJson(m.row(r).transpose()));
  return rows;
}

/// [[re, im], ...]
inline nlohmann::json ComplexJson(const std::vector<std::complex<double>>& values) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& z : values) out.push_back({Number(z.real()), Number(z.imag())});
  return out;
}

/// The common head of every analysis file.
inline nlohmann::json AnalysisHeader(const std::string& kind) {
  return {{"format", "roro-analysis"}, {"version", 1}, {"kind", kind}};
}

}  // namespace roro::analysis_internal
