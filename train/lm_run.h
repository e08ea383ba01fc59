// A `ponet lm` run directory (train/run_dir.h lists the files) loaded for generation: its options, its
// vocabulary and its checkpoint's PoNetForCausalLM on `device`, in eval mode. A directory written by
// another command, or whose checkpoint holds another model class, is refused saying so.
#pragma once
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "nn/ponet_for_causal_lm.h"
#include "text/tokenizer.h"

namespace ponet::train {

struct LoadedLM {
  nlohmann::json options;
  text::WordPieceTokenizer tokenizer;
  std::unique_ptr<nn::PoNetForCausalLM> model;
};
LoadedLM load_lm_run(const std::string& dir, Device device);

}  // namespace ponet::train
