// ponet's WordPieceTokenizer against transformers.BertTokenizer on the fixture that
// tests/data/generators/make_tokenizer_fixture.py wrote (tests/data/bert_tokenizer): every case must give
// the same tokens and ids, for do_lower_case True (Casing::kLower) and False (Casing::kCased).
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_util.h"
#include "text/tokenizer.h"

using namespace ponet;
using namespace ponet::text;

namespace {

const std::string kDir = std::string(PONET_TEST_DATA_DIR) + "/bert_tokenizer";

std::string from_hex(const std::string& hex) {
  REQUIRE_MESSAGE(hex.size() % 2 == 0, "odd-length hex in the fixture: " << hex);
  std::string bytes;
  for (size_t i = 0; i < hex.size(); i += 2) bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return bytes;
}

// The text with every byte outside printable ASCII escaped, so a mismatch prints unambiguously.
std::string escaped(const std::string& s) {
  std::ostringstream os;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      os << c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      os << buf;
    }
  }
  return os.str();
}

std::string joined(const std::vector<std::string>& tokens) {
  std::string out = "[";
  for (size_t i = 0; i < tokens.size(); ++i) out += (i ? "|" : "") + escaped(tokens[i]);
  return out + "]";
}

}  // namespace

TEST_CASE("BERT tokenizer: every fixture case equals transformers.BertTokenizer, both casings") {
  const WordPieceTokenizer lower = WordPieceTokenizer::load_vocab(kDir + "/vocab.txt", Casing::kLower);
  const WordPieceTokenizer cased = WordPieceTokenizer::load_vocab(kDir + "/vocab.txt", Casing::kCased);
  CHECK(lower.mask_id() == 103);  // BERT's layout, not ours: ids come from the file

  std::ifstream in(kDir + "/cases.jsonl");
  REQUIRE_MESSAGE(in.good(), "cannot open " << kDir << "/cases.jsonl");
  std::string line;
  std::getline(in, line);
  const nlohmann::json meta = nlohmann::json::parse(line);
  REQUIRE(meta.contains("cases"));
  int64_t cases = 0, mismatches = 0, per_casing[2] = {0, 0};
  while (std::getline(in, line)) {
    const nlohmann::json c = nlohmann::json::parse(line);
    const bool is_lower = c.at("casing").get<std::string>() == "lower";
    const WordPieceTokenizer& tok = is_lower ? lower : cased;
    const std::string text = c.contains("hex") ? from_hex(c.at("hex").get<std::string>()) : c.at("text").get<std::string>();
    const auto want_tokens = c.at("tokens").get<std::vector<std::string>>();
    const auto want_ids = c.at("ids").get<std::vector<int64_t>>();
    const std::vector<int64_t> ids = tok.encode(text);
    std::vector<std::string> tokens;
    for (int64_t id : ids) tokens.push_back(tok.id_to_token(id));
    ++cases;
    ++per_casing[is_lower ? 0 : 1];
    if (ids == want_ids && tokens == want_tokens) continue;
    if (mismatches++ == 0)
      MESSAGE("first mismatch, case " << cases << " (" << (is_lower ? "lower" : "cased") << "): text \""
                                      << escaped(text) << "\"\n  want " << joined(want_tokens) << "\n  got  "
                                      << joined(tokens));
  }
  MESSAGE(cases << " cases (" << per_casing[0] << " lower, " << per_casing[1] << " cased), " << mismatches
                << " mismatches; fixture from transformers " << meta.value("transformers", "?"));
  CHECK(cases == meta.at("cases").get<int64_t>());  // a truncated file must not pass
  CHECK(per_casing[0] >= 300);
  CHECK(per_casing[1] >= 300);
  CHECK(mismatches == 0);
}
