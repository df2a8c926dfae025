// Golden CLI tests for `roro export` and `roro import`: exit codes, outputs, and no partial files.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "roro/topology/model_file.h"
#include "roro/topology/npy.h"
#include "roro/topology/npy_directory.h"
#include "support/test_support.h"
#include "topology/format_fixtures.h"

namespace roro {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using roro::testing::ListFiles;
using roro::testing::ReadFile;
using roro::testing::RunCli;
using roro::testing::TempDir;

TEST(ExportImportCliTest, ExportThenImportReproducesTheModelFile) {
  TempDir dir;
  const Network network = roro::testing::MixedNetwork();
  SaveModel(network, dir.File("net.json"));
  const auto exported = RunCli({"export", dir.File("net.json"), "--out", dir.File("npy")});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_THAT(exported.out, HasSubstr("exported 4 modules"));
  EXPECT_EQ(NpyToMatrix(ReadNpy(dir.File("npy/W.npy")), "W"), network.DenseWeights());

  const auto imported = RunCli({"import", dir.File("npy"), "-o", dir.File("back.json")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_THAT(imported.out, HasSubstr("sha256 "));
  const Network back = LoadModel(dir.File("back.json"));
  EXPECT_EQ(back.DenseWeights(), network.DenseWeights());
  EXPECT_EQ(back.DenseFreeCoupling(), network.DenseFreeCoupling());
  EXPECT_EQ(back.DenseMetric(), network.DenseMetric());
  EXPECT_EQ(back.readout_bias(), network.readout_bias());
  EXPECT_THAT(imported.out, HasSubstr(ModelSha256(back)));
  // The round trip through .npy is a fixed point: importing the re-export gives the same bytes.
  ASSERT_EQ(RunCli({"export", dir.File("back.json"), "-o", dir.File("npy2")}).exit_code, 0);
  ASSERT_EQ(RunCli({"import", dir.File("npy2"), "-o", dir.File("back2.json")}).exit_code, 0);
  EXPECT_EQ(ReadFile(dir.File("back2.json")), ReadFile(dir.File("back.json")));
  // Module kinds, the svd module's parameters and provenance come back too: the original bytes.
  EXPECT_EQ(ReadFile(dir.File("back.json")), ReadFile(dir.File("net.json")));
  EXPECT_EQ(back.module(1).kind(), ModuleKind::kSvd);
  EXPECT_THAT(exported.out, HasSubstr("factors (Phi, U, Sigma, V) of 1 svd module"));
  EXPECT_TRUE(fs::exists(dir.File("npy/svd1_Sigma.npy")));
}

TEST(ExportImportCliTest, HelpDescribesBothCommands) {
  const auto export_help = RunCli({"export", "--help"});
  EXPECT_EQ(export_help.exit_code, 0);
  EXPECT_THAT(export_help.out, HasSubstr("--out"));
  EXPECT_THAT(export_help.out, HasSubstr("meta.json"));
  const auto import_help = RunCli({"import", "--help"});
  EXPECT_EQ(import_help.exit_code, 0);
  EXPECT_THAT(import_help.out, HasSubstr("B.npy"));
}

TEST(ExportImportCliTest, ErrorsGiveTheDocumentedExitCodesAndWriteNothing) {
  TempDir dir;
  SaveModel(roro::testing::MixedNetwork(), dir.File("net.json"));
  roro::testing::WriteFile(dir.File("corrupt.json"), "{\"format\": \"roro-model\", \"version\": 1,");

  auto run = RunCli({"export", dir.File("missing.json"), "--out", dir.File("a")});
  EXPECT_EQ(run.exit_code, 66);
  EXPECT_THAT(run.err, HasSubstr("missing.json"));
  run = RunCli({"export", dir.File("corrupt.json"), "--out", dir.File("a")});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_THAT(run.err, HasSubstr("corrupt JSON"));
  EXPECT_FALSE(fs::exists(dir.File("a")));
  EXPECT_EQ(RunCli({"export", dir.File("net.json")}).exit_code, 64);  // --out is required
  run = RunCli({"export", dir.File("net.json"), "--out", dir.File("net.json")});
  EXPECT_EQ(run.exit_code, 73);  // the output path is a file

  ASSERT_EQ(RunCli({"export", dir.File("net.json"), "--out", dir.File("npy")}).exit_code, 0);
  run = RunCli({"import", dir.File("nowhere"), "-o", dir.File("x.json")});
  EXPECT_EQ(run.exit_code, 66);
  run = RunCli({"import", dir.File("npy"), "-o", dir.File("no/such/dir/x.json")});
  EXPECT_EQ(run.exit_code, 73);

  // A rejected directory leaves an existing output untouched and creates nothing.
  Eigen::MatrixXd w = roro::NpyToMatrix(ReadNpy(dir.File("npy/W.npy")), "W");
  w(0, w.cols() - 1) = 1.0;  // couples module 0 to the last module inside W
  WriteNpy(dir.File("npy/W.npy"), w);
  roro::testing::WriteFile(dir.File("existing.json"), "keep me");
  const auto before = ListFiles(dir.path());
  run = RunCli({"import", dir.File("npy"), "-o", dir.File("existing.json")});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_THAT(run.err, HasSubstr("W.npy"));
  EXPECT_THAT(run.err, HasSubstr("block-diagonal"));
  run = RunCli({"import", dir.File("npy"), "-o", dir.File("fresh.json")});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_EQ(ListFiles(dir.path()), before);
  EXPECT_EQ(ReadFile(dir.File("existing.json")), "keep me");
}

}  // namespace
}  // namespace roro
