// Printing what train::predict_masks found: the text, then one line of candidates per [MASK], and below
// it the rank and probability of each watched word.
#pragma once
#include <string>
#include <vector>

#include "train/mask_prediction.h"

namespace ponet::app {

void print_predictions(const std::string& text, const std::vector<train::MaskPrediction>& predictions);

}  // namespace ponet::app
