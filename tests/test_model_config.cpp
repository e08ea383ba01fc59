// Model configs from hostile files (issue: reliability): numbers out of range, floats in integer fields,
// sizes that overflow or cannot fit; every error names the source and the field. Shapes whose element
// count overflows are refused too.
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/rng.h"
#include "io/json_text.h"
#include "nn/lra_config.h"
#include "nn/model_factory.h"
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

namespace {

// The significant digits of a number's text: "-0.0120e-3" -> "12", "4112556000000.0" -> "4112556".
std::string significant_digits(const std::string& text) {
  std::string digits;
  for (char c : text.substr(0, text.find_first_of("eE")))
    if (c >= '0' && c <= '9') digits += c;
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return "0";
  return digits.substr(first, digits.find_last_not_of('0') - first + 1);
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("config JSON: floats are written as the shortest decimal that reads back as the same float") {
  PoNetConfig p;
  p.hidden_dropout_prob = 0.1f;
  p.initializer_range = 0.05f;
  p.layer_norm_eps = 1e-12f;
  p.attention_probs_dropout_prob = 0.3f;
  const std::string pt = p.to_json();
  CAPTURE(pt);
  CHECK(has_line(pt, "  \"hidden_dropout_prob\": 0.1,"));
  CHECK(has_line(pt, "  \"initializer_range\": 0.05,"));
  CHECK(has_line(pt, "  \"layer_norm_eps\": 1e-12,"));
  CHECK(has_line(pt, "  \"attention_probs_dropout_prob\": 0.3,"));
  CHECK(pt.find("0000000") == std::string::npos);  // no binary tails such as 0.10000000149011612
  const PoNetConfig back = PoNetConfig::from_json(pt);
  CHECK(back.hidden_dropout_prob == p.hidden_dropout_prob);
  CHECK(back.initializer_range == p.initializer_range);
  CHECK(back.layer_norm_eps == p.layer_norm_eps);
  CHECK(back.attention_probs_dropout_prob == p.attention_probs_dropout_prob);
  CHECK(back.to_json() == pt);

  LraConfig l;
  l.dropout_prob = 0.1f;
  l.layer_norm_eps = 1e-5f;
  const std::string lt = l.to_json();
  CAPTURE(lt);
  CHECK(has_line(lt, "  \"dropout_prob\": 0.1,"));
  CHECK(has_line(lt, "  \"layer_norm_eps\": 1e-05,"));
  CHECK(lt.find("0000000") == std::string::npos);

  // Many floats of every magnitude: the text reads back as the same float and has exactly the digits of
  // the float's shortest decimal (std::to_chars), whatever the notation.
  Rng rng(7);
  int checked = 0;
  for (int i = 0; i < 20000; ++i) {
    uint32_t bits = static_cast<uint32_t>(rng.randint(0, int64_t{1} << 32));
    float x;
    std::memcpy(&x, &bits, sizeof x);
    if (!std::isfinite(x)) continue;
    const std::string text = io::json_text(nlohmann::json(io::json_float(x)));
    char shortest[64];
    const size_t n = static_cast<size_t>(std::to_chars(shortest, shortest + sizeof shortest, x).ptr - shortest);
    CAPTURE(text);
    CAPTURE(std::string(shortest, n));
    REQUIRE(static_cast<float>(nlohmann::json::parse(text).get<double>()) == x);
    REQUIRE(significant_digits(text) == significant_digits(std::string(shortest, n)));
    ++checked;
  }
  CHECK(checked > 19000);
  CHECK(std::isnan(io::json_float(std::nanf(""))));
  CHECK(io::json_float(INFINITY) == INFINITY);
}

TEST_CASE("json_text: nlohmann's layout, doubles in their shortest form, non-finite numbers as null") {
  const nlohmann::json j = {{"b", {1, 2, nlohmann::json::array(), nlohmann::json::object()}},
                            {"a", "x\"y"}, {"c", {{"d", true}, {"e", nullptr}}}, {"f", -3}};
  CHECK(io::json_text(j, 2) == j.dump(2));  // no floats: exactly nlohmann's text
  CHECK(io::json_text(j) == j.dump());
  // a double read from a short decimal is written as that decimal (nlohmann: 2.5730000000000002e-15)
  CHECK(io::json_text(nlohmann::json(2.573e-15)) == "2.573e-15");
  CHECK(io::json_text(nlohmann::json(0.003)) == "0.003");
  CHECK(io::json_text(nlohmann::json(1.0)) == "1.0");  // still a float when read back
  CHECK(io::json_text(nlohmann::json(-250.0)) == "-250.0");
  CHECK(io::json_text(nlohmann::json(1e300)) == "1e+300");
  // plain decimals from 1e-4 to 1e15, as nlohmann writes them; scientific outside
  CHECK(io::json_text(nlohmann::json(0.0005)) == "0.0005");
  CHECK(io::json_text(nlohmann::json(1e-4)) == "0.0001");
  CHECK(io::json_text(nlohmann::json(1e-5)) == "1e-05");
  CHECK(io::json_text(nlohmann::json(-4112556000000.0)) == "-4112556000000.0");
  CHECK(io::json_text(nlohmann::json(999999999999999.9)) == "999999999999999.9");
  CHECK(io::json_text(nlohmann::json(1e15)) == "1e+15");
  CHECK(io::json_text(nlohmann::json(0.0)) == "0.0");
  CHECK(io::json_text(nlohmann::json(-0.0)) == "-0.0");
  CHECK(io::json_text(nlohmann::json(std::nan(""))) == "null");
  CHECK(io::json_text(nlohmann::json(-INFINITY)) == "null");
  CHECK(io::json_text({{"lr", 0.5}}, 2) == "{\n  \"lr\": 0.5\n}");
  CHECK(nlohmann::json::parse(io::json_text(nlohmann::json(1.0))).is_number_float());
}

TEST_CASE("model classes: the classifiers are the families' sequence classifiers, by exact name") {
  CHECK(is_classifier_class("PoNetForSequenceClassification"));
  CHECK(is_classifier_class("LraForSequenceClassification"));
  CHECK(!is_classifier_class("PoNetForPreTraining"));
  CHECK(!is_classifier_class("BertForSequenceClassification"));  // a Hugging Face architecture, not our class
  CHECK(!is_classifier_class(""));
}
