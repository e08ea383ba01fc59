// Hugging Face directories both ways (hf/export.h, hf/import.h, docs/interop.md): tiny models
// exported and re-imported give identical logits; config.json and the tensor names follow the official
// layouts; BERTs saved by stock transformers (tests/data/hf_bert, written by scripts/interop_check.py
// make-bert) load with transformers' logits; every refusal names its cause.
//
// PONET_HF_EXPORT_DIR=DIR keeps the exports (with their ponet_check.safetensors) in DIR/<name> for
// `scripts/interop_check.py check`; PONET_HF_IMPORT_DIRS=A:B adds transformers-saved directories to the
// import test (scripts/interop_check.sh does both).
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "nn/lra.h"
#include "nn/model_factory.h"
#include "nn/ponet_for_pretraining.h"
#include "nn/ponet_classification.h"
#include "test_util.h"
#include "hf/export.h"
#include "hf/format.h"
#include "hf/import.h"

using namespace ponet;
using namespace ponet::hf;
using ponet::testing::max_abs_diff;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A directory for one export: PONET_HF_EXPORT_DIR/<name> (kept) or a temporary one (removed).
struct ExportDir {
  fs::path path;
  bool keep = false;
  explicit ExportDir(const std::string& name) {
    static int counter = 0;
    if (const char* root = std::getenv("PONET_HF_EXPORT_DIR")) {
      path = fs::path(root) / name;
      keep = true;
    } else {
      path = fs::temp_directory_path() /
             ("ponet_hf_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + name);
    }
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ExportDir() {
    std::error_code ec;
    if (!keep) fs::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

text::WordPieceTokenizer tiny_tokenizer(text::Casing casing) {
  std::vector<std::string> tokens = {"[PAD]", "[UNK]", "[CLS]",    "[SEP]", "[MASK]", "the",  "lord",
                                     "is",    "my",    "shepherd", "shall", "not",    "want", "LORD",
                                     "NOT",   "The",   ";",        ".",     ",",      "!"};
  for (char c = 'a'; c <= 'z'; ++c) tokens.push_back(std::string(1, c));
  for (const char* piece : {"##s", "##ed", "##o", "##l", "##e"}) tokens.push_back(piece);
  return text::WordPieceTokenizer(tokens, casing);
}

nn::PoNetConfig tiny_config(const text::WordPieceTokenizer& tok, const std::string& mixer) {
  nn::PoNetConfig c;
  c.vocab_size = tok.vocab_size() + 3;  // a table larger than the vocabulary, as BERT's may be
  c.hidden_size = 16;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.intermediate_size = 24;
  c.max_position_embeddings = 24;
  c.initializer_range = 0.3f;  // far from uniform attention, and a float that must print as 0.3
  c.pad_token_id = tok.pad_id();
  c.cls_token_id = tok.cls_id();
  c.sep_token_id = tok.sep_id();
  c.mask_token_id = tok.mask_id();
  c.mixer = mixer;
  c.num_labels = 3;
  return c;
}

std::unique_ptr<nn::Model> tiny_model(const std::string& cls, const nn::PoNetConfig& c, uint64_t seed = 7) {
  return nn::make_model(cls, c.to_json(), seed);
}

json read_json(const std::string& path) { return json::parse(io::read_file(path)); }

std::vector<std::string> tensor_names(const std::string& path) { return io::load_safetensors(path).names_in_order; }

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool any_note(const std::vector<std::string>& notes, const std::string& part) {
  for (auto& n : notes)
    if (n.find(part) != std::string::npos) return true;
  return false;
}

// Our logits for the check batch of `dir` against the ones stored there; returns the worst difference.
double check_against_file(nn::Model& model, const std::string& dir) {
  io::SafetensorsFile f = io::load_safetensors(dir + "/" + kHfCheckFile);
  HfLogits got = hf_logits(model, f.tensors.at("input.input_ids"), f.tensors.at("input.attention_mask"),
                           f.tensors.at("input.token_type_ids"));
  REQUIRE(got.logits.shape() == f.tensors.at("output.logits").shape());
  double worst = max_abs_diff(got.logits.to_vector(), f.tensors.at("output.logits").to_vector());
  if (f.tensors.count("output.seq_relationship_logits")) {
    REQUIRE(got.seq_relationship_logits.defined());
    worst = std::max(worst, max_abs_diff(got.seq_relationship_logits.to_vector(),
                                         f.tensors.at("output.seq_relationship_logits").to_vector()));
  }
  return worst;
}

// Re-saves dir/model.safetensors after `edit` changes its tensors.
void edit_weights(const ExportDir& dir, const std::function<void(std::map<std::string, Tensor>&)>& edit) {
  std::map<std::string, Tensor> t = io::load_safetensors(dir.file(kHfWeightsFile)).tensors;
  edit(t);
  io::save_safetensors(dir.file(kHfWeightsFile), {t.begin(), t.end()}, {{"format", "pt"}});
}

}  // namespace

TEST_CASE("hf interop: export and re-import give identical logits for each exported architecture") {
  struct Case {
    const char* name;
    const char* cls;
    const char* mixer;
    const char* architecture;
    text::Casing casing;
  };
  const Case cases[] = {
      {"ponet_pretraining", "PoNetForPreTraining", "ponet", "PoNetForPreTraining", text::Casing::kLower},
      {"ponet_classifier", "PoNetForSequenceClassification", "ponet", "PoNetForSequenceClassification",
       text::Casing::kLower},
      {"bert_mlm", "PoNetForPreTraining", "softmax", "BertForMaskedLM", text::Casing::kLower},
      {"bert_classifier", "PoNetForSequenceClassification", "softmax", "BertForSequenceClassification",
       text::Casing::kCased},
  };
  for (const Case& k : cases) {
    const std::string name = k.name;
    CAPTURE(name);
    const text::WordPieceTokenizer tok = tiny_tokenizer(k.casing);
    const nn::PoNetConfig c = tiny_config(tok, k.mixer);
    auto model = tiny_model(k.cls, c);
    ExportDir dir(k.name);
    HfExportOptions opt;
    opt.tokenizer = &tok;
    const bool classifier = std::string(k.cls) == "PoNetForSequenceClassification";
    if (classifier) opt.labels = {"neg", "neutral", "pos"};
    HfExportResult r = export_hf_directory(*model, dir.str(), opt);
    CHECK(r.architecture == k.architecture);
    write_hf_check_file(*model, dir.str(), &tok);
    CHECK(model->training());  // restored

    // config.json: the official layout, numbers as a person writes them
    const std::string text = io::read_file(dir.file(kHfConfigFile));
    const json j = json::parse(text);
    CHECK(j["architectures"] == json::array({k.architecture}));
    CHECK(j["model_type"] == "bert");
    CHECK(j["vocab_size"] == c.vocab_size);
    CHECK(j["hidden_size"] == 16);
    CHECK(j["num_hidden_layers"] == 2);
    CHECK(j["intermediate_size"] == 24);
    CHECK(j["hidden_act"] == "gelu");
    CHECK(j["pad_token_id"] == tok.pad_id());
    CHECK(j["cls_token_id"] == tok.cls_id());
    CHECK(text.find("\"hidden_dropout_prob\": 0.1,") != std::string::npos);
    CHECK(text.find("\"initializer_range\": 0.3,") != std::string::npos);
    CHECK(text.find("\"layer_norm_eps\": 1e-12,") != std::string::npos);
    CHECK_FALSE(j.contains("family"));
    CHECK_FALSE(j.contains("mixer"));
    CHECK(j.contains("clsgsepg") == (std::string(k.mixer) == "ponet"));
    CHECK_FALSE(j.contains("segment_num"));  // not used by these configs
    if (classifier) {
      CHECK(j["num_labels"] == 3);
      CHECK(j["id2label"] == json({{"0", "neg"}, {"1", "neutral"}, {"2", "pos"}}));
      CHECK(j["label2id"] == json({{"neg", 0}, {"neutral", 1}, {"pos", 2}}));
    } else {
      CHECK(j["num_sso_labels"] == 3);
    }

    // model.safetensors: official names, the tied decoder left out, metadata format pt
    io::SafetensorsFile w = io::load_safetensors(dir.file(kHfWeightsFile));
    CHECK(w.metadata.at("format") == "pt");
    const std::string backbone = std::string(k.mixer) == "ponet" ? "ponet." : "bert.";
    CHECK(w.tensors.count(backbone + "embeddings.word_embeddings.weight"));
    CHECK(w.tensors.count(backbone + "encoder.layer.1.output.LayerNorm.bias"));
    CHECK(w.tensors.count(backbone + "pooler.dense.weight"));
    CHECK(w.tensors.count(backbone + "encoder.layer.0.attention.self." +
                          (std::string(k.mixer) == "ponet" ? "dense_local.weight" : "query.weight")));
    CHECK_FALSE(w.tensors.count("cls.predictions.decoder.weight"));
    for (auto& [name, t] : w.tensors) CHECK(name.rfind(backbone == "ponet." ? "bert." : "ponet.", 0) != 0);
    if (classifier) {
      CHECK(w.tensors.at("classifier.weight").shape() == Shape{3, 16});
    } else {
      CHECK(w.tensors.count("cls.predictions.bias"));
      CHECK(w.tensors.at("cls.seq_relationship.weight").shape() == Shape{3, 16});
    }
    CHECK(w.tensors.size() == model->named_parameters().size());

    // tokenizer files
    const json tc = read_json(dir.file(kHfTokenizerConfigFile));
    CHECK(tc["tokenizer_class"] == "BertTokenizer");
    CHECK(tc["do_lower_case"] == (k.casing == text::Casing::kLower));
    CHECK(tc["model_max_length"] == 24);
    CHECK(read_json(dir.file(kHfSpecialTokensFile))["mask_token"] == "[MASK]");
    CHECK(io::read_file(dir.file(kHfVocabFile)).rfind("[PAD]\n[UNK]\n[CLS]\n", 0) == 0);

    // re-import: the same class, config, tokenizer, labels and logits
    CHECK(is_hf_directory(dir.str()));
    HfDirectory back = load_hf_directory(dir.str());
    CHECK(back.architecture == k.architecture);
    CHECK(back.model_class == k.cls);
    nn::PoNetConfig expected = c;
    if (!classifier) expected.num_labels = nn::PoNetConfig().num_labels;  // a pretraining config.json has none
    CHECK(nn::PoNetConfig::from_json(back.config_json).to_json() == expected.to_json());
    REQUIRE(back.has_tokenizer);
    CHECK(back.tokenizer.casing() == k.casing);
    CHECK(back.tokenizer.vocab_size() == tok.vocab_size());
    CHECK(back.labels == (classifier ? std::vector<std::string>{"neg", "neutral", "pos"} : std::vector<std::string>{}));
    CHECK(back.notes.empty());
    CHECK_FALSE(back.model->training());
    const double diff = check_against_file(*back.model, dir.str());
    CHECK(diff == 0.0);
  }
}

TEST_CASE("hf interop: an LRA model exports its official names and config dict") {
  nn::LraConfig c;
  c.attn_type = "ponet";
  c.vocab_size = 20;
  c.transformer_dim = c.embedding_dim = 16;
  c.transformer_hidden_dim = 24;
  c.head_dim = 8;
  c.num_head = 2;
  c.max_seq_len = 20;
  c.num_classes = 4;
  c.segment_num = 3;
  auto model = nn::make_model("LraForSequenceClassification", c.to_json(), 3);
  ExportDir dir("lra_ponet");
  HfExportResult r = export_hf_directory(*model, dir.str());
  write_hf_check_file(*model, dir.str(), nullptr);
  CHECK(r.architecture == "LraForSequenceClassification");
  const json j = read_json(dir.file(kHfConfigFile));
  CHECK(j["attn_type"] == "ponet");
  CHECK(j["segment_num"] == 3);
  CHECK(j["id2label"].size() == 4);
  CHECK_FALSE(j.contains("family"));
  const auto names = tensor_names(dir.file(kHfWeightsFile));
  CHECK(has(names, "model.embeddings.word_embeddings.weight"));
  CHECK(has(names, "model.transformer_1.mha.W_segment.weight"));
  CHECK(has(names, "seq_classifer.mlpblock.2.bias"));
  HfDirectory back = load_hf_directory(dir.str());
  CHECK(back.model_class == "LraForSequenceClassification");
  CHECK(nn::LraConfig::from_json(back.config_json).to_json() == c.to_json());
  CHECK_FALSE(back.has_tokenizer);
  CHECK(back.labels.size() == 4);
  CHECK(check_against_file(*back.model, dir.str()) == 0.0);
}

TEST_CASE("hf interop: a pretraining checkpoint loads as a classifier with the heads noted once") {
  const text::WordPieceTokenizer tok = tiny_tokenizer(text::Casing::kLower);
  auto pre = tiny_model("PoNetForPreTraining", tiny_config(tok, "ponet"));
  ExportDir dir("pretraining_for_finetune");
  HfExportOptions opt;
  opt.tokenizer = &tok;
  export_hf_directory(*pre, dir.str(), opt);

  CHECK_THROWS_WITH_AS(load_hf_directory(dir.str(), Device::cpu(), {"PoNetForSequenceClassification", 0, 0, 0}),
                       doctest::Contains("as a classifier needs the number of labels"), Error);
  HfDirectory d = load_hf_directory(dir.str(), Device::cpu(), {"PoNetForSequenceClassification", 5, 16, 11});
  CHECK(d.model_class == "PoNetForSequenceClassification");
  CHECK(d.labels.empty());
  REQUIRE(d.notes.size() == 3);  // MLM head dropped, SSO head dropped, classifier initialised
  CHECK(any_note(d.notes, "dropped the MLM head (cls.predictions.*), 5 tensors"));
  CHECK(any_note(d.notes, "dropped the sentence-structure head"));
  CHECK(any_note(d.notes, "classification head (classifier.*) is not in this PoNetForPreTraining checkpoint"));
  // the backbone is the pretrained one
  std::map<std::string, Tensor> ours;
  for (auto& [n, t] : d.model->named_parameters()) ours[n] = t;
  for (auto& [n, t] : pre->named_parameters())
    if (n.rfind("ponet.", 0) == 0) CHECK(max_abs_diff(ours.at(n).to_vector(), t.to_vector()) == 0.0);

  // a classifier's label count is its own
  auto cls = tiny_model("PoNetForSequenceClassification", tiny_config(tok, "ponet"));
  ExportDir cdir("classifier_relabel");
  export_hf_directory(*cls, cdir.str(), opt);
  CHECK_THROWS_WITH_AS(load_hf_directory(cdir.str(), Device::cpu(), {"", 5, 0, 0}),
                       doctest::Contains("classifier has 3 outputs, 5 requested"), Error);
}

TEST_CASE("hf interop: bad directories are refused with the cause named") {
  const text::WordPieceTokenizer tok = tiny_tokenizer(text::Casing::kLower);
  auto model = tiny_model("PoNetForPreTraining", tiny_config(tok, "ponet"));
  HfExportOptions opt;
  opt.tokenizer = &tok;
  auto fresh = [&](const char* name) {
    auto dir = std::make_unique<ExportDir>(name);
    export_hf_directory(*model, dir->str(), opt);
    return dir;
  };
  auto load = [](const ExportDir& d) { return load_hf_directory(d.str()); };

  SUBCASE("missing tensor") {
    auto d = fresh("err_missing");
    edit_weights(*d, [](auto& t) { t.erase("ponet.encoder.layer.1.attention.self.dense_q.bias"); });
    CHECK_THROWS_WITH_AS(
        load(*d), doctest::Contains("missing tensors (1): ponet.encoder.layer.1.attention.self.dense_q.bias"), Error);
  }
  SUBCASE("extra tensor") {
    auto d = fresh("err_extra");
    edit_weights(*d, [](auto& t) { t["ponet.encoder.layer.2.output.dense.bias"] = Tensor::zeros({16}); });
    CHECK_THROWS_WITH_AS(load(*d), doctest::Contains("unexpected tensors (1): ponet.encoder.layer.2.output.dense.bias"),
                         Error);
  }
  SUBCASE("wrong shape") {
    auto d = fresh("err_shape");
    edit_weights(*d, [](auto& t) { t["ponet.pooler.dense.bias"] = Tensor::zeros({15}); });
    CHECK_THROWS_WITH_AS(
        load(*d), doctest::Contains("wrong shapes (1): ponet.pooler.dense.bias [15] where the model has [16]"), Error);
  }
  SUBCASE("untied decoder") {
    auto d = fresh("err_untied");
    edit_weights(*d, [](auto& t) {
      t["cls.predictions.decoder.weight"] = Tensor::zeros(t.at("ponet.embeddings.word_embeddings.weight").shape());
    });
    CHECK_THROWS_WITH_AS(load(*d), doctest::Contains("untied decoders are not supported"), Error);
  }
  SUBCASE("tied aliases and buffers are accepted") {
    auto d = fresh("aliases");
    edit_weights(*d, [](auto& t) {
      t["cls.predictions.decoder.weight"] = t.at("ponet.embeddings.word_embeddings.weight");
      t["cls.predictions.decoder.bias"] = t.at("cls.predictions.bias");
      t["ponet.embeddings.position_ids"] = Tensor::arange_i64(24).reshape({1, 24});
    });
    HfDirectory back = load(*d);
    REQUIRE(back.notes.size() == 1);
    CHECK(any_note(back.notes, "skipped 1 buffer"));
  }
  SUBCASE("legacy LayerNorm names") {
    auto d = fresh("legacy_names");
    edit_weights(*d, [](auto& t) {
      t["ponet.embeddings.LayerNorm.gamma"] = t.at("ponet.embeddings.LayerNorm.weight");
      t["ponet.embeddings.LayerNorm.beta"] = t.at("ponet.embeddings.LayerNorm.bias");
      t.erase("ponet.embeddings.LayerNorm.weight");
      t.erase("ponet.embeddings.LayerNorm.bias");
    });
    CHECK(load(*d).notes.empty());
    edit_weights(*d,
                 [](auto& t) { t["ponet.embeddings.LayerNorm.weight"] = t.at("ponet.embeddings.LayerNorm.gamma"); });
    CHECK_THROWS_WITH_AS(load(*d), doctest::Contains("a second tensor for ponet.embeddings.LayerNorm.weight"), Error);
  }
  SUBCASE("pytorch_model.bin only") {
    auto d = fresh("err_pickle");
    fs::remove(d->file(kHfWeightsFile));
    io::write_file_atomically(d->file(kHfPickleFile), "not read");
    CHECK_THROWS_WITH_AS(load(*d), doctest::Contains("pytorch_model.bin only"), Error);
    CHECK_THROWS_WITH_AS(load(*d), doctest::Contains(("scripts/convert_to_safetensors.py " + d->str()).c_str()), Error);
  }
  SUBCASE("no weights") {
    auto d = fresh("err_none");
    fs::remove(d->file(kHfWeightsFile));
    CHECK_THROWS_WITH_AS(load(*d), doctest::Contains("no model.safetensors or model.safetensors.index.json"), Error);
  }
  SUBCASE("bad architectures") {
    auto d = fresh("err_arch");
    json j = read_json(d->file(kHfConfigFile));
    j["architectures"] = json::array({"RobertaForMaskedLM"});
    io::write_file_atomically(d->file(kHfConfigFile), j.dump());
    CHECK_THROWS_WITH_AS(load(*d), doctest::Contains("architecture \"RobertaForMaskedLM\" is not one ponet.cpp reads"),
                         Error);
    j["architectures"] = "PoNetForPreTraining";
    io::write_file_atomically(d->file(kHfConfigFile), j.dump());
    CHECK_THROWS_WITH_AS(load(*d), doctest::Contains("\"architectures\" must be a list of one name"), Error);
    j.erase("architectures");
    io::write_file_atomically(d->file(kHfConfigFile), j.dump());
    CHECK_FALSE(is_hf_directory(d->str()));
    CHECK_THROWS_WITH_AS(load(*d), doctest::Contains("no \"architectures\" field"), Error);
  }
  SUBCASE("config fields we cannot honour") {
    auto d = fresh("err_config");
    json j = read_json(d->file(kHfConfigFile));
    j["position_embedding_type"] = "relative_key";
    io::write_file_atomically(d->file(kHfConfigFile), j.dump());
    CHECK_THROWS_WITH_AS(load(*d), doctest::Contains("position_embedding_type \"relative_key\" is not supported"),
                         Error);
    j["position_embedding_type"] = "absolute";
    j["cls_token_id"] = 7;
    io::write_file_atomically(d->file(kHfConfigFile), j.dump());
    CHECK_THROWS_WITH_AS(load(*d), doctest::Contains("cls_token_id [CLS] is 7 but vocab.txt has that token at 2"),
                         Error);
    j["cls_token_id"] = 2;
    j["output_attentions"] = false;
    io::write_file_atomically(d->file(kHfConfigFile), j.dump());
    HfDirectory back = load(*d);
    CHECK(any_note(back.notes, "ignored: output_attentions"));
  }
  SUBCASE("position table shorter than the requested length") {
    auto d = fresh("err_length");
    CHECK_THROWS_WITH_AS(
        load_hf_directory(d->str(), Device::cpu(), {"", 0, 512, 0}),
        doctest::Contains("the position embeddings cover 24 positions (max_position_embeddings), 512 requested"),
        Error);
  }
  SUBCASE("export refuses the fnet mixer and run directories") {
    auto fnet = tiny_model("PoNetForPreTraining", tiny_config(tok, "fnet"));
    ExportDir d("err_fnet");
    CHECK_THROWS_WITH_AS(export_hf_directory(*fnet, d.str(), opt),
                         doctest::Contains("with the \"fnet\" mixer has no Hugging Face counterpart"), Error);
    io::write_file_atomically(d.file("checkpoint.safetensors"), "x");
    CHECK_THROWS_WITH_AS(export_hf_directory(*model, d.str(), opt), doctest::Contains("holds a ponet.cpp run"), Error);
    CHECK_THROWS_WITH_AS(export_hf_directory(*model, d.str() + "/sub", {}), doctest::Contains("needs the vocabulary"),
                         Error);
  }
  SUBCASE("export refuses a pre-LN model, the import a config.json that asks for one") {
    for (const char* mixer : {"ponet", "softmax"}) {
      CAPTURE(mixer);
      nn::PoNetConfig c = tiny_config(tok, mixer);
      c.layer_norm_position = nn::LayerNormPosition::pre;
      for (const char* cls : {"PoNetForPreTraining", "PoNetForSequenceClassification"}) {
        CAPTURE(cls);
        ExportDir d("err_pre_ln");
        CHECK_THROWS_WITH_AS(export_hf_directory(*tiny_model(cls, c), d.str(), opt),
                             doctest::Contains("layer_norm_position pre has no Hugging Face counterpart"), Error);
        CHECK_FALSE(fs::exists(d.file(kHfWeightsFile)));
        CHECK_FALSE(fs::exists(d.file(kHfConfigFile)));
      }
    }
    auto d = fresh("err_pre_ln_import");
    json j = read_json(d->file(kHfConfigFile));
    j["layer_norm_position"] = "pre";
    io::write_file_atomically(d->file(kHfConfigFile), j.dump());
    CHECK_THROWS_WITH_AS(load(*d), doctest::Contains("layer_norm_position \"pre\" is not supported here"), Error);
    j["layer_norm_position"] = "post";  // says what every HF PoNet and BERT is
    io::write_file_atomically(d->file(kHfConfigFile), j.dump());
    CHECK(load(*d).notes.empty());
  }
}

TEST_CASE("hf interop: a sharded checkpoint reads back") {
  const text::WordPieceTokenizer tok = tiny_tokenizer(text::Casing::kLower);
  auto model = tiny_model("PoNetForSequenceClassification", tiny_config(tok, "ponet"));
  ExportDir dir("sharded");
  HfExportOptions opt;
  opt.tokenizer = &tok;
  export_hf_directory(*model, dir.str(), opt);
  write_hf_check_file(*model, dir.str(), &tok);
  // split the single file in two shards with an index, as save_pretrained does for large models
  io::SafetensorsFile whole = io::load_safetensors(dir.file(kHfWeightsFile));
  std::vector<std::pair<std::string, Tensor>> a, b;
  json map = json::object();
  for (size_t i = 0; i < whole.names_in_order.size(); ++i) {
    const std::string& n = whole.names_in_order[i];
    const bool first = i < whole.names_in_order.size() / 2;
    (first ? a : b).emplace_back(n, whole.tensors.at(n));
    map[n] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  io::save_safetensors(dir.file("model-00001-of-00002.safetensors"), a, {{"format", "pt"}});
  io::save_safetensors(dir.file("model-00002-of-00002.safetensors"), b, {{"format", "pt"}});
  const json index = {{"metadata", {{"total_size", 1234}}}, {"weight_map", map}};
  io::write_file_atomically(dir.file(kHfShardIndexFile), index.dump());
  fs::remove(dir.file(kHfWeightsFile));

  HfDirectory back = load_hf_directory(dir.str());
  CHECK(check_against_file(*back.model, dir.str()) == 0.0);
  CHECK(read_hf_weights(dir.str()).size() == whole.tensors.size());

  json bad = index;
  bad["weight_map"]["classifier.bias"] = "model-00001-of-00002.safetensors";  // it is in shard 2
  io::write_file_atomically(dir.file(kHfShardIndexFile), bad.dump());
  CHECK_THROWS_WITH_AS(
      load_hf_directory(dir.str()),
      doctest::Contains("tensor 'classifier.bias' is mapped to shard 'model-00001-of-00002.safetensors', "
                        "which does not hold it"),
      Error);
  bad = index;
  bad["weight_map"]["classifier.bias"] = "../elsewhere.safetensors";
  io::write_file_atomically(dir.file(kHfShardIndexFile), bad.dump());
  CHECK_THROWS_WITH_AS(load_hf_directory(dir.str()), doctest::Contains("must be a file name in the index's folder"),
                       Error);
}

TEST_CASE("hf interop: BERTs saved by transformers load with transformers' logits") {
  std::vector<std::string> dirs = {std::string(PONET_TEST_DATA_DIR) + "/hf_bert/bert_mlm",
                                   std::string(PONET_TEST_DATA_DIR) + "/hf_bert/bert_classifier"};
  if (const char* extra = std::getenv("PONET_HF_IMPORT_DIRS")) {
    std::string s = extra;
    for (size_t start = 0, end; start <= s.size(); start = end + 1) {
      end = s.find(':', start);
      if (end == std::string::npos) end = s.size();
      if (end > start) dirs.push_back(s.substr(start, end - start));
    }
  }
  for (const std::string& dir : dirs) {
    CAPTURE(dir);
    REQUIRE(is_hf_directory(dir));
    HfDirectory d = load_hf_directory(dir);
    const io::SafetensorsFile check = io::load_safetensors(dir + "/" + kHfCheckFile);
    const double diff = check_against_file(*d.model, dir);
    std::printf("hf interop: %s (%s) max |logits - transformers'| = %.3g\n", dir.c_str(), d.architecture.c_str(), diff);
    CHECK(diff <= 1e-5);
    // the tokenizer (tokenizer.json of transformers 5, or vocab.txt) encodes as transformers does
    REQUIRE(d.has_tokenizer);
    CHECK(d.tokenizer.encode(check.metadata.at("tokenizer_text")) ==
          check.tensors.at("tokenizer.input_ids").to_vector_i64());
    if (d.architecture == "BertForMaskedLM") {
      CHECK(d.model_class == "PoNetForPreTraining");
      CHECK(d.tokenizer.casing() == text::Casing::kLower);
      // BertForMaskedLM has no pooler and no sentence head: both start from the seed, noted
      CHECK(any_note(d.notes, "the pooler (pooler.dense.*) is not in this BertForMaskedLM checkpoint"));
      CHECK(any_note(d.notes, "sentence-structure head (cls.seq_relationship.*) is not in this BertForMaskedLM"));
    } else if (d.architecture == "BertForSequenceClassification") {
      CHECK(d.model_class == "PoNetForSequenceClassification");
      CHECK(d.labels == std::vector<std::string>{"neg", "neutral", "pos"});
      CHECK(d.tokenizer.casing() == text::Casing::kCased);
    }
  }
}

TEST_CASE("hf interop: vocab.txt and tokenizer.json must agree") {
  ExportDir dir("tokenizer_files");
  const std::string src = std::string(PONET_TEST_DATA_DIR) + "/hf_bert/bert_classifier";
  for (const auto& entry : fs::directory_iterator(src)) fs::copy(entry.path(), dir.path / entry.path().filename());
  HfDirectory d = load_hf_directory(dir.str());  // tokenizer.json only, as transformers 5 writes
  REQUIRE(d.has_tokenizer);
  CHECK(d.tokenizer.casing() == text::Casing::kCased);
  d.tokenizer.save_vocab(dir.file(kHfVocabFile));  // both files, as transformers 4 writes
  CHECK(load_hf_directory(dir.str()).tokenizer.vocab_size() == d.tokenizer.vocab_size());

  std::string vocab = io::read_file(dir.file(kHfVocabFile));
  vocab.replace(vocab.find("\na\nb\n"), 5, "\nb\na\n");
  io::write_file_atomically(dir.file(kHfVocabFile), vocab);
  CHECK_THROWS_WITH_AS(load_hf_directory(dir.str()), doctest::Contains("vocab.txt and tokenizer.json disagree at id"),
                       Error);
  fs::remove(dir.file(kHfVocabFile));
  json config = read_json(dir.file(kHfTokenizerConfigFile));
  config["do_lower_case"] = true;
  io::write_file_atomically(dir.file(kHfTokenizerConfigFile), config.dump());
  CHECK_THROWS_WITH_AS(
      load_hf_directory(dir.str()),
      doctest::Contains("says do_lower_case true but tokenizer.json's normalizer says lowercase false"), Error);
  config["tokenizer_class"] = "RobertaTokenizer";
  io::write_file_atomically(dir.file(kHfTokenizerConfigFile), config.dump());
  CHECK_THROWS_WITH_AS(load_hf_directory(dir.str()), doctest::Contains("is not BERT's WordPiece tokenizer"), Error);
}
