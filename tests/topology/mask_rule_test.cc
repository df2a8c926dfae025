// The one rule for coupling-block masks (docs/formats.md): a mask entry is the number 0 or 1,
// written as an integer and read as an integer or as 0.0 / 1.0. The model file (graph.edges) and
// an export directory's meta.json (topology) go through the same code; both are held to it here.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "format_fixtures.h"
#include "roro/topology/model_file.h"
#include "roro/topology/npy_directory.h"
#include "support/test_support.h"

namespace roro {
namespace {

using nlohmann::json;
using roro::testing::InvalidArgumentMessage;
using roro::testing::MixedNetwork;
using roro::testing::TempDir;
using ::testing::HasSubstr;

struct MaskEntryCase {
  const char* name;
  json entry;
  bool accepted;
};

// MixedGraph's first edge (0 <-> 1) has a 3 x 6 mask with entry (0, 0) = 0 and (0, 1) = 1. An
// accepted entry replaces one of the same value (a 0 where the coupling is nonzero would be
// refused for another reason); a refused one replaces the 1.
const std::vector<MaskEntryCase>& Cases() {
  static const std::vector<MaskEntryCase> cases = {
      {"integer 1", 1, true},    {"integer 0", 0, true},     {"1.0", 1.0, true},       {"0.0", 0.0, true},
      {"2", 2, false},           {"0.5", 0.5, false},        {"-1", -1, false},        {"1e-300", 1e-300, false},
      {"true", true, false},     {"\"1\"", "1", false},      {"null", nullptr, false}, {"list", json::array({1}), false},
  };
  return cases;
}

/// Where the case's entry goes: (0, 0) for an accepted 0, else (0, 1).
int Column(const MaskEntryCase& c) { return c.accepted && c.entry == 0 ? 0 : 1; }

std::string Shown(const json& entry) { return entry.is_array() ? "an array of 1 elements" : entry.dump(); }

TEST(MaskRuleTest, BothFormatsWriteMasksAsIntegers) {
  TempDir dir;
  const Network network = MixedNetwork();
  const json model = ModelToJson(network);
  ExportNetwork(network, dir.File("out"));
  const json meta = json::parse(roro::testing::ReadFile(dir.File("out/meta.json")));
  for (const json* mask : {&model["graph"]["edges"][0]["mask"], &meta["topology"][0]["mask"]}) {
    ASSERT_EQ(mask->size(), 3u);
    for (const json& row : *mask)
      for (const json& entry : row) EXPECT_TRUE(entry.is_number_integer() && (entry == 0 || entry == 1)) << entry;
  }
  EXPECT_EQ(model["graph"]["edges"][0]["mask"], meta["topology"][0]["mask"]);
}

TEST(MaskRuleTest, TheModelFileAcceptsZeroAndOneAndRefusesEverythingElseNamingTheEntry) {
  const Network network = MixedNetwork();
  const json good = ModelToJson(network);
  for (const MaskEntryCase& c : Cases()) {
    json document = good;
    document["graph"]["edges"][0]["mask"][0][Column(c)] = c.entry;
    if (c.accepted) {
      const Network loaded = ModelFromJson(document, "net.json");
      EXPECT_EQ(loaded.graph().edges()[0].mask, network.graph().edges()[0].mask) << c.name;
    } else {
      const std::string message = InvalidArgumentMessage([&] { (void)ModelFromJson(document, "net.json"); });
      EXPECT_THAT(message, HasSubstr("net.json: graph.edges[0].mask[0][1]: expected ")) << c.name;
      EXPECT_THAT(message, HasSubstr(", got " + Shown(c.entry))) << c.name;
    }
  }
}

TEST(MaskRuleTest, MetaJsonAppliesTheSameRule) {
  TempDir dir;
  const Network network = MixedNetwork();
  ExportNetwork(network, dir.File("good"));
  const json good = json::parse(roro::testing::ReadFile(dir.File("good/meta.json")));
  int index = 0;
  for (const MaskEntryCase& c : Cases()) {
    const std::string directory = dir.File("case" + std::to_string(index++));
    ExportNetwork(network, directory);
    json meta = good;
    meta["topology"][0]["mask"][0][Column(c)] = c.entry;
    roro::testing::WriteFile(directory + "/meta.json", meta.dump());
    if (c.accepted) {
      const Network imported = ImportNetwork(directory);
      EXPECT_EQ(imported.graph().edges()[0].mask, network.graph().edges()[0].mask) << c.name;
    } else {
      const std::string message = InvalidArgumentMessage([&] { (void)ImportNetwork(directory); });
      EXPECT_THAT(message, HasSubstr(directory + "/meta.json: topology[0].mask[0][1]: expected ")) << c.name;
      EXPECT_THAT(message, HasSubstr(", got " + Shown(c.entry))) << c.name;
    }
  }
}

}  // namespace
}  // namespace roro
