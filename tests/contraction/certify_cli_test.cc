// Golden CLI tests of `roro certify` and `roro verify`: exit codes and files.
#include <gtest/gtest.h>

#include <cmath>

#include "roro/contraction/certify.h"
#include "roro/modules/generators.h"
#include "roro/topology/model_file.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/topologies.h"
#include "support/test_support.h"

namespace roro {
namespace {

using testing::RunCli;

std::string SaveSparseModel(const testing::TempDir& dir, const std::string& name) {
  std::vector<Module> modules;
  for (int i = 0; i < 2; ++i) {
    SparseModuleOptions options;
    options.size = 4;
    options.density = 0.5;
    options.seed = 20 + i;
    modules.push_back(GenerateSparseModule(options));
  }
  Network network = NetworkBuilder().AddModules(modules).SetGraph(AllToAllTopology({4, 4})).SetSeed(1).Build();
  AssignClosedFormMetrics(network);
  SaveModel(network, dir.File(name));
  return dir.File(name);
}

std::string SaveDenseModel(const testing::TempDir& dir, const std::string& name, double diagonal) {
  Eigen::MatrixXd w(2, 2);
  w << diagonal, 0.0, 0.0, 0.5;
  Network network = NetworkBuilder().AddModule(Module::FromMatrix(ModuleKind::kDense, w)).Build();
  SaveModel(network, dir.File(name));
  return dir.File(name);
}

TEST(CertifyCli, CertifiedModelWritesCertificateThatVerifies) {
  testing::TempDir dir;
  const std::string model = SaveSparseModel(dir, "model.json");
  const auto run = RunCli({"certify", model, "-o", dir.File("cert.json"), "--no-sdp"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("verdict: certified"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Euler factor at alpha"), std::string::npos);
  const auto verify = RunCli({"verify", model, dir.File("cert.json")});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  const auto json = RunCli({"certify", model, "--json", "--no-sdp"});
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(json.out)["verdict"], "certified");
}

TEST(CertifyCli, RateOnlySkipsTheFactorButTheCertificateStillVerifies) {
  testing::TempDir dir;
  const std::string model = SaveSparseModel(dir, "model.json");
  const auto run = RunCli({"certify", model, "--rate-only", "--no-sdp", "-o", dir.File("cert.json")});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("Euler factor at alpha = 0.1: not computed (rate only)"), std::string::npos) << run.out;
  const Certificate certificate = LoadCertificate(dir.File("cert.json"));
  EXPECT_EQ(certificate.verdict, Verdict::kCertified);
  EXPECT_FALSE(std::isfinite(certificate.discrete_factor));
  EXPECT_GT(certificate.rate, 0);
  const auto verify = RunCli({"verify", model, dir.File("cert.json")});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

TEST(CertifyCli, RefutedAndInconclusiveExitCodes) {
  testing::TempDir dir;
  const auto refuted = RunCli({"certify", SaveDenseModel(dir, "bad.json", 2.0), "--no-sdp", "-o", dir.File("r.json")});
  EXPECT_EQ(refuted.exit_code, 1) << refuted.out << refuted.err;
  EXPECT_EQ(LoadCertificate(dir.File("r.json")).verdict, Verdict::kRefuted);
  // A refuted certificate does not verify.
  EXPECT_EQ(RunCli({"verify", dir.File("bad.json"), dir.File("r.json")}).exit_code, 2);
  // Every Jacobian vertex is Hurwitz (trace -2, det 1 + 9 d1 d2), but the vertices
  // -I + 3 E12 and -I - 3 E21 share no quadratic Lyapunov function (their product has negative
  // real eigenvalues, Shorten & Narendra): no metric, no witness.
  Eigen::MatrixXd w(2, 2);
  w << 0.0, 3.0, -3.0, 0.0;
  Network network = NetworkBuilder().AddModule(Module::FromMatrix(ModuleKind::kDense, w)).Build();
  SaveModel(network, dir.File("hard.json"));
  const auto inconclusive = RunCli({"certify", dir.File("hard.json"), "--no-sdp"});
  EXPECT_EQ(inconclusive.exit_code, 2) << inconclusive.out << inconclusive.err;
}

TEST(CertifyCli, ErrorsExitAbove64AndWriteNothing) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("corrupt.json"), "{\"format\": \"roro-model\", \"version\": 1, ");
  const auto corrupt = RunCli({"certify", dir.File("corrupt.json"), "-o", dir.File("cert.json")});
  EXPECT_GE(corrupt.exit_code, 64) << corrupt.err;
  EXPECT_NE(corrupt.err.find("corrupt.json"), std::string::npos) << corrupt.err;
  const auto missing = RunCli({"certify", dir.File("nope.json"), "-o", dir.File("cert.json")});
  EXPECT_GE(missing.exit_code, 64);
  const auto usage = RunCli({"certify"});
  EXPECT_GE(usage.exit_code, 64);
  const std::string model = SaveSparseModel(dir, "model.json");
  testing::WriteFile(dir.File("bad_cert.json"), "{\"format\": \"roro-certificate\"}");
  const auto bad_cert = RunCli({"verify", model, dir.File("bad_cert.json")});
  EXPECT_GE(bad_cert.exit_code, 64) << bad_cert.err;
  EXPECT_NE(bad_cert.err.find("bad_cert.json"), std::string::npos) << bad_cert.err;
  const auto no_dir = RunCli({"certify", model, "-o", dir.File("no/such/dir/cert.json")});
  EXPECT_GE(no_dir.exit_code, 64);
  // Only the files the test wrote itself exist.
  EXPECT_EQ(testing::ListFiles(dir.path()).size(), 3u);
}

}  // namespace
}  // namespace roro
