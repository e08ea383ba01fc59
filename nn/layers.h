// The basic layers: Linear, Embedding, LayerNorm, Dropout. Parameter names follow PyTorch
// ("weight", "bias") so that HF state dicts load by name.
#pragma once
#include "autograd/ops.h"
#include "nn/module.h"

namespace ponet::nn {

// How a model initialises its layers.
//   bert:  Linear and Embedding weights N(0, init_std), biases 0 (the HF PoNet / BERT family)
//   torch: Linear weight and bias U(-1/sqrt(in), 1/sqrt(in)) (PyTorch's nn.Linear default, which the
//          official LRA code keeps); Embedding weights N(0, init_std)
// LayerNorm always starts at weight 1, bias 0.
struct Init {
  enum class Scheme { bert, torch };
  Rng* rng = nullptr;
  float init_std = 0.02f;
  Scheme scheme = Scheme::bert;
};

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, const Init& init, bool with_bias = true);
  // precision: of the GEMM and its backward (core/precision.h); a model passes its BatchContext's.
  Tensor forward(const Tensor& x, Precision precision) const { return linear(x, weight, bias, precision); }
  Tensor weight;  // [out, in]
  Tensor bias;    // [out] (undefined without bias)
};

class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t dim, const Init& init, int64_t padding_idx = -1);
  Tensor forward(const Tensor& ids) const { return embedding(weight, ids, padding_idx); }
  Tensor weight;  // [num_embeddings, dim]
  int64_t padding_idx;
};

class LayerNorm : public Module {
 public:
  LayerNorm(int64_t dim, float eps);
  Tensor forward(const Tensor& x) const { return layer_norm(x, weight, bias, eps); }
  Tensor weight, bias;  // [dim]
  float eps;
};

// Inverted dropout driven by a shared Rng (owned by the model), active only in training mode. `rows`:
// which rows of the global batch x holds (autograd/dropout_rows.h; a model passes its BatchContext's).
class Dropout : public Module {
 public:
  Dropout(float p, Rng* rng) : p_(p), rng_(rng) {}
  Tensor forward(const Tensor& x, const DropoutRows& rows) const {
    return p_ > 0.f && training() ? dropout(x, p_, true, *rng_, rows) : x;
  }
  float p() const { return p_; }
  Rng* rng() const { return rng_; }  // may be null when p is 0

 private:
  float p_;
  Rng* rng_;
};

}  // namespace ponet::nn
