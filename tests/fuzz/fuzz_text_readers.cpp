// The line-based readers: corpus, vocab.txt, labelled TSV / JSONL datasets, ListOps TSV and tokens.
#include "fuzz_util.h"
#include "train/corpus.h"
#include "train/listops.h"
#include "train/text_dataset.h"
#include "train/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ponet;
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::expect_error_or_success([&] { train::parse_corpus(text, "fuzz"); });
  fuzz::expect_error_or_success([&] { train::listops_token_ids(text); });
  const std::string vocab = fuzz::input_file(data, size, ".vocab.txt");
  fuzz::expect_error_or_success([&] {
    train::WordPieceTokenizer tok = train::WordPieceTokenizer::load_vocab(vocab);
    tok.decode(tok.encode(text));
  });
  fuzz::expect_error_or_success([&] { train::read_text_dataset(fuzz::input_file(data, size, ".tsv")); });
  fuzz::expect_error_or_success([&] { train::read_text_dataset(fuzz::input_file(data, size, ".jsonl")); });
  fuzz::expect_error_or_success([&] { train::read_listops_tsv(fuzz::input_file(data, size, ".listops.tsv")); });
  return 0;
}
