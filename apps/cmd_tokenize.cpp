// `ponet tokenize`: a run's (or a Hugging Face directory's) tokenizer on a text: tokens and ids.
#include <cstdio>

#include "apps/args.h"
#include "apps/commands.h"
#include "core/error.h"
#include "hf/import.h"
#include "hf/tokenizer.h"

namespace ponet::app {

int cmd_tokenize(int argc, char** argv) {
  Args a("tokenize", "Print the WordPiece tokens and ids of a text, as the run's model sees it.");
  a.positional("text", "the text (literal [CLS] [SEP] [MASK] [PAD] [UNK] stay whole tokens)");
  a.option("run", "runs/kjv-tiny", "run directory (its vocab.txt), or a Hugging Face model directory");
  if (!a.parse(argc, argv)) return 0;
  const std::string dir = a.str("run");
  // a Hugging Face directory's casing comes from its tokenizer files; a run's vocabulary is uncased
  text::WordPieceTokenizer tok;
  if (hf::is_hf_directory(dir)) {
    std::vector<std::string> notes;
    PONET_CHECK(hf::read_hf_tokenizer(dir, tok, notes), dir, ": no vocab.txt or tokenizer.json");
    for (const std::string& note : notes) std::fprintf(stderr, "%s: note: %s\n", dir.c_str(), note.c_str());
  } else {
    tok = text::WordPieceTokenizer::load_vocab(dir + "/vocab.txt");
  }
  const std::vector<int64_t> ids = tok.encode(a.str("text"));
  std::printf("%zu tokens (%s vocabulary of %lld)\n", ids.size(), tok.casing() == text::Casing::kLower ? "uncased" : "cased",
              static_cast<long long>(tok.vocab_size()));
  for (int64_t id : ids) std::printf("%8lld  %s\n", static_cast<long long>(id), tok.id_to_token(id).c_str());
  return 0;
}

}  // namespace ponet::app
