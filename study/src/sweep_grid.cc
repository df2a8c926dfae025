#include "roro/study/sweep_grid.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "json_reader.h"

namespace roro {
namespace {

using topology_internal::JsonField;

/// An axis (or lr_milestones): a non-empty list, or a single value taken as a one-element list.
std::vector<JsonField> ListOrSingleValue(const JsonField& field) {
  if (!field.value().is_array()) return {field};
  field.ExpectNonEmptyArray();
  return field.Elements();
}

template <typename T>
void ReadListIfPresent(const JsonField& object, std::string_view key, std::vector<T>* values) {
  const auto field = object.Find(key);
  if (!field) return;
  values->clear();
  for (const JsonField& value : ListOrSingleValue(*field)) values->push_back(value.As<T>());
}

void ReadNetwork(const JsonField& network, SweepGrid* grid) {
  network.ExpectObject({}, {"modules", "kind", "density", "scale", "spectral_bound", "alpha", "slope_bound",
                            "coupling_init_scale", "hubs", "keep", "extra", "topology", "unit_budget", "form"});
  NetworkRecipe& r = grid->network;
  if (const auto form = network.Find("form")) r.form = form->Parsed(ParseNetworkForm);
  if (const auto modules = network.Find("modules")) r.module_sizes = modules->Parsed(ParseModuleSizes);
  if (const auto kind = network.Find("kind")) r.kind = kind->Parsed(ParseModuleKind);
  network.ReadIfPresent("density", &r.density);
  network.ReadIfPresent("scale", &r.scale);
  network.ReadIfPresent("spectral_bound", &r.spectral_bound);
  network.ReadIfPresent("alpha", &r.alpha);
  network.ReadIfPresent("slope_bound", &r.slope_bound);
  network.ReadIfPresent("coupling_init_scale", &r.coupling_init_scale);
  network.ReadIfPresent("hubs", &r.topology.hubs);
  network.ReadIfPresent("keep", &r.topology.keep);
  network.ReadIfPresent("extra", &r.topology.extra);
  // After hubs, keep and extra: "gw" without ":K" takes the base hub count.
  if (const auto topology = network.Find("topology"))
    r.topology = topology->Parsed([&](const std::string& text) { return ParseTopologyAxisValue(text, r.topology); });
  network.ReadIfPresent("unit_budget", &grid->unit_budget);
}

void ReadTrain(const JsonField& train, TrainerOptions* o) {
  train.ExpectObject({}, {"epochs", "batch", "lr", "optimizer", "momentum", "schedule", "lr_decay", "lr_milestones",
                          "clip", "weight_decay", "time_budget", "threads", "eval_batch", "checkpoint_every",
                          "test_every_epoch", "euler_guard", "euler_cap", "euler_keep_margin", "euler_check_every",
                          "euler_guard_mode", "log_every"});
  train.ReadIfPresent("epochs", &o->epochs);
  train.ReadIfPresent("batch", &o->batch_size);
  train.ReadIfPresent("lr", &o->optimizer.learning_rate);
  train.ReadIfPresent("optimizer", &o->optimizer.kind);
  train.ReadIfPresent("momentum", &o->optimizer.momentum);
  train.ReadIfPresent("schedule", &o->optimizer.schedule);
  train.ReadIfPresent("lr_decay", &o->optimizer.decay);
  ReadListIfPresent(train, "lr_milestones", &o->optimizer.milestones);
  train.ReadIfPresent("clip", &o->optimizer.clip_norm);
  train.ReadIfPresent("weight_decay", &o->optimizer.weight_decay);
  train.ReadIfPresent("time_budget", &o->time_budget_seconds);
  train.ReadIfPresent("threads", &o->threads);
  train.ReadIfPresent("eval_batch", &o->eval_batch_size);
  train.ReadIfPresent("checkpoint_every", &o->checkpoint_every);
  train.ReadIfPresent("test_every_epoch", &o->evaluate_test_each_epoch);
  train.ReadIfPresent("euler_guard", &o->euler_guard.enabled);
  train.ReadIfPresent("euler_cap", &o->euler_guard.cap);
  train.ReadIfPresent("euler_keep_margin", &o->euler_guard.keep_margin);
  train.ReadIfPresent("euler_check_every", &o->euler_guard.check_every);
  train.ReadIfPresent("euler_guard_mode", &o->euler_guard.mode);
  train.ReadIfPresent("log_every", &o->log_every);
  std::string error;
  if (!o->IsValid(&error)) train.Fail("invalid training settings: " + error);
}

void ReadCertify(const JsonField& certify, CertifyOptions* o) {
  certify.ExpectObject({}, {"sdp", "timeout"});
  certify.ReadIfPresent("sdp", &o->use_sdp);
  certify.ReadIfPresent("timeout", &o->timeout_seconds);
  std::string error;
  if (!o->IsValid(&error)) certify.Fail("invalid certification settings: " + error);
}

RemovalOptions ReadRemoval(const JsonField& removal) {
  removal.ExpectObject({}, {"mode", "count", "trials", "seed", "certify"});
  RemovalOptions o;
  if (const auto mode = removal.Find("mode")) o.mode = mode->Parsed(ParseLesionMode);
  removal.ReadIfPresent("count", &o.count);
  removal.ReadIfPresent("trials", &o.trials);
  removal.ReadIfPresent("seed", &o.seed);
  removal.ReadIfPresent("certify", &o.certify);
  std::string error;
  if (!o.IsValid(&error)) removal.Fail("invalid removal settings: " + error);
  return o;
}

/// The axes, each value checked as it is read (topology values against the base network's
/// topology, so ReadNetwork comes first).
void ReadAxes(const JsonField& axes, SweepGrid* grid) {
  axes.ExpectObject({}, {"topology", "modules", "module_count", "kind", "density", "seed", "coupling"});
  if (const auto topologies = axes.Find("topology"))
    for (const JsonField& value : ListOrSingleValue(*topologies)) {
      value.Parsed([&](const std::string& text) { return ParseTopologyAxisValue(text, grid->network.topology); });
      grid->topologies.push_back(value.String());
    }
  if (const auto modules = axes.Find("modules"))
    for (const JsonField& value : ListOrSingleValue(*modules)) {
      value.Parsed(ParseModuleSizes);
      grid->modules.push_back(value.String());
    }
  if (const auto kinds = axes.Find("kind"))
    for (const JsonField& value : ListOrSingleValue(*kinds)) {
      value.Parsed(ParseModuleKind);
      grid->kinds.push_back(value.String());
    }
  ReadListIfPresent(axes, "density", &grid->densities);
  ReadListIfPresent(axes, "seed", &grid->seeds);
  if (const auto couplings = axes.Find("coupling"))
    for (const JsonField& value : ListOrSingleValue(*couplings)) {
      const std::string coupling = value.String();
      if (coupling != "stable" && coupling != "free") value.FailWithValue("expected stable or free");
      grid->couplings.push_back(coupling);
    }
  if (const auto counts = axes.Find("module_count")) {
    if (!grid->modules.empty())
      counts->Fail("cannot be combined with axes.modules (pick one way to size modules)");
    if (grid->unit_budget < 1) counts->Fail("needs network.unit_budget (the total number of units to split)");
    for (const JsonField& value : ListOrSingleValue(*counts)) {
      const int count = value.As<int>();
      if (count < 1 || grid->unit_budget % count != 0)
        value.Fail(fmt::format("value {} does not divide network.unit_budget {}", count, grid->unit_budget));
      grid->module_counts.push_back(count);
    }
  }
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
  nlohmann::json point = {{"format", "roro-sweep-point"},
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
  // Written only for the rate form, so the points of voltage studies read as before.
  if (recipe.form == NetworkForm::kRate) point["form"] = std::string(ToString(recipe.form));
  return point;
}

SweepGrid SweepGridFromJson(const nlohmann::json& json, const std::string& source) {
  const JsonField document(json, source);
  topology_internal::CheckFormatTag(document, "roro-sweep-grid", 1, topology_internal::FormatTag::kOptional);
  document.ExpectObject({"data"}, {"format", "version", "name", "network", "train", "certify", "removal", "axes"});
  SweepGrid grid;
  grid.source_json = json;
  document.ReadIfPresent("name", &grid.name);
  const JsonField data = document["data"];
  grid.data = DataSpecFromJson(data.value(), source);
  std::string error;
  if (!grid.data.IsValid(&error)) data.Fail("invalid data settings: " + error);
  if (const auto network = document.Find("network")) ReadNetwork(*network, &grid);
  if (const auto train = document.Find("train")) ReadTrain(*train, &grid.train);
  if (const auto certify = document.Find("certify")) ReadCertify(*certify, &grid.certify);
  if (const auto removal = document.Find("removal"); removal && !removal->is_null()) grid.removal = ReadRemoval(*removal);
  if (const auto axes = document.Find("axes")) ReadAxes(*axes, &grid);
  // Axes left out take the base value.
  if (grid.topologies.empty()) {
    std::string base = grid.network.topology.name;
    if (base == "gw") base += fmt::format(":{}", grid.network.topology.hubs);
    if (base == "random") base += fmt::format(":{:g}", grid.network.topology.keep);
    // Checked like a listed value (so a base "edges" topology, which loses its file here, is refused).
    document.Checked([&] { return ParseTopologyAxisValue(base, grid.network.topology); });
    grid.topologies = {base};
  }
  if (grid.seeds.empty()) grid.seeds = {grid.network.seed};
  if (grid.couplings.empty()) grid.couplings = {"stable"};
  return grid;
}

SweepGrid LoadSweepGrid(const std::string& path) {
  return SweepGridFromJson(topology_internal::ReadJsonFile(path), path);
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
              point.train.certify = grid.certify;
              // The free baseline is not constrained to contract: it trains whatever its start
              // certifies to, and its point.json, result and report say so (allow_uncertified).
              if (point.free_coupling) {
                point.train.euler_guard.enabled = false;
                point.train.allow_uncertified = true;
              }
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
