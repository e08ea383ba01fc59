#include "data/text_dataset.h"

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/atomic_file.h"

namespace ponet::data {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return out;
    start = tab + 1;
  }
}

TextExample parse_jsonl(const std::string& line, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {  // parse errors, and numbers out of range (found by fuzzing)
    fail(where, ": not valid JSON (", e.what(), ")");
  }
  PONET_CHECK(j.is_object(), where, ": expected a JSON object with \"text\" and \"label\"");
  PONET_CHECK(j.contains("text") && j["text"].is_string(), where, ": \"text\" is missing or not a string");
  PONET_CHECK(j.contains("label") && (j["label"].is_string() || j["label"].is_number()), where,
              ": \"label\" is missing or not a string or number");
  TextExample e;
  e.label = j["label"].is_string() ? j["label"].get<std::string>() : j["label"].dump();
  e.text = j["text"].get<std::string>();
  if (j.contains("text_b")) {
    PONET_CHECK(j["text_b"].is_string(), where, ": \"text_b\" must be a string");
    e.text_b = j["text_b"].get<std::string>();
  }
  for (auto& [key, v] : j.items())
    PONET_CHECK(key == "text" || key == "label" || key == "text_b", where, ": unknown field \"", key, "\"");
  return e;
}

}  // namespace

std::vector<TextExample> read_text_dataset(const std::string& path) {
  std::ifstream in(path);
  PONET_CHECK(in.good(), "cannot open dataset '", path, "'");
  const bool jsonl = ends_with(path, ".jsonl");
  std::vector<TextExample> out;
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(n);
    TextExample e;
    if (jsonl) {
      e = parse_jsonl(line, where);
    } else {
      std::vector<std::string> f = split_tabs(line);
      if (n == 1 && f[0] == "label") continue;  // header
      PONET_CHECK(f.size() == 2 || f.size() == 3, where, ": expected label<TAB>text or label<TAB>text<TAB>text_b, got ",
                  f.size(), " field(s)");
      e.label = f[0];
      e.text = f[1];
      if (f.size() == 3) e.text_b = f[2];
    }
    PONET_CHECK(!e.label.empty(), where, ": empty label");
    PONET_CHECK(e.label.find_first_of("\t\n\r") == std::string::npos, where, ": the label contains a tab or newline");
    e.where = where;
    out.push_back(std::move(e));
  }
  PONET_CHECK(!out.empty(), path, ": no examples");
  return out;
}

LabelMap LabelMap::from_training(const std::vector<TextExample>& train) {
  LabelMap m;
  for (const TextExample& e : train)
    if (std::find(m.labels_.begin(), m.labels_.end(), e.label) == m.labels_.end()) m.labels_.push_back(e.label);
  PONET_CHECK(m.labels_.size() >= 2, "the training file has only one label (\"", m.labels_.front(),
              "\"); classification needs at least two");
  return m;
}

LabelMap LabelMap::load(const std::string& path) {
  std::ifstream in(path);
  PONET_CHECK(in.good(), "cannot open label file '", path, "'");
  LabelMap m;
  std::string line;
  while (std::getline(in, line)) m.labels_.push_back(line);
  PONET_CHECK(m.labels_.size() >= 2, path, ": expected at least two labels, one per line");
  return m;
}

void LabelMap::save(const std::string& path) const {
  std::string text;
  for (const std::string& l : labels_) text += l + "\n";
  io::write_file_atomically(path, text);
}

int64_t LabelMap::id(const std::string& label, const std::string& where) const {
  for (size_t i = 0; i < labels_.size(); ++i)
    if (labels_[i] == label) return static_cast<int64_t>(i);
  fail(where, ": label \"", label, "\" does not occur in the training file");
}

const std::string& LabelMap::name(int64_t id) const {
  PONET_CHECK(id >= 0 && id < size(), "label id ", id, " out of range [0, ", size(), ")");
  return labels_[id];
}

std::vector<std::string> split_sentences(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  for (size_t i = 0; i < text.size(); ++i) {
    current += text[i];
    if (text[i] != '.' && text[i] != '!' && text[i] != '?') continue;
    size_t j = i + 1;
    while (j < text.size() && (text[j] == '.' || text[j] == '!' || text[j] == '?' || text[j] == '"' ||
                               text[j] == '\'' || text[j] == ')' || text[j] == ']'))
      current += text[j++];
    i = j - 1;
    if (j == text.size() || std::isspace(static_cast<unsigned char>(text[j]))) {
      out.push_back(current);
      current.clear();
    }
  }
  if (current.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(current);
  return out;
}

namespace {

// The tokens of one side and the sentence (0-based) each belongs to.
struct Side {
  std::vector<int64_t> ids, sentence;
};

Side encode_side(const text::WordPieceTokenizer& tok, const std::string& text) {
  Side side;
  int64_t k = 0;
  for (const std::string& sentence : split_sentences(text)) {
    const std::vector<int64_t> ids = tok.encode(sentence);
    if (ids.empty()) continue;
    side.ids.insert(side.ids.end(), ids.begin(), ids.end());
    side.sentence.insert(side.sentence.end(), ids.size(), k++);
  }
  return side;
}

}  // namespace

EncodedText encode_for_classification(const text::WordPieceTokenizer& tok, const std::string& text,
                                      const std::string& text_b, int64_t max_len, const std::string& where) {
  Side a = encode_side(tok, text), b = text_b.empty() ? Side{} : encode_side(tok, text_b);
  PONET_CHECK(!a.ids.empty() && (text_b.empty() || !b.ids.empty()), where, ": a text has no tokens after tokenization");
  const int64_t specials = text_b.empty() ? 2 : 3;
  PONET_CHECK(max_len > specials + (text_b.empty() ? 0 : 1), where, ": max length ", max_len, " is too short");
  while (static_cast<int64_t>(a.ids.size() + b.ids.size()) + specials > max_len) {
    Side& longer = a.ids.size() >= b.ids.size() ? a : b;
    longer.ids.pop_back();
    longer.sentence.pop_back();
  }
  EncodedText out;
  out.ids.push_back(tok.cls_id());
  out.segments.push_back(0);
  for (size_t i = 0; i < a.ids.size(); ++i) {
    out.ids.push_back(a.ids[i]);
    out.segments.push_back(1 + a.sentence[i]);
  }
  out.ids.push_back(tok.sep_id());
  out.segments.push_back(out.segments.back() + 1);
  if (!text_b.empty()) {
    const int64_t base = out.segments.back() + 1;
    for (size_t i = 0; i < b.ids.size(); ++i) {
      out.ids.push_back(b.ids[i]);
      out.segments.push_back(base + b.sentence[i]);
    }
    out.ids.push_back(tok.sep_id());
    out.segments.push_back(out.segments.back() + 1);
  }
  return out;
}

std::vector<ClassificationExample> encode_dataset(const std::vector<TextExample>& data, const LabelMap& labels,
                                                  const text::WordPieceTokenizer& tok, int64_t max_len) {
  std::vector<ClassificationExample> out;
  out.reserve(data.size());
  for (const TextExample& e : data) {
    EncodedText enc = encode_for_classification(tok, e.text, e.text_b, max_len, e.where);
    out.push_back({std::move(enc.ids), labels.id(e.label, e.where), std::move(enc.segments)});
  }
  return out;
}

}  // namespace ponet::data
