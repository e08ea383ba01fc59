// The test runner: doctest's main, plus ctest's skip convention. A test case that cannot run here calls
// ponet::testing::skip_test (tests/test_util.h). With --skip-exit-code=N (ctest passes 77 and reads it
// as SKIP_RETURN_CODE, CMakeLists.txt) a run in which every test case skipped and none failed exits N, so
// ctest reports "Skipped"; a failure always exits 1, so a skip can never hide one. Without the option the
// exit status is doctest's own (a whole-suite run that skips some cases passes).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "test_util.h"

namespace {

struct SkipCount {
  bool current_skipped = false;  // the running test case called skip_test
  int skipped_cases = 0;
  int run_cases = 0;             // test cases that passed the filters and ran
};

SkipCount& skip_count() {
  static SkipCount count;
  return count;
}

// Counts the test cases that ran and those of them that skipped (the reporter interface is doctest's;
// only the test case start and end matter here).
struct SkipListener : doctest::IReporter {
  explicit SkipListener(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData&) override { skip_count().current_skipped = false; }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {
    ++skip_count().run_cases;
    if (skip_count().current_skipped) ++skip_count().skipped_cases;
  }
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

DOCTEST_REGISTER_LISTENER("skip_count", 1, SkipListener);

// The value of --skip-exit-code=N, or -1 when absent; exits 2 on a value that is not 1..255.
int skip_exit_code(int argc, char** argv) {
  const char* prefix = "--skip-exit-code=";
  int code = -1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix, std::strlen(prefix)) != 0) continue;
    const char* value = argv[i] + std::strlen(prefix);
    char* end = nullptr;
    const long v = std::strtol(value, &end, 10);
    if (*value == '\0' || *end != '\0' || v < 1 || v > 255) {
      std::fprintf(stderr, "ponet_tests: --skip-exit-code needs a number in 1..255, got '%s'\n", value);
      std::exit(2);
    }
    code = static_cast<int>(v);
  }
  return code;
}

}  // namespace

namespace ponet::testing {

void skip_test(const std::string& reason) {
  std::printf("SKIP: %s\n", reason.c_str());
  std::fflush(stdout);
  skip_count().current_skipped = true;
}

}  // namespace ponet::testing

int main(int argc, char** argv) {
  const int skip_code = skip_exit_code(argc, argv);
  doctest::Context context(argc, argv);
  const int result = context.run();
  if (context.shouldExit() || result != 0) return result;
  const SkipCount& count = skip_count();
  if (skip_code > 0 && count.run_cases > 0 && count.skipped_cases == count.run_cases) return skip_code;
  return 0;
}
