#pragma once
// Figures of the analysis files a study holds: STUDY/analysis/*.json written by
// `roro analyze ... -o` ("format": "roro-analysis"). One figure analysis_<file stem> per file,
// by the file's kind:
//   similarity     heat maps of the dynamical similarity distance, linear CKA and the Procrustes
//                  shape distance
//   dynamics       observed vs certified rates per module, and the Jacobian eigenvalues against
//                  -rate
//   gradient-flow  singular values of K and P(T, T - lag), and the objectives' credit ||P^T e||
//                  vs lag with its certified bound
// Pure functions of the files (tested without gnuplot). No analysis/ directory: no figures.
#include <string>
#include <utility>
#include <vector>

#include "plots/figures.h"

namespace roro::study_internal::plots {

/// The directory `roro report` reads analysis files from.
std::string StudyAnalysisDirectory(const std::string& study);

/// One entry per figure (name, figure or the reason there is none), files in name order; files
/// whose "format" is not "roro-analysis" are listed with a reason and drawn nothing.
/// @throws std::invalid_argument naming the file and field of a malformed analysis file.
std::vector<std::pair<std::string, FigureOrReason>> AnalysisFigures(
    const std::string& study, const std::vector<std::string>& formats);

}  // namespace roro::study_internal::plots
