#include "roro/topology/model_file.h"

#include <cmath>
#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_support.h"
#include "topology/format_fixtures.h"

namespace roro {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using roro::testing::MixedFixedNetwork;
using roro::testing::MixedNetwork;
using roro::testing::TempDir;

void ExpectSameNetwork(const Network& a, const Network& b) {
  ASSERT_EQ(a.module_count(), b.module_count());
  for (int i = 0; i < a.module_count(); ++i) {
    EXPECT_EQ(a.module(i).kind(), b.module(i).kind()) << "module " << i;
    EXPECT_EQ(a.module(i).weights(), b.module(i).weights()) << "module " << i;  // bit for bit
    const ModuleProvenance &pa = a.module(i).provenance(), &pb = b.module(i).provenance();
    EXPECT_EQ(pa.generator, pb.generator);
    EXPECT_EQ(pa.seed, pb.seed);
    EXPECT_EQ(pa.density, pb.density);
    EXPECT_EQ(pa.scale, pb.scale);
    EXPECT_EQ(pa.attempts, pb.attempts);
    ASSERT_EQ(a.module(i).svd().has_value(), b.module(i).svd().has_value());
    if (a.module(i).svd()) {
      EXPECT_EQ(a.module(i).svd()->u_generator, b.module(i).svd()->u_generator);
      EXPECT_EQ(a.module(i).svd()->sigma_logit, b.module(i).svd()->sigma_logit);
      EXPECT_EQ(a.module(i).svd()->log_phi, b.module(i).svd()->log_phi);
    }
  }
  EXPECT_EQ(a.alpha(), b.alpha());
  EXPECT_EQ(a.slope_bound(), b.slope_bound());
  EXPECT_EQ(a.coupling_form(), b.coupling_form());
  EXPECT_EQ(a.metric_source(), b.metric_source());
  EXPECT_EQ(a.DenseMetric(), b.DenseMetric());
  EXPECT_EQ(a.DenseFreeCoupling(), b.DenseFreeCoupling());
  EXPECT_EQ(a.DenseCoupling(), b.DenseCoupling());
  EXPECT_EQ(a.input_weights(), b.input_weights());
  EXPECT_EQ(a.input_bias(), b.input_bias());
  EXPECT_EQ(a.readout_weights(), b.readout_weights());
  EXPECT_EQ(a.readout_bias(), b.readout_bias());
  const auto ea = a.graph().edges(), eb = b.graph().edges();
  ASSERT_EQ(ea.size(), eb.size());
  for (std::size_t k = 0; k < ea.size(); ++k) {
    EXPECT_EQ(ea[k].from, eb[k].from);
    EXPECT_EQ(ea[k].to, eb[k].to);
    EXPECT_EQ(ea[k].kind, eb[k].kind);
    EXPECT_EQ(ea[k].mask, eb[k].mask);
  }
  for (int i = 0; i < a.module_count(); ++i) EXPECT_EQ(a.graph().role(i), b.graph().role(i));
}

TEST(ModelFileTest, SaveLoadSaveIsByteIdenticalForEveryModuleKindAndCouplingForm) {
  for (const Network& network : {MixedNetwork(), MixedFixedNetwork()}) {
    const std::string first = SerializeModel(network);
    const Network loaded = ModelFromJson(json::parse(first), "first");
    EXPECT_EQ(SerializeModel(loaded), first);
    ExpectSameNetwork(network, loaded);
  }
}

TEST(ModelFileTest, SaveModelWritesTheSerializedBytesAndLoadModelReadsThemBack) {
  TempDir dir;
  const Network network = MixedNetwork();
  SaveModel(network, dir.File("net.json"));
  EXPECT_EQ(roro::testing::ReadFile(dir.File("net.json")), SerializeModel(network));
  const Network loaded = LoadModel(dir.File("net.json"));
  ExpectSameNetwork(network, loaded);
  EXPECT_EQ(ModelSha256(loaded), ModelSha256(network));
  EXPECT_EQ(roro::testing::ListFiles(dir.path()).size(), 1u);  // no temporary left behind
}

TEST(ModelFileTest, DoublesThatNeedAllSeventeenDigitsRoundTripExactly) {
  Network network = MixedNetwork();
  Eigen::MatrixXd weights = network.input_weights();
  weights(0, 0) = 0.1 + 0.2;                                  // 0.30000000000000004
  weights(1, 0) = std::numeric_limits<double>::denorm_min();  // 5e-324
  weights(2, 0) = std::numeric_limits<double>::max();
  weights(3, 0) = -0.0;
  weights(4, 0) = std::nextafter(1.0, 2.0);
  network.SetInputWeights(weights, network.input_bias());
  const Network loaded = ModelFromJson(json::parse(SerializeModel(network)));
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(std::bit_cast<std::uint64_t>(loaded.input_weights()(i, 0)), std::bit_cast<std::uint64_t>(weights(i, 0)))
        << "row " << i;
}

TEST(ModelFileTest, FileIsReadableWithOneMatrixRowALine) {
  const std::string text = SerializeModel(MixedNetwork());
  EXPECT_EQ(text.rfind("{\n  \"format\": \"roro-model\",\n  \"version\": 1,\n", 0), 0u) << text.substr(0, 80);
  EXPECT_EQ(text.back(), '\n');
  const json document = json::parse(text);
  EXPECT_EQ(document["modules"][0]["kind"], "sparse");
  EXPECT_TRUE(document["modules"][0]["weights"].contains("rows"));  // COO for sparse
  EXPECT_TRUE(document["modules"][1].contains("parameters"));        // svd as its parameters
  EXPECT_FALSE(document["modules"][1].contains("weights"));
  EXPECT_TRUE(document["metric"]["blocks"][0].contains("diagonal"));
  EXPECT_TRUE(document["metric"]["blocks"][2].contains("dense"));
  EXPECT_TRUE(document["graph"]["edges"][0].contains("mask"));
  EXPECT_FALSE(document["graph"]["edges"][1].contains("mask"));
  // The readout is 3 x 15: its first row sits on one line.
  const std::string row = document["readout"]["weights"][0].dump();
  EXPECT_EQ(json::parse(row).size(), 15u);
  EXPECT_THAT(text, HasSubstr("\"weights\": [\n        ["));
}

TEST(ModelFileTest, Sha256MatchesTheFipsTestVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Padding boundaries: 55 bytes fit one block with the length, 56 need a second, 64 is a full block.
  EXPECT_EQ(Sha256Hex(std::string(55, 'a')), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(Sha256Hex(std::string(56, 'a')), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(Sha256Hex(std::string(64, 'a')), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST(ModelFileTest, ModelHashChangesWithOneUlpOfOneWeight) {
  Network network = MixedNetwork();
  const std::string before = ModelSha256(network);
  EXPECT_EQ(before.size(), 64u);
  EXPECT_EQ(ModelSha256(network), before);
  Eigen::VectorXd bias = network.readout_bias();
  bias(1) = std::nextafter(bias(1), 10.0);
  network.SetReadout(network.readout_weights(), bias);
  EXPECT_NE(ModelSha256(network), before);
}

// --- strict loading: every malformed field is named with its path and value ---

struct BadModelCase {
  const char* name;
  std::function<void(json&)> damage;
  std::vector<std::string> expected;  ///< substrings of the message
};

TEST(ModelFileTest, MalformedFieldsAreRejectedWithTheirPath) {
  const json good = ModelToJson(MixedNetwork());
  ASSERT_NO_THROW(ModelFromJson(good, "good.json"));
  const std::vector<BadModelCase> cases = {
      {"wrong format", [](json& j) { j["format"] = "roro-certificate"; }, {"format", "roro-model"}},
      {"newer version", [](json& j) { j["version"] = 2; }, {"version", "reads version 1", "2"}},
      {"missing alpha", [](json& j) { j.erase("alpha"); }, {"alpha: missing required field"}},
      {"alpha as text", [](json& j) { j["alpha"] = "0.1"; }, {"alpha", "number", "\"0.1\""}},
      {"alpha out of range", [](json& j) { j["alpha"] = 1.5; }, {"alpha", "(0, 1]", "1.5"}},
      {"unknown field", [](json& j) { j["aplha"] = 0.1; }, {"aplha", "unknown field"}},
      {"NaN as null in a sparse module",
       [](json& j) { j["modules"][0]["weights"]["values"][2] = nullptr; },
       {"modules[0].weights.values[2]", "finite number", "null"}},
      {"infinite input weight",
       [](json& j) { j["input"]["weights"][4][1] = std::numeric_limits<double>::infinity(); },
       {"input.weights[4][1]", "finite"}},
      {"sparse index out of range", [](json& j) { j["modules"][0]["weights"]["cols"][0] = 6; },
       {"modules[0].weights.cols[0]", "[0, 5]", "6"}},
      {"sparse entry twice",
       [](json& j) {
         auto& w = j["modules"][0]["weights"];
         w["rows"].push_back(w["rows"][0]);
         w["cols"].push_back(w["cols"][0]);
         w["values"].push_back(0.25);
       },
       {"modules[0].weights.values", "listed twice"}},
      {"module size disagrees with its weights", [](json& j) { j["modules"][3]["size"] = 3; },
       {"modules[3].weights", "expected 3 rows, got 2"}},
      {"size not an integer", [](json& j) { j["modules"][2]["size"] = 4.5; }, {"modules[2].size", "integer", "4.5"}},
      {"unknown module kind", [](json& j) { j["modules"][3]["kind"] = "lstm"; }, {"modules[3].kind", "lstm"}},
      {"symmetric module that is not", [](json& j) { j["modules"][2]["weights"][0][1] = 0.123; },
       {"modules[2].weights", "symmetric"}},
      {"svd generator not skew", [](json& j) { j["modules"][1]["parameters"]["u_generator"][0][1] = 0.5; },
       {"modules[1].parameters", "skew"}},
      {"svd weights that overflow", [](json& j) { j["modules"][1]["parameters"]["log_phi"][0] = 800.0; },
       {"modules[1].parameters", "overflow"}},
      {"svd with weights", [](json& j) { j["modules"][1]["weights"] = json::array(); },
       {"modules[1].weights", "parameters"}},
      {"edge to a missing module", [](json& j) { j["graph"]["edges"][1]["to"] = 7; },
       {"graph.edges[1].to", "[0, 3]", "7"}},
      {"mask entry 2", [](json& j) { j["graph"]["edges"][0]["mask"][0][1] = 2; },
       {"graph.edges[0].mask[0][1]", "0 or 1"}},
      {"role unknown", [](json& j) { j["graph"]["roles"][0] = "king"; }, {"graph.roles[0]", "king"}},
      {"coupling block not allowed",
       [](json& j) { j["coupling"]["blocks"].push_back(json{{"row", 3}, {"col", 2}, {"values", json::array()}}); },
       {"coupling.blocks[", "block (3, 2)", "not allowed by the module graph"}},
      {"coupling block on a diagonal",
       [](json& j) { j["coupling"]["blocks"][0]["col"] = j["coupling"]["blocks"][0]["row"]; },
       {"coupling.blocks[0]", "diagonal block"}},
      {"coupling block missing", [](json& j) { j["coupling"]["blocks"].erase(0); }, {"coupling.blocks", "is missing"}},
      {"coupling block wrong shape", [](json& j) { j["coupling"]["blocks"][0]["values"].erase(0); },
       {"coupling.blocks[0].values", "rows"}},
      {"coupling entry outside the mask",
       [](json& j) {
         for (auto& block : j["coupling"]["blocks"])
           if (block["row"] == 1 && block["col"] == 0) block["values"][0][0] = 0.5;
       },
       {"values[0][0]", "outside the edge's mask"}},
      {"unknown coupling form", [](json& j) { j["coupling"]["form"] = "skew"; }, {"coupling.form", "skew"}},
      {"asymmetric metric block", [](json& j) { j["metric"]["blocks"][2]["dense"][0][1] = 9.0; },
       {"good.json", "metric block of module 2", "symmetric"}},
      {"negative metric entry", [](json& j) { j["metric"]["blocks"][0]["diagonal"][3] = -1.0; },
       {"good.json", "metric block of module 0", "> 0"}},
      {"metric block count", [](json& j) { j["metric"]["blocks"].erase(1); }, {"metric.blocks", "expected 4 elements"}},
      {"input weights one row short", [](json& j) { j["input"]["weights"].erase(0); },
       {"input.weights", "expected 15 rows, got 14"}},
      {"input size disagrees", [](json& j) { j["input_size"] = 3; }, {"input.weights[0]", "expected 3 columns"}},
      {"readout bias too long", [](json& j) { j["readout"]["bias"].push_back(1.0); },
       {"readout.bias", "expected 3 elements, got 4"}},
      {"activation", [](json& j) { j["activation"] = "tanh"; }, {"activation", "relu", "tanh"}},
      {"not an object", [](json& j) { j = json::array(); }, {"good.json", "expected a JSON object"}},
  };
  for (const BadModelCase& c : cases) {
    json damaged = good;
    c.damage(damaged);
    try {
      (void)ModelFromJson(damaged, "good.json");
      ADD_FAILURE() << c.name << ": no exception";
    } catch (const std::invalid_argument& e) {
      const std::string message = e.what();
      EXPECT_THAT(message, HasSubstr("good.json")) << c.name;
      for (const std::string& piece : c.expected) EXPECT_THAT(message, HasSubstr(piece)) << c.name;
    }
  }
}

TEST(ModelFileTest, CorruptOrOverflowingTextNamesTheFileAndPosition) {
  TempDir dir;
  const std::string text = SerializeModel(MixedNetwork());
  roro::testing::WriteFile(dir.File("cut.json"), text.substr(0, text.size() / 2));
  try {
    (void)LoadModel(dir.File("cut.json"));
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr(dir.File("cut.json")), HasSubstr("corrupt JSON"), HasSubstr("line")));
  }
  // 1e999 parses to infinity: it must not slip through as a weight.
  std::string overflow = text;
  const std::string key = "\"alpha\": 0.25";
  ASSERT_NE(overflow.find(key), std::string::npos);
  overflow.replace(overflow.find(key), key.size(), "\"alpha\": 1e999");
  roro::testing::WriteFile(dir.File("overflow.json"), overflow);
  EXPECT_THAT([&] { (void)LoadModel(dir.File("overflow.json")); },
              ::testing::ThrowsMessage<std::invalid_argument>(AllOf(HasSubstr("overflow.json"), HasSubstr("1e999"))));
  EXPECT_THAT([&] { (void)LoadModel(dir.File("missing.json")); },
              ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr(dir.File("missing.json"))));
}

TEST(ModelFileTest, SaveIntoAMissingDirectoryThrowsAndWritesNothing) {
  TempDir dir;
  EXPECT_THROW(SaveModel(MixedNetwork(), dir.File("no/such/dir/net.json")), std::runtime_error);
  EXPECT_TRUE(roro::testing::ListFiles(dir.path()).empty());
}

TEST(ModelFileTest, CommittedVersionOneFixtureStillLoadsAndReserializesIdentically) {
  // tests/data/formats/tiny_model.json was written by this code; if the writer changes, old
  // files must still load, and an unchanged model must keep its bytes (and so its SHA-256).
  const std::string path = roro::testing::TestDataPath("formats/tiny_model.json");
  const Network network = LoadModel(path);
  EXPECT_EQ(network.module_count(), 4);
  EXPECT_EQ(SerializeModel(network), roro::testing::ReadFile(path));
}

}  // namespace
}  // namespace roro
