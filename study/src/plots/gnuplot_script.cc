#include "plots/gnuplot_script.h"

#include <cmath>

#include <fmt/format.h>

namespace roro::study_internal::plots {

std::string DataNumber(double value) { return std::isfinite(value) ? fmt::format("{}", value) : "?"; }

std::string FormatList(const std::vector<std::string>& formats) {
  std::string list;
  for (const std::string& format : formats) list += (list.empty() ? "" : " ") + format;
  return list;
}

std::string Script(const std::string& name, const std::string& what, const std::string& settings,
                   const std::string& plot_commands, const std::vector<std::string>& formats, int width, int height) {
  std::string script = fmt::format(
      "# {name}: {what}.\n"
      "# Written by `roro report`; edit freely and re-run from this directory:  gnuplot {name}.gp\n"
      "# Data: {name}.dat, one block per series (blocks separated by two blank lines; `index i` picks one).\n"
      "if (!exists(\"output_prefix\")) output_prefix = \"\"\n"
      "set datafile missing \"?\"\n"
      "set encoding utf8\n"
      "{settings}"
      "do for [format in \"{formats}\"] {{\n"
      "  if (format eq \"png\") {{\n"
      "    if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {{\n"
      "      set terminal pngcairo size {w},{h} noenhanced font \",10\"\n"
      "    }} else {{\n"
      "      set terminal png size {w},{h} noenhanced\n"
      "    }}\n"
      "  }} else {{\n"
      "    set terminal svg size {w},{h} noenhanced font \",10\" background \"white\"\n"
      "  }}\n"
      "  set output output_prefix.\"{name}.\".format\n",
      fmt::arg("name", name), fmt::arg("what", what), fmt::arg("settings", settings),
      fmt::arg("formats", FormatList(formats)), fmt::arg("w", width), fmt::arg("h", height));
  // Indent the plot commands into the loop body.
  size_t begin = 0;
  while (begin < plot_commands.size()) {
    size_t end = plot_commands.find('\n', begin);
    if (end == std::string::npos) end = plot_commands.size();
    script += "  " + plot_commands.substr(begin, end - begin) + "\n";
    begin = end + 1;
  }
  script += "  unset output\n}\n";
  return script;
}

std::string PlotCommand(const std::vector<std::string>& clauses) {
  std::string command = "plot ";
  for (size_t i = 0; i < clauses.size(); ++i) command += (i ? ", \\\n     " : "") + clauses[i];
  return command + "\n";
}

void AppendBlock(std::string* data, const std::string& comment, const std::string& rows) {
  if (!data->empty()) *data += "\n\n";
  *data += "# " + comment + "\n" + rows;
}

}  // namespace roro::study_internal::plots
