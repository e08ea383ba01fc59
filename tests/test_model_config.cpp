// Model configs from hostile files (issue: reliability): numbers out of range, floats in integer fields,
// sizes that overflow or cannot fit; every error names the source and the field. Shapes whose element
// count overflows are refused too.
#include "nn/lra_config.h"
#include "nn/ponet_config.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::nn;

TEST_CASE("model configs: numbers must be in range and of the field's type") {
  CHECK_THROWS_WITH_AS(PoNetConfig::from_json("{\"hidden_size\": 1e400}", "c.json"),
                       doctest::Contains("c.json: not valid JSON"), Error);
  CHECK_THROWS_WITH_AS(PoNetConfig::from_json("{\"hidden_size\": 32.9, \"num_hidden_layers\": 1.5}", "c.json"),
                       doctest::Contains("c.json: field \"hidden_size\" has the wrong type or value (32.9)"), Error);
  CHECK_THROWS_WITH_AS(PoNetConfig::from_json("{\"num_hidden_layers\": 1e22}", "c.json"),
                       doctest::Contains("field \"num_hidden_layers\""), Error);
  CHECK_THROWS_WITH_AS(PoNetConfig::from_json("{\"clsgsepg\": 1}", "c.json"), doctest::Contains("field \"clsgsepg\""),
                       Error);
  CHECK_THROWS_WITH_AS(LraConfig::from_json("{\"num_head\": 2.0}", "l.json"),
                       doctest::Contains("l.json: field \"num_head\""), Error);
  CHECK_THROWS_WITH_AS(LraConfig::from_json("{\"dropout_prob\": \"0.1\"}", "l.json"),
                       doctest::Contains("field \"dropout_prob\""), Error);
  CHECK(PoNetConfig::from_json("{\"hidden_dropout_prob\": 0, \"hidden_size\": 64, \"num_attention_heads\": 2}")
            .hidden_dropout_prob == 0.f);  // an integer literal is a fine float
}

TEST_CASE("model configs: sizes are bounded before anything is allocated") {
  CHECK_THROWS_WITH_AS(PoNetConfig::from_json("{\"hidden_size\": 4611686018427387904}", "c.json"),
                       doctest::Contains("hidden_size must be in [1, 65536]"), Error);
  CHECK_THROWS_WITH_AS(PoNetConfig::from_json("{\"hidden_size\": 2147483648}", "c.json"),
                       doctest::Contains("hidden_size must be in"), Error);
  CHECK_THROWS_WITH_AS(PoNetConfig::from_json("{\"vocab_size\": 16000000, \"hidden_size\": 65536, \"num_attention_heads\": 1}"),
                       doctest::Contains("billion parameters"), Error);
  CHECK_THROWS_WITH_AS(PoNetConfig::from_json("{\"num_hidden_layers\": 0}"), doctest::Contains("num_hidden_layers must be in"),
                       Error);
  CHECK_THROWS_WITH_AS(LraConfig::from_json("{\"max_seq_len\": 99999999999}", "l.json"),
                       doctest::Contains("max_seq_len must be in"), Error);
}

TEST_CASE("shapes: element counts that overflow are refused") {
  CHECK_THROWS_WITH_AS(shape_numel({int64_t{1} << 40, int64_t{1} << 40}), doctest::Contains("more than 2^63"), Error);
  CHECK_THROWS_WITH_AS(shape_numel({3, -1}), doctest::Contains("negative size"), Error);
  CHECK(shape_numel({int64_t{1} << 31, 4}) == int64_t{1} << 33);
}
