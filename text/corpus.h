// Pretraining corpora in the BERT format: one sentence per line, a blank line between documents.
#pragma once
#include <string>
#include <vector>

namespace ponet::text {

struct Corpus {
  std::vector<std::vector<std::string>> documents;  // documents -> sentences
  size_t num_sentences() const;
};

// Throws ponet::Error for a missing file, no sentences, or fewer than 2 documents (SSO needs two).
Corpus read_corpus(const std::string& path);
Corpus parse_corpus(const std::string& text, const std::string& name);

// The King James Bible from Debian's bible-kjv (`bible -f Gen1:1-Rev22:21`), verses as sentences and
// chapters as documents, written to `path` atomically. Throws if the `bible` program is missing.
void write_kjv_corpus(const std::string& path);
// Converts `bible` output lines ("Ge1:1 In the beginning ...") into the BERT format.
std::string kjv_to_corpus_text(const std::string& bible_output);

}  // namespace ponet::text
