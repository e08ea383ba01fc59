// Replays inputs through a fuzz target without libFuzzer, so that the normal (g++) build runs every
// committed corpus file and past finding as a regression test (ctest `replay_fuzz_*`). Arguments are
// files or directories (their files, sorted). An input that throws anything but ponet::Error, crashes or
// trips a sanitizer fails the run; the file being replayed is named first on stderr.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool is_directory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The regular files of `dir`, sorted (hidden files such as .gitkeep are skipped).
std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.' && !is_directory(dir + "/" + e->d_name)) out.push_back(dir + "/" + e->d_name);
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
    return 2;
  }
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    if (is_directory(argv[i])) {
      const std::vector<std::string> files = files_in(argv[i]);
      if (files.empty()) {
        std::fprintf(stderr, "replay: '%s' holds no inputs\n", argv[i]);  // a lost corpus must not pass
        return 1;
      }
      inputs.insert(inputs.end(), files.begin(), files.end());
    } else {
      inputs.push_back(argv[i]);
    }
  }
  for (const std::string& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "replay: cannot read '%s'\n", path.c_str());
      return 1;
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "replay %s (%zu bytes)\n", path.c_str(), bytes.size());
    try {
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "replay: FINDING in '%s': an exception other than ponet::Error escaped: %s\n", path.c_str(),
                   e.what());
      return 1;
    }
  }
  std::printf("replayed %zu inputs without a finding\n", inputs.size());
  return 0;
}
