#include "roro/topology/atomic_write.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace roro {

namespace {

std::string ErrnoText(int error) { return std::strerror(error); }

/// A name in the same directory as `path` (rename is only atomic within one file system), unique
/// per process and call so that concurrent writers of the same path never share a temporary.
std::string TemporaryNameFor(const std::string& path) {
  static std::atomic<unsigned long> counter{0};
  return path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

/// Makes the rename itself durable; failure here is not fatal (some file systems refuse it).
void SyncParentDirectory(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  const int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void WriteFileAtomically(const std::string& path, std::string_view contents) {
  if (path.empty()) throw std::runtime_error("cannot write a file with an empty path");
  const std::string temporary = TemporaryNameFor(path);
  // 0666 filtered by the umask, like any ordinary file the user creates (mkstemp would give 0600).
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    const int error = errno;
    throw std::runtime_error("cannot write " + path + ": " + ErrnoText(error));
  }
  auto fail = [&](const std::string& what, int error) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw std::runtime_error("cannot write " + path + ": " + what + ": " + ErrnoText(error));
  };
  const char* data = contents.data();
  std::size_t left = contents.size();
  while (left > 0) {
    const ssize_t written = ::write(fd, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      fail("write failed", errno);
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  if (::fsync(fd) != 0) fail("fsync failed", errno);
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    throw std::runtime_error("cannot write " + path + ": close failed: " + ErrnoText(error));
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    throw std::runtime_error("cannot write " + path + ": rename failed: " + ErrnoText(error));
  }
  SyncParentDirectory(path);
}

std::string ReadFileToString(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    throw std::invalid_argument(path + ": is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(path + ": cannot open for reading: " + ErrnoText(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::invalid_argument(path + ": read error");
  return text.str();
}

}  // namespace roro
