// Defaults of the main job that more than one command needs: `ponet pretrain` trains with them and
// `ponet profile --config` profiles the step it would run (docs/pretraining.md says why these values).
#pragma once
#include <cstdint>

namespace ponet::app {

constexpr int64_t kPretrainVocabSize = 8000;  // WordPiece tokens trained on the corpus
constexpr double kPretrainMaskProb = 0.4;     // tokens chosen for MLM in a training batch
constexpr double kEvalMaskProb = 0.15;        // ... in a held-out batch (BERT's rate, for comparable figures)

}  // namespace ponet::app
