#include "roro/topology/module_graph.h"

#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "roro/topology/topologies.h"

namespace roro {
namespace {

std::vector<int> Sizes(int p, int n = 4) { return std::vector<int>(p, n); }

TEST(TopologyTest, AllToAllCouplesEveryPairInBothDirections) {
  const ModuleGraph g = AllToAllTopology(Sizes(6));
  EXPECT_EQ(g.edge_count(), 15);
  EXPECT_EQ(g.AllowedBlocks().size(), 30u);
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) EXPECT_EQ(g.AllowsBlock(i, j), i != j);
  EXPECT_EQ(g.StrongComponents().size(), 1u);
  EXPECT_FALSE(g.TopologicalOrder().has_value());
}

TEST(TopologyTest, GlobalWorkspaceHasNoSpokeToSpokeEdge) {
  for (int hubs = 1; hubs <= 3; ++hubs) {
    const int p = 9;
    const ModuleGraph g = GlobalWorkspaceTopology(Sizes(p), hubs);
    // hubs x spokes + hub pairs
    EXPECT_EQ(g.edge_count(), hubs * (p - hubs) + hubs * (hubs - 1) / 2);
    EXPECT_EQ(g.hubs().size(), static_cast<size_t>(hubs));
    for (const ModuleEdge& e : g.edges()) {
      const bool from_hub = g.role(e.from) == ModuleRole::kHub, to_hub = g.role(e.to) == ModuleRole::kHub;
      EXPECT_TRUE(from_hub || to_hub) << "spoke-to-spoke edge " << e.from << "-" << e.to;
      EXPECT_EQ(e.kind, CouplingKind::kFeedback);
    }
    for (int s = hubs; s < p; ++s) {
      EXPECT_EQ(g.role(s), ModuleRole::kSpoke);
      for (int h = 0; h < hubs; ++h) EXPECT_TRUE(g.AllowsBlock(s, h) && g.AllowsBlock(h, s));
    }
  }
  EXPECT_THROW((void)GlobalWorkspaceTopology(Sizes(3), 3), std::invalid_argument);
  EXPECT_THROW((void)GlobalWorkspaceTopology(Sizes(3), 0), std::invalid_argument);
}

TEST(TopologyTest, RandomSparseKeepsAboutTheRequestedFractionAndIsSeeded) {
  const ModuleGraph a = RandomSparseTopology(Sizes(40), 0.3, 5);
  const ModuleGraph b = RandomSparseTopology(Sizes(40), 0.3, 5);
  const ModuleGraph c = RandomSparseTopology(Sizes(40), 0.3, 6);
  const double pairs = 40 * 39 / 2;
  EXPECT_NEAR(a.edge_count() / pairs, 0.3, 4 * std::sqrt(0.3 * 0.7 / pairs));
  EXPECT_EQ(a.AllowedBlocks(), b.AllowedBlocks());
  EXPECT_NE(a.AllowedBlocks(), c.AllowedBlocks());
  EXPECT_EQ(RandomSparseTopology(Sizes(10), 0.0, 1).edge_count(), 0);
  EXPECT_EQ(RandomSparseTopology(Sizes(10), 1.0, 1).edge_count(), 45);
  EXPECT_THROW((void)RandomSparseTopology(Sizes(4), 1.5, 1), std::invalid_argument);
}

TEST(TopologyTest, HierarchyIsAConnectedDagWithAValidTopologicalOrder) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const ModuleGraph g = HierarchyTopology(Sizes(12), seed, 0.2);
    const auto order = g.TopologicalOrder();
    ASSERT_TRUE(order.has_value()) << "hierarchy must be acyclic";
    std::vector<int> position(12);
    for (int k = 0; k < 12; ++k) position[(*order)[k]] = k;
    std::set<int> has_parent;
    for (const ModuleEdge& e : g.edges()) {
      EXPECT_EQ(e.kind, CouplingKind::kFeedforward);
      EXPECT_LT(position[e.from], position[e.to]);
      has_parent.insert(e.to);
      EXPECT_TRUE(g.AllowsBlock(e.to, e.from));
      EXPECT_FALSE(g.AllowsBlock(e.from, e.to)) << "feedforward is one way";
    }
    EXPECT_EQ(has_parent.size(), 11u) << "every module but the root has a parent";
    EXPECT_EQ(g.StrongComponents().size(), 12u);
  }
}

TEST(TopologyTest, StrongComponentsAreListedInCascadeOrder) {
  // {0,1} feedback, 1 -> 2 feedforward, {2,3} feedback, 4 -> 0 feedforward.
  ModuleGraph g(Sizes(5));
  g.AddEdge(0, 1, CouplingKind::kFeedback);
  g.AddEdge(1, 2, CouplingKind::kFeedforward);
  g.AddEdge(3, 2, CouplingKind::kFeedback);
  g.AddEdge(4, 0, CouplingKind::kFeedforward);
  const auto components = g.StrongComponents();
  ASSERT_EQ(components.size(), 3u);
  EXPECT_EQ(components[0], std::vector<int>({4}));
  EXPECT_EQ(components[1], std::vector<int>({0, 1}));
  EXPECT_EQ(components[2], std::vector<int>({2, 3}));
  EXPECT_TRUE(g.HasFeedback());
}

TEST(TopologyTest, EdgeListFileIsParsedAndErrorsNameTheLine) {
  std::istringstream good("# comment\n0 1\n1 2 feedforward   # trailing\n\n2 3 feedback\n");
  const ModuleGraph g = EdgeListTopology(Sizes(4), good, "edges.txt");
  EXPECT_EQ(g.edge_count(), 3);
  EXPECT_EQ(g.KindOfBlock(2, 1), CouplingKind::kFeedforward);
  EXPECT_FALSE(g.AllowsBlock(1, 2));
  auto error_of = [](const std::string& text) {
    std::istringstream in(text);
    try {
      (void)EdgeListTopology(Sizes(4), in, "edges.txt");
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("0 1\n0 9\n").find("edges.txt:2"), std::string::npos);
  EXPECT_NE(error_of("0 x\n").find("'x' is not an integer"), std::string::npos);
  EXPECT_NE(error_of("0 1 sideways\n").find("sideways"), std::string::npos);
  EXPECT_NE(error_of("1 1\n").find("self-loop"), std::string::npos);
  EXPECT_NE(error_of("0 1\n1 0\n").find("already coupled"), std::string::npos);
  EXPECT_NE(error_of("0\n").find("expected"), std::string::npos);
  EXPECT_THROW((void)EdgeListTopologyFromFile(Sizes(4), "/nonexistent/edges.txt"), std::invalid_argument);
}

TEST(TopologyTest, MasksHaveTheBlockShapeAndTransposeForTheReverseBlock) {
  ModuleGraph g({2, 3});
  BlockMask mask(3, 2);  // block (1, 0): rows of module 1, columns of module 0
  mask << 1, 0, 0, 1, 1, 1;
  g.AddEdge(0, 1, CouplingKind::kFeedback, mask);
  EXPECT_EQ(g.MaskOfBlock(1, 0), mask);
  EXPECT_EQ(g.MaskOfBlock(0, 1), BlockMask(mask.transpose()));
  ModuleGraph bad({2, 3});
  EXPECT_THROW(bad.AddEdge(0, 1, CouplingKind::kFeedback, BlockMask(2, 2)), std::invalid_argument);
}

TEST(TopologyTest, DotDrawsHubsDistinctly) {
  const std::string dot = GlobalWorkspaceTopology(Sizes(4), 1).ToDot("gw");
  EXPECT_NE(dot.find("digraph \"gw\""), std::string::npos);
  EXPECT_NE(dot.find("m0 [label=\"0\\n4\", shape=doublecircle"), std::string::npos) << dot;
  EXPECT_EQ(dot.find("m1 [label=\"1\\n4\", shape=doublecircle"), std::string::npos);
  EXPECT_NE(dot.find("m0 -> m3 [dir=both"), std::string::npos);
  // A title with quotes, backslashes and a line break stays one DOT string.
  const std::string odd = GlobalWorkspaceTopology(Sizes(3), 1).ToDot("my \"net\"\\v2\nx");
  EXPECT_EQ(odd.rfind("digraph \"my \\\"net\\\"\\\\v2 x\" {\n", 0), 0u) << odd;
}

void ExpectSameGraph(const ModuleGraph& actual, const ModuleGraph& expected, const std::string& name) {
  EXPECT_EQ(actual.AllowedBlocks(), expected.AllowedBlocks()) << name;
  ASSERT_EQ(actual.edge_count(), expected.edge_count()) << name;
  for (std::size_t k = 0; k < actual.edges().size(); ++k) EXPECT_EQ(actual.edges()[k].kind, expected.edges()[k].kind) << name;
  EXPECT_EQ(actual.hubs(), expected.hubs()) << name;
}

TEST(TopologyTest, TopologySpecNamesEveryGenerator) {
  const std::vector<int> sizes = Sizes(7);
  TopologySpec spec;
  spec.hubs = 2;
  spec.keep = 0.5;
  spec.extra = 0.4;
  spec.seed = 3;
  spec.name = "all";
  ExpectSameGraph(MakeTopology(spec, sizes), AllToAllTopology(sizes), "all");
  spec.name = "gw";
  ExpectSameGraph(MakeTopology(spec, sizes), GlobalWorkspaceTopology(sizes, 2), "gw");
  spec.name = "random";
  ExpectSameGraph(MakeTopology(spec, sizes), RandomSparseTopology(sizes, 0.5, 3), "random");
  spec.name = "hierarchy";
  ExpectSameGraph(MakeTopology(spec, sizes), HierarchyTopology(sizes, 3, 0.4), "hierarchy");
  // none: independent modules, every one its own strong component, no block allowed.
  spec.name = "none";
  const ModuleGraph none = MakeTopology(spec, sizes);
  EXPECT_EQ(none.module_count(), 7);
  EXPECT_EQ(none.edge_count(), 0);
  EXPECT_TRUE(none.AllowedBlocks().empty());
  EXPECT_FALSE(none.HasFeedback());
  EXPECT_EQ(none.StrongComponents().size(), 7u);
  ASSERT_TRUE(none.TopologicalOrder().has_value());
  EXPECT_TRUE(none.hubs().empty());
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 7; ++j) EXPECT_FALSE(none.AllowsBlock(i, j));
  spec.name = "star";
  EXPECT_THROW((void)MakeTopology(spec, Sizes(5)), std::invalid_argument);
  spec.name = "edges";
  EXPECT_THROW((void)MakeTopology(spec, Sizes(5)), std::invalid_argument);
}

}  // namespace
}  // namespace roro
