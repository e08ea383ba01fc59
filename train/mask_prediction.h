// Filling [MASK] tokens with a pretrained PoNet: the top-k vocabulary entries at every mask position.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "nn/ponet_for_pretraining.h"
#include "text/tokenizer.h"

namespace ponet::train {

struct RankedToken {
  std::string token;
  int64_t rank;       // 1 = the model's first choice
  float probability;
};

struct MaskPrediction {
  int64_t position;                                       // index in the encoded sequence
  std::vector<std::pair<std::string, float>> candidates;  // token, probability (best first)
  std::vector<RankedToken> watched;                       // the `watch` words' ranks, in the order asked
};
// Encodes "[CLS] text [SEP]" (the literal "[MASK]" in text becomes the mask token), runs the model in
// eval mode and returns the top-k tokens at every mask position. A text without [MASK], longer than the
// model's positions, or top_k <= 0 is an error. For every word of `watch` it also gives the word's
// rank among the whole vocabulary and its probability: a finer measure than top-k membership of how
// close the model is to an expected word. Each must be one token of the vocabulary (else an error that
// says what it splits into).
std::vector<MaskPrediction> predict_masks(nn::PoNetForPreTraining& model, const text::WordPieceTokenizer& tok,
                                          const std::string& text, int64_t top_k,
                                          const std::vector<std::string>& watch = {});

}  // namespace ponet::train
