#include "roro/topology/npy.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "roro/topology/atomic_write.h"

namespace roro {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;
/// numpy aligns the start of the data to 64 bytes (so memory maps are aligned); we do the same.
constexpr std::size_t kHeaderAlignment = 64;
/// A sane bound on the header dictionary; numpy itself refuses headers over 10 KB by default.
constexpr std::uint64_t kMaxHeaderLength = 1 << 20;

[[noreturn]] void Fail(const std::string& source, const std::string& what) {
  throw std::invalid_argument(source + ": " + what);
}

std::string Quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned char>(c));
      out += buffer;
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::uint64_t ReadLittleEndian(const std::string& bytes, std::size_t at, int width) {
  std::uint64_t value = 0;
  for (int k = width - 1; k >= 0; --k) value = (value << 8) | static_cast<unsigned char>(bytes[at + k]);
  return value;
}

/// The header is a Python dict literal, e.g. {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }.
/// This parses exactly that subset: string keys; string, True/False and int-tuple values.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  struct Header {
    std::string descr;
    bool fortran_order = false;
    std::vector<std::int64_t> shape;
  };

  Header Parse() {
    Header header;
    bool seen_descr = false, seen_order = false, seen_shape = false;
    SkipSpace();
    Expect('{');
    while (true) {
      SkipSpace();
      if (Peek() == '}') {
        ++at_;
        break;
      }
      const std::string key = ParseString();
      SkipSpace();
      Expect(':');
      SkipSpace();
      if (key == "descr") {
        if (seen_descr) Error("duplicate key 'descr'");
        header.descr = ParseString();
        seen_descr = true;
      } else if (key == "fortran_order") {
        if (seen_order) Error("duplicate key 'fortran_order'");
        header.fortran_order = ParseBool();
        seen_order = true;
      } else if (key == "shape") {
        if (seen_shape) Error("duplicate key 'shape'");
        header.shape = ParseShape();
        seen_shape = true;
      } else {
        Error("unexpected key " + Quoted(key) + " (expected descr, fortran_order, shape)");
      }
      SkipSpace();
      if (Peek() == ',') {
        ++at_;
        continue;
      }
      SkipSpace();
      Expect('}');
      break;
    }
    // Only padding may follow the dictionary.
    for (; at_ < text_.size(); ++at_)
      if (text_[at_] != ' ' && text_[at_] != '\n' && text_[at_] != '\t' && text_[at_] != '\r' && text_[at_] != '\0')
        Error("unexpected text after the header dictionary");
    if (!seen_descr) Fail(source_, "npy header has no 'descr'");
    if (!seen_order) Fail(source_, "npy header has no 'fortran_order'");
    if (!seen_shape) Fail(source_, "npy header has no 'shape'");
    return header;
  }

 private:
  [[noreturn]] void Error(const std::string& what) const {
    std::ostringstream message;
    message << "malformed npy header at character " << at_ << ": " << what;
    Fail(source_, message.str());
  }
  char Peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
  void SkipSpace() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) ++at_;
  }
  void Expect(char c) {
    if (Peek() != c) Error(std::string("expected '") + c + "'");
    ++at_;
  }
  std::string ParseString() {
    const char quote = Peek();
    if (quote != '\'' && quote != '"') Error("expected a quoted string");
    ++at_;
    const std::size_t start = at_;
    while (at_ < text_.size() && text_[at_] != quote) {
      if (text_[at_] == '\\') Error("escape sequences are not supported in npy headers");
      ++at_;
    }
    if (at_ >= text_.size()) Error("unterminated string");
    return std::string(text_.substr(start, at_++ - start));
  }
  bool ParseBool() {
    if (text_.substr(at_, 4) == "True") {
      at_ += 4;
      return true;
    }
    if (text_.substr(at_, 5) == "False") {
      at_ += 5;
      return false;
    }
    Error("expected True or False");
  }
  std::vector<std::int64_t> ParseShape() {
    Expect('(');
    std::vector<std::int64_t> shape;
    bool trailing_comma = false;
    while (true) {
      SkipSpace();
      if (Peek() == ')') {
        ++at_;
        break;
      }
      trailing_comma = false;
      if (Peek() < '0' || Peek() > '9') Error("expected a non-negative integer dimension");
      std::int64_t value = 0;
      while (Peek() >= '0' && Peek() <= '9') {
        if (value > (std::numeric_limits<std::int64_t>::max() - 9) / 10) Error("dimension is too large");
        value = value * 10 + (Peek() - '0');
        ++at_;
      }
      if (Peek() == 'L') ++at_;  // Python 2 long literal
      shape.push_back(value);
      if (shape.size() > 32) Error("more than 32 dimensions");
      SkipSpace();
      if (Peek() == ',') {
        ++at_;
        trailing_comma = true;
        continue;
      }
      SkipSpace();
      Expect(')');
      break;
    }
    // Python writes a 1-tuple as (n,): "(5)" is the int 5, which numpy rejects too.
    if (shape.size() == 1 && !trailing_comma) Error("a 1-D shape must be written (n,)");
    return shape;
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t at_ = 0;
};

int ItemSize(const std::string& descr) {
  if (descr == "<f8" || descr == "<i8") return 8;
  if (descr == "<f4" || descr == "<i4") return 4;
  if (descr == "|u1") return 1;
  return 0;
}

double DecodeItem(const char* p, const std::string& descr) {
  std::uint64_t bits = 0;
  const int size = ItemSize(descr);
  for (int k = size - 1; k >= 0; --k) bits = (bits << 8) | static_cast<unsigned char>(p[k]);
  if (descr == "<f8") return std::bit_cast<double>(bits);
  if (descr == "<f4") return static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(bits)));
  if (descr == "<i8") return static_cast<double>(static_cast<std::int64_t>(bits));
  if (descr == "<i4") return static_cast<double>(static_cast<std::int32_t>(static_cast<std::uint32_t>(bits)));
  return static_cast<double>(bits);  // |u1
}

std::string ShapeText(const std::vector<std::int64_t>& shape) {
  std::string text = "(";
  for (std::size_t k = 0; k < shape.size(); ++k) {
    text += std::to_string(shape[k]);
    if (shape.size() == 1 || k + 1 < shape.size()) text += shape.size() == 1 ? "," : ", ";
  }
  return text + ")";
}

/// Header + data in numpy's own layout (format 1.0, "<f8", C order).
std::string SerializeDoubles(const std::vector<std::int64_t>& shape, const double* row_major, std::size_t count) {
  std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': " + ShapeText(shape) + ", }";
  const std::size_t preamble = kMagicSize + 2 + 2;
  std::size_t total = preamble + dict.size() + 1;  // + '\n'
  const std::size_t padding = (kHeaderAlignment - total % kHeaderAlignment) % kHeaderAlignment;
  dict.append(padding, ' ');
  dict += '\n';
  std::string bytes(kMagic, kMagicSize);
  bytes += static_cast<char>(1);
  bytes += static_cast<char>(0);
  bytes += static_cast<char>(dict.size() & 0xff);
  bytes += static_cast<char>((dict.size() >> 8) & 0xff);
  bytes += dict;
  bytes.reserve(bytes.size() + 8 * count);
  for (std::size_t k = 0; k < count; ++k) {
    std::uint64_t bits = std::bit_cast<std::uint64_t>(row_major[k]);
    for (int b = 0; b < 8; ++b) {
      bytes += static_cast<char>(bits & 0xff);
      bits >>= 8;
    }
  }
  return bytes;
}

void CheckFloat64AndFinite(const NpyArray& array, const std::string& source) {
  if (array.dtype != "<f8")
    Fail(source, "dtype is " + Quoted(array.dtype) + ", expected '<f8' (float64; use arr.astype(np.float64))");
  for (std::size_t k = 0; k < array.values.size(); ++k)
    if (!std::isfinite(array.values[k])) {
      std::ostringstream message;
      message << "element " << k << " (C order) is " << array.values[k] << " (NaN/Inf not allowed)";
      Fail(source, message.str());
    }
}

}  // namespace

NpyArray ParseNpy(const std::string& bytes, const std::string& source_name) {
  const std::string& source = source_name;
  if (bytes.size() < kMagicSize || bytes.compare(0, kMagicSize, kMagic, kMagicSize) != 0)
    Fail(source, "not a .npy file (bad magic; expected \\x93NUMPY)");
  if (bytes.size() < kMagicSize + 2) Fail(source, "truncated .npy file (no version)");
  const int major = static_cast<unsigned char>(bytes[kMagicSize]);
  const int minor = static_cast<unsigned char>(bytes[kMagicSize + 1]);
  if (major < 1 || major > 3 || minor != 0) {
    std::ostringstream message;
    message << "unsupported .npy format version " << major << "." << minor << " (supported: 1.0, 2.0, 3.0)";
    Fail(source, message.str());
  }
  const int length_width = major == 1 ? 2 : 4;
  const std::size_t header_start = kMagicSize + 2 + length_width;
  if (bytes.size() < header_start) Fail(source, "truncated .npy file (no header length)");
  const std::uint64_t header_length = ReadLittleEndian(bytes, kMagicSize + 2, length_width);
  if (header_length > kMaxHeaderLength)
    Fail(source, "npy header length " + std::to_string(header_length) + " is implausibly large");
  if (bytes.size() - header_start < header_length) {
    std::ostringstream message;
    message << "truncated .npy file: header needs " << header_length << " bytes, " << bytes.size() - header_start
            << " present";
    Fail(source, message.str());
  }
  const std::string_view header_text(bytes.data() + header_start, header_length);
  for (char c : header_text)
    if (major < 3 && static_cast<unsigned char>(c) >= 0x80) Fail(source, "npy header is not ASCII");
  const HeaderParser::Header header = HeaderParser(header_text, source).Parse();

  if (header.fortran_order)
    Fail(source, "Fortran-order arrays are not supported (save with np.ascontiguousarray(arr))");
  const int item_size = ItemSize(header.descr);
  if (item_size == 0) {
    std::string hint;
    if (!header.descr.empty() && header.descr[0] == '>') hint = "; big-endian data: use arr.astype('<f8')";
    Fail(source, "unsupported dtype " + Quoted(header.descr) + " (accepted: <f8, <f4, <i4, <i8, |u1" + hint + ")");
  }
  std::uint64_t count = 1;
  for (std::int64_t dimension : header.shape) {
    const auto d = static_cast<std::uint64_t>(dimension);
    if (d != 0 && count > (std::numeric_limits<std::uint64_t>::max() / 8) / d)
      Fail(source, "shape " + ShapeText(header.shape) + " is too large");
    count *= d;
  }
  const std::size_t data_start = header_start + header_length;
  const std::uint64_t expected = count * static_cast<std::uint64_t>(item_size);
  const std::uint64_t present = bytes.size() - data_start;
  if (present != expected) {
    std::ostringstream message;
    message << (present < expected ? "truncated .npy file" : "trailing bytes in .npy file") << ": shape "
            << ShapeText(header.shape) << " of " << header.descr << " needs " << expected << " data bytes, "
            << present << " present";
    Fail(source, message.str());
  }

  NpyArray array;
  array.shape = header.shape;
  array.dtype = header.descr;
  array.values.resize(count);
  const char* data = bytes.data() + data_start;
  for (std::uint64_t k = 0; k < count; ++k) array.values[k] = DecodeItem(data + k * item_size, header.descr);
  return array;
}

NpyArray ReadNpy(const std::string& path) { return ParseNpy(ReadFileToString(path), path); }

std::string SerializeNpy(const Eigen::Ref<const Eigen::MatrixXd>& matrix) {
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = matrix;
  return SerializeDoubles({matrix.rows(), matrix.cols()}, row_major.data(), static_cast<std::size_t>(row_major.size()));
}

std::string SerializeNpyVector(const Eigen::Ref<const Eigen::VectorXd>& vector) {
  const Eigen::VectorXd contiguous = vector;
  return SerializeDoubles({vector.size()}, contiguous.data(), static_cast<std::size_t>(contiguous.size()));
}

void WriteNpy(const std::string& path, const Eigen::Ref<const Eigen::MatrixXd>& matrix) {
  WriteFileAtomically(path, SerializeNpy(matrix));
}

void WriteNpyVector(const std::string& path, const Eigen::Ref<const Eigen::VectorXd>& vector) {
  WriteFileAtomically(path, SerializeNpyVector(vector));
}

Eigen::MatrixXd NpyToMatrix(const NpyArray& array, const std::string& source_name) {
  if (array.shape.size() != 2)
    Fail(source_name, "expected a 2-D array, got shape " + ShapeText(array.shape));
  CheckFloat64AndFinite(array, source_name);
  const Eigen::Index rows = array.shape[0], cols = array.shape[1];
  Eigen::MatrixXd matrix(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i)
    for (Eigen::Index j = 0; j < cols; ++j) matrix(i, j) = array.values[static_cast<std::size_t>(i * cols + j)];
  return matrix;
}

Eigen::VectorXd NpyToVector(const NpyArray& array, const std::string& source_name) {
  if (array.shape.size() != 1)
    Fail(source_name, "expected a 1-D array, got shape " + ShapeText(array.shape));
  CheckFloat64AndFinite(array, source_name);
  return Eigen::Map<const Eigen::VectorXd>(array.values.data(), static_cast<Eigen::Index>(array.values.size()));
}

}  // namespace roro
