// Atomic writes and checked appends (issue: reliability): temporaries left by killed processes are
// removed on the next save, live ones are left alone, and a failed append is an error.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "io/atomic_file.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::io;

namespace {
bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}
}  // namespace

TEST_CASE("atomic writes remove the temporaries of dead processes only") {
  const std::string dir = "/tmp/ponet_test_atomic";
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  const std::string path = dir + "/checkpoint.safetensors";
  // a pid that is not running: the largest possible pid plus one cannot exist
  long dead = 4194304 + 1;
  REQUIRE(::kill(static_cast<pid_t>(dead), 0) != 0);
  const std::string stale = path + ".tmp." + std::to_string(dead);
  const std::string live = path + ".tmp." + std::to_string(::getppid());  // our parent is alive
  const std::string other = dir + "/other.txt.tmp." + std::to_string(dead);  // another file's temporary
  for (const std::string& f : {stale, live, other}) std::ofstream(f) << "partial";
  write_file_atomically(path, "new contents");
  CHECK(read_file(path) == "new contents");
  CHECK_FALSE(exists(stale));
  CHECK(exists(live));
  CHECK(exists(other));
  CHECK_FALSE(exists(path + ".tmp." + std::to_string(::getpid())));
}

TEST_CASE("appends are checked: a full disk is an error, not a silent loss") {
  const std::string path = "/tmp/ponet_test_atomic_log.jsonl";
  std::remove(path.c_str());
  append_line(path, "{\"step\": 1}");
  append_line(path, "{\"step\": 2}");
  CHECK(read_file(path) == "{\"step\": 1}\n{\"step\": 2}\n");
  if (exists("/dev/full")) CHECK_THROWS_WITH_AS(append_line("/dev/full", "x"), doctest::Contains("disk full"), Error);
  CHECK_THROWS_WITH_AS(append_line("/nonexistent/dir/log.jsonl", "x"), doctest::Contains("cannot append"), Error);
}

// ---- fault injection (PONET_FAULT_*, used by tests/scripts/kill_test.sh) ---------------------------------
namespace {
const std::string kFaultDir = "/tmp/ponet_test_fault_" + std::to_string(::getpid());

// Runs the hidden helper below in a child copy of this binary with `var=value` set (the variables are
// read once per process, hence a fresh process); returns its wait status.
int run_fault_helper(const char* var, const char* value) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv(var, value, 1);
    ::setenv("PONET_TEST_FAULT_DIR", kFaultDir.c_str(), 1);
    const int null_fd = ::open("/dev/null", O_WRONLY);  // the child's doctest report is noise
    if (null_fd < 0 || ::dup2(null_fd, STDOUT_FILENO) < 0) std::_Exit(126);
    ::execl("/proc/self/exe", "ponet_tests", "--no-skip", "-tc=fault injection helper", static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}
bool killed(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }

// The names in `dir` that start with `prefix`.
std::vector<std::string> files_starting_with(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (std::string(e->d_name).rfind(prefix, 0) == 0) names.push_back(e->d_name);
    ::closedir(d);
  }
  return names;
}
}  // namespace

// Hidden from normal runs (skip); run only by the next test case, in a child process.
TEST_CASE("fault injection helper" * doctest::skip()) {
  const char* dir = std::getenv("PONET_TEST_FAULT_DIR");
  REQUIRE(dir != nullptr);
  write_file_atomically(std::string(dir) + "/checkpoint.safetensors", std::string(10000, 'x'));
  for (int i = 1; i <= 4; ++i) append_line(std::string(dir) + "/log.jsonl", "{\"step\": " + std::to_string(i) + "}");
}

TEST_CASE("fault injection kills a write after N bytes and tears the K-th appended line") {
  std::system(("rm -rf " + kFaultDir + " && mkdir -p " + kFaultDir).c_str());
  const std::string ckpt = kFaultDir + "/checkpoint.safetensors", log = kFaultDir + "/log.jsonl";
  std::ofstream(ckpt) << "old";

  CHECK(killed(run_fault_helper("PONET_FAULT_KILL_AFTER_BYTES", "4096")));
  CHECK(read_file(ckpt) == "old");  // the target is untouched
  CHECK_FALSE(exists(log));         // killed before any append
  std::vector<std::string> tmp = files_starting_with(kFaultDir, "checkpoint.safetensors.tmp.");
  REQUIRE(tmp.size() == 1);
  CHECK(read_file(kFaultDir + "/" + tmp[0]) == std::string(4096, 'x'));  // exactly the first N bytes
  write_file_atomically(ckpt, "next");                                   // removes the dead child's temporary
  CHECK(files_starting_with(kFaultDir, "checkpoint.safetensors.tmp.").empty());

  CHECK(killed(run_fault_helper("PONET_FAULT_KILL_IN_APPEND", "3")));
  CHECK(read_file(ckpt) == std::string(10000, 'x'));
  CHECK(read_file(log) == "{\"step\": 1}\n{\"step\": 2}\n{\"ste");  // two lines, then half of the third

  const int status = run_fault_helper("PONET_FAULT_KILL_AFTER_BYTES", "not a number");  // ignored
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  CHECK(read_file(log) == "{\"step\": 1}\n{\"step\": 2}\n{\"ste{\"step\": 1}\n{\"step\": 2}\n{\"step\": 3}\n{\"step\": 4}\n");
  std::system(("rm -rf " + kFaultDir).c_str());
}
