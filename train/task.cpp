#include "train/task.h"

#include "core/error.h"

namespace ponet::train {

double metric(const Metrics& m, const std::string& name) {
  for (auto& [n, v] : m)
    if (n == name) return v;
  fail("metric '", name, "' was not computed");
}

}  // namespace ponet::train
