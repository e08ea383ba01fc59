// What export (hf/export.h) and import (hf/import.h) of Hugging Face directories share: the
// architectures we read and write, how their state-dict names map onto ours, and the file names.
//
// Our HF-family models name their parameters as the official PoNet checkpoints do ("ponet.embeddings...",
// "cls.predictions...", "classifier..."). A BERT is the same model with the `softmax` mixer: its backbone
// lives under "bert." instead of "ponet." and its attention is "attention.self.{query,key,value}", which
// is what our softmax mixer registers already. So one prefix swap maps every name both ways.
#pragma once
#include <cstdint>
#include <string>

namespace ponet::hf {

// The files of a Hugging Face model directory.
inline constexpr const char* kHfConfigFile = "config.json";
inline constexpr const char* kHfWeightsFile = "model.safetensors";
inline constexpr const char* kHfShardIndexFile = "model.safetensors.index.json";
inline constexpr const char* kHfPickleFile = "pytorch_model.bin";
inline constexpr const char* kHfPickleIndexFile = "pytorch_model.bin.index.json";
inline constexpr const char* kHfVocabFile = "vocab.txt";
inline constexpr const char* kHfTokenizerConfigFile = "tokenizer_config.json";
inline constexpr const char* kHfSpecialTokensFile = "special_tokens_map.json";
// Written by write_hf_check_file(): a fixed batch and our logits for it, for scripts/interop_check.py.
inline constexpr const char* kHfCheckFile = "ponet_check.safetensors";

// One "architectures" entry of config.json that we read (and, where `exported`, write).
struct HfArchitecture {
  const char* name;        // e.g. "BertForMaskedLM"
  const char* our_class;   // the nn::make_model class it loads as
  const char* mixer;       // "ponet" or "softmax"; "" for the LRA family
  const char* prefix;      // the backbone's state-dict prefix: "ponet.", "bert." ("" for LRA)
  bool has_pooler;         // BertForMaskedLM has none: its pooler is initialised fresh on import
  bool has_sequence_head;  // cls.seq_relationship (SSO, or BERT's 2-way NSP)
  bool has_classifier;     // classifier.*
  bool exported;           // export_hf_directory writes this architecture
};

// nullptr when the name is not one we know.
const HfArchitecture* find_hf_architecture(const std::string& name);
// The architecture export writes for one of our classes and mixers; throws for combinations with no
// Hugging Face counterpart (e.g. the fnet mixer in the HF family).
const HfArchitecture& hf_architecture_for(const std::string& our_class, const std::string& mixer);
// "PoNetForPreTraining, PoNetForSequenceClassification, ...", for error messages.
std::string hf_architecture_names();
bool is_lra_architecture(const HfArchitecture& a);

// Our name -> the architecture's ("ponet.x" -> "bert.x"; heads keep their names).
std::string to_hf_name(const std::string& ours, const HfArchitecture& a);
// The architecture's name -> ours, or "" when the name belongs to neither the backbone nor a head we
// know (the caller reports it). Legacy LayerNorm names (gamma, beta) read as weight, bias.
std::string from_hf_name(const std::string& theirs, const HfArchitecture& a);

// Which part of our HF-family model a (our) parameter name belongs to.
enum class HfPart { backbone, pooler, mlm_head, sequence_head, classifier, other };
HfPart hf_part_of(const std::string& ours);
const char* hf_part_label(HfPart part);  // "the pooler", "the MLM head (cls.predictions.*)", ...

}  // namespace ponet::hf
