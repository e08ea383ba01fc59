#include "hf/format.h"

#include "core/error.h"

namespace ponet::hf {

namespace {

constexpr const char* kOurPrefix = "ponet.";

// name, our class, mixer, prefix, pooler, sequence head, classifier, exported
const HfArchitecture kArchitectures[] = {
    {"PoNetForPreTraining", "PoNetForPreTraining", "ponet", "ponet.", true, true, false, true},
    {"PoNetForSequenceClassification", "PoNetForSequenceClassification", "ponet", "ponet.", true, false, true, true},
    // A softmax pretraining run exports as BertForMaskedLM (what stock transformers' fill-mask wants); its
    // pooler and 3-way SSO head travel along, BertForMaskedLM ignores them (docs/interop.md).
    {"BertForMaskedLM", "PoNetForPreTraining", "softmax", "bert.", false, false, false, true},
    {"BertForSequenceClassification", "PoNetForSequenceClassification", "softmax", "bert.", true, false, true, true},
    // Read only: its 2-way NSP head does not fit our 3-way SSO head (import initialises that one fresh).
    {"BertForPreTraining", "PoNetForPreTraining", "softmax", "bert.", true, true, false, false},
    // Not a Hugging Face model: the official LRA code's names, its config dict in config.json.
    {"LraForSequenceClassification", "LraForSequenceClassification", "", "", false, false, true, true},
};

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

const HfArchitecture* find_hf_architecture(const std::string& name) {
  for (const HfArchitecture& a : kArchitectures)
    if (name == a.name) return &a;
  return nullptr;
}

const HfArchitecture& hf_architecture_for(const std::string& our_class, const std::string& mixer) {
  for (const HfArchitecture& a : kArchitectures)
    if (a.exported && our_class == a.our_class && (is_lra_architecture(a) || mixer == a.mixer)) return a;
  fail("Hugging Face export: ", our_class, " with the \"", mixer,
       "\" mixer has no Hugging Face counterpart (the HF family exports the ponet mixer as PoNet and the softmax "
       "mixer as BERT; LRA models export with any mixer)");
}

std::string hf_architecture_names() {
  std::string out;
  for (const HfArchitecture& a : kArchitectures) out += (out.empty() ? "" : ", ") + std::string(a.name);
  return out;
}

bool is_lra_architecture(const HfArchitecture& a) { return a.mixer[0] == '\0'; }

std::string to_hf_name(const std::string& ours, const HfArchitecture& a) {
  if (is_lra_architecture(a) || !starts_with(ours, kOurPrefix)) return ours;
  return a.prefix + ours.substr(std::char_traits<char>::length(kOurPrefix));
}

std::string from_hf_name(const std::string& theirs, const HfArchitecture& a) {
  if (is_lra_architecture(a)) return theirs;
  std::string name;
  if (starts_with(theirs, a.prefix))
    name = kOurPrefix + theirs.substr(std::char_traits<char>::length(a.prefix));
  else if (starts_with(theirs, "cls.") || starts_with(theirs, "classifier."))
    name = theirs;
  else
    return "";
  // checkpoints from the TensorFlow era name LayerNorm parameters gamma and beta (transformers renames them too)
  if (ends_with(name, "LayerNorm.gamma"))
    name.replace(name.size() - 5, 5, "weight");
  else if (ends_with(name, "LayerNorm.beta"))
    name.replace(name.size() - 4, 4, "bias");
  return name;
}

HfPart hf_part_of(const std::string& ours) {
  if (starts_with(ours, "ponet.pooler.")) return HfPart::pooler;
  if (starts_with(ours, kOurPrefix)) return HfPart::backbone;
  if (starts_with(ours, "cls.predictions.")) return HfPart::mlm_head;
  if (starts_with(ours, "cls.seq_relationship.")) return HfPart::sequence_head;
  if (starts_with(ours, "classifier.")) return HfPart::classifier;
  return HfPart::other;
}

const char* hf_part_label(HfPart part) {
  switch (part) {
    case HfPart::backbone:
      return "the backbone";
    case HfPart::pooler:
      return "the pooler (pooler.dense.*)";
    case HfPart::mlm_head:
      return "the MLM head (cls.predictions.*)";
    case HfPart::sequence_head:
      return "the sentence-structure head (cls.seq_relationship.*)";
    case HfPart::classifier:
      return "the classification head (classifier.*)";
    case HfPart::other:
      break;
  }
  return "other tensors";
}

}  // namespace ponet::hf
