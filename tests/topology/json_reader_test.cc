// The shared strict JSON reader (topology/src/json_reader.h): every accessor's rejection names the
// source, the field path and the offending value, in the one shape "SOURCE: PATH: ..., got VALUE".
#include "json_reader.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace roro::topology_internal {
namespace {

using nlohmann::json;
using roro::testing::InvalidArgumentMessage;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const json& Document() {
  static const json document = json::parse(R"({
    "alpha": 0.5,
    "count": 7,
    "name": "sparse",
    "flag": true,
    "list": [1, 2.5, null],
    "matrix": [[1, 2], [3, 4], [5, 6]],
    "ragged": [[1, 2], [3]],
    "nested": {"values": [0, 1, "two"], "inner": {"deep": [10, 20]}},
    "huge": 18446744073709551615,
    "negative": -3,
    "empty": [],
    "tag": null
  })");
  return document;
}

JsonField Root() { return JsonField(Document(), "doc.json"); }

/// The message of what `read` throws must start with "doc.json: PATH: " and contain every piece.
template <typename Read>
void ExpectRejected(Read&& read, const std::string& path, const std::vector<std::string>& pieces) {
  const std::string message = InvalidArgumentMessage(read);
  EXPECT_THAT(message, StartsWith("doc.json: " + path + ": ")) << message;
  for (const std::string& piece : pieces) EXPECT_THAT(message, HasSubstr(piece)) << message;
}

// --- numbers ---

TEST(JsonReaderTest, NumberReadsFiniteNumbersAndRejectsEverythingElse) {
  EXPECT_EQ(Root()["alpha"].Number(), 0.5);
  EXPECT_EQ(Root()["count"].Number(), 7.0);  // an integer is a number
  ExpectRejected([] { (void)Root()["name"].Number(); }, "name", {"expected a finite number", "got \"sparse\""});
  ExpectRejected([] { (void)Root()["flag"].Number(); }, "flag", {"finite number", "got true"});
  ExpectRejected([] { (void)Root()["list"].Element(2).Number(); }, "list[2]", {"finite number", "got null"});
  ExpectRejected([] { (void)Root()["matrix"].Number(); }, "matrix", {"finite number", "got an array of 3 elements"});
}

TEST(JsonReaderTest, NonFiniteNumbersOfAnInMemoryDocumentAreRejectedAndShown) {
  const json document = {{"inf", std::numeric_limits<double>::infinity()},
                         {"nan", std::numeric_limits<double>::quiet_NaN()},
                         {"values", {1.0, -std::numeric_limits<double>::infinity()}}};
  const JsonField root(document, "doc.json");
  ExpectRejected([&] { (void)root["inf"].Number(); }, "inf", {"finite number", "got Infinity"});
  ExpectRejected([&] { (void)root["nan"].NumberOrNull(0.0); }, "nan", {"finite number", "got NaN"});
  ExpectRejected([&] { (void)root["values"].Vector(); }, "values[1]", {"finite number", "got -Infinity"});
}

TEST(JsonReaderTest, NumberOrNullTakesNullAsTheGivenValue) {
  EXPECT_TRUE(std::isinf(Root()["tag"].NumberOrNull(std::numeric_limits<double>::infinity())));
  EXPECT_EQ(Root()["alpha"].NumberOrNull(-1.0), 0.5);
  ExpectRejected([] { (void)Root()["name"].NumberOrNull(0.0); }, "name",
                 {"expected a finite number or null", "got \"sparse\""});
}

// --- integers ---

TEST(JsonReaderTest, IntegerChecksTypeAndRange) {
  EXPECT_EQ(Root()["count"].Integer(0, 10), 7);
  EXPECT_EQ(Root()["negative"].Integer(-5, 0), -3);
  ExpectRejected([] { (void)Root()["count"].Integer(0, 5); }, "count", {"expected an integer in [0, 5]", "got 7"});
  ExpectRejected([] { (void)Root()["negative"].Integer(0, 5); }, "negative", {"[0, 5]", "got -3"});
  ExpectRejected([] { (void)Root()["alpha"].Integer(0, 5); }, "alpha", {"expected an integer", "got 0.5"});
  ExpectRejected([] { (void)Root()["huge"].Integer(0, std::numeric_limits<std::int64_t>::max()); }, "huge",
                 {"expected an integer in [0, 9223372036854775807]", "got 18446744073709551615"});
  ExpectRejected([] { (void)Root()["list"].Element(1).Integer(0, 5); }, "list[1]", {"integer", "got 2.5"});
}

TEST(JsonReaderTest, UnsignedTakesTheWholeUint64RangeAndNothingNegative) {
  EXPECT_EQ(Root()["huge"].Unsigned(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(Root()["count"].Unsigned(), 7u);
  ExpectRejected([] { (void)Root()["negative"].Unsigned(); }, "negative", {"non-negative integer", "got -3"});
  ExpectRejected([] { (void)Root()["alpha"].Unsigned(); }, "alpha", {"non-negative integer", "got 0.5"});
}

TEST(JsonReaderTest, AsUsesTheRangeOfTheTargetType) {
  EXPECT_EQ(Root()["count"].As<int>(), 7);
  EXPECT_EQ(Root()["negative"].As<long>(), -3);
  EXPECT_EQ(Root()["alpha"].As<double>(), 0.5);
  EXPECT_EQ(Root()["name"].As<std::string>(), "sparse");
  EXPECT_TRUE(Root()["flag"].As<bool>());
  EXPECT_EQ(Root()["nested"]["inner"]["deep"].As<std::vector<int>>(), (std::vector<int>{10, 20}));
  ExpectRejected([] { (void)Root()["huge"].As<int>(); }, "huge", {"[-2147483648, 2147483647]", "18446744073709551615"});
  ExpectRejected([] { (void)Root()["negative"].As<unsigned>(); }, "negative", {"[0, 4294967295]", "got -3"});
  ExpectRejected([] { (void)Root()["nested"]["values"].As<std::vector<int>>(); }, "nested.values[2]",
                 {"expected an integer", "got \"two\""});
}

// --- strings and booleans ---

TEST(JsonReaderTest, StringAndBooleanRejectOtherTypes) {
  EXPECT_EQ(Root()["name"].String(), "sparse");
  EXPECT_TRUE(Root()["flag"].Boolean());
  ExpectRejected([] { (void)Root()["count"].String(); }, "count", {"expected a string", "got 7"});
  ExpectRejected([] { (void)Root()["tag"].String(); }, "tag", {"expected a string", "got null"});
  ExpectRejected([] { (void)Root()["name"].Boolean(); }, "name", {"expected true or false", "got \"sparse\""});
  ExpectRejected([] { (void)Root()["count"].Boolean(); }, "count", {"expected true or false", "got 7"});
}

TEST(JsonReaderTest, LongValuesAreShortenedInMessages) {
  const json document = {{"blob", std::string(500, 'x')}};
  const std::string message = InvalidArgumentMessage([&] { (void)JsonField(document, "doc.json")["blob"].Number(); });
  EXPECT_THAT(message, AllOf(StartsWith("doc.json: blob: expected a finite number, got \"xxxx"), HasSubstr("...")));
  EXPECT_LT(message.size(), 120u);
}

// --- objects: missing and unknown keys ---

TEST(JsonReaderTest, AMissingKeyIsNamedWithItsFullPath) {
  ExpectRejected([] { (void)Root()["nested"]["inner"]["absent"]; }, "nested.inner.absent", {"missing required field"});
  ExpectRejected([] { (void)Root()["absent"]; }, "absent", {"missing required field"});
  // A member of something that is not an object.
  ExpectRejected([] { (void)Root()["list"]["x"]; }, "list", {"expected an object", "got an array of 3 elements"});
  ExpectRejected([] { Root()["nested"].ExpectObject({"values", "inner", "third"}); }, "nested.third",
                 {"missing required field"});
}

TEST(JsonReaderTest, AnUnknownKeyIsRejectedListingTheKnownOnes) {
  EXPECT_EQ(Root()["nested"].ExpectObject({"values"}, {"inner"}).size(), 2u);
  ExpectRejected([] { Root()["nested"].ExpectObject({"values"}); }, "nested.inner",
                 {"unknown field (expected one of: values)"});
  ExpectRejected([] { Root()["nested"]["inner"].ExpectObject({}, {"shallow", "wide"}); }, "nested.inner.deep",
                 {"unknown field (expected one of: shallow, wide)"});
  ExpectRejected([] { Root()["count"].ExpectObject({}); }, "count", {"expected an object", "got 7"});
  // A key that is not a plain name is quoted, so the path stays readable.
  const json document = json::parse(R"({"a.b c": 1})");
  const std::string message = InvalidArgumentMessage([&] { JsonField(document, "doc.json").ExpectObject({"x"}, {}); });
  EXPECT_THAT(message, HasSubstr("doc.json: x: missing required field")) << message;
  const std::string unknown = InvalidArgumentMessage([&] { JsonField(document, "doc.json").ExpectObject({}, {"x"}); });
  EXPECT_THAT(unknown, StartsWith("doc.json: \"a.b c\": unknown field")) << unknown;
}

TEST(JsonReaderTest, FindAndReadIfPresentLeaveAbsentFieldsAlone) {
  EXPECT_FALSE(Root().Find("absent").has_value());
  EXPECT_EQ(Root().Find("count")->Integer(0, 10), 7);
  int count = -1, absent = 42;
  EXPECT_TRUE(Root().ReadIfPresent("count", &count));
  EXPECT_EQ(count, 7);
  EXPECT_FALSE(Root().ReadIfPresent("absent", &absent));
  EXPECT_EQ(absent, 42);
  std::string name;
  ExpectRejected([&] { Root().ReadIfPresent("count", &name); }, "count", {"expected a string", "got 7"});
}

TEST(JsonReaderTest, MembersAndElementsCarryTheirPaths) {
  const auto members = Root()["nested"].Members();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].first, "inner");  // key order
  ExpectRejected([&] { (void)members[1].second.Element(2).Number(); }, "nested.values[2]", {"got \"two\""});
  const std::vector<JsonField> values = Root()["nested"]["values"].Elements();
  ExpectRejected([&] { (void)values[2].Integer(0, 1); }, "nested.values[2]", {"got \"two\""});
  ExpectRejected([] { (void)Root()["nested"].Elements(); }, "nested", {"expected an array", "got an object with 2 fields"});
  ExpectRejected([] { (void)Root()["list"].Members(); }, "list", {"expected an object", "got an array of 3 elements"});
}

// --- arrays, vectors, matrices ---

TEST(JsonReaderTest, ArraysAreCheckedForTypeAndLength) {
  EXPECT_EQ(Root()["list"].ExpectArray(3).size(), 3u);
  ExpectRejected([] { Root()["list"].ExpectArray(2); }, "list", {"expected 2 elements, got 3"});
  ExpectRejected([] { Root()["name"].ExpectArray(); }, "name", {"expected an array", "got \"sparse\""});
  ExpectRejected([] { Root()["empty"].ExpectNonEmptyArray(); }, "empty",
                 {"expected a non-empty array", "got an array of 0 elements"});
  ExpectRejected([] { (void)Root()["list"].Element(5); }, "list", {"expected at least 6 elements, got 3"});
}

TEST(JsonReaderTest, VectorNamesTheBadEntryOrTheWrongLength) {
  const Eigen::VectorXd deep = Root()["nested"]["inner"]["deep"].Vector(2);
  EXPECT_EQ(deep, Eigen::Vector2d(10, 20));
  ExpectRejected([] { (void)Root()["list"].Vector(); }, "list[2]", {"expected a finite number", "got null"});
  ExpectRejected([] { (void)Root()["nested"]["inner"]["deep"].Vector(3); }, "nested.inner.deep",
                 {"expected 3 elements, got 2"});
}

TEST(JsonReaderTest, MatrixNamesTheWrongShapeOrTheBadEntry) {
  const Eigen::MatrixXd matrix = Root()["matrix"].Matrix(3, 2);
  EXPECT_EQ(matrix(2, 1), 6.0);
  EXPECT_EQ(Root()["matrix"].Matrix().rows(), 3);  // any shape
  ExpectRejected([] { (void)Root()["matrix"].Matrix(2, 2); }, "matrix", {"expected 2 rows, got 3"});
  ExpectRejected([] { (void)Root()["matrix"].Matrix(3, 3); }, "matrix[0]", {"expected 3 columns, got 2"});
  ExpectRejected([] { (void)Root()["ragged"].Matrix(); }, "ragged[1]", {"expected 2 columns, got 1"});
  ExpectRejected([] { (void)Root()["list"].Matrix(); }, "list[0]", {"expected a row (a list of numbers)", "got 1"});
  ExpectRejected([] { (void)Root()["name"].Matrix(); }, "name", {"expected an array", "got \"sparse\""});
  const json bad = json::parse(R"({"m": [[1, 2], [3, "four"]]})");
  const std::string message = InvalidArgumentMessage([&] { (void)JsonField(bad, "doc.json")["m"].Matrix(2, 2); });
  EXPECT_THAT(message, StartsWith("doc.json: m[1][1]: expected a finite number, got \"four\"")) << message;
}

// --- conversions, checks, format tags ---

TEST(JsonReaderTest, ParsedAndCheckedTurnAParserErrorIntoOneAtThePath) {
  const auto parse = [](const std::string& text) {
    if (text != "dense") throw std::invalid_argument("unknown kind '" + text + "'");
    return 1;
  };
  ExpectRejected([&] { (void)Root()["name"].Parsed(parse); }, "name", {"unknown kind 'sparse'"});
  ExpectRejected([&] { (void)Root()["count"].Parsed(parse); }, "count", {"expected a string", "got 7"});
  ExpectRejected([] { Root()["nested"].Checked([] { throw std::invalid_argument("not symmetric"); }); }, "nested",
                 {"not symmetric"});
  EXPECT_EQ(Root()["count"].Checked([] { return 3; }), 3);
}

TEST(JsonReaderTest, TheRootIsCalledDocumentAndASubDocumentKeepsItsBasePath) {
  ExpectRejected([] { Root().ExpectArray(); }, "document", {"expected an array", "got an object with 12 fields"});
  const JsonField data(Document()["nested"], "doc.json", "data");
  ExpectRejected([&] { (void)data["absent"]; }, "data.absent", {"missing required field"});
}

TEST(JsonReaderTest, FormatTagsAreCheckedBeforeAnythingElse) {
  const json model = {{"format", "roro-model"}, {"version", 1}};
  EXPECT_NO_THROW(CheckFormatTag(JsonField(model, "doc.json"), "roro-model", 1));
  ExpectRejected([&] { CheckFormatTag(JsonField(model, "doc.json"), "roro-certificate", 1); }, "format",
                 {"not a roro-certificate file", "got \"roro-model\""});
  ExpectRejected([&] { CheckFormatTag(JsonField(model, "doc.json"), "roro-model", 2); }, "version",
                 {"this build reads version 2", "got 1"});
  const json bare = json::object();
  EXPECT_NO_THROW(CheckFormatTag(JsonField(bare, "doc.json"), "roro-export", 1, FormatTag::kOptional));
  ExpectRejected([&] { CheckFormatTag(JsonField(bare, "doc.json"), "roro-model", 1); }, "format",
                 {"missing required field", "\"roro-model\""});
  const json list = json::array();
  ExpectRejected([&] { CheckFormatTag(JsonField(list, "doc.json"), "roro-model", 1); }, "document",
                 {"expected a JSON object", "got an array of 0 elements"});
}

TEST(JsonReaderTest, CorruptTextAndMissingFilesNameTheSource) {
  EXPECT_THAT(InvalidArgumentMessage([] { (void)ParseJsonText("{\"a\": [1, 2", "doc.json"); }),
              AllOf(StartsWith("doc.json: corrupt JSON at byte"), HasSubstr("line 1")));
  EXPECT_THAT(InvalidArgumentMessage([] { (void)ParseJsonText("{\"a\": 1e999}", "doc.json"); }),
              AllOf(StartsWith("doc.json: invalid JSON"), HasSubstr("1e999")));
  roro::testing::TempDir dir;
  EXPECT_THAT(InvalidArgumentMessage([&] { (void)ReadJsonFile(dir.File("absent.json")); }),
              StartsWith(dir.File("absent.json") + ": "));
  roro::testing::WriteFile(dir.File("ok.json"), "{\"k\": [true]}");
  EXPECT_TRUE(ReadJsonFile(dir.File("ok.json"))["k"][0].get<bool>());
}

}  // namespace
}  // namespace roro::topology_internal
