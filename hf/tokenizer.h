// The tokenizer of a Hugging Face model directory, as our WordPiece tokenizer (text/tokenizer.h): the
// vocabulary from vocab.txt (what BertTokenizer writes up to transformers 4) or else from tokenizer.json
// (what transformers 5 writes: a "WordPiece" model with a "BertNormalizer"), the casing from
// tokenizer.json's normalizer "lowercase", else tokenizer_config.json's do_lower_case, else uncased
// (BERT's default, with a note). Settings our tokenizer cannot follow are errors naming the file:
// another tokenizer class or model type, a subword prefix other than "##", strip_accents different from
// the lowercasing, CJK splitting turned off.
#pragma once
#include <string>
#include <vector>

#include "text/tokenizer.h"

namespace ponet::hf {

// false (and a note) when the directory has neither vocab.txt nor tokenizer.json.
bool read_hf_tokenizer(const std::string& dir, text::WordPieceTokenizer& out, std::vector<std::string>& notes);

}  // namespace ponet::hf
