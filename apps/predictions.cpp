#include "apps/predictions.h"

#include <cstdio>

namespace ponet::app {

void print_predictions(const std::string& text, const std::vector<train::MaskPrediction>& predictions) {
  std::printf("%s\n", text.c_str());
  for (size_t i = 0; i < predictions.size(); ++i) {
    std::printf("  [MASK] #%zu:", i + 1);
    for (auto& [token, p] : predictions[i].candidates) std::printf("  %s (%.1f%%)", token.c_str(), 100 * p);
    std::printf("\n");
    for (const train::RankedToken& w : predictions[i].watched)
      std::printf("    %s: rank %lld (%.2f%%)\n", w.token.c_str(), static_cast<long long>(w.rank), 100 * w.probability);
  }
}

}  // namespace ponet::app
