// Labelled text datasets for sequence classification (`ponet finetune`), and their encoding.
//
// Formats, chosen by the file name (every error names the file and the line):
//   *.jsonl  one JSON object per line; the text, the optional second text and the label are read from
//            the fields named by DatasetFields (default "text", "text_b", "label"); other fields are
//            ignored (an "id", a "source", ...);
//   *.csv    RFC 4180 CSV with a header row naming the columns (quoted fields may hold commas, quotes
//            and newlines); other columns are ignored;
//   others   TSV: with a header row that names the label and text columns, the columns by name; without
//            one (or with a header whose first field is the label name but no text column, as before)
//            `label<TAB>text` or `label<TAB>text<TAB>text_b`.
// Labels may be strings, integers or booleans (JSON true/false read as "true"/"false"); a label is a class
// name, so 1 in a JSONL file and "1" in a CSV file are the same class. A fractional number is an error.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/classification_example.h"
#include "text/tokenizer.h"

namespace ponet::data {

struct TextExample {
  std::string label, text, text_b;  // text_b empty: a single text
  std::string where;                // "file:line", for later errors
};

// The names of the fields (JSONL) or columns (CSV, TSV with a header) that hold each part of an example:
// `ponet finetune --text-field, --text-b-field, --label-field`. The second text is optional.
struct DatasetFields {
  std::string text = "text", text_b = "text_b", label = "label";
};

std::vector<TextExample> read_text_dataset(const std::string& path, const DatasetFields& fields = {});

// Label strings -> class ids in the first-seen order of the training file. Saved with a run as one label
// per line.
class LabelMap {
 public:
  LabelMap() = default;
  static LabelMap from_training(const std::vector<TextExample>& train);  // throws on fewer than 2 labels
  static LabelMap from_names(std::vector<std::string> names);  // class i is names[i] (a model's id2label)
  static LabelMap load(const std::string& path);
  void save(const std::string& path) const;  // atomic
  // Throws, naming `where`, for a label the training file did not have.
  int64_t id(const std::string& label, const std::string& where) const;
  const std::string& name(int64_t id) const;
  int64_t size() const { return static_cast<int64_t>(labels_.size()); }

 private:
  std::vector<std::string> labels_;
};

// The sentences of a text, for PoNet's segment max-pooling: a sentence ends after a run of '.', '!' or
// '?' (and any closing quotes or brackets right after it) that is followed by whitespace or the end.
// Abbreviations ("Mr. Smith") split too; text without such an ending is one sentence.
std::vector<std::string> split_sentences(const std::string& text);

struct EncodedText {
  std::vector<int64_t> ids;
  // the SMP segment of every token, numbered as the official data pipeline does: [CLS] 0, the sentences
  // of text 1..k, its [SEP] k+1, the sentences of text_b k+2..m, the last [SEP] m+1 (padding: m+2)
  std::vector<int64_t> segments;
};

// "[CLS] text [SEP]" or "[CLS] text [SEP] text_b [SEP]", truncated to max_len (the longer side first for
// pairs, keeping the closing [SEP]s). Throws, naming the example, if a text has no tokens.
EncodedText encode_for_classification(const text::WordPieceTokenizer& tok, const std::string& text,
                                      const std::string& text_b, int64_t max_len, const std::string& where);

std::vector<ClassificationExample> encode_dataset(const std::vector<TextExample>& data, const LabelMap& labels,
                                                  const text::WordPieceTokenizer& tok, int64_t max_len);

}  // namespace ponet::data
