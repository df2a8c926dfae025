#include "roro/topology/npy_directory.h"

#include <cstdlib>
#include <filesystem>
#include <functional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "roro/topology/model_file.h"
#include "roro/topology/npy.h"
#include "roro/topology/simulate.h"
#include "support/test_support.h"
#include "topology/format_fixtures.h"

namespace roro {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;
using roro::testing::ListFiles;
using roro::testing::MixedFixedNetwork;
using roro::testing::MixedNetwork;
using roro::testing::ReadFile;
using roro::testing::TempDir;
using roro::testing::WriteFile;

std::vector<std::string> Names(const fs::path& directory) {
  std::vector<std::string> names;
  for (const std::string& file : ListFiles(directory)) names.push_back(fs::path(file).filename().string());
  return names;
}

void ExpectSameMatrices(const Network& a, const Network& b) {
  EXPECT_EQ(a.module_sizes(), b.module_sizes());
  EXPECT_EQ(a.DenseWeights(), b.DenseWeights());
  EXPECT_EQ(a.DenseFreeCoupling(), b.DenseFreeCoupling());
  EXPECT_EQ(a.DenseCoupling(), b.DenseCoupling());
  EXPECT_EQ(a.DenseMetric(), b.DenseMetric());
  EXPECT_EQ(a.input_weights(), b.input_weights());
  EXPECT_EQ(a.input_bias(), b.input_bias());
  EXPECT_EQ(a.readout_weights(), b.readout_weights());
  EXPECT_EQ(a.readout_bias(), b.readout_bias());
  EXPECT_EQ(a.alpha(), b.alpha());
  EXPECT_EQ(a.slope_bound(), b.slope_bound());
  EXPECT_EQ(a.coupling_form(), b.coupling_form());
}

TEST(NpyDirectoryTest, ExportWritesOneFloat64FilePerMatrixAndMeta) {
  TempDir dir;
  const Network network = MixedNetwork();
  ExportNetwork(network, dir.File("out"));
  EXPECT_EQ(Names(dir.path() / "out"),
            (std::vector<std::string>{"B.npy", "L.npy", "M.npy", "W.npy", "W_in.npy", "W_out.npy", "b.npy", "b_out.npy",
                                      "meta.json", "svd1_Phi.npy", "svd1_Sigma.npy", "svd1_U.npy", "svd1_V.npy",
                                      "svd1_log_phi.npy", "svd1_sigma_logit.npy", "svd1_u_generator.npy",
                                      "svd1_v_generator.npy"}));
  auto matrix = [&](const std::string& name) { return NpyToMatrix(ReadNpy(dir.File("out/" + name)), name); };
  EXPECT_EQ(matrix("W.npy"), network.DenseWeights());
  EXPECT_EQ(matrix("B.npy"), network.DenseFreeCoupling());
  EXPECT_EQ(matrix("L.npy"), network.DenseCoupling());
  EXPECT_EQ(matrix("M.npy"), network.DenseMetric());
  EXPECT_EQ(matrix("W_in.npy"), network.input_weights());
  EXPECT_EQ(matrix("W_out.npy"), network.readout_weights());
  EXPECT_EQ(NpyToVector(ReadNpy(dir.File("out/b.npy")), "b"), network.input_bias());
  EXPECT_EQ(NpyToVector(ReadNpy(dir.File("out/b_out.npy")), "b_out"), network.readout_bias());
  const json meta = json::parse(ReadFile(dir.File("out/meta.json")));
  EXPECT_EQ(meta["module_sizes"], json({6, 3, 4, 2}));
  EXPECT_EQ(meta["module_kinds"], json({"sparse", "svd", "symmetric", "dense"}));
  // Module 1 is svd: its parameters and the factors they give, each in its own file named by meta.json.
  const SvdParameterization& svd = *network.module(1).svd();
  const json& entry = meta["svd_modules"][0];
  EXPECT_EQ(meta["svd_modules"].size(), 1u);
  EXPECT_EQ(entry["module"], 1);
  EXPECT_EQ(entry["slope_bound"], svd.slope_bound);
  EXPECT_EQ(entry["factors"], json({{"Phi", "svd1_Phi.npy"}, {"U", "svd1_U.npy"}, {"Sigma", "svd1_Sigma.npy"},
                                    {"V", "svd1_V.npy"}}));
  EXPECT_EQ(matrix(entry["parameters"]["u_generator"]), svd.u_generator);
  EXPECT_EQ(matrix(entry["factors"]["U"]), svd.U());
  EXPECT_EQ(matrix(entry["factors"]["V"]), svd.V());
  EXPECT_EQ(NpyToVector(ReadNpy(dir.File("out/svd1_Sigma.npy")), "Sigma"), svd.Sigma());
  EXPECT_EQ(NpyToVector(ReadNpy(dir.File("out/svd1_Phi.npy")), "Phi"), svd.Phi());
  EXPECT_EQ(meta["provenance"][1]["generator"], network.module(1).provenance().generator);
  EXPECT_EQ(meta["alpha"], 0.25);
  EXPECT_EQ(meta["coupling_form"], "metric_skew");
  EXPECT_EQ(meta["topology"][1], json({{"from", 1}, {"to", 2}, {"kind", "feedforward"}}));
  EXPECT_EQ(meta["input_size"], 2);
  EXPECT_EQ(meta["output_size"], 3);
}

TEST(NpyDirectoryTest, ExportImportExportGivesIdenticalBytesAndTheSameNetwork) {
  for (const Network& network : {MixedNetwork(), MixedFixedNetwork()}) {
    TempDir dir;
    ExportNetwork(network, dir.File("first"));
    const Network imported = ImportNetwork(dir.File("first"));
    ExpectSameMatrices(network, imported);
    EXPECT_EQ(imported.metric_source(), network.metric_source());
    EXPECT_EQ(imported.module(0).kind(), ModuleKind::kSparse);
    EXPECT_EQ(imported.module(1).kind(), ModuleKind::kSvd);
    EXPECT_EQ(imported.module(1).svd()->log_phi, network.module(1).svd()->log_phi);
    EXPECT_EQ(imported.module(2).kind(), ModuleKind::kSymmetric);
    // Kinds, svd parameters and provenance survive: the model file is byte-identical.
    EXPECT_EQ(SerializeModel(imported), SerializeModel(network));
    EXPECT_EQ(imported.graph().edges().size(), network.graph().edges().size());
    EXPECT_EQ(imported.graph().edges()[0].mask, network.graph().edges()[0].mask);
    EXPECT_EQ(imported.graph().hubs(), network.graph().hubs());
    ExportNetwork(imported, dir.File("second"));
    const auto first = ListFiles(dir.path() / "first"), second = ListFiles(dir.path() / "second");
    ASSERT_EQ(Names(dir.path() / "first"), Names(dir.path() / "second"));
    for (std::size_t k = 0; k < first.size(); ++k) EXPECT_EQ(ReadFile(first[k]), ReadFile(second[k])) << first[k];
    // Same matrices, same dynamics.
    const auto inputs = RandomInputs<double>(7, network.input_size(), 2, 1);
    EXPECT_EQ(Simulate(network, inputs).logits, Simulate(imported, inputs).logits);
  }
}

TEST(NpyDirectoryTest, AnExportWrittenBeforeSvdFilesStillImportsWithTheSvdModuleDense) {
  // Before svd modules kept their kind, meta.json claimed them "dense" and had neither provenance
  // nor svd_modules, and there were no svd files.
  TempDir dir;
  const Network network = MixedNetwork();
  ExportNetwork(network, dir.File("old"));
  json meta = json::parse(ReadFile(dir.File("old/meta.json")));
  meta["module_kinds"][1] = "dense";
  meta.erase("provenance");
  meta.erase("svd_modules");
  WriteFile(dir.File("old/meta.json"), meta.dump());
  for (const std::string& file : ListFiles(dir.path() / "old"))
    if (fs::path(file).filename().string().rfind("svd", 0) == 0) fs::remove(file);
  const Network imported = ImportNetwork(dir.File("old"));
  ExpectSameMatrices(network, imported);
  EXPECT_EQ(imported.module(1).kind(), ModuleKind::kDense);
  EXPECT_EQ(imported.module(0).provenance().generator, "");
  // Re-exporting it into the directory of a newer export removes svd files no meta.json names.
  ExportNetwork(network, dir.File("new"));
  ExportNetwork(imported, dir.File("new"));
  EXPECT_FALSE(fs::exists(dir.File("new/svd1_U.npy")));
  EXPECT_EQ(ImportNetwork(dir.File("new")).module(1).kind(), ModuleKind::kDense);
}

TEST(NpyDirectoryTest, ExportingAFixedCouplingRemovesAStaleFreeCoupling) {
  TempDir dir;
  ExportNetwork(MixedNetwork(), dir.File("out"));
  ASSERT_TRUE(fs::exists(dir.File("out/B.npy")));
  ExportNetwork(MixedFixedNetwork(), dir.File("out"));
  EXPECT_FALSE(fs::exists(dir.File("out/B.npy")));
  EXPECT_EQ(ImportNetwork(dir.File("out")).coupling_form(), CouplingForm::kFixed);
}

TEST(NpyDirectoryTest, MinimalHandWrittenDirectoryImportsWithDefaults) {
  TempDir dir;
  // Two modules of sizes 2 and 1, B coupling them one way only, no M.npy (identity metric).
  Eigen::MatrixXd w = Eigen::MatrixXd::Zero(3, 3), b = Eigen::MatrixXd::Zero(3, 3);
  w.topLeftCorner(2, 2) << 0.1, 0.2, -0.3, 0.0;
  w(2, 2) = 0.5;
  b(2, 0) = 0.7;
  WriteNpy(dir.File("W.npy"), w);
  WriteNpy(dir.File("B.npy"), b);
  WriteNpy(dir.File("W_in.npy"), Eigen::MatrixXd::Ones(3, 1));
  WriteNpyVector(dir.File("b.npy"), Eigen::VectorXd::Zero(3));
  WriteNpy(dir.File("W_out.npy"), Eigen::MatrixXd::Ones(4, 3));
  WriteNpyVector(dir.File("b_out.npy"), Eigen::VectorXd::Zero(4));
  WriteFile(dir.File("meta.json"), R"({"module_sizes": [2, 1], "alpha": 0.1})");
  const Network network = ImportNetwork(dir.path().string());
  EXPECT_EQ(network.DenseWeights(), w);
  EXPECT_EQ(network.module(0).kind(), ModuleKind::kDense);
  EXPECT_EQ(network.metric_source(), "identity");
  EXPECT_EQ(network.output_size(), 4);
  // B nonzero one way still means a feedback pair: L = B - B^T with the identity metric.
  ASSERT_EQ(network.graph().edges().size(), 1u);
  EXPECT_EQ(network.graph().edges()[0].kind, CouplingKind::kFeedback);
  EXPECT_EQ(network.DenseCoupling(), b - b.transpose());
}

struct BadDirectoryCase {
  std::string name;
  std::function<void(const std::string& dir, const Network& network)> damage;
  std::vector<std::string> expected;
};

/// Replaces one token of a .npy header (same length, so the header stays well-formed).
void PatchHeader(const std::string& path, const std::string& from, const std::string& to) {
  std::string bytes = ReadFile(path);
  const std::size_t at = bytes.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  bytes.replace(at, from.size(), to);
  WriteFile(path, bytes);
}

TEST(NpyDirectoryTest, MalformedDirectoriesAreRejectedNamingTheFile) {
  const Network good = MixedNetwork();
  const int n = good.state_size();
  const std::vector<BadDirectoryCase> cases = {
      {"W not block-diagonal",
       [](const std::string& d, const Network& g) {
         Eigen::MatrixXd w = g.DenseWeights();
         w(0, 7) = 0.5;
         WriteNpy(d + "/W.npy", w);
       },
       {"W.npy", "not block-diagonal", "entry (0, 7)", "module 0 to module 1"}},
      {"B inside a diagonal block",
       [](const std::string& d, const Network& g) {
         Eigen::MatrixXd b = g.DenseFreeCoupling();
         b(7, 8) = 1.0;
         WriteNpy(d + "/B.npy", b);
       },
       {"B.npy", "diagonal block of module 1"}},
      {"B outside the topology",
       [](const std::string& d, const Network& g) {
         Eigen::MatrixXd b = g.DenseFreeCoupling();
         b(13, 9) = 1.0;  // block (3, 2): modules 2 and 3 are not coupled
         WriteNpy(d + "/B.npy", b);
       },
       {"B.npy", "block (3, 2)", "does not couple"}},
      {"B outside a mask",
       [](const std::string& d, const Network& g) {
         Eigen::MatrixXd b = g.DenseFreeCoupling();
         b(6, 0) = 1.0;  // block (1, 0), mask entry (0, 0) is 0
         WriteNpy(d + "/B.npy", b);
       },
       {"B.npy", "outside the mask"}},
      {"M asymmetric",
       [](const std::string& d, const Network& g) {
         Eigen::MatrixXd m = g.DenseMetric();
         m(9, 10) += 1e-3;
         WriteNpy(d + "/M.npy", m);
       },
       {"M.npy", "module 2", "symmetric"}},
      {"M not positive",
       [](const std::string& d, const Network& g) {
         Eigen::MatrixXd m = g.DenseMetric();
         m(1, 1) = 0.0;
         WriteNpy(d + "/M.npy", m);
       },
       {"M.npy", "diagonal entry 1", "> 0"}},
      {"M not block-diagonal",
       [](const std::string& d, const Network& g) {
         Eigen::MatrixXd m = g.DenseMetric();
         m(0, 14) = m(14, 0) = 0.1;
         WriteNpy(d + "/M.npy", m);
       },
       {"M.npy", "not block-diagonal"}},
      {"NaN in W_in",
       [](const std::string& d, const Network& g) {
         Eigen::MatrixXd w = g.input_weights();
         w(3, 1) = std::nan("");
         WriteNpy(d + "/W_in.npy", w);
       },
       {"W_in.npy", "element 7", "NaN"}},
      {"float32 W",
       [n](const std::string& d, const Network&) {
         PatchHeader(d + "/W.npy", "'<f8'", "'<f4'");  // a well-formed float32 file: half the data bytes
         const std::string bytes = ReadFile(d + "/W.npy");
         WriteFile(d + "/W.npy", bytes.substr(0, bytes.size() - 4 * n * n));
       },
       {"W.npy", "'<f4'", "float64"}},
      {"Fortran-order b", [](const std::string& d, const Network&) { PatchHeader(d + "/b.npy", "False", "True "); },
       {"b.npy", "Fortran"}},
      {"truncated b_out",
       [](const std::string& d, const Network&) {
         const std::string bytes = ReadFile(d + "/b_out.npy");
         WriteFile(d + "/b_out.npy", bytes.substr(0, bytes.size() - 5));
       },
       {"b_out.npy", "truncated"}},
      {"W_out with a wrong shape",
       [n](const std::string& d, const Network&) { WriteNpy(d + "/W_out.npy", Eigen::MatrixXd::Zero(3, n + 1)); },
       {"W_out.npy", "shape (3, 16)", "(3, 15)"}},
      {"b as a matrix", [n](const std::string& d, const Network&) { WriteNpy(d + "/b.npy", Eigen::MatrixXd::Zero(n, 1)); },
       {"b.npy", "1-D"}},
      {"missing readout bias", [](const std::string& d, const Network&) { fs::remove(d + "/b_out.npy"); },
       {"b_out.npy", "missing"}},
      {"missing meta.json", [](const std::string& d, const Network&) { fs::remove(d + "/meta.json"); },
       {"meta.json", "missing"}},
      {"no coupling at all",
       [](const std::string& d, const Network&) {
         fs::remove(d + "/B.npy");
         fs::remove(d + "/L.npy");
       },
       {"neither B.npy", "nor L.npy"}},
      {"L edited without B",
       [](const std::string& d, const Network& g) {
         Eigen::MatrixXd l = g.DenseCoupling();
         l(0, 12) += 0.5;
         WriteNpy(d + "/L.npy", l);
       },
       {"L.npy", "disagrees", "entry (0, 12)"}},
      {"corrupt meta.json", [](const std::string& d, const Network&) { WriteFile(d + "/meta.json", "{\"alpha\": "); },
       {"meta.json", "corrupt JSON"}},
      {"module sizes disagree with W",
       [](const std::string& d, const Network&) {
         json meta = json::parse(ReadFile(d + "/meta.json"));
         meta["module_sizes"] = {6, 3, 4, 3};
         WriteFile(d + "/meta.json", meta.dump());
       },
       {"W.npy", "shape (15, 15)", "(16, 16)"}},
      {"symmetric claim that fails",
       [](const std::string& d, const Network&) {
         json meta = json::parse(ReadFile(d + "/meta.json"));
         meta["module_kinds"][3] = "symmetric";
         WriteFile(d + "/meta.json", meta.dump());
       },
       {"W.npy", "module 3 claimed symmetric"}},
      {"sparse claim that fails",
       [](const std::string& d, const Network& g) {
         Eigen::MatrixXd w = g.DenseWeights();
         w.topLeftCorner(6, 6) *= 10.0;
         WriteNpy(d + "/W.npy", w);
       },
       {"W.npy", "module 0 claimed sparse", "absolute-value condition"}},
      {"svd claim without parameters",
       [](const std::string& d, const Network&) {
         json meta = json::parse(ReadFile(d + "/meta.json"));
         meta["module_kinds"][3] = "svd";
         WriteFile(d + "/meta.json", meta.dump());
       },
       {"meta.json", "module_kinds[3]", "svd_modules has no entry for module 3"}},
      {"svd entry for a module not claimed svd",
       [](const std::string& d, const Network&) {
         json meta = json::parse(ReadFile(d + "/meta.json"));
         meta["svd_modules"][0]["module"] = 2;
         WriteFile(d + "/meta.json", meta.dump());
       },
       {"meta.json", "svd_modules[0].module", "does not claim this module svd"}},
      {"svd file outside the directory",
       [](const std::string& d, const Network&) {
         json meta = json::parse(ReadFile(d + "/meta.json"));
         meta["svd_modules"][0]["parameters"]["log_phi"] = "../svd1_log_phi.npy";
         WriteFile(d + "/meta.json", meta.dump());
       },
       {"meta.json", "log_phi", "expected a file name inside the export directory"}},
      {"svd factor edited alone",
       [](const std::string& d, const Network& g) {
         Eigen::MatrixXd u = g.module(1).svd()->U();
         u(0, 1) += 1e-3;
         WriteNpy(d + "/svd1_U.npy", u);
       },
       {"svd1_U.npy", "U of module 1 disagrees with its svd parameters", "entry (0, 1)"}},
      {"svd weights edited alone",
       [](const std::string& d, const Network& g) {
         Eigen::MatrixXd w = g.DenseWeights();
         w(7, 7) += 1e-3;  // module 1 spans indices 6..8
         WriteNpy(d + "/W.npy", w);
       },
       {"W.npy", "block of module 1 disagrees with the weights of its svd parameters", "entry (1, 1)"}},
      {"svd parameter file missing",
       [](const std::string& d, const Network&) { fs::remove(d + "/svd1_v_generator.npy"); },
       {"svd1_v_generator.npy"}},
      {"coupling form disagrees",
       [](const std::string& d, const Network&) {
         json meta = json::parse(ReadFile(d + "/meta.json"));
         meta["coupling_form"] = "fixed";
         WriteFile(d + "/meta.json", meta.dump());
       },
       {"meta.json", "coupling_form", "B.npy is present"}},
      {"unknown meta key",
       [](const std::string& d, const Network&) {
         json meta = json::parse(ReadFile(d + "/meta.json"));
         meta["modul_sizes"] = meta["module_sizes"];
         WriteFile(d + "/meta.json", meta.dump());
       },
       {"meta.json", "modul_sizes", "unknown field"}},
      {"input size disagrees",
       [](const std::string& d, const Network&) {
         json meta = json::parse(ReadFile(d + "/meta.json"));
         meta["input_size"] = 5;
         WriteFile(d + "/meta.json", meta.dump());
       },
       {"W_in.npy", "shape (15, 2)", "(15, 5)"}},
  };
  TempDir scratch;
  ExportNetwork(good, scratch.File("good"));
  ASSERT_NO_THROW(ImportNetwork(scratch.File("good")));
  int index = 0;
  for (const BadDirectoryCase& c : cases) {
    const std::string dir = scratch.File("case" + std::to_string(index++));
    fs::copy(scratch.File("good"), dir);
    c.damage(dir, good);
    const auto before = ListFiles(dir);
    try {
      (void)ImportNetwork(dir);
      ADD_FAILURE() << c.name << ": no exception";
    } catch (const std::invalid_argument& e) {
      const std::string message = e.what();
      EXPECT_THAT(message, HasSubstr(dir)) << c.name;
      for (const std::string& piece : c.expected) EXPECT_THAT(message, HasSubstr(piece)) << c.name;
    }
    EXPECT_EQ(ListFiles(dir), before) << c.name;  // import reads, never writes
  }
  EXPECT_THAT([&] { (void)ImportNetwork(scratch.File("absent")); },
              ThrowsMessage<std::invalid_argument>(AllOf(HasSubstr("absent"), HasSubstr("not a directory"))));
}

// --- numpy interoperability (skipped where /usr/bin/python3 has no numpy) ---

bool NumpyAvailable() { return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0; }

TEST(NpyDirectoryTest, NumpyLoadsExportedFilesAndItsOwnFilesImport) {
  if (!NumpyAvailable()) GTEST_SKIP() << "/usr/bin/python3 with numpy is not installed (scripts/setup.sh --anchor)";
  TempDir dir;
  const Network network = MixedNetwork();
  ExportNetwork(network, dir.File("ours"));
  // numpy loads every array (float64, C order, right shapes) and saves it again with np.save.
  WriteFile(dir.File("resave.py"), R"(import json, shutil, sys
import numpy as np
src, dst = sys.argv[1], sys.argv[2]
meta = json.load(open(src + '/meta.json'))
n = sum(meta['module_sizes'])
shapes = {'W': (n, n), 'B': (n, n), 'L': (n, n), 'M': (n, n), 'W_in': (n, meta['input_size']), 'b': (n,),
          'W_out': (meta['output_size'], n), 'b_out': (meta['output_size'],)}
for name, shape in shapes.items():
    a = np.load(src + '/' + name + '.npy')
    assert a.dtype == np.float64 and a.flags.c_contiguous and a.shape == shape, (name, a.dtype, a.shape)
    np.save(dst + '/' + name + '.npy', np.array(a, copy=True))
for entry in meta.get('svd_modules', []):
    k = meta['module_sizes'][entry['module']]
    for group in ('parameters', 'factors'):
        for role, file in entry[group].items():
            a = np.load(src + '/' + file)
            want = (k,) if role in ('sigma_logit', 'log_phi', 'Phi', 'Sigma') else (k, k)
            assert a.dtype == np.float64 and a.shape == want, (file, a.dtype, a.shape)
            np.save(dst + '/' + file, np.array(a, copy=True))
shutil.copy(src + '/meta.json', dst + '/meta.json')
np.save(dst + '/fortran.npy', np.asfortranarray(np.load(src + '/W.npy')))
np.save(dst + '/single.npy', np.load(src + '/W.npy').astype(np.float32))
print('ok')
)");
  fs::create_directory(dir.File("theirs"));
  const std::string command = "/usr/bin/python3 " + dir.File("resave.py") + " " + dir.File("ours") + " " +
                              dir.File("theirs") + " > " + dir.File("log.txt") + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << ReadFile(dir.File("log.txt"));
  const Network imported = ImportNetwork(dir.File("theirs"));
  ExpectSameMatrices(network, imported);
  EXPECT_EQ(NpyToMatrix(ReadNpy(dir.File("theirs/W.npy")), "W"), network.DenseWeights());
  EXPECT_THAT([&] { (void)NpyToMatrix(ReadNpy(dir.File("theirs/fortran.npy")), "fortran.npy"); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("Fortran")));
  EXPECT_THAT([&] { (void)NpyToMatrix(ReadNpy(dir.File("theirs/single.npy")), "single.npy"); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("'<f4'")));
}

}  // namespace
}  // namespace roro
