#include "hf/tokenizer.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/error.h"
#include "io/atomic_file.h"
#include "nn/config_json.h"
#include "hf/format.h"

namespace ponet::hf {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kTokenizerJson = "tokenizer.json";

bool present(const json& j, const char* key) { return j.contains(key) && !j[key].is_null(); }

std::optional<bool> read_bool(const json& j, const char* key, const std::string& where) {
  if (!present(j, key)) return std::nullopt;
  bool value = false;
  nn::read_config_field(j[key], key, value, where);
  return value;
}

// Ours strips accents exactly when it lowercases and always splits CJK ideographs (BERT's defaults).
void check_normalisation(bool lower, std::optional<bool> strip_accents, std::optional<bool> chinese,
                         const std::string& where) {
  PONET_CHECK(!strip_accents || *strip_accents == lower, where, ": strip_accents ", *strip_accents ? "true" : "false",
              " with lowercasing ", lower ? "on" : "off",
              " is not supported (ponet.cpp strips accents exactly when lowercasing)");
  PONET_CHECK(!chinese || *chinese, where, ": turning off the splitting of CJK characters is not supported");
}

// tokenizer.json: the vocabulary (ids must be 0..n-1) and the normaliser's casing.
std::vector<std::string> read_tokenizer_json(const std::string& path, std::optional<bool>& lower) {
  const json j = nn::parse_config_object(io::read_file(path), path);
  PONET_CHECK(j.contains("model") && j["model"].is_object(), path, ": no \"model\" object");
  const json& model = j["model"];
  PONET_CHECK(model.value("type", "") == "WordPiece", path, ": model type ", model.value("type", json()).dump(),
              " is not WordPiece, the only one ponet.cpp has");
  PONET_CHECK(model.value("continuing_subword_prefix", "##") == "##" && model.value("unk_token", "[UNK]") == "[UNK]" &&
                  model.value("max_input_chars_per_word", 100) == 100,
              path,
              ": the WordPiece settings differ from BERT's (prefix \"##\", unk \"[UNK]\", 100 characters per word)");
  PONET_CHECK(model.contains("vocab") && model["vocab"].is_object(), path, ": no model.vocab object");
  const json& vocab = model["vocab"];
  std::vector<std::string> tokens(vocab.size());
  std::vector<bool> seen(vocab.size(), false);
  for (auto& [token, id] : vocab.items()) {
    PONET_CHECK(id.is_number_integer() && id.get<int64_t>() >= 0 &&
                    id.get<int64_t>() < static_cast<int64_t>(tokens.size()) && !seen[id.get<size_t>()],
                path, ": the vocabulary ids must be 0..", tokens.size() - 1, " each once; \"", token, "\" has ",
                id.dump());
    seen[id.get<size_t>()] = true;
    tokens[id.get<size_t>()] = token;
  }
  if (present(j, "normalizer")) {
    const json& n = j["normalizer"];
    PONET_CHECK(n.value("type", "") == "BertNormalizer", path, ": normalizer ", n.value("type", json()).dump(),
                " is not BERT's");
    lower = read_bool(n, "lowercase", path);
    check_normalisation(lower.value_or(true), read_bool(n, "strip_accents", path),
                        read_bool(n, "handle_chinese_chars", path), path);
  }
  if (present(j, "pre_tokenizer"))
    PONET_CHECK(j["pre_tokenizer"].value("type", "") == "BertPreTokenizer", path, ": pre_tokenizer ",
                j["pre_tokenizer"].value("type", json()).dump(), " is not BERT's");
  return tokens;
}

}  // namespace

bool read_hf_tokenizer(const std::string& dir, text::WordPieceTokenizer& out, std::vector<std::string>& notes) {
  const std::string vocab = dir + "/" + kHfVocabFile, fast = dir + "/" + kTokenizerJson;
  const bool has_vocab = fs::exists(vocab), has_fast = fs::exists(fast);
  if (!has_vocab && !has_fast) {
    notes.push_back("no vocab.txt or tokenizer.json: the model loads without a tokenizer");
    return false;
  }
  std::optional<bool> lower;
  const std::string config = dir + "/" + kHfTokenizerConfigFile;
  if (fs::exists(config)) {
    const json t = nn::parse_config_object(io::read_file(config), config);
    if (present(t, "tokenizer_class")) {
      const std::string cls = t["tokenizer_class"].is_string() ? t["tokenizer_class"].get<std::string>() : "";
      PONET_CHECK(cls == "BertTokenizer" || cls == "BertTokenizerFast", config, ": tokenizer_class ",
                  t["tokenizer_class"].dump(), " is not BERT's WordPiece tokenizer, the only one ponet.cpp has");
    }
    lower = read_bool(t, "do_lower_case", config);
    check_normalisation(lower.value_or(true), read_bool(t, "strip_accents", config),
                        read_bool(t, "tokenize_chinese_chars", config), config);
  }
  std::vector<std::string> tokens;
  if (has_fast) {
    std::optional<bool> fast_lower;
    tokens = read_tokenizer_json(fast, fast_lower);
    PONET_CHECK(!lower || !fast_lower || *lower == *fast_lower, dir, ": tokenizer_config.json says do_lower_case ",
                *lower ? "true" : "false", " but tokenizer.json's normalizer says lowercase ",
                *fast_lower ? "true" : "false");
    if (fast_lower) lower = fast_lower;
  }
  if (!lower) notes.push_back("the tokenizer files do not say whether to lowercase: uncased assumed (BERT's default)");
  const text::Casing casing = lower.value_or(true) ? text::Casing::kLower : text::Casing::kCased;
  if (has_vocab) {
    out = text::WordPieceTokenizer::load_vocab(vocab, casing);
    if (has_fast) {
      text::WordPieceTokenizer other;
      try {
        other = text::WordPieceTokenizer(tokens, casing);
      } catch (const Error& e) {
        fail(fast, ": ", e.what());
      }
      PONET_CHECK(other.vocab_size() == out.vocab_size(), dir, ": vocab.txt has ", out.vocab_size(),
                  " tokens, tokenizer.json ", other.vocab_size());
      for (int64_t i = 0; i < out.vocab_size(); ++i)
        PONET_CHECK(out.id_to_token(i) == other.id_to_token(i), dir, ": vocab.txt and tokenizer.json disagree at id ",
                    i, " (\"", out.id_to_token(i), "\" vs \"", other.id_to_token(i), "\")");
    }
    return true;
  }
  try {
    out = text::WordPieceTokenizer(tokens, casing);
  } catch (const Error& e) {
    fail(fast, ": ", e.what());
  }
  return true;
}

}  // namespace ponet::hf
