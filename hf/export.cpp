#include "hf/export.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "core/error.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "io/json_text.h"
#include "nn/lra.h"
#include "nn/model_factory.h"
#include "nn/ponet_for_pretraining.h"
#include "nn/ponet_classification.h"
#include "hf/format.h"

namespace ponet::hf {

namespace fs = std::filesystem;
using nlohmann::json;
using io::json_float;

namespace {

// The official PoNet code has no ablation switch: a model without a branch would load there as the full
// PoNet and compute something else, so its export is refused.
void check_full_ponet(const PoNetBranches& branches, const std::string& where) {
  std::string kept;
  for (const std::string& n : nn::ponet_branch_names(branches)) kept += (kept.empty() ? "" : ", ") + n;
  PONET_CHECK(branches.all(), where, ": the model keeps only the PoNet branches (ponet_branches [", kept,
              "]); the official code has no such switch and would load it as the full PoNet, so it is not exported");
}

// The HF PoNet and BERT classes compute the post-LN block: a pre-LN model's weights would load there
// (all but the final LayerNorm) and compute something else, so its export is refused.
void check_post_ln(nn::LayerNormPosition position, const std::string& where) {
  PONET_CHECK(position == nn::LayerNormPosition::post, where, ": layer_norm_position ",
              nn::layer_norm_position_name(position),
              " has no Hugging Face counterpart (the PoNet and BERT classes are post-LN), so it is not exported");
}

// id2label / label2id as transformers writes them: string ids ("0") to names, names to integer ids.
void add_labels(json& j, int64_t num_labels, const std::vector<std::string>& labels, const std::string& out_dir) {
  PONET_CHECK(labels.empty() || static_cast<int64_t>(labels.size()) == num_labels, "Hugging Face export to '", out_dir,
              "': ", labels.size(), " label names given for a model with ", num_labels, " outputs");
  json id2label = json::object(), label2id = json::object();
  for (int64_t i = 0; i < num_labels; ++i) {
    const std::string name = labels.empty() ? "LABEL_" + std::to_string(i) : labels[static_cast<size_t>(i)];
    PONET_CHECK(!label2id.contains(name), "Hugging Face export to '", out_dir, "': label \"", name, "\" is repeated");
    id2label[std::to_string(i)] = name;
    label2id[name] = i;
  }
  j["num_labels"] = num_labels;
  j["id2label"] = id2label;
  j["label2id"] = label2id;
  if (num_labels == 1) j["problem_type"] = "regression";  // our num_labels == 1 head is a regression (MSE)
}

json hf_family_config(const nn::PoNetConfig& c, const HfArchitecture& a, const std::string& our_class,
                      const std::vector<std::string>& labels, const std::string& out_dir) {
  json j = {{"architectures", json::array({a.name})},
            // the official PoNet checkpoints say "bert" too; "architectures" tells them apart
            {"model_type", "bert"},
            {"vocab_size", c.vocab_size},
            {"hidden_size", c.hidden_size},
            {"num_hidden_layers", c.num_hidden_layers},
            {"num_attention_heads", c.num_attention_heads},
            {"intermediate_size", c.intermediate_size},
            {"hidden_act", c.hidden_act},
            {"hidden_dropout_prob", json_float(c.hidden_dropout_prob)},
            {"attention_probs_dropout_prob", json_float(c.attention_probs_dropout_prob)},
            {"max_position_embeddings", c.max_position_embeddings},
            {"type_vocab_size", c.type_vocab_size},
            {"initializer_range", json_float(c.initializer_range)},
            {"layer_norm_eps", json_float(c.layer_norm_eps)},
            {"pad_token_id", c.pad_token_id},
            {"position_embedding_type", "absolute"},
            {"tie_word_embeddings", true},
            // PoNet's special-token rule and derived segments read these ids; BERT ignores them
            {"cls_token_id", c.cls_token_id},
            {"sep_token_id", c.sep_token_id},
            {"mask_token_id", c.mask_token_id}};
  if (std::string(a.mixer) == "ponet") {
    j["clsgsepg"] = c.clsgsepg;
    if (c.segment_num > 0) j["segment_num"] = c.segment_num;
  }
  if (nn::is_classifier_class(our_class))
    add_labels(j, c.num_labels, labels, out_dir);
  else
    j["num_sso_labels"] = c.num_sso_labels;
  return j;
}

json lra_config(const nn::LraConfig& c, const std::vector<std::string>& labels, const std::string& out_dir) {
  json j = json::parse(c.to_json());
  j.erase("family");  // the official dict has none; "architectures" names the family on import
  j["architectures"] = json::array({"LraForSequenceClassification"});
  add_labels(j, c.num_classes, labels, out_dir);
  j.erase("num_labels");  // the LRA dict says num_classes; the labels maps are enough
  j.erase("problem_type");
  return j;
}

void check_tokenizer(const text::WordPieceTokenizer& tok, const nn::PoNetConfig& c, const std::string& out_dir) {
  const std::string where = "Hugging Face export to '" + out_dir + "'";
  PONET_CHECK(tok.vocab_size() <= c.vocab_size, where, ": the vocabulary has ", tok.vocab_size(),
              " tokens but the model only ", c.vocab_size, " embeddings");
  for (auto [token, ours, model] : {std::tuple{"[PAD]", tok.pad_id(), c.pad_token_id},
                                    {"[CLS]", tok.cls_id(), c.cls_token_id},
                                    {"[SEP]", tok.sep_id(), c.sep_token_id},
                                    {"[MASK]", tok.mask_id(), c.mask_token_id}})
    PONET_CHECK(ours == model, where, ": the vocabulary has ", token, " at ", ours, " but the model config says ",
                model);
}

void write_tokenizer(const text::WordPieceTokenizer& tok, int64_t max_length, const std::string& out_dir,
                     std::vector<std::string>& files) {
  tok.save_vocab(out_dir + "/" + kHfVocabFile);
  const json specials = {{"unk_token", "[UNK]"},
                         {"sep_token", "[SEP]"},
                         {"pad_token", "[PAD]"},
                         {"cls_token", "[CLS]"},
                         {"mask_token", "[MASK]"}};
  json config = specials;
  config["tokenizer_class"] = "BertTokenizer";
  config["do_lower_case"] = tok.casing() == text::Casing::kLower;
  config["strip_accents"] = nullptr;  // BERT's default: strip exactly when lowercasing, as ours does
  config["tokenize_chinese_chars"] = true;
  config["model_max_length"] = max_length;
  io::write_file_atomically(out_dir + "/" + kHfTokenizerConfigFile, io::json_text(config, 2) + "\n");
  io::write_file_atomically(out_dir + "/" + kHfSpecialTokensFile, io::json_text(specials, 2) + "\n");
  files.insert(files.end(), {kHfVocabFile, kHfTokenizerConfigFile, kHfSpecialTokensFile});
}

// A fixed batch for the check file: row 0 fills the length, row 1 is padded. HF family: [CLS] A [SEP]
// B [SEP] with token type 1 on B; LRA: ordinary ids, 0 = padding. Ordinary ids avoid the special ones.
struct CheckBatch {
  Tensor input_ids, attention_mask, token_type_ids;
};

CheckBatch check_batch(int64_t vocab, int64_t max_length, int64_t type_vocab, std::vector<int64_t> specials,
                       int64_t pad, bool sentence_pair) {
  const int64_t B = 2, L = std::min<int64_t>(16, max_length);
  std::vector<int64_t> ids(B * L, pad), mask(B * L, 0), types(B * L, 0);
  uint64_t state = 12345;
  auto ordinary = [&] {
    for (;;) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      const int64_t id = static_cast<int64_t>((state >> 33) % static_cast<uint64_t>(vocab));
      if (std::find(specials.begin(), specials.end(), id) == specials.end()) return id;
    }
  };
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = b == 0 ? L : std::max<int64_t>(1, (2 * L) / 3);
    const int64_t middle = n / 2;
    for (int64_t l = 0; l < n; ++l) {
      const int64_t i = b * L + l;
      mask[i] = 1;
      ids[i] = ordinary();
      if (!sentence_pair) continue;
      if (l == 0)
        ids[i] = specials[0];  // [CLS]
      else if (l == n - 1 || (n >= 4 && l == middle))
        ids[i] = specials[1];  // [SEP]
      if (type_vocab > 1 && n >= 4 && l > middle) types[i] = 1;
    }
  }
  return {Tensor::from_vector_i64(ids, {B, L}), Tensor::from_vector_i64(mask, {B, L}),
          Tensor::from_vector_i64(types, {B, L})};
}

}  // namespace

HfExportResult export_hf_directory(const nn::Model& model, const std::string& out_dir, const HfExportOptions& options) {
  const std::string where = "Hugging Face export to '" + out_dir + "'";
  PONET_CHECK(options.weights_dtype == DType::F32 || options.weights_dtype == DType::BF16, where,
              ": weights can be written as float32 or bfloat16, not ", dtype_name(options.weights_dtype));
  PONET_CHECK(!fs::exists(out_dir + "/checkpoint.safetensors"), where,
              ": the directory holds a ponet.cpp run (checkpoint.safetensors); export into another directory");
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  PONET_CHECK(!ec && fs::is_directory(out_dir), where, ": cannot create the directory (", ec.message(), ")");

  const std::string our_class = model.class_name();
  const std::string family = nn::config_family(model.config_json(), our_class + " config");
  HfExportResult result;
  json config;
  int64_t max_positions = 0;
  const HfArchitecture* arch = nullptr;
  if (family == "lra") {
    const nn::LraConfig c = nn::LraConfig::from_json(model.config_json(), our_class + " config");
    check_full_ponet(c.ponet_branches, where);
    arch = &hf_architecture_for(our_class, c.attn_type);
    config = lra_config(c, options.labels, out_dir);
    max_positions = c.max_seq_len;
  } else {
    const nn::PoNetConfig c = nn::PoNetConfig::from_json(model.config_json(), our_class + " config");
    check_full_ponet(c.ponet_branches, where);
    check_post_ln(c.layer_norm_position, where);
    arch = &hf_architecture_for(our_class, c.mixer);
    PONET_CHECK(options.tokenizer, where, ": a ", arch->name, " directory needs the vocabulary (no tokenizer given)");
    check_tokenizer(*options.tokenizer, c, out_dir);
    config = hf_family_config(c, *arch, our_class, options.labels, out_dir);
    if (options.weights_dtype == DType::BF16) config["torch_dtype"] = "bfloat16";
    max_positions = c.max_position_embeddings;
  }
  result.architecture = arch->name;

  io::write_file_atomically(out_dir + "/" + kHfConfigFile, io::json_text(config, 2) + "\n");
  result.files.push_back(kHfConfigFile);
  // Our state dict holds no decoder weight (the MLM decoder is the word-embedding matrix), which is the
  // form save_pretrained writes; transformers ties it again on load.
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (auto& [name, t] : model.named_parameters())
    tensors.emplace_back(to_hf_name(name, *arch), convert_dtype(t, options.weights_dtype));
  io::save_safetensors(out_dir + "/" + kHfWeightsFile, tensors, {{"format", "pt"}});
  result.files.push_back(kHfWeightsFile);
  if (options.tokenizer)
    write_tokenizer(*options.tokenizer, options.model_max_length > 0 ? options.model_max_length : max_positions,
                    out_dir, result.files);
  return result;
}

HfLogits hf_logits(nn::Model& model, const Tensor& input_ids, const Tensor& attention_mask,
                   const Tensor& token_type_ids) {
  NoGrad no_grad;
  HfLogits out;
  if (auto* m = dynamic_cast<nn::PoNetForPreTraining*>(&model)) {
    nn::PoNetOutputs o = m->forward({input_ids, attention_mask, token_type_ids, {}, {}, {}});
    out.logits = o.prediction_logits;
    out.seq_relationship_logits = o.seq_relationship_logits;
  } else if (auto* m = dynamic_cast<nn::PoNetForSequenceClassification*>(&model)) {
    out.logits = m->forward({input_ids, attention_mask, token_type_ids, {}, {}, {}}).logits;
  } else if (auto* m = dynamic_cast<nn::LraForSequenceClassification*>(&model)) {
    out.logits = m->forward({input_ids, {}}).logits;
  } else {
    fail("hf_logits: no check batch for model class ", model.class_name());
  }
  return out;
}

void write_hf_check_file(nn::Model& model, const std::string& out_dir, const text::WordPieceTokenizer* tokenizer) {
  const std::string our_class = model.class_name();
  CheckBatch batch;
  if (nn::config_family(model.config_json(), our_class + " config") == "lra") {
    const nn::LraConfig c = nn::LraConfig::from_json(model.config_json(), our_class + " config");
    batch = check_batch(c.vocab_size, c.max_seq_len, 1, {0}, 0, false);
  } else {
    const nn::PoNetConfig c = nn::PoNetConfig::from_json(model.config_json(), our_class + " config");
    batch = check_batch(c.vocab_size, c.max_position_embeddings, c.type_vocab_size,
                        {c.cls_token_id, c.sep_token_id, c.pad_token_id, c.mask_token_id}, c.pad_token_id, true);
  }
  const bool was_training = model.training();
  model.eval();
  const Device device = model.device();
  HfLogits logits;
  try {
    logits =
        hf_logits(model, batch.input_ids.to(device), batch.attention_mask.to(device), batch.token_type_ids.to(device));
  } catch (...) {
    model.train(was_training);
    throw;
  }
  model.train(was_training);

  std::vector<std::pair<std::string, Tensor>> tensors = {{"input.input_ids", batch.input_ids},
                                                         {"input.attention_mask", batch.attention_mask},
                                                         {"input.token_type_ids", batch.token_type_ids},
                                                         {"output.logits", logits.logits}};
  if (logits.seq_relationship_logits.defined())
    tensors.emplace_back("output.seq_relationship_logits", logits.seq_relationship_logits);
  std::map<std::string, std::string> meta = {{"format", "pt"}, {"model", our_class}};
  if (tokenizer) {
    // accents, case, punctuation, a CJK ideograph, a literal special token and an unknown character
    const std::string text =
        "The LORD is my shepherd; I shall NOT want. H\xc3\xa9llo, w\xc3\xb6rld! \xe5\x8c\x97 [MASK] \xe2\x98\x83";
    const std::vector<int64_t> ids = tokenizer->encode(text);
    meta["tokenizer_text"] = text;
    tensors.emplace_back("tokenizer.input_ids", Tensor::from_vector_i64(ids, {static_cast<int64_t>(ids.size())}));
  }
  io::save_safetensors(out_dir + "/" + kHfCheckFile, tensors, meta);
}

}  // namespace ponet::hf
