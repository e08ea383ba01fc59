// Run directory formats (train/run_format.h): run.json and checkpoints of format 1 are refused with
// the command that converts them, upgrade_run converts them in place, and a current run loads as it is.
// tests/scripts/run_format_test.sh does the same with run directories that a format-1 ponet wrote.
#include <sys/stat.h>

#include <cstdlib>

#include "io/atomic_file.h"
#include "io/json_text.h"
#include "io/safetensors.h"
#include "nn/lra.h"
#include "test_util.h"
#include "tiny_test_config.h"
#include "train/checkpoint.h"
#include "train/run_dir.h"
#include "train/run_format.h"

using namespace ponet;
using namespace ponet::train;
using nlohmann::json;

namespace {

std::string fresh_dir(const std::string& name) {
  const std::string dir = "/tmp/ponet_test_run_format_" + name;
  std::system(("rm -rf " + dir).c_str());
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

// The file as a format-1 ponet could have written it: format v1, and (`bare`) no checksums or model class.
void make_v1(const std::string& path, bool bare) {
  io::SafetensorsFile f = io::load_safetensors(path);
  std::map<std::string, std::string> meta;
  for (const auto& [k, v] : f.metadata)
    if (!bare || (k != "model" && k.rfind("crc32.", 0) != 0)) meta[k] = v;
  meta["format"] = "ponet.cpp checkpoint v1";
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const std::string& name : f.names_in_order) tensors.emplace_back(name, f.tensors.at(name));
  io::save_safetensors(path, tensors, meta);
}

// A pretraining run directory of format 1 in `dir`: vocabulary, run.json without "format_version" and
// without the options format 1 could leave out, a bare v1 checkpoint. Returns the saved model's weights.
std::vector<float> write_format1_pretraining_run(const std::string& dir) {
  const text::WordPieceTokenizer tok =
      text::WordPieceTokenizer::train({"in the beginning god created the heaven and the earth"}, 40);
  tok.save_vocab(dir + "/vocab.txt");
  nn::PoNetForPreTraining model(ponet::testing::tiny_test_config(tok), 3);
  save_checkpoint(dir + "/checkpoint.safetensors", model, nullptr, CheckpointState{});
  make_v1(dir + "/checkpoint.safetensors", /*bare=*/true);
  io::write_file_atomically(dir + "/run.json", R"({"max_len": 32, "batch_size": 4, "seed": 0})");
  return model.named_parameters().front().second.to_vector();
}

}  // namespace

TEST_CASE("run format: a format-1 run.json gains what format 1 left out, and finetune keys are spelt with '_'") {
  const json pretrain = upgrade_run_json(json{{"max_len", 64}, {"mask_prob", 0.3}}, "p/run.json");
  CHECK(pretrain["format_version"] == kRunFormatVersion);
  CHECK(pretrain["command"] == "pretrain");
  CHECK(pretrain["max_len"] == 64);
  CHECK(pretrain["mask_prob"] == 0.3);  // a recorded value stays
  // the values format-1 runs that lack these options trained with
  CHECK(pretrain["held_out_phase"] == 0.0);
  CHECK(pretrain["mlm_weight"] == 1.0);
  CHECK(pretrain["sso_weight"] == 1.0);
  CHECK(pretrain["init"] == "");
  CHECK(pretrain["recompute"] == "none");
  CHECK(pretrain["schedule"] == "linear");
  CHECK(upgrade_run_json(json{{"max_len", 64}}, "p/run.json")["mask_prob"] == 0.15);

  const json finetune = upgrade_run_json(json{{"kind", "finetune"}, {"max-len", 80}, {"label-field", "gold"}}, "f");
  CHECK(finetune["command"] == "finetune");
  CHECK(!finetune.contains("kind"));
  CHECK(finetune["max_len"] == 80);
  CHECK(!finetune.contains("max-len"));
  CHECK(finetune["label_field"] == "gold");
  CHECK(finetune["text_field"] == "text");
  CHECK(finetune["log_every"] == 10);
  CHECK(!finetune.contains("mask_prob"));

  CHECK_THROWS_WITH_AS(upgrade_run_json(pretrain, "p/run.json"), doctest::Contains("not a format-1 run.json"), Error);
}

TEST_CASE("run format: run.json of another format or command is refused, naming the way out") {
  const std::string dir = fresh_dir("read");
  io::write_file_atomically(dir + "/run.json", R"({"max_len": 32})");
  CHECK_THROWS_WITH_AS(read_run_json(dir), doctest::Contains("a run of format 1 (no \"format_version\")"), Error);
  const std::string way_out = "convert it in place with: ponet upgrade-run " + dir;
  CHECK_THROWS_WITH_AS(read_run_json(dir), doctest::Contains(way_out.c_str()), Error);
  io::write_file_atomically(dir + "/run.json", R"({"format_version": 1, "command": "pretrain"})");
  CHECK_THROWS_WITH_AS(read_run_json(dir), doctest::Contains(("ponet upgrade-run " + dir).c_str()), Error);
  io::write_file_atomically(dir + "/run.json", R"({"format_version": 3, "command": "pretrain"})");
  CHECK_THROWS_WITH_AS(read_run_json(dir), doctest::Contains("written by a newer ponet"), Error);
  io::write_file_atomically(dir + "/run.json", R"({"format_version": "2", "command": "pretrain"})");
  CHECK_THROWS_WITH_AS(read_run_json(dir), doctest::Contains("must be an integer"), Error);
  write_run_json(dir, "finetune", json{{"max_len", 32}});
  CHECK(read_run_json(dir, "finetune")["max_len"] == 32);
  CHECK_THROWS_WITH_AS(read_run_json(dir, "pretrain"), doctest::Contains("is a `ponet finetune` run"), Error);
}

TEST_CASE("run format: a format-1 run is refused until upgrade_run converts it, then it loads as written") {
  const std::string dir = fresh_dir("pretrain");
  const std::vector<float> weights = write_format1_pretraining_run(dir);
  CHECK_THROWS_WITH_AS(load_run(dir, Device::cpu()), doctest::Contains(("ponet upgrade-run " + dir).c_str()), Error);
  const std::vector<std::string> changed = upgrade_run(dir);
  REQUIRE(changed.size() == 2);
  CHECK(changed[0].find("checkpoint.safetensors") != std::string::npos);
  CHECK(changed[1].find("run.json") != std::string::npos);
  LoadedRun run = load_run(dir, Device::cpu());
  CHECK(run.options["format_version"] == kRunFormatVersion);
  CHECK(run.options["mask_prob"] == 0.15);
  CHECK(run.model->named_parameters().front().second.to_vector() == weights);
  CHECK(checkpoint_class(dir + "/checkpoint.safetensors") == "PoNetForPreTraining");
  CHECK(upgrade_run(dir).empty());  // current now: nothing to do
}

TEST_CASE("run format: checkpoints alone (an LRA run) are converted, a corrupted one is not") {
  const std::string dir = fresh_dir("lra");
  nn::LraConfig c;
  c.vocab_size = 8;
  c.embedding_dim = c.transformer_dim = c.transformer_hidden_dim = 8;
  c.num_head = 2;
  c.head_dim = 4;
  c.num_layers = 1;
  c.max_seq_len = 8;
  c.segment_num = 2;
  c.num_classes = 3;
  nn::LraForSequenceClassification model(c, 1);
  const std::string ckpt = dir + "/checkpoint.safetensors", best = dir + "/best.safetensors";
  save_checkpoint(ckpt, model, nullptr, CheckpointState{});
  save_checkpoint(best, model, nullptr, CheckpointState{});
  make_v1(ckpt, /*bare=*/false);  // a v1 file with checksums and class keeps them
  make_v1(best, /*bare=*/false);
  CHECK_THROWS_WITH_AS(load_checkpoint_model(ckpt), doctest::Contains("a checkpoint of format v1"), Error);
  CHECK_THROWS_WITH_AS(checkpoint_class(best), doctest::Contains(("ponet upgrade-run " + dir).c_str()), Error);
  CHECK(upgrade_run(dir).size() == 2);
  CHECK(load_checkpoint_model(ckpt)->class_name() == "LraForSequenceClassification");
  CHECK(load_checkpoint_model(best)->named_parameters().back().second.to_vector() ==
        model.named_parameters().back().second.to_vector());

  // a v1 file whose checksum does not match its bytes is not blessed with a new one
  make_v1(ckpt, /*bare=*/false);
  std::string bytes = io::read_file(ckpt);
  bytes[bytes.size() - 3] ^= 0x40;
  io::write_file_atomically(ckpt, bytes);
  CHECK_THROWS_WITH_AS(upgrade_checkpoint(ckpt), doctest::Contains("is corrupted"), Error);
  CHECK(io::read_file(ckpt) == bytes);

  CHECK_THROWS_WITH_AS(upgrade_run(fresh_dir("empty")), doctest::Contains("not a ponet run directory"), Error);
}
