#include "train/mask_prediction.h"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "core/error.h"

namespace ponet::train {

std::vector<MaskPrediction> predict_masks(nn::PoNetForPreTraining& model, const text::WordPieceTokenizer& tok,
                                          const std::string& text, int64_t top_k,
                                          const std::vector<std::string>& watch) {
  PONET_CHECK(top_k > 0, "predict: top-k must be positive");
  std::vector<int64_t> watch_ids;
  for (const std::string& w : watch) {
    const int64_t id = tok.token_to_id(w);
    if (id < 0) {
      std::string pieces;
      for (int64_t p : tok.encode(w)) pieces += (pieces.empty() ? "" : " ") + tok.id_to_token(p);
      fail("predict: '", w, "' is not one token of this vocabulary (it splits into: ", pieces,
           "); only single tokens can be ranked");
    }
    watch_ids.push_back(id);
  }
  std::vector<int64_t> ids{tok.cls_id()};
  const std::string mask = "[MASK]";
  size_t start = 0;
  while (true) {
    size_t at = text.find(mask, start);
    for (int64_t id : tok.encode(text.substr(start, at == std::string::npos ? std::string::npos : at - start)))
      ids.push_back(id);
    if (at == std::string::npos) break;
    ids.push_back(tok.mask_id());
    start = at + mask.size();
  }
  ids.push_back(tok.sep_id());
  const int64_t L = static_cast<int64_t>(ids.size());
  PONET_CHECK(L <= model.config().max_position_embeddings, "predict: the sentence has ", L,
              " tokens, the model takes at most ", model.config().max_position_embeddings);
  PONET_CHECK(std::count(ids.begin(), ids.end(), tok.mask_id()) > 0, "predict: the text has no [MASK]");

  NoGrad no_grad;
  model.eval();
  nn::PoNetInputs in;
  in.input_ids = Tensor::from_vector_i64(ids, {1, L});
  nn::PoNetOutputs out = model.forward(in);
  const int64_t V = model.config().vocab_size;
  std::vector<float> logits = out.prediction_logits.to_vector();
  std::vector<MaskPrediction> result;
  for (int64_t l = 0; l < L; ++l) {
    if (ids[l] != tok.mask_id()) continue;
    const float* row = logits.data() + l * V;
    float mx = *std::max_element(row, row + V);
    double z = 0;
    for (int64_t v = 0; v < V; ++v) z += std::exp(static_cast<double>(row[v] - mx));
    std::vector<int64_t> order(V);
    for (int64_t v = 0; v < V; ++v) order[v] = v;
    const int64_t k = std::min(top_k, V);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) { return row[a] > row[b]; });
    MaskPrediction p{l, {}, {}};
    for (int64_t i = 0; i < k; ++i)
      p.candidates.emplace_back(tok.id_to_token(order[i]), static_cast<float>(std::exp(row[order[i]] - mx) / z));
    for (int64_t id : watch_ids) {
      // rank = 1 + the tokens scored higher (an equal score counts as higher for a lower id)
      int64_t above = 0;
      for (int64_t v = 0; v < V; ++v) above += row[v] > row[id] || (row[v] == row[id] && v < id);
      p.watched.push_back({tok.id_to_token(id), above + 1, static_cast<float>(std::exp(row[id] - mx) / z)});
    }
    result.push_back(p);
  }
  return result;
}

}  // namespace ponet::train
