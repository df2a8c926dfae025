#pragma once
/// @file
/// The JSON writing helpers every roro file format shares: the one pretty-printer (so a format's
/// bytes are fixed by this code alone), matrices and vectors as nested lists, and null for the
/// non-finite numbers JSON cannot hold. Private, like json_reader.h.

#include <string>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

namespace roro::topology_internal {

/// Objects one key a line (keys "format" and "version" first, then sorted), arrays of scalars on
/// one line (so a matrix prints one row a line), numbers in nlohmann's shortest round-trip form.
/// Ends with a newline. Deterministic: equal documents give equal bytes.
std::string FormatJson(const nlohmann::json& document);

/// Row-major nested lists of doubles.
nlohmann::json MatrixToJson(const Eigen::Ref<const Eigen::MatrixXd>& matrix);
nlohmann::json VectorToJson(const Eigen::Ref<const Eigen::VectorXd>& vector);

/// JSON has no Inf or NaN: a non-finite number is written as null (JsonField::NumberOrNull reads
/// it back).
nlohmann::json NumberOrNull(double value);

}  // namespace roro::topology_internal
