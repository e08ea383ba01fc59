// One labelled example for sequence classification, as every dataset reader of data/ produces it and the
// ClassificationTask (train/classification_task.h) consumes it.
#pragma once
#include <cstdint>
#include <vector>

namespace ponet::data {

struct ClassificationExample {
  std::vector<int64_t> ids;  // token ids, without padding
  int64_t label = 0;
  std::vector<int64_t> segments;  // optional: the SMP segment of every token (same length as ids)
};

}  // namespace ponet::data
