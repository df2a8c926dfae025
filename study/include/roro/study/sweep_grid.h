#pragma once
/// @file
/// Sweep grids: a JSON file naming the data, a base network recipe, training, certification and
/// removal settings, and axes whose Cartesian product gives the runs of a study (docs/study.md).
///
///   {
///     "name": "gw_removal",
///     "data": {"source": "fashion-mnist", "limit_train": 6000, "limit_test": 2000},
///     "network": {"modules": "16x32", "kind": "sparse", "density": 0.05},
///     "train": {"epochs": 1, "batch": 64, "lr": 0.002, "time_budget": 120},
///     "certify": {"sdp": false, "timeout": 60},
///     "removal": {"mode": "state"},
///     "axes": {"topology": ["all", "gw:1", "gw:2", "random:0.3", "hierarchy", "none"],
///              "seed": [1, 2, 3], "coupling": ["stable", "free"]}
///   }
///
/// Axes (each a non-empty list; an axis left out takes the base value): topology ("all", "gw:K",
/// "random:KEEP", "hierarchy", "none"), modules ("16x32" or "32,32,64"), module_count (with
/// network.unit_budget: sizes = unit_budget / count), kind, density, seed, coupling ("stable":
/// metric-skew B with the Euler guard; "free": L trained without constraint or guard).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "roro/contraction/certify.h"
#include "roro/study/removal_study.h"
#include "roro/study/run_result.h"
#include "roro/topology/network_recipe.h"
#include "roro/training/datasets.h"
#include "roro/training/trainer.h"

namespace roro {

struct SweepGrid {
  std::string name = "study";
  DataSpec data;
  NetworkRecipe network;                    ///< base recipe (input/output sizes come from the data)
  int unit_budget = 0;                      ///< for the module_count axis
  TrainerOptions train;                     ///< base training options (seed comes from the point)
  CertifyOptions certify;
  std::optional<RemovalOptions> removal;    ///< run the removal study on every trained model
  std::vector<std::string> topologies;      ///< axis values as written
  std::vector<std::string> modules;
  std::vector<int> module_counts;
  std::vector<std::string> kinds;
  std::vector<double> densities;
  std::vector<std::uint64_t> seeds;
  std::vector<std::string> couplings;
  nlohmann::json source_json;               ///< the grid as read (stored as STUDY/grid.json)
};

/// One run of a study.
struct SweepPoint {
  StudyPointLabels labels;
  NetworkRecipe recipe;
  TrainerOptions train;   ///< seed = point seed; the free coupling runs without the Euler guard
  bool free_coupling = false;
  nlohmann::json ToJson() const;
};

/// @throws std::invalid_argument naming `source`, the field and the value (unknown keys included).
[[nodiscard]] SweepGrid SweepGridFromJson(const nlohmann::json& json, const std::string& source);
/// @throws std::invalid_argument naming the file if it cannot be read or is malformed.
[[nodiscard]] SweepGrid LoadSweepGrid(const std::string& path);

/// The runs, in a fixed order (axes nested as topology, modules, kind, density, coupling, seed —
/// seeds innermost). The "free" coupling is skipped for topology "none" (no coupling to free).
/// Point ids are readable and depend only on the point's values, e.g.
/// "gw1_16x32_sparse_d0.05_stable_s1", so adding axis values keeps finished runs valid.
/// @throws std::invalid_argument if a point's recipe is invalid (message names the point).
[[nodiscard]] std::vector<SweepPoint> ExpandSweepGrid(const SweepGrid& grid);

/// Parses an axis value of the topology axis ("gw:2", "random:0.3", ...) into a spec.
/// @throws std::invalid_argument naming the value.
TopologySpec ParseTopologyAxisValue(const std::string& value, const TopologySpec& base);

}  // namespace roro
