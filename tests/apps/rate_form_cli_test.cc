// The rate form through the CLI: build --form rate, info, simulate, certify, verify, export and
// import; training refuses it; build --from-modules keeps modules and names the unprovable ones.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "roro/topology/model_file.h"
#include "roro/topology/network_builder.h"
#include "support/test_support.h"

namespace roro {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using roro::testing::ReadFile;
using roro::testing::RunCli;
using roro::testing::TempDir;

TEST(RateFormCliTest, BuildCertifyVerifyAndRoundTrip) {
  TempDir dir;
  const std::string model = dir.File("rate.json");
  const auto built = RunCli({"build", "--modules", "3x6", "--form", "rate", "--seed", "4", "-o", model});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_THAT(built.out, HasSubstr("form: rate"));
  EXPECT_EQ(LoadModel(model).form(), NetworkForm::kRate);
  EXPECT_EQ(nlohmann::json::parse(ReadFile(model)).at("form"), "rate");
  EXPECT_THAT(RunCli({"info", model}).out, HasSubstr("form: rate"));
  EXPECT_EQ(RunCli({"simulate", model}).exit_code, 0);

  const auto certified = RunCli({"certify", model, "--no-sdp", "-o", dir.File("cert.json")});
  ASSERT_EQ(certified.exit_code, 0) << certified.out << certified.err;
  EXPECT_THAT(certified.out, HasSubstr("rate form"));
  EXPECT_EQ(nlohmann::json::parse(ReadFile(dir.File("cert.json"))).at("form"), "rate");
  const auto verified = RunCli({"verify", model, dir.File("cert.json")});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;

  // The same parts in the voltage form are another model: the certificate does not verify.
  nlohmann::json voltage = nlohmann::json::parse(ReadFile(model));
  voltage.erase("form");
  roro::testing::WriteFile(dir.File("voltage.json"), voltage.dump());
  EXPECT_EQ(RunCli({"verify", dir.File("voltage.json"), dir.File("cert.json")}).exit_code, 2);

  ASSERT_EQ(RunCli({"export", model, "-o", dir.File("npy")}).exit_code, 0);
  ASSERT_EQ(RunCli({"import", dir.File("npy"), "-o", dir.File("back.json")}).exit_code, 0);
  EXPECT_EQ(LoadModel(dir.File("back.json")).form(), NetworkForm::kRate);

  // The voltage default writes no field.
  ASSERT_EQ(RunCli({"build", "--modules", "2x4", "-o", dir.File("v.json")}).exit_code, 0);
  EXPECT_FALSE(nlohmann::json::parse(ReadFile(dir.File("v.json"))).contains("form"));
  EXPECT_THAT(RunCli({"info", dir.File("v.json")}).out, Not(HasSubstr("form:")));
  EXPECT_EQ(RunCli({"build", "--modules", "2x4", "--form", "spiking", "-o", dir.File("x.json")}).exit_code, 64);
}

TEST(RateFormCliTest, FromModulesKeepsWeightsAndNamesUnprovableModules) {
  TempDir dir;
  ASSERT_EQ(RunCli({"build", "--modules", "1x5", "--seed", "1", "-o", dir.File("a.json")}).exit_code, 0);
  // A module no tier certifies: self-excitation 1.5 (the vertex D = I is unstable).
  Eigen::MatrixXd w = Eigen::MatrixXd::Zero(3, 3);
  w.diagonal() << 1.5, 0.2, 0.1;
  SaveModel(NetworkBuilder().AddModule(Module::FromMatrix(ModuleKind::kDense, w)).Build(), dir.File("b.json"));
  const auto built = RunCli({"build", "--from-modules", dir.File("a.json"), dir.File("b.json"), "--topology", "gw",
                             "-o", dir.File("gw.json")});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_THAT(built.out, HasSubstr("module 1 (" + dir.File("b.json") + "): no tier certifies it"));
  EXPECT_THAT(built.out, Not(HasSubstr("module 0 (")));
  const Network gw = LoadModel(dir.File("gw.json"));
  const Network a = LoadModel(dir.File("a.json"));
  ASSERT_EQ(gw.module_count(), 2);
  EXPECT_EQ(gw.module(0).weights(), a.module(0).weights());
  EXPECT_EQ(gw.metric_blocks()[0], a.metric_blocks()[0]);
  EXPECT_EQ(gw.module(1).weights(), w);
  EXPECT_EQ(gw.graph().edge_count(), 1);
}

TEST(RateFormCliTest, TrainEvalAndAblateRunTheRateFormAndTheTrainedModelStaysCertifiedInIt) {
  TempDir dir;
  ASSERT_EQ(RunCli({"build", "--modules", "3x4", "--form", "rate", "--inputs", "2", "--classes", "1", "-o",
                    dir.File("rate.json")})
                .exit_code,
            0);
  const std::vector<std::string> data = {"--data", "adding", "--synthetic-train", "48", "--synthetic-test", "16",
                                         "--steps", "12", "--threads", "1"};
  std::vector<std::string> train = {"train", "--model", dir.File("rate.json"), "--epochs", "2", "--batch", "8",
                                    "--no-sdp", "--out", dir.File("run")};
  train.insert(train.end(), data.begin(), data.end());
  const auto trained = RunCli(train);
  ASSERT_EQ(trained.exit_code, 0) << trained.err << trained.out;
  const Network model = LoadModel(dir.File("run") + "/model.json");
  EXPECT_EQ(model.form(), NetworkForm::kRate);
  EXPECT_NE(model.DenseCoupling(), LoadModel(dir.File("rate.json")).DenseCoupling());
  // The certificate after training speaks for the rate form, and verifies as one.
  EXPECT_THAT(testing::ReadFile(dir.File("run") + "/certificate.json"), HasSubstr("\"form\": \"rate\""));
  const auto verified = RunCli({"verify", dir.File("run") + "/model.json", dir.File("run") + "/certificate.json"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;

  std::vector<std::string> eval = {"eval", dir.File("run") + "/model.json"};
  eval.insert(eval.end(), data.begin(), data.end());
  const auto evaluated = RunCli(eval);
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  EXPECT_THAT(evaluated.out, HasSubstr("test: 16 sequences, loss"));

  std::vector<std::string> ablate = {"ablate", "removal", dir.File("run") + "/model.json", "--no-sdp"};
  ablate.insert(ablate.end(), data.begin(), data.end());
  const auto ablated = RunCli(ablate);
  EXPECT_EQ(ablated.exit_code, 0) << ablated.err << ablated.out;
}

}  // namespace
}  // namespace roro
