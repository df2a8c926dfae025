// Adding and copy tasks: shapes, targets computed from the inputs, seeding.

#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "roro/training/datasets.h"

namespace roro {
namespace {

TEST(DataSynthetic, AddingTaskTargetIsTheSumOfTheTwoMarkedValues) {
  const int steps = 11;
  const SequenceDataset set = MakeAddingTask(200, steps, 5);
  ASSERT_EQ(set.count(), 200);
  EXPECT_EQ(set.task, TaskType::kRegression);
  EXPECT_EQ(set.input_size, 2);
  EXPECT_EQ(set.output_size, 1);
  ASSERT_EQ(set.targets.size(), 200u);
  EXPECT_TRUE(set.labels.empty());
  std::vector<int> first_counts(steps, 0), second_counts(steps, 0);
  for (int i = 0; i < set.count(); ++i) {
    const float* s = set.sequence(i);
    std::vector<int> marks;
    float sum = 0;
    for (int t = 0; t < steps; ++t) {
      EXPECT_GE(s[2 * t], 0.0f);
      EXPECT_LT(s[2 * t], 1.0f);
      ASSERT_TRUE(s[2 * t + 1] == 0.0f || s[2 * t + 1] == 1.0f);
      if (s[2 * t + 1] == 1.0f) {
        marks.push_back(t);
        sum += s[2 * t];
      }
    }
    ASSERT_EQ(marks.size(), 2u) << "sequence " << i;
    EXPECT_LT(marks[0], steps / 2);
    EXPECT_GE(marks[1], steps / 2);
    ++first_counts[static_cast<size_t>(marks[0])];
    ++second_counts[static_cast<size_t>(marks[1])];
    EXPECT_FLOAT_EQ(set.targets[static_cast<size_t>(i)], sum);
  }
  // Marks spread over their halves (200 draws over 5 or 6 slots: each slot is hit).
  for (int t = 0; t < steps / 2; ++t) EXPECT_GT(first_counts[static_cast<size_t>(t)], 0) << t;
  for (int t = steps / 2; t < steps; ++t) EXPECT_GT(second_counts[static_cast<size_t>(t)], 0) << t;
}

TEST(DataSynthetic, AddingTaskIsSeeded) {
  EXPECT_EQ(MakeAddingTask(10, 6, 1).inputs, MakeAddingTask(10, 6, 1).inputs);
  EXPECT_NE(MakeAddingTask(10, 6, 1).inputs, MakeAddingTask(10, 6, 2).inputs);
  EXPECT_EQ(MakeAddingTask(3, 2, 0).count(), 3);  // shortest: one mark per step
  EXPECT_THROW((void)MakeAddingTask(10, 1, 0), std::invalid_argument);
  EXPECT_THROW((void)MakeAddingTask(0, 5, 0), std::invalid_argument);
}

TEST(DataSynthetic, CopyTaskShowsTheLabelOneHotAtStepZeroThenBlanks) {
  const int steps = 7, symbols = 4;
  const SequenceDataset set = MakeCopyTask(100, steps, symbols, 9);
  ASSERT_EQ(set.count(), 100);
  EXPECT_EQ(set.task, TaskType::kClassification);
  EXPECT_EQ(set.input_size, symbols);
  EXPECT_EQ(set.output_size, symbols);
  std::vector<int> seen(symbols, 0);
  for (int i = 0; i < set.count(); ++i) {
    const int label = set.labels[static_cast<size_t>(i)];
    ASSERT_GE(label, 0);
    ASSERT_LT(label, symbols);
    ++seen[static_cast<size_t>(label)];
    const float* s = set.sequence(i);
    for (int t = 0; t < steps; ++t) {
      for (int c = 0; c < symbols; ++c) {
        EXPECT_EQ(s[t * symbols + c], (t == 0 && c == label) ? 1.0f : 0.0f);
      }
    }
  }
  for (int c = 0; c < symbols; ++c) EXPECT_GT(seen[static_cast<size_t>(c)], 0);
  EXPECT_EQ(MakeCopyTask(20, 3, 5, 1).labels, MakeCopyTask(20, 3, 5, 1).labels);
  EXPECT_NE(MakeCopyTask(20, 3, 5, 1).labels, MakeCopyTask(20, 3, 5, 2).labels);
  EXPECT_THROW((void)MakeCopyTask(5, 3, 1, 0), std::invalid_argument);
}

}  // namespace
}  // namespace roro
