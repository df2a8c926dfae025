#include "roro/study/sweep_grid.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "json_file.h"
#include "json_object_reader.h"

namespace roro {
namespace {

using study_internal::JsonObjectReader;

// Runs `parse`; its std::invalid_argument becomes an error naming the grid file and `field`.
template <typename Parse>
auto ParsedOrFail(const JsonObjectReader& reader, const std::string& field, Parse&& parse) {
  try {
    return parse();
  } catch (const std::invalid_argument& e) {
    reader.Fail(field, e.what());
  }
}

void ReadNetwork(JsonObjectReader reader, SweepGrid* grid) {
  NetworkRecipe& r = grid->network;
  std::string text;
  if (reader.Get("modules", &text))
    r.module_sizes = ParsedOrFail(reader, reader.Path("modules"), [&] { return ParseModuleSizes(text); });
  if (reader.Get("kind", &text))
    r.kind = ParsedOrFail(reader, reader.Path("kind"), [&] { return ParseModuleKind(text); });
  reader.Get("density", &r.density);
  reader.Get("scale", &r.scale);
  reader.Get("spectral_bound", &r.spectral_bound);
  reader.Get("alpha", &r.alpha);
  reader.Get("slope_bound", &r.slope_bound);
  reader.Get("coupling_init_scale", &r.coupling_init_scale);
  reader.Get("hubs", &r.topology.hubs);
  reader.Get("keep", &r.topology.keep);
  reader.Get("extra", &r.topology.extra);
  if (reader.Get("topology", &text))
    r.topology = ParsedOrFail(reader, reader.Path("topology"), [&] { return ParseTopologyAxisValue(text, r.topology); });
  reader.Get("unit_budget", &grid->unit_budget);
  reader.RejectUnknown();
}

void ReadTrain(JsonObjectReader reader, TrainerOptions* o) {
  reader.Get("epochs", &o->epochs);
  reader.Get("batch", &o->batch_size);
  reader.Get("lr", &o->optimizer.learning_rate);
  reader.Get("optimizer", &o->optimizer.kind);
  reader.Get("momentum", &o->optimizer.momentum);
  reader.Get("schedule", &o->optimizer.schedule);
  reader.Get("lr_decay", &o->optimizer.decay);
  reader.GetList("lr_milestones", &o->optimizer.milestones);
  reader.Get("clip", &o->optimizer.clip_norm);
  reader.Get("weight_decay", &o->optimizer.weight_decay);
  reader.Get("time_budget", &o->time_budget_seconds);
  reader.Get("threads", &o->threads);
  reader.Get("eval_batch", &o->eval_batch_size);
  reader.Get("checkpoint_every", &o->checkpoint_every);
  reader.Get("test_every_epoch", &o->evaluate_test_each_epoch);
  reader.Get("euler_guard", &o->euler_guard.enabled);
  reader.Get("euler_cap", &o->euler_guard.cap);
  reader.Get("euler_keep_margin", &o->euler_guard.keep_margin);
  reader.Get("euler_check_every", &o->euler_guard.check_every);
  reader.Get("euler_guard_mode", &o->euler_guard.mode);
  reader.Get("log_every", &o->log_every);
  reader.RejectUnknown();
  std::string error;
  if (!o->IsValid(&error)) reader.Fail(reader.Path(""), "is invalid: " + error);
}

void ReadCertify(JsonObjectReader reader, CertifyOptions* o) {
  reader.Get("sdp", &o->use_sdp);
  reader.Get("timeout", &o->timeout_seconds);
  reader.RejectUnknown();
  std::string error;
  if (!o->IsValid(&error)) reader.Fail("certify", "is invalid: " + error);
}

void ReadRemoval(JsonObjectReader reader, RemovalOptions* o) {
  std::string mode;
  if (reader.Get("mode", &mode))
    o->mode = ParsedOrFail(reader, reader.Path("mode"), [&] { return ParseLesionMode(mode); });
  reader.Get("count", &o->count);
  reader.Get("trials", &o->trials);
  reader.Get("seed", &o->seed);
  reader.Get("certify", &o->certify);
  reader.RejectUnknown();
  std::string error;
  if (!o->IsValid(&error)) reader.Fail("removal", "is invalid: " + error);
}

std::string ModulesText(const std::vector<int>& sizes) {
  bool same = true;
  for (int s : sizes) same = same && s == sizes.front();
  if (same) return fmt::format("{}x{}", sizes.size(), sizes.front());
  std::string text;
  for (size_t k = 0; k < sizes.size(); ++k) {
    if (k) text += '-';
    text += std::to_string(sizes[k]);
  }
  return text;
}

}  // namespace

TopologySpec ParseTopologyAxisValue(const std::string& value, const TopologySpec& base) {
  TopologySpec spec = base;
  const size_t colon = value.find(':');
  spec.name = value.substr(0, colon);
  const std::string argument = colon == std::string::npos ? "" : value.substr(colon + 1);
  try {
    if (spec.name == "gw") {
      if (!argument.empty()) spec.hubs = std::stoi(argument);
    } else if (spec.name == "random") {
      if (!argument.empty()) spec.keep = std::stod(argument);
    } else if (spec.name == "hierarchy") {
      if (!argument.empty()) spec.extra = std::stod(argument);
    } else if (spec.name == "edges") {
      spec.edges_file = argument;
    } else if (!argument.empty() || (spec.name != "all" && spec.name != "none")) {
      throw std::invalid_argument("");
    }
  } catch (const std::exception&) {
    throw std::invalid_argument("topology '" + value +
                                "' is not one of all, gw[:HUBS], random[:KEEP], hierarchy[:EXTRA], none, edges:FILE");
  }
  std::string error;
  if (!spec.IsValid(&error)) throw std::invalid_argument("topology '" + value + "': " + error);
  return spec;
}

nlohmann::json SweepPoint::ToJson() const {
  const StudyPointLabels& p = labels;
  nlohmann::json sizes = recipe.module_sizes;
  return {{"format", "roro-sweep-point"},
          {"version", 1},
          {"id", p.id},
          {"topology", p.topology},
          {"topology_label", p.TopologyLabel()},
          {"hubs", p.hubs},
          {"keep", p.keep},
          {"module_sizes", sizes},
          {"kind", p.kind},
          {"density", p.density},
          {"seed", p.seed},
          {"coupling", p.coupling},
          {"alpha", recipe.alpha},
          {"slope_bound", recipe.slope_bound},
          {"coupling_init_scale", recipe.coupling_init_scale},
          {"train", TrainerOptionsToJson(train)}};
}

SweepGrid SweepGridFromJson(const nlohmann::json& json, const std::string& source) {
  JsonObjectReader top(json, source, "");
  SweepGrid grid;
  grid.source_json = json;
  top.Get("name", &grid.name);
  if (top.Has("format")) {
    std::string format;
    top.Get("format", &format);
    if (format != "roro-sweep-grid") top.Fail("format", "must be \"roro-sweep-grid\", got \"" + format + "\"");
  }
  if (top.Has("version")) {
    int version = 0;
    top.Get("version", &version);
    if (version != 1) top.Fail("version", fmt::format("is {}, this roro reads version 1", version));
  }
  if (!top.Has("data")) top.Fail("data", "is missing");
  grid.data = DataSpecFromJson(top.Raw("data"), source);
  std::string error;
  if (!grid.data.IsValid(&error)) top.Fail("data", "is invalid: " + error);
  if (top.Has("network")) ReadNetwork(top.Object("network"), &grid);
  if (top.Has("train")) ReadTrain(top.Object("train"), &grid.train);
  if (top.Has("certify")) ReadCertify(top.Object("certify"), &grid.certify);
  if (top.Has("removal") && !top.Raw("removal").is_null()) {
    RemovalOptions removal;
    ReadRemoval(top.Object("removal"), &removal);
    grid.removal = removal;
  }
  if (top.Has("axes")) {
    JsonObjectReader axes = top.Object("axes");
    axes.GetList("topology", &grid.topologies);
    axes.GetList("modules", &grid.modules);
    axes.GetList("module_count", &grid.module_counts);
    axes.GetList("kind", &grid.kinds);
    axes.GetList("density", &grid.densities);
    axes.GetList("seed", &grid.seeds);
    axes.GetList("coupling", &grid.couplings);
    axes.RejectUnknown();
    for (const std::string& c : grid.couplings)
      if (c != "stable" && c != "free") axes.Fail("axes.coupling", "value \"" + c + "\" is not stable or free");
    if (!grid.modules.empty() && !grid.module_counts.empty())
      axes.Fail("axes.module_count", "cannot be combined with axes.modules (pick one way to size modules)");
    if (!grid.module_counts.empty() && grid.unit_budget < 1)
      axes.Fail("axes.module_count", "needs network.unit_budget (the total number of units to split)");
    for (int count : grid.module_counts)
      if (count < 1 || grid.unit_budget % count != 0)
        axes.Fail("axes.module_count", fmt::format("value {} does not divide network.unit_budget {}", count,
                                                   grid.unit_budget));
  }
  top.RejectUnknown();
  // Defaults for axes left out: the base value.
  if (grid.topologies.empty()) {
    std::string base = grid.network.topology.name;
    if (base == "gw") base += ":" + std::to_string(grid.network.topology.hubs);
    if (base == "random") base += fmt::format(":{:g}", grid.network.topology.keep);
    grid.topologies = {base};
  }
  for (const std::string& value : grid.topologies)
    ParsedOrFail(top, "axes.topology", [&] { return ParseTopologyAxisValue(value, grid.network.topology); });
  for (const std::string& value : grid.modules)
    ParsedOrFail(top, "axes.modules", [&] { return ParseModuleSizes(value); });
  for (const std::string& value : grid.kinds) ParsedOrFail(top, "axes.kind", [&] { return ParseModuleKind(value); });
  if (grid.seeds.empty()) grid.seeds = {grid.network.seed};
  if (grid.couplings.empty()) grid.couplings = {"stable"};
  return grid;
}

SweepGrid LoadSweepGrid(const std::string& path) {
  return SweepGridFromJson(study_internal::ReadJsonFile(path), path);
}

std::vector<SweepPoint> ExpandSweepGrid(const SweepGrid& grid) {
  std::vector<std::vector<int>> size_lists;
  for (const std::string& text : grid.modules) size_lists.push_back(ParseModuleSizes(text));
  for (int count : grid.module_counts) size_lists.push_back(std::vector<int>(count, grid.unit_budget / count));
  if (size_lists.empty()) size_lists.push_back(grid.network.module_sizes);
  std::vector<ModuleKind> kinds;
  for (const std::string& text : grid.kinds) kinds.push_back(ParseModuleKind(text));
  if (kinds.empty()) kinds.push_back(grid.network.kind);

  std::vector<SweepPoint> points;
  for (const std::string& topology : grid.topologies) {
    const TopologySpec spec = ParseTopologyAxisValue(topology, grid.network.topology);
    for (const std::vector<int>& sizes : size_lists) {
      for (ModuleKind kind : kinds) {
        std::vector<double> densities = grid.densities;
        if (densities.empty() || kind != ModuleKind::kSparse) densities = {grid.network.density};
        for (double density : densities) {
          for (const std::string& coupling : grid.couplings) {
            if (coupling == "free" && spec.name == "none") continue;  // nothing to free
            for (std::uint64_t seed : grid.seeds) {
              SweepPoint point;
              point.recipe = grid.network;
              point.recipe.topology = spec;
              point.recipe.topology.seed = seed;
              point.recipe.module_sizes = sizes;
              point.recipe.kind = kind;
              point.recipe.density = density;
              point.recipe.seed = seed;
              point.train = grid.train;
              point.train.seed = seed;
              point.train.reinitialize = false;
              point.free_coupling = coupling == "free";
              if (point.free_coupling) point.train.euler_guard.enabled = false;
              StudyPointLabels& l = point.labels;
              l.topology = spec.name;
              l.hubs = spec.name == "gw" ? spec.hubs : 0;
              l.keep = spec.name == "random" ? spec.keep : 0;
              l.module_count = static_cast<int>(sizes.size());
              l.module_size = sizes.front();
              for (int s : sizes)
                if (s != sizes.front()) l.module_size = 0;
              l.kind = std::string(ToString(kind));
              l.density = kind == ModuleKind::kSparse ? density : 0;
              l.seed = seed;
              l.coupling = coupling;
              l.id = l.TopologyLabel() + "_" + ModulesText(sizes) + "_" + l.kind +
                     (kind == ModuleKind::kSparse ? fmt::format("_d{:g}", density) : "") + "_" + coupling +
                     "_s" + std::to_string(seed);
              std::string error;
              if (!point.recipe.IsValid(&error))
                throw std::invalid_argument("grid point " + l.id + ": " + error);
              points.push_back(std::move(point));
            }
          }
        }
      }
    }
  }
  return points;
}

}  // namespace roro
