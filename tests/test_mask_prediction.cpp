// train/mask_prediction: the rank and probability of watched words against the full sorted candidate
// list of the same [MASK], and the error for a word that is not one token.
#include <string>
#include <vector>

#include "core/error.h"
#include "nn/ponet_model.h"
#include "test_util.h"
#include "tiny_test_config.h"
#include "text/tokenizer.h"
#include "train/mask_prediction.h"

using namespace ponet;

namespace {

text::WordPieceTokenizer shepherd_tokenizer() {
  std::vector<std::string> tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "lord", "is", "my",
                                     "shepherd", "shall", "not", "want", ";", ".", "light", "heaven"};  // "i": a letter below
  for (char c = 'a'; c <= 'z'; ++c) tokens.push_back(std::string(1, c));
  for (const char* piece : {"##h", "##e", "##p", "##s"}) tokens.push_back(piece);
  return text::WordPieceTokenizer(tokens, text::Casing::kLower);
}

nn::PoNetConfig shepherd_config(const text::WordPieceTokenizer& tok) {
  nn::PoNetConfig c = testing::tiny_test_config(tok);
  c.initializer_range = 0.3f;  // spread-out logits: no ties among the candidates
  return c;
}

}  // namespace

TEST_CASE("predict_masks: a watched word's rank and probability are its place in the full candidate list") {
  const text::WordPieceTokenizer tok = shepherd_tokenizer();
  nn::PoNetForPreTraining model(shepherd_config(tok), 11);
  const int64_t V = tok.vocab_size();
  const std::vector<std::string> watch = {"shepherd", "light", "the"};
  const auto predictions = train::predict_masks(model, tok, "The LORD is my [MASK]; I shall not [MASK].", V, watch);
  REQUIRE(predictions.size() == 2);
  int checked = 0;
  for (const train::MaskPrediction& p : predictions) {
    REQUIRE(p.candidates.size() == static_cast<size_t>(V));
    REQUIRE(p.watched.size() == watch.size());
    for (size_t w = 0; w < watch.size(); ++w) {
      CHECK(p.watched[w].token == watch[w]);
      int64_t place = -1;
      for (size_t i = 0; i < p.candidates.size(); ++i)
        if (p.candidates[i].first == watch[w]) place = static_cast<int64_t>(i);
      REQUIRE(place >= 0);
      CHECK(p.watched[w].rank == place + 1);
      CHECK(p.watched[w].probability == doctest::Approx(p.candidates[place].second).epsilon(1e-6));
      ++checked;
    }
  }
  CHECK(checked == 6);
  // the ranks differ between words (a rank that ignored the word would not)
  CHECK(predictions[0].watched[0].rank != predictions[0].watched[1].rank);

  // nothing watched: no ranks
  CHECK(train::predict_masks(model, tok, "the [MASK] is my shepherd", 3).front().watched.empty());
}

TEST_CASE("predict_masks: a watched word that is not one token is an error naming its pieces") {
  const text::WordPieceTokenizer tok = shepherd_tokenizer();
  nn::PoNetForPreTraining model(shepherd_config(tok), 12);
  try {
    train::predict_masks(model, tok, "the [MASK] is my shepherd", 3, {"sheep"});
    FAIL("no error for a word that splits");
  } catch (const Error& e) {
    const std::string what = e.what();
    CHECK(what.find("'sheep' is not one token") != std::string::npos);
    CHECK(what.find("s ##h ##e ##e ##p") != std::string::npos);
  }
}
