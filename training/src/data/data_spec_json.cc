#include <string>

#include "json_reader.h"
#include "roro/training/datasets.h"

namespace roro {

using topology_internal::JsonField;

nlohmann::json DataSpecToJson(const DataSpec& spec) {
  return {{"source", spec.source},
          {"permuted", spec.permuted},
          {"perm_seed", spec.perm_seed},
          {"validation", spec.validation},
          {"seed", spec.seed},
          {"synthetic_train", spec.synthetic_train},
          {"synthetic_test", spec.synthetic_test},
          {"synthetic_steps", spec.synthetic_steps},
          {"copy_symbols", spec.copy_symbols},
          {"limit_train", spec.limit_train},
          {"limit_test", spec.limit_test}};
}

DataSpec DataSpecFromJson(const nlohmann::json& json, const std::string& source) {
  // Checkpoints and sweep grids both store the spec under "data": the paths in messages say so.
  const JsonField data(json, source, "data");
  data.ExpectObject({"source"}, {"permuted", "perm_seed", "validation", "seed", "synthetic_train", "synthetic_test",
                                 "synthetic_steps", "copy_symbols", "limit_train", "limit_test"});
  DataSpec spec;  // what a field leaves out keeps its default
  spec.source = data["source"].String();
  data.ReadIfPresent("permuted", &spec.permuted);
  data.ReadIfPresent("perm_seed", &spec.perm_seed);
  data.ReadIfPresent("validation", &spec.validation);
  data.ReadIfPresent("seed", &spec.seed);
  data.ReadIfPresent("synthetic_train", &spec.synthetic_train);
  data.ReadIfPresent("synthetic_test", &spec.synthetic_test);
  data.ReadIfPresent("synthetic_steps", &spec.synthetic_steps);
  data.ReadIfPresent("copy_symbols", &spec.copy_symbols);
  data.ReadIfPresent("limit_train", &spec.limit_train);
  data.ReadIfPresent("limit_test", &spec.limit_test);
  return spec;
}

}  // namespace roro
