// Golden test of the recipes the documentation prints: every `roro build` command in a fenced
// shell block of README.md or docs/*.md, and in scripts/demo.sh and examples/**/*.sh, is run as
// printed (only its output file is redirected) and the model it writes must certify (`roro
// certify` exit 0) with no warning from the build. The commands are read from the files, so a
// recipe edited into the docs is tested, and one that stops certifying fails here, by name.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace roro {
namespace {

namespace fs = std::filesystem;
using testing::RunCli;
using testing::TempDir;

struct DocumentedRecipe {
  std::string where;  // "README.md:37"
  std::vector<std::string> args;  // after "roro": "build", "--modules", ...
};

std::vector<std::string> ReadLines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string Trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t") + 1 - begin);
}

// "roro build ..." or "\"$roro\" build ..." or "build/bin/roro build ..." -> the words after roro,
// without a trailing comment; empty when the line is not a build command.
std::vector<std::string> BuildWords(const std::string& command) {
  std::istringstream words(command);
  std::string program, verb;
  words >> program >> verb;
  const bool is_roro = program == "roro" || program == "\"$roro\"" || program == "$roro" ||
                       (program.size() >= 5 && program.compare(program.size() - 5, 5, "/roro") == 0);
  if (!is_roro || verb != "build") return {};
  std::vector<std::string> args = {"build"};
  for (std::string word; words >> word;) {
    if (word[0] == '#') break;
    args.push_back(word);
  }
  return args;
}

// Joins backslash-continued lines, then keeps the build commands.
void CollectFromLines(const std::string& where, const std::vector<std::string>& lines, bool fenced_only,
                      std::vector<DocumentedRecipe>* recipes) {
  bool in_shell_block = !fenced_only;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string trimmed = Trim(lines[i]);
    if (fenced_only && trimmed.rfind("```", 0) == 0) {
      in_shell_block = !in_shell_block && (trimmed == "```sh" || trimmed == "```bash" || trimmed == "```shell");
      continue;
    }
    if (!in_shell_block) continue;
    const size_t first = i;
    std::string command = trimmed;
    while (!command.empty() && command.back() == '\\' && i + 1 < lines.size()) {
      command.pop_back();
      command += " " + Trim(lines[++i]);
    }
    std::vector<std::string> args = BuildWords(command);
    if (args.empty() || command.find("...") != std::string::npos) continue;
    recipes->push_back({where + ":" + std::to_string(first + 1), std::move(args)});
  }
}

std::vector<DocumentedRecipe> DocumentedRecipes() {
  const fs::path root = RORO_SOURCE_DIR;
  std::vector<DocumentedRecipe> recipes;
  std::vector<fs::path> markdown = {root / "README.md"};
  for (const auto& entry : fs::directory_iterator(root / "docs"))
    if (entry.path().extension() == ".md") markdown.push_back(entry.path());
  std::vector<fs::path> scripts = {root / "scripts" / "demo.sh"};
  for (const auto& entry : fs::recursive_directory_iterator(root / "examples")) {
    if (entry.path().extension() == ".sh") scripts.push_back(entry.path());
    if (entry.path().extension() == ".md") markdown.push_back(entry.path());
  }
  for (const fs::path& path : markdown)
    CollectFromLines(fs::relative(path, root).string(), ReadLines(path), /*fenced_only=*/true, &recipes);
  for (const fs::path& path : scripts)
    CollectFromLines(fs::relative(path, root).string(), ReadLines(path), /*fenced_only=*/false, &recipes);
  return recipes;
}

TEST(DocumentedRecipesTest, TheParserFindsTheReadmeAndDemoRecipes) {
  const std::vector<DocumentedRecipe> recipes = DocumentedRecipes();
  int in_readme = 0, in_demo = 0;
  for (const DocumentedRecipe& recipe : recipes) {
    in_readme += recipe.where.rfind("README.md:", 0) == 0;
    in_demo += recipe.where.rfind("scripts/demo.sh:", 0) == 0;
  }
  // The README's command-line block and the demo each print build recipes; if the parser stops
  // seeing them, the test below would pass on nothing.
  EXPECT_GE(in_readme, 3);
  EXPECT_GE(in_demo, 1);
}

TEST(DocumentedRecipesTest, EveryPrintedBuildRecipeCertifies) {
  TempDir dir;
  int index = 0;
  for (DocumentedRecipe recipe : DocumentedRecipes()) {
    SCOPED_TRACE(recipe.where);
    const std::string model = dir.File("recipe" + std::to_string(index++) + ".json");
    bool has_output = false;
    for (size_t i = 0; i + 1 < recipe.args.size(); ++i) {
      if (recipe.args[i] == "-o" || recipe.args[i] == "--output") {
        recipe.args[i + 1] = model;
        has_output = true;
      }
    }
    ASSERT_TRUE(has_output) << "a printed build recipe without -o";
    for (const std::string& word : recipe.args)
      ASSERT_EQ(word.find('$'), std::string::npos) << "a shell variable the test cannot expand: " << word;
    const auto build = RunCli(recipe.args);
    ASSERT_EQ(build.exit_code, 0) << build.err;
    EXPECT_EQ(build.err.find("warning"), std::string::npos) << build.err;
    const auto certify = RunCli({"certify", model});
    EXPECT_EQ(certify.exit_code, 0) << certify.out << certify.err;
  }
}

// The default build (no flags but the output) certifies, Euler map included; the recipe is the
// one the issue names.
TEST(DocumentedRecipesTest, TheDefaultBuildCertifiesIncludingTheEulerMap) {
  TempDir dir;
  const std::string model = dir.File("default.json");
  const auto build = RunCli({"build", "--modules", "16x32", "--kind", "sparse", "--topology", "gw", "--seed", "1",
                             "-o", model});
  ASSERT_EQ(build.exit_code, 0) << build.err;
  EXPECT_EQ(build.err, "");
  const auto certify = RunCli({"certify", model});
  EXPECT_EQ(certify.exit_code, 0) << certify.out;
  EXPECT_THAT(certify.out, ::testing::HasSubstr("Euler factor at alpha = 0.005: 0.99"));
}

// An alpha whose Euler map the quick Tier-1 certify cannot prove: the model is still written
// (exit 0), and the warning names an alpha that does certify.
TEST(DocumentedRecipesTest, BuildWarnsWithAnAlphaThatCertifies) {
  TempDir dir;
  const std::string model = dir.File("fast.json");
  const std::vector<std::string> recipe = {"build", "--modules", "16x32", "--kind", "sparse", "--topology", "gw",
                                           "--seed", "1"};
  std::vector<std::string> args = recipe;
  args.insert(args.end(), {"--alpha", "0.1", "-o", model});
  const auto build = RunCli(args);
  ASSERT_EQ(build.exit_code, 0) << build.err;
  EXPECT_TRUE(fs::exists(model));
  ASSERT_THAT(build.err, ::testing::HasSubstr("warning: the Euler map at alpha 0.1 is not proven contracting"));
  EXPECT_EQ(RunCli({"certify", model}).exit_code, 2);
  const std::string marker = "rebuild with --alpha ";
  const size_t at = build.err.find(marker);
  ASSERT_NE(at, std::string::npos) << build.err;
  std::istringstream rest(build.err.substr(at + marker.size()));
  std::string suggested;
  rest >> suggested;
  ASSERT_LT(std::stod(suggested), 0.1);
  args = recipe;
  args.insert(args.end(), {"--alpha", suggested, "-o", model});
  const auto rebuilt = RunCli(args);
  ASSERT_EQ(rebuilt.exit_code, 0);
  EXPECT_EQ(rebuilt.err, "");
  EXPECT_EQ(RunCli({"certify", model}).exit_code, 0);
}

}  // namespace
}  // namespace roro
