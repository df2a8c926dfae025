// Permuted view, validation split and limits on small synthetic data sets.

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "roro/training/datasets.h"

namespace roro {
namespace {

// A classification set whose value(i, t, c) = 1000 i + 10 t + c identifies its origin.
SequenceDataset Tagged(int count, int steps, int channels) {
  SequenceDataset set;
  set.name = "tagged";
  set.steps = steps;
  set.input_size = channels;
  set.output_size = 1000;
  for (int i = 0; i < count; ++i) {
    for (int t = 0; t < steps; ++t) {
      for (int c = 0; c < channels; ++c) set.inputs.push_back(static_cast<float>(1000 * i + 10 * t + c));
    }
    set.labels.push_back(i);
  }
  return set;
}

TEST(DataViews, StepPermutationIsAPermutationAndSeeded) {
  const std::vector<int> p = MakeStepPermutation(784, 7);
  std::vector<int> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> identity(784);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(sorted, identity);
  EXPECT_NE(p, identity);
  EXPECT_EQ(p, MakeStepPermutation(784, 7));
  EXPECT_NE(p, MakeStepPermutation(784, 8));
}

TEST(DataViews, PermuteStepsMovesWholeStepsIdenticallyInEverySet) {
  SequenceDataset train = Tagged(4, 5, 3), test = Tagged(2, 5, 3);
  const std::vector<int> permutation = MakeStepPermutation(5, 3);
  PermuteSteps(permutation, &train);
  PermuteSteps(permutation, &test);
  for (const SequenceDataset* set : {&train, &test}) {
    for (int i = 0; i < set->count(); ++i) {
      for (int t = 0; t < 5; ++t) {
        for (int c = 0; c < 3; ++c) {
          EXPECT_EQ(set->sequence(i)[t * 3 + c], 1000 * i + 10 * permutation[static_cast<size_t>(t)] + c);
        }
      }
    }
  }
  EXPECT_EQ(train.labels, (std::vector<int>{0, 1, 2, 3}));
}

TEST(DataViews, PermuteStepsRejectsNonPermutations) {
  SequenceDataset set = Tagged(2, 3, 1);
  EXPECT_THROW(PermuteSteps({0, 1}, &set), std::invalid_argument);
  EXPECT_THROW(PermuteSteps({0, 1, 1}, &set), std::invalid_argument);
  EXPECT_THROW(PermuteSteps({0, 1, 3}, &set), std::invalid_argument);
  EXPECT_THROW(PermuteSteps({0, -1, 2}, &set), std::invalid_argument);
  EXPECT_EQ(set.inputs, Tagged(2, 3, 1).inputs);  // untouched after a rejected permutation
}

TEST(DataViews, ValidationSplitSizesOrderAndDeterminism) {
  SequenceDataset train = Tagged(50, 2, 2);
  const SequenceDataset validation = SplitValidation(&train, 12, 99);
  ASSERT_EQ(validation.count(), 12);
  ASSERT_EQ(train.count(), 38);
  ASSERT_EQ(validation.labels.size(), 12u);
  ASSERT_EQ(train.labels.size(), 38u);
  EXPECT_EQ(validation.steps, 2);
  EXPECT_EQ(validation.input_size, 2);
  EXPECT_EQ(validation.output_size, 1000);
  // Disjoint, together all 50, each part in original order, inputs still match labels.
  std::vector<int> all = train.labels;
  all.insert(all.end(), validation.labels.begin(), validation.labels.end());
  std::sort(all.begin(), all.end());
  std::vector<int> expected(50);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(all, expected);
  EXPECT_TRUE(std::is_sorted(train.labels.begin(), train.labels.end()));
  EXPECT_TRUE(std::is_sorted(validation.labels.begin(), validation.labels.end()));
  for (const SequenceDataset* set : std::vector<const SequenceDataset*>{&train, &validation}) {
    for (int i = 0; i < set->count(); ++i) {
      EXPECT_EQ(set->sequence(i)[3], 1000 * set->labels[static_cast<size_t>(i)] + 11);
    }
  }
  // Same seed -> same split; another seed -> another split.
  SequenceDataset again = Tagged(50, 2, 2);
  EXPECT_EQ(SplitValidation(&again, 12, 99).labels, validation.labels);
  SequenceDataset other = Tagged(50, 2, 2);
  EXPECT_NE(SplitValidation(&other, 12, 100).labels, validation.labels);
}

TEST(DataViews, ValidationSplitCarriesRegressionTargets) {
  SequenceDataset train = MakeAddingTask(20, 4, 1);
  const SequenceDataset original = train;
  const SequenceDataset validation = SplitValidation(&train, 5, 2);
  ASSERT_EQ(validation.targets.size(), 5u);
  ASSERT_EQ(train.targets.size(), 15u);
  EXPECT_TRUE(validation.labels.empty());
  // Every sequence keeps its own target: look each one up in the original by its inputs.
  for (const SequenceDataset* set : std::vector<const SequenceDataset*>{&train, &validation}) {
    for (int i = 0; i < set->count(); ++i) {
      bool found = false;
      for (int j = 0; j < original.count() && !found; ++j) {
        if (std::equal(set->sequence(i), set->sequence(i) + 8, original.sequence(j))) {
          found = true;
          EXPECT_EQ(set->targets[static_cast<size_t>(i)], original.targets[static_cast<size_t>(j)]);
        }
      }
      EXPECT_TRUE(found);
    }
  }
}

TEST(DataViews, ValidationSplitRejectsImpossibleSizes) {
  SequenceDataset train = Tagged(5, 1, 1);
  EXPECT_THROW((void)SplitValidation(&train, 5, 0), std::invalid_argument);
  EXPECT_THROW((void)SplitValidation(&train, -1, 0), std::invalid_argument);
  EXPECT_EQ(train.count(), 5);
  EXPECT_EQ(SplitValidation(&train, 0, 0).count(), 0);
  EXPECT_EQ(train.count(), 5);
}

TEST(DataViews, TruncateKeepsThePrefix) {
  SequenceDataset set = Tagged(10, 3, 1);
  TruncateDataset(4, &set);
  EXPECT_EQ(set.count(), 4);
  EXPECT_EQ(set.labels, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(set.sequence(3)[2], 3020);
  TruncateDataset(100, &set);
  EXPECT_EQ(set.count(), 4);
}

}  // namespace
}  // namespace roro
