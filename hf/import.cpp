#include "hf/import.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "autograd/ops.h"
#include "core/error.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "nn/config_json.h"
#include "nn/lra_config.h"
#include "nn/model_factory.h"
#include "nn/ponet_config.h"
#include "hf/format.h"
#include "hf/state_dict.h"
#include "hf/tokenizer.h"

namespace ponet::hf {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json read_json(const std::string& path) { return nn::parse_config_object(io::read_file(path), path); }

bool present(const json& j, const char* key) { return j.contains(key) && !j[key].is_null(); }

const HfArchitecture& architecture_of(const json& config, const std::string& where) {
  PONET_CHECK(config.contains("architectures"), where, ": no \"architectures\" field (expected one of ",
              hf_architecture_names(), ")");
  const json& a = config["architectures"];
  PONET_CHECK(a.is_array() && a.size() == 1 && a[0].is_string(), where,
              ": \"architectures\" must be a list of one name, got ", a.dump());
  const HfArchitecture* arch = find_hf_architecture(a[0].get<std::string>());
  PONET_CHECK(arch, where, ": architecture \"", a[0].get<std::string>(), "\" is not one ponet.cpp reads (",
              hf_architecture_names(), ")");
  return *arch;
}

// id2label as a list by class id; empty when the config has none.
std::vector<std::string> read_labels(const json& config, const std::string& where) {
  if (!present(config, "id2label")) return {};
  const json& m = config["id2label"];
  PONET_CHECK(m.is_object() && !m.empty(), where, ": \"id2label\" must be a non-empty object");
  std::vector<std::string> labels(m.size());
  std::vector<bool> seen(m.size(), false);
  for (auto& [key, value] : m.items()) {
    size_t id = 0, used = 0;
    try {
      id = std::stoul(key, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    PONET_CHECK(used == key.size() && id < labels.size() && !seen[id] && value.is_string(), where,
                ": \"id2label\" must map the ids 0..", labels.size() - 1, " to names, got \"", key,
                "\": ", value.dump());
    seen[id] = true;
    labels[id] = value.get<std::string>();
  }
  return labels;
}

// config.json of a PoNet or BERT checkpoint -> our PoNetConfig.
nn::PoNetConfig hf_family_config(const json& j, const HfArchitecture& arch, const HfDirectory& dir_state,
                                 const std::string& where, std::vector<std::string>& notes) {
  nn::PoNetConfig c;
  c.mixer = arch.mixer;
  bool has_cls = false, has_sep = false, has_mask = false, has_pad = false;
  std::vector<std::string> ignored;
  auto read_id = [&](const json& value, const std::string& key, int64_t& id, bool& seen) {
    nn::read_config_field(value, key, id, where);
    seen = true;
  };
  // fields every HF config carries that change nothing in the model
  static const std::set<std::string> bookkeeping = {"architectures",
                                                    "model_type",
                                                    "transformers_version",
                                                    "dtype",
                                                    "torch_dtype",
                                                    "use_cache",
                                                    "gradient_checkpointing",
                                                    "_name_or_path",
                                                    "bos_token_id",
                                                    "eos_token_id",
                                                    "id2label",
                                                    "label2id",
                                                    "auto_map",
                                                    "chunk_size_feed_forward",
                                                    "output_past",
                                                    "num_labels"};
  for (auto& [key, value] : j.items()) {
    if (value.is_null() || bookkeeping.count(key)) continue;
    if (key == "vocab_size")
      nn::read_config_field(value, key, c.vocab_size, where);
    else if (key == "hidden_size")
      nn::read_config_field(value, key, c.hidden_size, where);
    else if (key == "num_hidden_layers")
      nn::read_config_field(value, key, c.num_hidden_layers, where);
    else if (key == "num_attention_heads")
      nn::read_config_field(value, key, c.num_attention_heads, where);
    else if (key == "intermediate_size")
      nn::read_config_field(value, key, c.intermediate_size, where);
    else if (key == "hidden_act")
      nn::read_config_field(value, key, c.hidden_act, where);
    else if (key == "hidden_dropout_prob")
      nn::read_config_field(value, key, c.hidden_dropout_prob, where);
    else if (key == "attention_probs_dropout_prob")
      nn::read_config_field(value, key, c.attention_probs_dropout_prob, where);
    else if (key == "max_position_embeddings")
      nn::read_config_field(value, key, c.max_position_embeddings, where);
    else if (key == "type_vocab_size")
      nn::read_config_field(value, key, c.type_vocab_size, where);
    else if (key == "initializer_range")
      nn::read_config_field(value, key, c.initializer_range, where);
    else if (key == "layer_norm_eps")
      nn::read_config_field(value, key, c.layer_norm_eps, where);
    else if (key == "pad_token_id")
      read_id(value, key, c.pad_token_id, has_pad);
    else if (key == "cls_token_id")
      read_id(value, key, c.cls_token_id, has_cls);
    else if (key == "sep_token_id")
      read_id(value, key, c.sep_token_id, has_sep);
    else if (key == "mask_token_id")
      read_id(value, key, c.mask_token_id, has_mask);
    else if (key == "clsgsepg")
      nn::read_config_field(value, key, c.clsgsepg, where);
    else if (key == "segment_num")
      nn::read_config_field(value, key, c.segment_num, where);
    else if (key == "num_sso_labels")
      nn::read_config_field(value, key, c.num_sso_labels, where);
    else if (key == "position_embedding_type") {
      PONET_CHECK(value == "absolute", where, ": position_embedding_type ", value.dump(),
                  " is not supported (only \"absolute\", learned positions)");
    } else if (key == "is_decoder" || key == "add_cross_attention") {
      PONET_CHECK(value == false, where, ": ", key, " true is not supported (an encoder-only model)");
    } else if (key == "tie_word_embeddings") {
      PONET_CHECK(value == true, where,
                  ": tie_word_embeddings false is not supported (the MLM decoder is the word "
                  "embedding matrix)");
    } else if (key == "problem_type") {
      PONET_CHECK(value == "single_label_classification" || value == "regression", where, ": problem_type ",
                  value.dump(), " is not supported (single-label classification, or regression with 1 label)");
    } else if (key == "layer_norm_position") {
      // not an HF field; a directory that says "pre" was not written by an HF class (nor by our export)
      PONET_CHECK(value == "post", where, ": layer_norm_position ", value.dump(),
                  " is not supported here (the Hugging Face PoNet and BERT blocks are post-LN)");
    } else if (key == "classifier_dropout") {
      notes.push_back("classifier_dropout " + value.dump() +
                      " ignored: our classifier's dropout is hidden_dropout_prob (it matters only in training)");
    } else {
      ignored.push_back(key);
    }
  }
  if (!ignored.empty()) {
    std::string names;
    for (auto& k : ignored) names += (names.empty() ? "" : ", ") + k;
    notes.push_back("config.json fields without effect here, ignored: " + names);
  }
  // The special-token ids: the vocabulary's, which a config that names them must agree with.
  if (dir_state.has_tokenizer) {
    const text::WordPieceTokenizer& tok = dir_state.tokenizer;
    PONET_CHECK(tok.vocab_size() <= c.vocab_size, where, ": vocab.txt has ", tok.vocab_size(),
                " tokens but vocab_size is ", c.vocab_size);
    for (auto [token, seen, field, name] : {std::tuple{tok.cls_id(), has_cls, &c.cls_token_id, "cls_token_id [CLS]"},
                                            {tok.sep_id(), has_sep, &c.sep_token_id, "sep_token_id [SEP]"},
                                            {tok.mask_id(), has_mask, &c.mask_token_id, "mask_token_id [MASK]"},
                                            {tok.pad_id(), has_pad, &c.pad_token_id, "pad_token_id [PAD]"}}) {
      PONET_CHECK(!seen || *field == token, where, ": ", name, " is ", *field, " but vocab.txt has that token at ",
                  token);
      *field = token;
    }
  }
  return c;
}

std::string lra_config_json(json j, const std::string& where) {
  for (const char* key : {"architectures", "id2label", "label2id", "model_type", "transformers_version"}) j.erase(key);
  return nn::LraConfig::from_json(j.dump(), where).to_json();
}

}  // namespace

bool is_hf_directory(const std::string& dir) {
  const std::string path = dir + "/" + kHfConfigFile;
  if (!fs::is_regular_file(path)) return false;
  try {
    return read_json(path).contains("architectures");
  } catch (const Error&) {
    return false;
  }
}

namespace {
// bfloat16 weights (`ponet export --dtype bf16`, or a checkpoint saved in bf16) widen exactly to the
// fp32 the model keeps.
std::map<std::string, Tensor> as_float32(std::map<std::string, Tensor> weights) {
  for (auto& [name, t] : weights)
    if (t.dtype() == DType::BF16) t = convert_dtype(t, DType::F32);
  return weights;
}
}  // namespace

std::map<std::string, Tensor> read_hf_weights(const std::string& dir) {
  const std::string single = dir + "/" + kHfWeightsFile, index = dir + "/" + kHfShardIndexFile;
  if (fs::exists(single)) return as_float32(io::load_safetensors(single).tensors);
  if (fs::exists(index)) return as_float32(io::load_safetensors_sharded(index).tensors);
  for (const char* pickle : {kHfPickleFile, kHfPickleIndexFile})
    PONET_CHECK(!fs::exists(dir + "/" + pickle), dir, " holds ", pickle,
                " only (PyTorch's pickle format, which ponet.cpp does not read); convert it once with: "
                "scripts/convert_to_safetensors.py ",
                dir);
  fail(dir, ": no model.safetensors or model.safetensors.index.json");
}

HfDirectory load_hf_directory(const std::string& dir, Device device, const HfLoadOptions& options) {
  const std::string config_path = dir + "/" + kHfConfigFile;
  PONET_CHECK(fs::is_regular_file(config_path), dir, ": not a Hugging Face model directory (no config.json)");
  const json config = read_json(config_path);
  const HfArchitecture& arch = architecture_of(config, config_path);
  HfDirectory out;
  out.architecture = arch.name;
  out.model_class = options.model_class.empty() ? arch.our_class : options.model_class;
  out.has_tokenizer = read_hf_tokenizer(dir, out.tokenizer, out.notes);
  const std::vector<std::string> labels = read_labels(config, config_path);

  const bool lra = is_lra_architecture(arch);
  const bool target_classifier = nn::is_classifier_class(out.model_class);
  if (lra) {
    PONET_CHECK(out.model_class == arch.our_class, dir, ": an ", arch.name, " directory loads as ", arch.our_class,
                " only, not ", out.model_class);
    out.config_json = lra_config_json(config, config_path);
    const nn::LraConfig c = nn::LraConfig::from_json(out.config_json, config_path);
    PONET_CHECK(options.num_labels <= 0 || options.num_labels == c.num_classes, dir, ": the classifier has ",
                c.num_classes, " classes, ", options.num_labels, " requested");
    PONET_CHECK(options.max_length <= c.max_seq_len, dir, ": the position embeddings cover ", c.max_seq_len,
                " positions (max_seq_len), ", options.max_length, " requested");
    if (labels.size() == static_cast<size_t>(c.num_classes)) out.labels = labels;
  } else {
    PONET_CHECK(out.model_class == "PoNetForPreTraining" || out.model_class == "PoNetForSequenceClassification", dir,
                ": a ", arch.name, " directory loads as PoNetForPreTraining or PoNetForSequenceClassification, not ",
                out.model_class);
    nn::PoNetConfig c = hf_family_config(config, arch, out, config_path, out.notes);
    // the source's label count: num_labels, else id2label's (transformers derives one from the other)
    int64_t source_labels = labels.empty() ? 2 : static_cast<int64_t>(labels.size());
    if (present(config, "num_labels")) {
      nn::read_config_field(config["num_labels"], "num_labels", source_labels, config_path);
      PONET_CHECK(labels.empty() || static_cast<size_t>(source_labels) == labels.size(), config_path, ": num_labels ",
                  source_labels, " but id2label names ", labels.size());
    }
    if (target_classifier) {
      PONET_CHECK(options.num_labels > 0 || arch.has_classifier, dir, ": loading the ", arch.name,
                  " checkpoint as a classifier needs the number of labels");
      c.num_labels = options.num_labels > 0 ? options.num_labels : source_labels;
      PONET_CHECK(!arch.has_classifier || c.num_labels == source_labels, dir, ": the checkpoint's classifier has ",
                  source_labels, " outputs, ", c.num_labels,
                  " requested (fine-tune from a pretraining checkpoint to change the label set)");
      if (arch.has_classifier) out.labels = labels;
    }
    try {
      c.validate();
    } catch (const Error& e) {
      fail(config_path, ": ", e.what());
    }
    PONET_CHECK(options.max_length <= c.max_position_embeddings, dir, ": the position embeddings cover ",
                c.max_position_embeddings, " positions (max_position_embeddings), ", options.max_length, " requested");
    out.config_json = c.to_json();
  }

  out.model = nn::make_model(out.model_class, out.config_json, options.seed, config_path);
  const std::string weights_source =
      fs::exists(dir + "/" + kHfWeightsFile) ? dir + "/" + kHfWeightsFile : dir + "/" + kHfShardIndexFile;
  load_hf_state_dict(*out.model, read_hf_weights(dir), arch, weights_source, options.seed, out.notes);
  out.model->to(device);
  out.model->eval();
  return out;
}

}  // namespace ponet::hf
