// The rate form in the model file, in `roro export` / `roro import` directories and in the
// reference simulation; imports of uncoupled modules.
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "roro/modules/random.h"
#include "roro/topology/model_file.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/npy.h"
#include "roro/topology/npy_directory.h"
#include "roro/topology/simulate.h"
#include "support/test_support.h"
#include "topology/format_fixtures.h"

namespace roro {
namespace {

using ::testing::HasSubstr;
using roro::testing::TempDir;

Network RateNetwork(std::uint64_t seed = 3) {
  NetworkBuilder builder;
  builder.AddModules(testing::MixedModules())
      .SetGraph(testing::MixedGraph())
      .SetMetricBlocks(testing::MixedMetric(), "closed-form")
      .SetAlpha(0.25)
      .SetForm(NetworkForm::kRate)
      .SetInputSize(2)
      .SetOutputSize(3)
      .SetSeed(seed)
      .SetCouplingInitScale(0.7);
  Network network = builder.Build();
  Rng rng(seed + 100);
  network.SetInputWeights(network.input_weights(), testing::RandomMatrix(network.state_size(), 1, rng));
  return network;
}

TEST(RateFormIo, ModelFileKeepsTheFormAndVoltageFilesHaveNoField) {
  const Network rate = RateNetwork();
  const nlohmann::json json = ModelToJson(rate);
  EXPECT_EQ(json.at("form"), "rate");
  const Network loaded = ModelFromJson(json, "rate.json");
  EXPECT_EQ(loaded.form(), NetworkForm::kRate);
  EXPECT_EQ(SerializeModel(loaded), SerializeModel(rate));
  EXPECT_EQ(ModelSha256(loaded), ModelSha256(rate));

  const Network voltage = testing::MixedNetwork();
  EXPECT_FALSE(ModelToJson(voltage).contains("form"));
  nlohmann::json explicit_voltage = ModelToJson(voltage);
  explicit_voltage["form"] = "voltage";
  const Network reread = ModelFromJson(explicit_voltage, "v.json");
  EXPECT_EQ(reread.form(), NetworkForm::kVoltage);
  EXPECT_EQ(SerializeModel(reread), SerializeModel(voltage));  // an explicit default is not written back

  nlohmann::json bad = json;
  bad["form"] = "spiking";
  EXPECT_THAT([&] { (void)ModelFromJson(bad, "bad.json"); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  ::testing::AllOf(HasSubstr("bad.json"), HasSubstr("form"), HasSubstr("spiking"))));
}

TEST(RateFormIo, ExportImportRoundTripKeepsTheForm) {
  const Network rate = RateNetwork(7);
  TempDir dir;
  ExportNetwork(rate, dir.File("out"));
  const nlohmann::json meta = nlohmann::json::parse(testing::ReadFile(dir.File("out/meta.json")));
  EXPECT_EQ(meta.at("form"), "rate");
  const Network back = ImportNetwork(dir.File("out"));
  EXPECT_EQ(back.form(), NetworkForm::kRate);
  EXPECT_EQ(back.DenseWeights(), rate.DenseWeights());
  EXPECT_EQ(back.DenseCoupling(), rate.DenseCoupling());
  EXPECT_EQ(back.input_bias(), rate.input_bias());

  TempDir voltage_dir;
  ExportNetwork(testing::MixedNetwork(), voltage_dir.File("out"));
  EXPECT_FALSE(nlohmann::json::parse(testing::ReadFile(voltage_dir.File("out/meta.json"))).contains("form"));
}

// One module, no B.npy / L.npy: imported uncoupled (the issue: "holds neither B.npy nor L.npy").
TEST(RateFormIo, ImportOfUncoupledModulesNeedsNoCouplingFile) {
  TempDir dir;
  const std::string d = dir.File("single");
  std::filesystem::create_directories(d);
  Eigen::MatrixXd w(3, 3);
  w << 0.1, -0.2, 0.0, 0.3, 0.0, 0.1, 0.0, 0.2, -0.1;
  WriteNpy(d + "/W.npy", w);
  WriteNpy(d + "/W_in.npy", Eigen::MatrixXd::Constant(3, 2, 0.5));
  WriteNpyVector(d + "/b.npy", Eigen::VectorXd::Constant(3, 0.1));
  WriteNpy(d + "/W_out.npy", Eigen::MatrixXd::Constant(4, 3, 0.2));
  WriteNpyVector(d + "/b_out.npy", Eigen::VectorXd::Zero(4));
  testing::WriteFile(d + "/meta.json", R"({"module_sizes": [3], "alpha": 0.2, "form": "rate"})");
  const Network network = ImportNetwork(d);
  EXPECT_EQ(network.form(), NetworkForm::kRate);
  EXPECT_EQ(network.module_count(), 1);
  EXPECT_EQ(network.graph().edge_count(), 0);
  EXPECT_TRUE(network.DenseCoupling().isZero(0.0));
  EXPECT_EQ(network.DenseWeights(), w);

  // Two modules side by side, also without coupling; a topology with edges needs a coupling file.
  Eigen::MatrixXd w2 = Eigen::MatrixXd::Zero(5, 5);
  w2.topLeftCorner(3, 3) = w;
  w2.bottomRightCorner(2, 2) << 0.2, 0.1, -0.1, 0.2;
  WriteNpy(d + "/W.npy", w2);
  WriteNpy(d + "/W_in.npy", Eigen::MatrixXd::Constant(5, 2, 0.5));
  WriteNpyVector(d + "/b.npy", Eigen::VectorXd::Constant(5, 0.1));
  WriteNpy(d + "/W_out.npy", Eigen::MatrixXd::Constant(4, 5, 0.2));
  testing::WriteFile(d + "/meta.json", R"({"module_sizes": [3, 2], "alpha": 0.2})");
  EXPECT_EQ(ImportNetwork(d).module_count(), 2);
  EXPECT_EQ(ImportNetwork(d).form(), NetworkForm::kVoltage);
  testing::WriteFile(d + "/meta.json",
                     R"({"module_sizes": [3, 2], "alpha": 0.2, "topology": [{"from": 0, "to": 1}]})");
  EXPECT_THAT([&] { (void)ImportNetwork(d); },
              ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr("neither B.npy")));
}

// The reference simulation of the rate form against the update written out here.
TEST(RateFormIo, SimulateRunsTheRateMap) {
  const Network rate = RateNetwork(11);
  const int n = rate.state_size();
  Rng rng(2);
  InputSequence<double> inputs;
  for (int t = 0; t < 6; ++t) inputs.push_back(testing::RandomMatrix(2, 1, rng));
  const SimulationResult<double> result = Simulate(rate, inputs);
  Eigen::VectorXd h = Eigen::VectorXd::Zero(n);
  const Eigen::MatrixXd w = rate.DenseWeights(), l = rate.DenseCoupling();
  for (const Eigen::MatrixXd& u : inputs) {
    const Eigen::VectorXd pre = w * h + rate.input_weights() * u.col(0) + rate.input_bias();
    h = h + rate.alpha() * (-h + pre.cwiseMax(0.0) + l * h);
  }
  EXPECT_LE((result.final_state.col(0) - h).cwiseAbs().maxCoeff(), 1e-12);
  // The voltage form of the same parts runs a different map.
  const Network voltage = ModelFromJson([&] {
    nlohmann::json j = ModelToJson(rate);
    j.erase("form");
    return j;
  }(), "v.json");
  EXPECT_GT((Simulate(voltage, inputs).final_state.col(0) - h).cwiseAbs().maxCoeff(), 1e-6);
}

}  // namespace
}  // namespace roro
