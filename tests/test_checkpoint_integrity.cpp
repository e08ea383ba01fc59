// Checkpoint integrity (issue: reliability): every tensor carries a CRC-32 that loading verifies, and
// non-finite weights are refused unless asked for.
#include <fstream>

#include "io/atomic_file.h"
#include "io/crc32.h"
#include "nn/lra.h"
#include "test_util.h"
#include "train/checkpoint.h"

using namespace ponet;
using namespace ponet::train;
using namespace ponet::io;

namespace {
nn::LraConfig tiny() {
  nn::LraConfig c;
  c.vocab_size = 8;
  c.embedding_dim = c.transformer_dim = 8;
  c.transformer_hidden_dim = 8;
  c.num_head = 2;
  c.head_dim = 4;
  c.num_layers = 1;
  c.max_seq_len = 8;
  c.segment_num = 2;
  c.num_classes = 2;
  return c;
}
}  // namespace

TEST_CASE("crc32 matches the standard check value") {
  CHECK(crc32("123456789", 9) == 0xCBF43926u);
  CHECK(crc32("", 0) == 0u);
  CHECK(crc32("6789", 4, crc32("12345", 5)) == 0xCBF43926u);  // incremental
}

TEST_CASE("checkpoints: a corrupted tensor is named, non-finite weights are refused") {
  const std::string path = "/tmp/ponet_test_integrity.safetensors";
  nn::LraForSequenceClassification a(tiny(), 1), b(tiny(), 2);
  save_checkpoint(path, a, nullptr, CheckpointState{});
  CHECK_NOTHROW(load_checkpoint(path, b, nullptr));
  // flip one byte near the end of the data: the last tensor's bytes
  std::string bytes = read_file(path);
  bytes[bytes.size() - 3] ^= 0x40;
  write_file_atomically(path, bytes);
  CHECK_THROWS_WITH_AS(load_checkpoint(path, b, nullptr), doctest::Contains("seq_classifer.mlpblock.2.bias' is corrupted"),
                       Error);
  // NaN weights with matching checksums (saved that way): refused, unless allowed
  for (auto& [name, p] : a.named_parameters())
    if (name == "model.norm.bias") p.data<float>()[0] = std::nanf("");
  save_checkpoint(path, a, nullptr, CheckpointState{});
  CHECK_THROWS_WITH_AS(load_checkpoint(path, b, nullptr), doctest::Contains("'model.norm.bias' holds nan"), Error);
  CHECK_NOTHROW(load_checkpoint(path, b, nullptr, /*allow_non_finite=*/true));
}
