// Writing a model as a Hugging Face model directory that the HF ecosystem loads as is (docs/interop.md):
//   config.json              the official layout: BERT's fields, "model_type": "bert", "architectures"
//                            (PoNetForPreTraining / PoNetForSequenceClassification for the ponet mixer,
//                            BertForMaskedLM / BertForSequenceClassification for the softmax mixer), the PoNet
//                            fields (clsgsepg, segment_num when used, num_sso_labels, the special-token ids);
//                            classifiers add num_labels, id2label, label2id. Floats as a person writes them.
//   model.safetensors        the official names (hf/format.h), metadata {"format": "pt"}; the decoder
//                            weight is left out as save_pretrained does (it is the word-embedding matrix)
//   vocab.txt, tokenizer_config.json, special_tokens_map.json   the BertTokenizer files (when a tokenizer is given)
// An LRA-family model writes its official config dict (plus "architectures") and the official LRA names; no
// Hugging Face class loads it, ponet.cpp's import does.
#pragma once
#include <string>
#include <vector>

#include "nn/model.h"
#include "text/tokenizer.h"

namespace ponet::hf {

struct HfExportOptions {
  const text::WordPieceTokenizer* tokenizer = nullptr;  // required for the HF family, optional for LRA
  // Classifiers: the label names by class id (id2label); empty gives HF's defaults LABEL_0, LABEL_1, ...
  std::vector<std::string> labels;
  int64_t model_max_length = 0;  // tokenizer_config.json; 0: max_position_embeddings
  // The element type of model.safetensors: F32, or BF16 (each weight rounded to nearest even; an HF
  // family config.json then says "torch_dtype": "bfloat16"). ponet's import reads either back as fp32.
  DType weights_dtype = DType::F32;
};

struct HfExportResult {
  std::string architecture;        // what config.json's "architectures" names
  std::vector<std::string> files;  // the files written, in out_dir
};

// Creates out_dir if needed and (over)writes the files above, each atomically. Refuses a directory that
// holds a ponet.cpp run (checkpoint.safetensors), whose config.json must not be replaced.
HfExportResult export_hf_directory(const nn::Model& model, const std::string& out_dir,
                                   const HfExportOptions& options = {});

// Writes out_dir/ponet_check.safetensors: a fixed small batch ("input.input_ids", "input.attention_mask",
// "input.token_type_ids"; LRA: ids only) and the model's eval-mode outputs for it ("output.logits": MLM
// logits [B, L, V] or class logits [B, C]; pretraining also "output.seq_relationship_logits"). With a
// tokenizer, also a sample text (metadata "tokenizer_text") and its ids ("tokenizer.input_ids"), so a
// loader can check that its tokenizer agrees. Another framework's logits for the same batch are then one
// comparison away (scripts/interop_check.py). The model is left in the training or eval mode it was in.
void write_hf_check_file(nn::Model& model, const std::string& out_dir, const text::WordPieceTokenizer* tokenizer);

// The logits write_hf_check_file stores (in the mode the model is in), for any batch of the form (tensors
// named as above, without "input."/"output."): what a test or a check compares after an import.
struct HfLogits {
  Tensor logits, seq_relationship_logits;  // the second only for pretraining models
};
HfLogits hf_logits(nn::Model& model, const Tensor& input_ids, const Tensor& attention_mask,
                   const Tensor& token_type_ids);

}  // namespace ponet::hf
