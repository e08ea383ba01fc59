#include "apps/new_run.h"

#include <sys/stat.h>

#include <cstdio>
#include <vector>

#include "core/error.h"

namespace ponet::app {

void create_run_directory(const std::string& out) {
  ::mkdir(out.c_str(), 0755);
  struct stat st;
  PONET_CHECK(::stat(out.c_str(), &st) == 0 && S_ISDIR(st.st_mode), "cannot create run directory '", out, "'");
  PONET_CHECK(::stat((out + "/checkpoint.safetensors").c_str(), &st) != 0, "'", out,
              "' already holds a run: pass --resume to continue it or choose another --out");
}

text::WordPieceTokenizer train_vocabulary(const text::Corpus& corpus, int64_t size) {
  std::vector<std::string> texts;
  for (auto& doc : corpus.documents)
    for (auto& s : doc) texts.push_back(s);
  std::fprintf(stderr, "training a %lld-token WordPiece vocabulary on %zu sentences...\n",
               static_cast<long long>(size), texts.size());
  return text::WordPieceTokenizer::train(texts, size);
}

void use_tokenizer_ids(nn::PoNetConfig& config, const text::WordPieceTokenizer& tok) {
  config.vocab_size = tok.vocab_size();
  config.pad_token_id = tok.pad_id();
  config.cls_token_id = tok.cls_id();
  config.sep_token_id = tok.sep_id();
  config.mask_token_id = tok.mask_id();
}

}  // namespace ponet::app
