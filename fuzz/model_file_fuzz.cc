// libFuzzer target: bytes -> JSON -> ModelFromJson. Only the documented failures are caught
// (std::invalid_argument from the reader, nlohmann's exceptions from the parser); anything else
// (another exception, a crash, a sanitizer report) ends the run so the fuzzer records the input.
// A model that loads must also survive save -> load -> save with identical bytes.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "roro/topology/model_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const nlohmann::json document = nlohmann::json::parse(text);
    const roro::Network network = roro::ModelFromJson(document, "fuzz-input");
    const std::string saved = roro::SerializeModel(network);
    const roro::Network again = roro::ModelFromJson(nlohmann::json::parse(saved), "fuzz-resaved");
    if (roro::SerializeModel(again) != saved) __builtin_trap();  // the round trip must be exact
  } catch (const std::invalid_argument&) {
  } catch (const nlohmann::json::exception&) {
  }
  return 0;
}
