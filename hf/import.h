// Reading a Hugging Face model directory (docs/interop.md): config.json + model.safetensors (or a sharded
// model.safetensors.index.json) + vocab.txt / tokenizer_config.json of a PoNet or BERT checkpoint, or the
// LRA directories export_hf_directory writes.
//
// "architectures" picks the mapping (hf/format.h): PoNetFor* load with the ponet mixer under
// "ponet.", BertFor* with the softmax mixer under "bert.". Strict like a checkpoint load: missing, extra
// and mis-shaped tensors are errors that name them. Tolerated, each listed once in `notes`:
//   - a head the requested class does not use (a pretraining checkpoint loaded as a classifier drops
//     cls.*);
//   - parts the source architecture does not have, initialised from the seed (BertForMaskedLM has no
//     pooler and no sentence head, a pretraining checkpoint no classifier, BertForPreTraining's NSP head
//     has 2 outputs where ours has num_sso_labels);
//   - HF buffers (embeddings.position_ids, embeddings.token_type_ids) and the tied decoder aliases
//     cls.predictions.decoder.{weight,bias}, which must equal the tensors they alias;
//   - config.json fields that change nothing here (and no tokenizer_config.json: uncased assumed).
// A directory with only pytorch_model.bin is refused with the one-line conversion to run.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "nn/model.h"
#include "text/tokenizer.h"

namespace ponet::hf {

// Has config.json naming "architectures" (our run directories have a config.json without it).
bool is_hf_directory(const std::string& dir);

struct HfLoadOptions {
  // The class to build: "" = the directory's own; or PoNetForSequenceClassification to fine-tune a
  // pretraining checkpoint (then num_labels is required), or PoNetForPreTraining.
  std::string model_class;
  int64_t num_labels = 0;  // classifier: the number of outputs (0: the directory's own)
  int64_t max_length = 0;  // > 0: the longest sequence the caller will feed; longer than the position table is an error
  uint64_t seed = 0;       // initialises whatever the checkpoint does not hold (see above)
};

struct HfDirectory {
  std::string architecture;  // config.json's
  std::string model_class;   // ours, as nn::make_model names it
  std::string config_json;   // our config JSON (with "family"), what checkpoints store
  bool has_tokenizer = false;
  text::WordPieceTokenizer tokenizer;  // vocab.txt with do_lower_case from tokenizer_config.json
  std::vector<std::string> labels;     // id2label by class id, when the directory is a classifier
  std::unique_ptr<nn::Model> model;    // weights loaded, on the requested device, eval mode
  std::vector<std::string> notes;      // what was tolerated (see above), one line each
};

HfDirectory load_hf_directory(const std::string& dir, Device device = Device::cpu(), const HfLoadOptions& options = {});

// The state dict of a directory, names as stored: model.safetensors, else the sharded index. Only
// pytorch_model.bin: an error naming scripts/convert_to_safetensors.py.
std::map<std::string, Tensor> read_hf_weights(const std::string& dir);

}  // namespace ponet::hf
