#include "roro/topology/atomic_write.h"

#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace roro {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;
using roro::testing::ListFiles;
using roro::testing::TempDir;

TEST(AtomicWriteTest, WritesBinaryContentsAndReplacesAnExistingFile) {
  TempDir dir;
  const std::string path = dir.File("model.json");
  const std::string binary("a\0b\xff\n", 5);
  WriteFileAtomically(path, binary);
  EXPECT_EQ(ReadFileToString(path), binary);
  WriteFileAtomically(path, "second");
  EXPECT_EQ(ReadFileToString(path), "second");
  WriteFileAtomically(path, "");
  EXPECT_EQ(ReadFileToString(path), "");
  EXPECT_EQ(ListFiles(dir.path()), std::vector<std::string>{path});  // no temporary left behind
}

TEST(AtomicWriteTest, AFailedWriteThrowsNamingThePathAndLeavesNothing) {
  TempDir dir;
  const std::string missing = dir.File("no/such/dir/model.json");
  EXPECT_THAT([&] { WriteFileAtomically(missing, "x"); }, ThrowsMessage<std::runtime_error>(HasSubstr(missing)));
  EXPECT_TRUE(ListFiles(dir.path()).empty());
}

TEST(AtomicWriteTest, AFailedRenameKeepsWhatWasThereAndRemovesTheTemporary) {
  TempDir dir;
  // The target is a non-empty directory: the rename fails after the data was written.
  std::filesystem::create_directory(dir.path() / "target");
  roro::testing::WriteFile(dir.File("target/keep.txt"), "old");
  EXPECT_THROW(WriteFileAtomically(dir.File("target"), "new"), std::runtime_error);
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() / "target"));
  EXPECT_EQ(ListFiles(dir.path()), std::vector<std::string>{dir.File("target/keep.txt")});
}

TEST(AtomicWriteTest, ReadingAMissingFileOrADirectoryNamesThePath) {
  TempDir dir;
  EXPECT_THAT([&] { (void)ReadFileToString(dir.File("absent")); },
              ThrowsMessage<std::invalid_argument>(HasSubstr(dir.File("absent"))));
  EXPECT_THAT([&] { (void)ReadFileToString(dir.path().string()); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("is a directory")));
}

}  // namespace
}  // namespace roro
