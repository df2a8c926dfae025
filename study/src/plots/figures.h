#pragma once
// The four gnuplot figures of a study report, as text: a script and its data file. Pure
// functions of the report (and the training curves), so they are tested without gnuplot.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plots/training_curves.h"
#include "roro/study/report.h"

namespace roro::study_internal::plots {

struct GnuplotFigure {
  std::string name;    ///< file stem: NAME.gp, NAME.dat, NAME.png, NAME.svg
  std::string script;  ///< reads NAME.dat from the current directory; writes
                       ///< output_prefix . NAME . "." . format for each format
  std::string data;
};

/// A figure, or why there is none.
struct FigureOrReason {
  std::optional<GnuplotFigure> figure;
  std::string reason;
};

/// A training curve of a finished run (nullopt curves are runs without metrics.jsonl).
struct RunCurve {
  const StudyRun* run = nullptr;
  TrainingCurve curve;
};

/// One curve of a training-curves figure.
struct CurveSeries {
  std::string description;  ///< names the run in the data file's block comments
  std::string label;        ///< legend entry (shared by runs of one series)
  std::string colour;       ///< "#RRGGBB"
  bool dashed = false;
  const TrainingCurve* curve = nullptr;
};

/// training_curves: loss (and accuracy, when any run has one) vs step, one line per series, and
/// the per-epoch validation (circles) and test (squares) figures of the runs that have them.
FigureOrReason CurvesFigure(const std::string& heading, const std::vector<CurveSeries>& series,
                            const std::vector<std::string>& formats);
FigureOrReason TrainingCurvesFigure(const StudyReport& report, const std::vector<RunCurve>& curves,
                                    const std::vector<std::string>& formats);
FigureOrReason AccuracyVsParametersFigure(const StudyReport& report, const std::vector<std::string>& formats);
FigureOrReason RemovalResilienceFigure(const StudyReport& report, const std::vector<std::string>& formats);
FigureOrReason RateVsAccuracyFigure(const StudyReport& report, const std::vector<std::string>& formats);

/// A gnuplot double-quoted string literal holding `text` unchanged.
std::string GnuplotString(const std::string& text);

/// One colour per topology label (in the order of the report's groups), colour-blind safe.
std::map<std::string, std::string> TopologyColours(const StudyReport& report);

}  // namespace roro::study_internal::plots
