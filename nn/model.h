// Model: the base of every complete model (backbone + head). It owns the two random streams a model
// needs (initialisation and dropout) and says how to rebuild itself, so checkpoints, the trainer and the
// CLI work with any model without knowing which one it is.
#pragma once
#include <string>

#include "nn/module.h"

namespace ponet::nn {

class Model : public Module {
 public:
  // The dropout stream is derived from the seed so one number reproduces a run.
  explicit Model(uint64_t seed) : init_rng_(seed), dropout_rng_(seed ^ 0x5eed5eed5eedULL) {}

  // The model config as JSON (with its "family"), which make_model() turns back into this model.
  virtual std::string config_json() const = 0;
  // The class (e.g. "PoNetForPreTraining"), stored beside the config so make_model() can rebuild it.
  virtual std::string class_name() const = 0;
  Rng& dropout_rng() { return dropout_rng_; }
  // The device of the parameters (all of them live on one).
  Device device() const { return parameters().front().device(); }

 protected:
  Rng init_rng_, dropout_rng_;
};

}  // namespace ponet::nn
