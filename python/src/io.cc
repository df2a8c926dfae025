// Files: model JSON, certificate JSON, and the .npy directories of `roro export` / `roro import`.
// The same library calls as the CLI, so the bytes on disk are the CLI's bytes.
#include <pybind11/stl.h>

#include "bindings.h"
#include "roro/contraction/certify.h"
#include "roro/topology/model_file.h"
#include "roro/topology/npy_directory.h"

namespace roro::python_internal {

void BindIo(py::module_& m) {
  m.def("load_model", &LoadModel, py::arg("path"), py::call_guard<py::gil_scoped_release>(),
        "Reads a roro-model JSON file. Raises ValueError naming the file, field and value if it is corrupt.");
  m.def(
      "save_model",
      [](const Network& network, const std::string& path) { WriteWithoutGil([&] { SaveModel(network, path); }); },
      py::arg("network"), py::arg("path"),
      "Writes the model file atomically (the bytes `roro build` writes). Raises OSError if it cannot write.");
  m.def(
      "model_from_json",
      [](const std::string& text, const std::string& source) {
        nlohmann::json json;
        try {
          json = nlohmann::json::parse(text);
        } catch (const nlohmann::json::parse_error& e) {
          throw std::invalid_argument(source + ": not valid JSON: " + e.what());
        }
        return ModelFromJson(json, source);
      },
      py::arg("text"), py::arg("source") = "<json>",
      "A network from roro-model JSON text. Raises ValueError naming `source`, the field and the value.");
  m.def(
      "export_network",
      [](const Network& network, const std::string& directory) {
        WriteWithoutGil([&] { ExportNetwork(network, directory); });
      },
      py::arg("network"), py::arg("directory"),
      "`roro export`: W.npy, B.npy (metric-skew only), L.npy, M.npy, W_in.npy, b.npy, W_out.npy, b_out.npy and "
      "meta.json. Raises OSError if it cannot write.");
  m.def("import_network", &ImportNetwork, py::arg("directory"), py::call_guard<py::gil_scoped_release>(),
        "`roro import`: a network from a directory of .npy files and meta.json. Raises ValueError naming the file "
        "and what is wrong.");
  m.def("load_certificate", &LoadCertificate, py::arg("path"), py::call_guard<py::gil_scoped_release>(),
        "Reads a roro-certificate JSON file. Raises ValueError naming the file and field if it is malformed.");
  m.def(
      "save_certificate",
      [](const Certificate& certificate, const std::string& path) {
        WriteWithoutGil([&] { SaveCertificate(certificate, path); });
      },
      py::arg("certificate"), py::arg("path"),
      "Writes the certificate atomically (the bytes `roro certify -o` writes). Raises OSError if it cannot write.");
  m.def(
      "certificate_to_json", [](const Certificate& certificate) { return CertificateToJson(certificate).dump(); },
      py::arg("certificate"), "The certificate as JSON text.");
  m.def(
      "sha256_hex", [](const py::bytes& bytes) { return Sha256Hex(std::string(bytes)); }, py::arg("data"),
      "SHA-256 of bytes as 64 hex digits (what certificates use to name a model).");
}

}  // namespace roro::python_internal
