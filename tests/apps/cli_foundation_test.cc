// Golden tests of the foundation commands: build, info, graph, simulate (exit codes, outputs,
// no partial files on errors).
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "roro/topology/model_file.h"
#include "support/test_support.h"

namespace roro {
namespace {

using ::testing::HasSubstr;
using testing::RunCli;
using testing::TempDir;

TEST(CliFoundationTest, BuildWritesAModelThatInfoDescribes) {
  TempDir dir;
  const std::string model = dir.File("net.json");
  const auto build = RunCli({"build", "--modules", "6x8", "--kind", "sparse", "--density", "0.2", "--topology", "gw",
                             "--hubs", "2", "--seed", "3", "-o", model});
  ASSERT_EQ(build.exit_code, 0) << build.err;
  EXPECT_THAT(build.out, HasSubstr("6x8 modules (N = 48)"));
  EXPECT_THAT(build.out, HasSubstr("global workspace (2 hubs)"));
  const Network net = LoadModel(model);
  EXPECT_EQ(net.module_count(), 6);
  EXPECT_EQ(net.graph().hubs(), std::vector<int>({0, 1}));
  EXPECT_EQ(net.metric_source(), "closed-form");

  const auto info = RunCli({"info", model});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_THAT(info.out, HasSubstr("trainable"));
  EXPECT_THAT(info.out, HasSubstr("hub"));
  EXPECT_THAT(info.out, HasSubstr("0 <-> 2"));
  EXPECT_THAT(info.out, HasSubstr(std::to_string(net.trainable_parameter_count()) + " trainable"));

  // Same seed, same bytes.
  const std::string again = dir.File("again.json");
  ASSERT_EQ(RunCli({"build", "--modules", "6x8", "--kind", "sparse", "--density", "0.2", "--topology", "gw",
                    "--hubs", "2", "--seed", "3", "-o", again}).exit_code, 0);
  EXPECT_EQ(testing::ReadFile(model), testing::ReadFile(again));
}

TEST(CliFoundationTest, BuildAcceptsEveryKindTopologyAndSizeList) {
  TempDir dir;
  for (const char* kind : {"sparse", "svd", "symmetric"})
    for (const char* topology : {"all", "gw", "random", "hierarchy", "none"}) {
      const std::string path = dir.File(std::string(kind) + topology + ".json");
      const auto run = RunCli({"build", "--modules", "8,4,6", "--kind", kind, "--topology", topology, "-o", path});
      ASSERT_EQ(run.exit_code, 0) << kind << " " << topology << ": " << run.err;
      // The model on disk is what was asked for.
      const Network net = LoadModel(path);
      SCOPED_TRACE(std::string(kind) + " " + topology);
      EXPECT_EQ(net.module_sizes(), std::vector<int>({8, 4, 6}));
      for (const Module& module : net.modules()) EXPECT_EQ(module.kind(), ParseModuleKind(kind));
      const ModuleGraph& graph = net.graph();
      const std::string name = topology;
      if (name == "all") {
        EXPECT_EQ(graph.edge_count(), 3);
        EXPECT_TRUE(graph.HasFeedback());
      } else if (name == "gw") {
        EXPECT_EQ(graph.hubs(), std::vector<int>({0}));
        EXPECT_FALSE(graph.AllowsBlock(1, 2));  // spokes are not coupled to each other
        EXPECT_TRUE(graph.AllowsBlock(0, 1) && graph.AllowsBlock(2, 0));
      } else if (name == "random") {
        for (const ModuleEdge& edge : graph.edges()) EXPECT_EQ(edge.kind, CouplingKind::kFeedback);
      } else if (name == "hierarchy") {
        EXPECT_TRUE(graph.TopologicalOrder().has_value());
        EXPECT_GE(graph.edge_count(), 2);  // every module but the root has a parent
        for (const ModuleEdge& edge : graph.edges()) EXPECT_EQ(edge.kind, CouplingKind::kFeedforward);
      } else {
        EXPECT_EQ(graph.edge_count(), 0);
        EXPECT_TRUE(net.coupling_blocks().empty());
      }
    }
  testing::WriteFile(dir.File("edges.txt"), "0 1\n1 2 feedforward\n");
  const auto custom = RunCli({"build", "--modules", "3x4", "--edges", dir.File("edges.txt"), "-o", dir.File("c.json")});
  ASSERT_EQ(custom.exit_code, 0) << custom.err;
  EXPECT_EQ(LoadModel(dir.File("c.json")).graph().edge_count(), 2);
}

TEST(CliFoundationTest, BadFlagsGiveUsageAndExit64WithoutWritingAnything) {
  TempDir dir;
  const std::string model = dir.File("net.json");
  for (std::vector<std::string> args : {std::vector<std::string>{"build", "--modules", "4x4", "--kind", "banana", "-o", model},
                                        {"build", "--modules", "4x4", "--density", "2", "-o", model},
                                        {"build", "--modules", "4x4"},
                                        {"build", "--modules", "4x4", "--bogus", "-o", model},
                                        {"build", "--modules", "4xq", "-o", model},
                                        {"nonsense-command"},
                                        {}}) {
    const auto run = RunCli(args);
    EXPECT_EQ(run.exit_code, 64) << ::testing::PrintToString(args) << "\n" << run.err;
    EXPECT_FALSE(run.err.empty());
  }
  EXPECT_TRUE(testing::ListFiles(dir.path()).empty());
}

TEST(CliFoundationTest, ImpossibleModulesFailWithTheGeneratorMessage) {
  TempDir dir;
  const auto run = RunCli({"build", "--modules", "2x32", "--density", "1", "--scale", "5", "-o", dir.File("n.json")});
  EXPECT_GE(run.exit_code, 64);
  EXPECT_THAT(run.err, HasSubstr("density 1"));
  EXPECT_TRUE(testing::ListFiles(dir.path()).empty());
}

TEST(CliFoundationTest, GraphWritesGraphvizWithTheHubDrawnDistinctly) {
  TempDir dir;
  const std::string model = dir.File("net.json");
  ASSERT_EQ(RunCli({"build", "--modules", "4x4", "--topology", "gw", "-o", model}).exit_code, 0);
  const auto run = RunCli({"graph", model, "--dot", dir.File("net.dot")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("HUB"));
  const std::string dot = testing::ReadFile(dir.File("net.dot"));
  EXPECT_THAT(dot, HasSubstr("doublecircle"));
  EXPECT_THAT(dot, HasSubstr("m0 -> m1"));
  const auto to_stdout = RunCli({"graph", model, "--dot", "-"});
  EXPECT_EQ(to_stdout.out, dot);
}

TEST(CliFoundationTest, SimulatePrintsAFiniteNormThatDependsOnTheSeed) {
  TempDir dir;
  const std::string model = dir.File("net.json");
  ASSERT_EQ(RunCli({"build", "--modules", "4x8", "-o", model}).exit_code, 0);
  const auto a = RunCli({"simulate", model, "--steps", "50", "--seed", "1"});
  const auto b = RunCli({"simulate", model, "--steps", "50", "--seed", "1"});
  const auto c = RunCli({"simulate", model, "--steps", "50", "--seed", "2"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_THAT(a.out, HasSubstr("final state norm"));
  auto norm_of = [](const std::string& out) { return out.substr(out.find("norm"), 30); };
  EXPECT_EQ(norm_of(a.out), norm_of(b.out));
  EXPECT_NE(norm_of(a.out), norm_of(c.out));
  EXPECT_EQ(RunCli({"simulate", model, "--steps", "0"}).exit_code, 64);
}

TEST(CliFoundationTest, MissingAndCorruptModelsAreNamed) {
  TempDir dir;
  const auto missing = RunCli({"info", dir.File("nope.json")});
  EXPECT_EQ(missing.exit_code, 66);
  EXPECT_THAT(missing.err, HasSubstr("nope.json"));
  testing::WriteFile(dir.File("bad.json"), "{\"format\": \"roro-model\", \"version\": 1, ");
  const auto corrupt = RunCli({"info", dir.File("bad.json")});
  EXPECT_EQ(corrupt.exit_code, 65);
  EXPECT_THAT(corrupt.err, HasSubstr("bad.json"));
}

TEST(CliFoundationTest, EveryCommandHasHelp) {
  for (const char* command : {"build", "info", "graph", "simulate", "export", "import", "certify", "verify", "train", "eval"}) {
    const auto run = RunCli({command, "--help"});
    EXPECT_EQ(run.exit_code, 0) << command;
    EXPECT_THAT(run.out, HasSubstr("Usage")) << command;
  }
}

}  // namespace
}  // namespace roro
