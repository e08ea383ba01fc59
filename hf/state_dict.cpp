#include "hf/state_dict.h"

#include <cmath>
#include <cstring>
#include <set>

#include "core/error.h"

namespace ponet::hf {

namespace {

constexpr const char* kWordEmbeddings = "ponet.embeddings.word_embeddings.weight";
constexpr const char* kMlmBias = "cls.predictions.bias";
constexpr size_t kListed = 8;  // names listed per kind of problem; the rest are counted

std::string shape_text(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

std::string list(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < kListed; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > kListed) out += " and " + std::to_string(names.size() - kListed) + " more";
  return out;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// HF BERT/PoNet buffers, not parameters: recent transformers no longer saves them, older files do.
bool is_buffer(const std::string& name) {
  return ends_with(name, "embeddings.position_ids") || ends_with(name, "embeddings.token_type_ids");
}

bool same_values(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  const std::vector<float> x = a.to_vector(), y = b.to_vector();
  return std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

// Is this part of the model allowed to be absent from a checkpoint of `arch` (then it keeps its seed init)?
bool absent_by_design(HfPart part, const HfArchitecture& arch, bool sequence_head_dropped) {
  switch (part) {
    case HfPart::pooler:
      return !arch.has_pooler;
    case HfPart::sequence_head:
      return !arch.has_sequence_head || sequence_head_dropped;
    case HfPart::classifier:
      return !arch.has_classifier;
    default:
      return false;
  }
}

}  // namespace

void load_hf_state_dict(nn::Model& model, const std::map<std::string, Tensor>& weights, const HfArchitecture& arch,
                        const std::string& source, uint64_t seed, std::vector<std::string>& notes) {
  std::map<std::string, Tensor> own;
  std::set<HfPart> own_parts;
  for (auto& [name, t] : model.named_parameters()) {
    own[name] = t;
    own_parts.insert(hf_part_of(name));
  }
  const bool lra = is_lra_architecture(arch);

  std::map<std::string, Tensor> state;        // our name -> the file's tensor
  std::map<std::string, std::string> origin;  // our name -> the file's name
  std::vector<std::string> unexpected, wrong_shape;
  std::map<HfPart, int64_t> dropped;  // heads the model does not use: tensor counts
  Tensor decoder_weight, decoder_bias;
  bool sequence_head_dropped = false;
  int64_t buffers = 0;
  for (auto& [name, t] : weights) {
    if (!lra && is_buffer(name)) {
      ++buffers;
      continue;
    }
    if (!lra && name == "cls.predictions.decoder.weight") {
      decoder_weight = t;
      continue;
    }
    if (!lra && name == "cls.predictions.decoder.bias") {
      decoder_bias = t;
      continue;
    }
    const std::string ours = from_hf_name(name, arch);
    const HfPart part = lra ? HfPart::other : hf_part_of(ours);
    if (ours.empty()) {
      unexpected.push_back(name);
      continue;
    }
    auto it = own.find(ours);
    if (it == own.end()) {
      const bool head = part == HfPart::mlm_head || part == HfPart::sequence_head || part == HfPart::classifier;
      if (!lra && head && !own_parts.count(part))
        ++dropped[part];
      else
        unexpected.push_back(name);
      continue;
    }
    if (t.dtype() != DType::F32 || t.shape() != it->second.shape()) {
      // BERT's NSP head has 2 outputs; ours has num_sso_labels (3): keep our fresh one
      if (part == HfPart::sequence_head && std::string(arch.name) == "BertForPreTraining") {
        sequence_head_dropped = true;
        continue;
      }
      wrong_shape.push_back(name + " " + (t.dtype() == DType::F32 ? "" : "(I64) ") + shape_text(t.shape()) +
                            " where the model has " + shape_text(it->second.shape()));
      continue;
    }
    if (state.count(ours)) {  // e.g. both LayerNorm.gamma and LayerNorm.weight
      unexpected.push_back(name + " (a second tensor for " + ours + ", after " + origin[ours] + ")");
      continue;
    }
    state[ours] = t;
    origin[ours] = name;
  }

  // The tied decoder aliases: HF files may carry them; they must be what they alias.
  if (decoder_weight.defined() || decoder_bias.defined()) {
    if (!own_parts.count(HfPart::mlm_head)) {
      dropped[HfPart::mlm_head] += decoder_weight.defined() + decoder_bias.defined();
    } else {
      if (decoder_weight.defined() && state.count(kWordEmbeddings))
        PONET_CHECK(same_values(decoder_weight, state[kWordEmbeddings]), source,
                    ": cls.predictions.decoder.weight differs from the word embeddings; ponet.cpp ties the MLM "
                    "decoder to them (untied decoders are not supported)");
      if (decoder_bias.defined()) {
        if (state.count(kMlmBias))
          PONET_CHECK(same_values(decoder_bias, state[kMlmBias]), source,
                      ": cls.predictions.decoder.bias differs from cls.predictions.bias, which it aliases");
        else if (decoder_bias.shape() == own[kMlmBias].shape() && decoder_bias.dtype() == DType::F32)
          state[kMlmBias] = decoder_bias;  // some writers keep only the alias
      }
    }
  }

  std::vector<std::string> missing;
  std::map<HfPart, std::vector<std::string>> fresh;
  for (auto& [name, t] : own) {
    if (state.count(name)) continue;
    const HfPart part = lra ? HfPart::other : hf_part_of(name);
    if (!lra && absent_by_design(part, arch, sequence_head_dropped)) {
      fresh[part].push_back(name);
      state[name] = t.clone();  // the model's own initialisation
    } else {
      missing.push_back(to_hf_name(name, arch));
    }
  }
  if (!missing.empty() || !unexpected.empty() || !wrong_shape.empty()) {
    std::string what;
    if (!missing.empty()) what += "; missing tensors (" + std::to_string(missing.size()) + "): " + list(missing);
    if (!unexpected.empty())
      what += "; unexpected tensors (" + std::to_string(unexpected.size()) + "): " + list(unexpected);
    if (!wrong_shape.empty())
      what += "; wrong shapes (" + std::to_string(wrong_shape.size()) + "): " + list(wrong_shape);
    fail(source, " does not fit ", model.class_name(), " (as ", arch.name, ")", what);
  }
  for (auto& [name, t] : state)
    if (t.dtype() == DType::F32)
      for (float v : t.to_vector())
        PONET_CHECK(std::isfinite(v), source, ": tensor '", origin.count(name) ? origin[name] : name, "' holds ", v,
                    " (non-finite weights are refused)");

  for (auto& [part, count] : dropped)
    notes.push_back(std::string("dropped ") + hf_part_label(part) + ", " + std::to_string(count) + " tensors, which " +
                    model.class_name() + " does not use");
  for (auto& [part, names] : fresh)
    notes.push_back(std::string(hf_part_label(part)) + " is not in this " + arch.name +
                    (part == HfPart::sequence_head && sequence_head_dropped
                         ? " checkpoint in our shape (BERT's NSP head has 2 outputs)"
                         : " checkpoint") +
                    ": initialised from seed " + std::to_string(seed));
  if (buffers > 0)
    notes.push_back("skipped " + std::to_string(buffers) + " buffer(s) (embeddings.position_ids / token_type_ids)");
  model.load_state_dict(state, true);
}

}  // namespace ponet::hf
