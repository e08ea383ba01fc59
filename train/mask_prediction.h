// Filling [MASK] tokens with a pretrained PoNet: the top-k vocabulary entries at every mask position.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "nn/ponet.h"
#include "text/tokenizer.h"

namespace ponet::train {

struct MaskPrediction {
  int64_t position;                                       // index in the encoded sequence
  std::vector<std::pair<std::string, float>> candidates;  // token, probability (best first)
};
// Encodes "[CLS] text [SEP]" (the literal "[MASK]" in text becomes the mask token), runs the model in
// eval mode and returns the top-k tokens at every mask position. A text without [MASK], longer than the
// model's positions, or top_k <= 0 is an error.
std::vector<MaskPrediction> predict_masks(nn::PoNetForPreTraining& model, const text::WordPieceTokenizer& tok,
                                          const std::string& text, int64_t top_k);

}  // namespace ponet::train
