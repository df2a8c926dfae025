#pragma once
/// @file
/// NumPy .npy files (format 1.0/2.0/3.0): read float64/float32/int little-endian arrays, write
/// float64 C-order. Strict: the reader names the file and what is wrong.

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace roro {

struct NpyArray {
  std::vector<std::int64_t> shape;  ///< empty for a scalar
  std::vector<double> values;       ///< C order, converted to double
  std::string dtype;                ///< the descr as written, e.g. "<f8"
};

/// Parses .npy bytes. @throws std::invalid_argument naming `source_name` on a bad magic, header,
/// dtype (only <f8, <f4, <i4, <i8, |u1 are accepted; Fortran order is rejected), or a truncated body.
NpyArray ParseNpy(const std::string& bytes, const std::string& source_name);
/// @throws std::invalid_argument naming the file.
NpyArray ReadNpy(const std::string& path);

/// float64 C-order bytes of a matrix (shape rows x cols) or a vector (shape n).
std::string SerializeNpy(const Eigen::Ref<const Eigen::MatrixXd>& matrix);
std::string SerializeNpyVector(const Eigen::Ref<const Eigen::VectorXd>& vector);
/// Atomic writes. @throws std::runtime_error if the file cannot be written.
void WriteNpy(const std::string& path, const Eigen::Ref<const Eigen::MatrixXd>& matrix);
void WriteNpyVector(const std::string& path, const Eigen::Ref<const Eigen::VectorXd>& vector);

/// 2-D float64 array as a matrix. @throws std::invalid_argument naming the file if not 2-D, if
/// the dtype is not <f8, or if it holds NaN/Inf.
Eigen::MatrixXd NpyToMatrix(const NpyArray& array, const std::string& source_name);
/// 1-D float64 array as a vector (same checks).
Eigen::VectorXd NpyToVector(const NpyArray& array, const std::string& source_name);

}  // namespace roro
