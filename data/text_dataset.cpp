#include "data/text_dataset.h"

#include <cctype>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/atomic_file.h"
#include "io/delimited.h"

namespace ponet::data {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A label as the class name it stands for: strings as they are, integers and booleans as their text.
std::string label_text(const nlohmann::json& v, const std::string& field, const std::string& where) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return v.dump();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    PONET_CHECK(std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9.0e15, where, ": label \"", field, "\" is ",
                v.dump(), ", not an integer, string or boolean (a class label, not a regression target)");
    return std::to_string(static_cast<int64_t>(d));
  }
  fail(where, ": label \"", field, "\" is ", v.is_null() ? "null" : v.dump(), ", not an integer, string or boolean");
}

std::string field_names(const nlohmann::json& j) {
  std::string names;
  for (auto& [key, v] : j.items()) names += (names.empty() ? "" : ", ") + ("\"" + key + "\"");
  return names.empty() ? "none" : names;
}

TextExample parse_jsonl(const std::string& line, const DatasetFields& f, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {  // parse errors, and numbers out of range (found by fuzzing)
    fail(where, ": not valid JSON (", e.what(), ")");
  }
  PONET_CHECK(j.is_object(), where, ": expected a JSON object with \"", f.text, "\" and \"", f.label, "\"");
  PONET_CHECK(j.contains(f.text), where, ": no field \"", f.text, "\" (the record has ", field_names(j),
              "; --text-field picks another)");
  PONET_CHECK(j[f.text].is_string(), where, ": \"", f.text, "\" is not a string");
  PONET_CHECK(j.contains(f.label), where, ": no field \"", f.label, "\" (the record has ", field_names(j),
              "; --label-field picks another)");
  TextExample e;
  e.label = label_text(j[f.label], f.label, where);
  e.text = j[f.text].get<std::string>();
  if (j.contains(f.text_b) && !j[f.text_b].is_null()) {
    PONET_CHECK(j[f.text_b].is_string(), where, ": \"", f.text_b, "\" must be a string");
    e.text_b = j[f.text_b].get<std::string>();
  }
  return e;
}

// Column positions of the example's parts in a delimited file (-1: absent).
struct Columns {
  int64_t text = -1, text_b = -1, label = -1;
  size_t count = 0;  // fields per record
};

Columns columns_from_header(const std::vector<std::string>& header, const DatasetFields& f) {
  Columns c;
  c.count = header.size();
  for (size_t i = 0; i < header.size(); ++i) {
    const int64_t at = static_cast<int64_t>(i);
    if (header[i] == f.text && c.text < 0) c.text = at;
    else if (header[i] == f.text_b && c.text_b < 0) c.text_b = at;
    else if (header[i] == f.label && c.label < 0) c.label = at;
  }
  return c;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "\"" : ", \"") + x + "\"";
  return s;
}

// CSV (header required) and TSV (header optional) files.
std::vector<TextExample> read_delimited(std::istream& in, const std::string& path, bool csv, const DatasetFields& f) {
  io::DelimitedReader reader(in, path, csv ? ',' : '\t', csv);
  std::vector<std::string> fields;
  int64_t line = 0;
  std::vector<TextExample> out;
  if (!reader.next(fields, line)) return out;
  Columns c = columns_from_header(fields, f);
  const bool header = c.label >= 0;
  // A TSV header in the positional order (label, text[, text_b]) keeps the positional reading, in which a
  // record may add a text_b the header does not name (label and text alone is a complete header).
  const bool positional_header = !csv && c.label == 0 && c.text == 1;
  const bool by_name = header && c.text >= 0 && !positional_header;
  if (csv)
    PONET_CHECK(by_name, path, ":", line, ": the header must name a \"", f.text, "\" and a \"", f.label,
                "\" column (it has ", joined(fields), "; --text-field and --label-field pick others)");
  bool have = !header || reader.next(fields, line);
  for (; have; have = reader.next(fields, line)) {
    const std::string where = path + ":" + std::to_string(line);
    TextExample e;
    if (by_name) {
      PONET_CHECK(fields.size() == c.count, where, ": ", fields.size(), " field(s), but the header has ", c.count);
      e.label = fields[c.label];
      e.text = fields[c.text];
      if (c.text_b >= 0) e.text_b = fields[c.text_b];
    } else {
      PONET_CHECK(fields.size() == 2 || fields.size() == 3, where,
                  ": expected label<TAB>text or label<TAB>text<TAB>text_b (or a header naming the columns), got ",
                  fields.size(), " field(s)");
      e.label = fields[0];
      e.text = fields[1];
      if (fields.size() == 3) e.text_b = fields[2];
    }
    e.where = where;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

std::vector<TextExample> read_text_dataset(const std::string& path, const DatasetFields& fields) {
  std::ifstream in(path, std::ios::binary);
  PONET_CHECK(in.good(), "cannot open dataset '", path, "'");
  std::vector<TextExample> out;
  if (ends_with(path, ".jsonl")) {
    std::string line;
    for (int64_t n = 1; std::getline(in, line); ++n) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      TextExample e = parse_jsonl(line, fields, path + ":" + std::to_string(n));
      e.where = path + ":" + std::to_string(n);
      out.push_back(std::move(e));
    }
  } else {
    out = read_delimited(in, path, ends_with(path, ".csv"), fields);
  }
  for (const TextExample& e : out) {
    PONET_CHECK(!e.label.empty(), e.where, ": empty label");
    PONET_CHECK(e.label.find_first_of("\t\n\r") == std::string::npos, e.where, ": the label contains a tab or newline");
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

LabelMap LabelMap::from_names(std::vector<std::string> names) {
  PONET_CHECK(names.size() >= 2, "a classifier needs at least two labels, got ", names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    PONET_CHECK(!names[i].empty() && names[i].find_first_of("\t\n\r") == std::string::npos, "label ", i, " (\"",
                names[i], "\") is empty or contains a tab or newline");
    PONET_CHECK(std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i), names[i]) ==
                    names.begin() + static_cast<std::ptrdiff_t>(i),
                "label \"", names[i], "\" appears twice");
  }
  LabelMap m;
  m.labels_ = std::move(names);
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
