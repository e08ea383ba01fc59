// The one-process backend: every collective is the identity.
#include "dist/communicator.h"

#include <cstdio>
#include <cstdlib>

namespace ponet::dist {

namespace {

class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int local_rank() const override { return 0; }
  const char* backend() const override { return "single"; }
  void all_reduce_sum(float*, int64_t, Device) override {}
  int64_t all_reduce_max(int64_t value) override { return value; }
  std::vector<std::string> all_gather(const std::string& mine) override { return {mine}; }
  void broadcast(std::string&, int) override {}
  void barrier() override {}
  [[noreturn]] void abort(int code, const std::string& why) override {
    std::fprintf(stderr, "%s\n", why.c_str());
    std::exit(code);
  }
};

}  // namespace

std::unique_ptr<Communicator> make_single_process() { return std::make_unique<SingleProcess>(); }

}  // namespace ponet::dist
