// FNet's token mixing: Re(FFT_seq(FFT_hidden(x))) over the whole padded length, no parameters, no mask
// (padding takes part, as in the official LRA code), and no output projection after it (the official
// forward replaces `ff` by the identity). The transform is the fourier_mix op (autograd/ops.h).
#pragma once
#include "nn/token_mixer.h"

namespace ponet::nn {

class FNetMixer : public TokenMixer {
 public:
  explicit FNetMixer(const MixerOptions& options) : dim_(options.dim) {}
  Tensor forward(const Tensor& x, const BatchContext&) const override { return fourier_mix(x); }
  bool has_output_projection() const override { return false; }
  int64_t output_dim() const override { return dim_; }

 private:
  int64_t dim_;
};

inline std::shared_ptr<TokenMixer> make_fnet_mixer(const MixerOptions& options) {
  return std::make_shared<FNetMixer>(options);
}

}  // namespace ponet::nn
