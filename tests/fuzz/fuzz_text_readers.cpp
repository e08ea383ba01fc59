// The line-based readers: corpus, vocab.txt, labelled TSV / CSV / JSONL datasets, ListOps TSV and tokens.
#include "data/listops.h"
#include "data/text_dataset.h"
#include "fuzz_util.h"
#include "text/corpus.h"
#include "text/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ponet;
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::expect_error_or_success([&] { text::parse_corpus(text, "fuzz"); });
  fuzz::expect_error_or_success([&] { data::listops_token_ids(text); });
  const std::string vocab = fuzz::input_file(data, size, ".vocab.txt");
  fuzz::expect_error_or_success([&] {
    text::WordPieceTokenizer tok = text::WordPieceTokenizer::load_vocab(vocab);
    tok.decode(tok.encode(text));
  });
  fuzz::expect_error_or_success([&] { data::read_text_dataset(fuzz::input_file(data, size, ".tsv")); });
  fuzz::expect_error_or_success([&] { data::read_text_dataset(fuzz::input_file(data, size, ".jsonl")); });
  fuzz::expect_error_or_success([&] { data::read_text_dataset(fuzz::input_file(data, size, ".csv")); });
  fuzz::expect_error_or_success([&] { data::read_listops_tsv(fuzz::input_file(data, size, ".listops.tsv")); });
  return 0;
}
