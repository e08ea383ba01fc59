// Atomic writes and checked appends (issue: reliability): temporaries left by killed processes are
// removed on the next save, live ones are left alone, and a failed append is an error.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "test_util.h"
#include "train/atomic_file.h"

using namespace ponet;
using namespace ponet::train;

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
