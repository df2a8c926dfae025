#pragma once
// The common frame of every gnuplot script `roro report` writes (header comments, output per
// format, missing-value convention) and the pieces its data files are made of.
#include <string>
#include <vector>

namespace roro::study_internal::plots {

/// Data cells: full precision; "?" (declared missing in every script) for NaN and infinities.
std::string DataNumber(double value);

/// "png svg"
std::string FormatList(const std::vector<std::string>& formats);

/// The script: header comments, shared settings, then the plot commands once per format, writing
/// output_prefix . NAME . "." . format (see figures.h).
std::string Script(const std::string& name, const std::string& what, const std::string& settings,
                   const std::string& plot_commands, const std::vector<std::string>& formats, int width = 1000,
                   int height = 650);

/// Joins "plot" clauses with gnuplot line continuations.
std::string PlotCommand(const std::vector<std::string>& clauses);

/// A data block: a comment naming it, then its rows; blocks are separated by two blank lines.
void AppendBlock(std::string* data, const std::string& comment, const std::string& rows);

}  // namespace roro::study_internal::plots
