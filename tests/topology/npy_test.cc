#include "roro/topology/npy.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace roro {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

/// A hand-made .npy: magic, version, little-endian header length, header padded to `align`, data.
std::string MakeNpy(const std::string& dict, const std::string& data, int major = 1, std::size_t align = 64) {
  const std::size_t length_width = major == 1 ? 2 : 4;
  std::string header = dict;
  const std::size_t preamble = 8 + length_width;
  while ((preamble + header.size() + 1) % align != 0) header += ' ';
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += static_cast<char>(major);
  bytes += static_cast<char>(0);
  for (std::size_t k = 0; k < length_width; ++k) bytes += static_cast<char>((header.size() >> (8 * k)) & 0xff);
  return bytes + header + data;
}

template <typename T>
std::string LittleEndianBytes(std::initializer_list<T> values) {
  static_assert(std::endian::native == std::endian::little, "test assumes a little-endian host");
  std::string bytes;
  for (T v : values) bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
  return bytes;
}

TEST(NpyTest, SerializedMatrixHasNumpysHeaderAndRowMajorData) {
  Eigen::MatrixXd m(2, 3);
  m << 1, 2, 3, 4, 5, 6;
  const std::string bytes = SerializeNpy(m);
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const std::size_t header_length = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ((10 + header_length) % 64, 0u);  // data aligned like numpy's
  const std::string header = bytes.substr(10, header_length);
  EXPECT_EQ(header.rfind("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 0), 0u) << header;
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(bytes.substr(10 + header_length), LittleEndianBytes<double>({1, 2, 3, 4, 5, 6}));
  EXPECT_THAT(std::string(SerializeNpyVector(Eigen::Vector3d(1, 2, 3))), HasSubstr("'shape': (3,), }"));
}

TEST(NpyTest, RoundTripIsBitExactIncludingSpecialDoubles) {
  Eigen::MatrixXd m(3, 2);
  m << 0.1 + 0.2, -0.0, std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(),
      -std::numeric_limits<double>::min(), 1e-300;
  const NpyArray array = ParseNpy(SerializeNpy(m), "m.npy");
  EXPECT_EQ(array.dtype, "<f8");
  EXPECT_EQ(array.shape, (std::vector<std::int64_t>{3, 2}));
  const Eigen::MatrixXd back = NpyToMatrix(array, "m.npy");
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j)
      EXPECT_EQ(std::bit_cast<std::uint64_t>(back(i, j)), std::bit_cast<std::uint64_t>(m(i, j)));
  const Eigen::VectorXd v = NpyToVector(ParseNpy(SerializeNpyVector(Eigen::Vector2d(-3.5, 7)), "v.npy"), "v.npy");
  EXPECT_EQ(v, Eigen::Vector2d(-3.5, 7));
  // Empty arrays are legal .npy files too.
  EXPECT_EQ(NpyToMatrix(ParseNpy(SerializeNpy(Eigen::MatrixXd(0, 4)), "e.npy"), "e.npy").cols(), 4);
}

TEST(NpyTest, ReadsEveryAcceptedDtypeAndFormatVersion) {
  const auto f4 = ParseNpy(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                                   LittleEndianBytes<float>({1.5f, -2.25f})), "f4.npy");
  EXPECT_EQ(f4.values, (std::vector<double>{1.5, -2.25}));
  const auto i4 = ParseNpy(MakeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2), }",
                                   LittleEndianBytes<std::int32_t>({-7, 2147483647})), "i4.npy");
  EXPECT_EQ(i4.values, (std::vector<double>{-7, 2147483647}));
  const auto i8 = ParseNpy(MakeNpy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }",
                                   LittleEndianBytes<std::int64_t>({-5})), "i8.npy");
  EXPECT_EQ(i8.values, (std::vector<double>{-5}));
  const auto u1 = ParseNpy(MakeNpy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", std::string("\x00\x7f\xff", 3)), "u1.npy");
  EXPECT_EQ(u1.values, (std::vector<double>{0, 127, 255}));
  const auto scalar = ParseNpy(MakeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                                       LittleEndianBytes<double>({4.0})), "s.npy");
  EXPECT_TRUE(scalar.shape.empty());
  EXPECT_EQ(scalar.values, (std::vector<double>{4.0}));
  // Version 2.0 and 3.0 headers carry a 4-byte length; key order and quotes may vary; old 16-byte alignment.
  for (int major : {2, 3}) {
    const auto v = ParseNpy(MakeNpy("{\"shape\": (1, 1), 'fortran_order': False, 'descr': '<f8'}",
                                    LittleEndianBytes<double>({9.0}), major, 16), "v.npy");
    EXPECT_EQ(v.values, (std::vector<double>{9.0})) << major;
  }
}

TEST(NpyTest, MalformedFilesAreRejectedNamingTheFile) {
  const std::string good_data = LittleEndianBytes<double>({1, 2, 3, 4});
  const std::string good = MakeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", good_data);
  ASSERT_NO_THROW(ParseNpy(good, "x.npy"));
  struct Case {
    std::string name, bytes;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {"empty", "", {"bad magic"}},
      {"bad magic", "\x93NUMPZ" + good.substr(6), {"bad magic"}},
      {"version 4", "\x93NUMPY\x04" + good.substr(7), {"version 4.0"}},
      {"truncated header", good.substr(0, 40), {"truncated", "header"}},
      {"truncated body", good.substr(0, good.size() - 3), {"truncated", "needs 32 data bytes, 29 present"}},
      {"trailing bytes", good + "x", {"trailing bytes"}},
      {"fortran order", MakeNpy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", good_data), {"Fortran"}},
      {"big endian", MakeNpy("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }", good_data),
       {"'>f8'", "big-endian"}},
      {"complex", MakeNpy("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }", good_data), {"'<c16'"}},
      {"object", MakeNpy("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", good_data), {"'|O'"}},
      {"missing shape", MakeNpy("{'descr': '<f8', 'fortran_order': False, }", good_data), {"no 'shape'"}},
      {"unknown key", MakeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), 'x': 1}", good_data),
       {"unexpected key 'x'"}},
      {"int instead of 1-tuple", MakeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (4), }", good_data),
       {"(n,)"}},
      {"negative dimension", MakeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (-4,), }", good_data),
       {"non-negative"}},
      {"huge shape", MakeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", good_data),
       {"too large"}},
      {"garbage after dict", MakeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), } junk", good_data),
       {"after the header"}},
      {"bool spelled lower", MakeNpy("{'descr': '<f8', 'fortran_order': false, 'shape': (4,), }", good_data),
       {"True or False"}},
  };
  for (const Case& c : cases)
    EXPECT_THAT([&] { (void)ParseNpy(c.bytes, "dir/x.npy"); },
                ThrowsMessage<std::invalid_argument>(AllOf(HasSubstr("dir/x.npy"), HasSubstr(c.expected.at(0)),
                                                           HasSubstr(c.expected.back()))))
        << c.name;
}

TEST(NpyTest, MatrixConversionDemandsTwoDimensionsFloat64AndFiniteValues) {
  const auto f4 = ParseNpy(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }",
                                   LittleEndianBytes<float>({1.0f})), "f4.npy");
  EXPECT_THAT([&] { (void)NpyToMatrix(f4, "f4.npy"); },
              ThrowsMessage<std::invalid_argument>(AllOf(HasSubstr("f4.npy"), HasSubstr("'<f4'"), HasSubstr("float64"))));
  Eigen::MatrixXd nan = Eigen::MatrixXd::Zero(2, 2);
  nan(1, 0) = std::nan("");
  EXPECT_THAT([&] { (void)NpyToMatrix(ParseNpy(SerializeNpy(nan), "n.npy"), "n.npy"); },
              ThrowsMessage<std::invalid_argument>(AllOf(HasSubstr("n.npy"), HasSubstr("element 2"), HasSubstr("NaN"))));
  const auto vector = ParseNpy(SerializeNpyVector(Eigen::Vector2d(1, 2)), "v.npy");
  EXPECT_THAT([&] { (void)NpyToMatrix(vector, "v.npy"); },
              ThrowsMessage<std::invalid_argument>(AllOf(HasSubstr("v.npy"), HasSubstr("2-D"), HasSubstr("(2,)"))));
  const auto matrix = ParseNpy(SerializeNpy(Eigen::MatrixXd::Ones(2, 2)), "m.npy");
  EXPECT_THAT([&] { (void)NpyToVector(matrix, "m.npy"); },
              ThrowsMessage<std::invalid_argument>(AllOf(HasSubstr("1-D"), HasSubstr("(2, 2)"))));
}

TEST(NpyTest, NumpyWrittenFixturesReadBackAndOurWriterMatchesNumpyByteForByte) {
  // Written by numpy 1.24 (np.save): tests/data/formats/numpy_*.npy.
  const std::string matrix_path = roro::testing::TestDataPath("formats/numpy_matrix_2x3.npy");
  Eigen::MatrixXd expected(2, 3);
  expected << 1.5, -2.0, 0.1, 3.0, 4.25, -0.0;
  EXPECT_EQ(NpyToMatrix(ReadNpy(matrix_path), matrix_path), expected);
  EXPECT_EQ(SerializeNpy(expected), roro::testing::ReadFile(matrix_path));
  const NpyArray f4 = ReadNpy(roro::testing::TestDataPath("formats/numpy_vector_f4.npy"));
  EXPECT_EQ(f4.dtype, "<f4");
  EXPECT_EQ(f4.values, (std::vector<double>{0.5, -1.0, 2.0}));
  const NpyArray i8 = ReadNpy(roro::testing::TestDataPath("formats/numpy_ints_i8.npy"));
  EXPECT_EQ(i8.shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(i8.values, (std::vector<double>{0, 1, 2, 3, 4, 5}));
}

TEST(NpyTest, WriteAndReadFiles) {
  roro::testing::TempDir dir;
  const Eigen::MatrixXd m = Eigen::MatrixXd::Random(4, 3);
  WriteNpy(dir.File("m.npy"), m);
  WriteNpyVector(dir.File("v.npy"), m.col(1));
  EXPECT_EQ(NpyToMatrix(ReadNpy(dir.File("m.npy")), "m"), m);
  EXPECT_EQ(NpyToVector(ReadNpy(dir.File("v.npy")), "v"), m.col(1));
  EXPECT_THAT([&] { (void)ReadNpy(dir.File("absent.npy")); },
              ThrowsMessage<std::invalid_argument>(HasSubstr(dir.File("absent.npy"))));
}

}  // namespace
}  // namespace roro
