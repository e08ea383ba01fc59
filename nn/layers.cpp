#include "nn/layers.h"

#include <cmath>

#include "core/error.h"

namespace ponet::nn {

namespace {
Tensor init_normal(const Shape& shape, const Init& init) {
  PONET_CHECK(init.rng != nullptr, "nn: layer initialisation needs an Rng");
  return Tensor::randn(shape, *init.rng, 0.f, init.init_std);
}
}  // namespace

Linear::Linear(int64_t in_features, int64_t out_features, const Init& init, bool with_bias) {
  PONET_CHECK(in_features > 0 && out_features > 0, "Linear: sizes must be positive, got ", in_features, " -> ",
              out_features);
  if (init.scheme == Init::Scheme::torch) {
    PONET_CHECK(init.rng != nullptr, "nn: layer initialisation needs an Rng");
    const float bound = 1.f / std::sqrt(static_cast<float>(in_features));
    weight = register_parameter("weight", Tensor::uniform({out_features, in_features}, *init.rng, -bound, bound));
    if (with_bias) bias = register_parameter("bias", Tensor::uniform({out_features}, *init.rng, -bound, bound));
    return;
  }
  weight = register_parameter("weight", init_normal({out_features, in_features}, init));
  if (with_bias) bias = register_parameter("bias", Tensor::zeros({out_features}));
}

Embedding::Embedding(int64_t num_embeddings, int64_t dim, const Init& init, int64_t padding_idx_)
    : padding_idx(padding_idx_) {
  PONET_CHECK(num_embeddings > 0 && dim > 0, "Embedding: sizes must be positive");
  PONET_CHECK(padding_idx < num_embeddings, "Embedding: padding_idx ", padding_idx, " >= ", num_embeddings);
  Tensor w = init_normal({num_embeddings, dim}, init);
  if (padding_idx >= 0) {  // the padding row starts at zero, as in PyTorch
    float* row = w.data<float>() + padding_idx * dim;
    for (int64_t j = 0; j < dim; ++j) row[j] = 0.f;
  }
  weight = register_parameter("weight", w);
}

LayerNorm::LayerNorm(int64_t dim, float eps_) : eps(eps_) {
  PONET_CHECK(eps > 0.f, "LayerNorm: eps must be positive");
  weight = register_parameter("weight", Tensor::ones({dim}));
  bias = register_parameter("bias", Tensor::zeros({dim}));
}

}  // namespace ponet::nn
