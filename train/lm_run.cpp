#include "train/lm_run.h"

#include "core/error.h"
#include "train/checkpoint.h"
#include "train/run_format.h"

namespace ponet::train {

LoadedLM load_lm_run(const std::string& dir, Device device) {
  const nlohmann::json options = read_run_json(dir);
  const std::string command = options.value("command", "");
  PONET_CHECK(command == "lm", dir, " is a `ponet ", command,
              "` run, not a causal language model: generation needs a run trained by `ponet lm`");
  const std::string ckpt = dir + "/checkpoint.safetensors";
  const std::string cls = checkpoint_class(ckpt);
  PONET_CHECK(cls == "PoNetForCausalLM", ckpt, ": holds a ", cls, ", not a PoNetForCausalLM");
  LoadedLM run;
  run.options = options;
  run.tokenizer = text::WordPieceTokenizer::load_vocab(dir + "/vocab.txt");
  nn::PoNetConfig config = nn::PoNetConfig::from_json(checkpoint_config(ckpt), ckpt + " (config)");
  PONET_CHECK(config.vocab_size == run.tokenizer.vocab_size(), dir, ": the checkpoint's vocab_size ", config.vocab_size,
              " does not match vocab.txt (", run.tokenizer.vocab_size(), " tokens)");
  run.model = std::make_unique<nn::PoNetForCausalLM>(config, 0);
  run.model->to(device);
  load_checkpoint(ckpt, *run.model, nullptr);
  run.model->eval();
  return run;
}

}  // namespace ponet::train
