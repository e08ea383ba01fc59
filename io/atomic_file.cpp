#include "io/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace ponet::io {

namespace {

// ---- fault injection, for tests/scripts/kill_test.sh ------------------------------------------------------
// A real kill lands anywhere; these two variables make the moments that matter reproducible:
//   PONET_FAULT_KILL_AFTER_BYTES=N  an atomic write SIGKILLs its own process once N bytes of the temporary
//                                   file are written and more remain (the partial temporary stays behind)
//   PONET_FAULT_KILL_IN_APPEND=K    the K-th append_line of the process writes half its line, then SIGKILLs
// Read once per process; when unset they cost one comparison per write.
struct FaultPlan {
  long long kill_after_bytes = -1, kill_in_append = -1;  // -1: off
};
long long non_negative_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return -1;
  char* end = nullptr;
  const long long n = std::strtoll(v, &end, 10);
  return *end == '\0' && n >= 0 ? n : -1;
}
const FaultPlan& fault_plan() {
  static const FaultPlan plan{non_negative_env("PONET_FAULT_KILL_AFTER_BYTES"),
                              non_negative_env("PONET_FAULT_KILL_IN_APPEND")};
  return plan;
}
[[noreturn]] void kill_self() {
  ::kill(::getpid(), SIGKILL);
  std::_Exit(137);  // not reached: SIGKILL to oneself is delivered before kill() returns
}
// ------------------------------------------------------------------------------------------------------

// Removes `path.tmp.<pid>` files whose process is gone.
void remove_stale_temporaries(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string prefix = (slash == std::string::npos ? path : path.substr(slash + 1)) + ".tmp.";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string pid_text = name.substr(prefix.size());
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::strtol(pid_text.c_str(), nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) ::unlink((dir + "/" + name).c_str());
  }
  ::closedir(d);
}

}  // namespace

void append_line(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  PONET_CHECK(out.good(), "cannot append to '", path, "'");
  if (fault_plan().kill_in_append >= 0) {  // fault injection: a torn last line
    static std::atomic<long long> appends{0};
    if (++appends == fault_plan().kill_in_append) {
      out << line.substr(0, line.size() / 2) << std::flush;
      kill_self();
    }
  }
  out << line << '\n';
  out.flush();
  PONET_CHECK(out.good(), "cannot append to '", path, "' (disk full?)");
  out.close();
  PONET_CHECK(!out.fail(), "cannot close '", path, "'");
}

void write_file_atomically(const std::string& path, const std::string& contents) {
  remove_stale_temporaries(path);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  PONET_CHECK(fd >= 0, "cannot write '", tmp, "': ", std::strerror(errno));
  size_t done = 0;
  const long long kill_at = fault_plan().kill_after_bytes;  // fault injection: a kill mid-write
  while (done < contents.size()) {
    size_t chunk = contents.size() - done;
    if (kill_at >= 0) {
      if (done >= static_cast<unsigned long long>(kill_at)) kill_self();
      chunk = std::min<size_t>(chunk, static_cast<size_t>(kill_at) - done);
    }
    ssize_t n = ::write(fd, contents.data() + done, chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail("cannot write '", tmp, "': ", std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    fail("cannot flush '", tmp, "': ", std::strerror(err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    fail("cannot rename '", tmp, "' to '", path, "': ", std::strerror(err));
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  PONET_CHECK(in.good(), "cannot open '", path, "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void make_directories(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  PONET_CHECK(std::filesystem::is_directory(path), "cannot create directory '", path, "'",
              ec ? ": " + ec.message() : std::string());
}

}  // namespace ponet::io
