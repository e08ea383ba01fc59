// `ponet lra listops`: LRA ListOps, generated with LRA's rules (data/listops.h) or read from LRA-format
// TSV files; the official ListOps model (apps/configs/lra_listops.json).
#include <sys/stat.h>

#include <cstdio>

#include "apps/lra_task.h"
#include "data/listops.h"

namespace ponet::app {

namespace {

// Tree lengths per preset (exclusive bounds, as LRA).
struct LengthWindow {
  int64_t min_length, max_length;
};
// paper: 500 < length < 2000 as LRA. cpu: 100 < length < 400 (docs/lra.md).
const std::map<std::string, LengthWindow> kWindows = {{"paper", {500, 2000}}, {"cpu", {100, 400}}};

int64_t max_length(const Args& a, const std::string& preset) {
  return a.is_set("max-length") ? a.integer("max-length") : kWindows.at(preset).max_length;
}

data::ListOpsSplits load_or_generate(const Args& a, const LraPreset& p) {
  if (!a.str("data").empty()) {
    const std::string dir = a.str("data");
    return {data::read_listops_tsv(dir + "/basic_train.tsv"), data::read_listops_tsv(dir + "/basic_val.tsv"),
            data::read_listops_tsv(dir + "/basic_test.tsv")};
  }
  data::ListOpsOptions o;
  o.train = lra_split_size(a, "train", p.train);
  o.dev = lra_split_size(a, "dev", p.dev);
  o.test = lra_split_size(a, "test", p.test);
  o.min_length = a.is_set("min-length") ? a.integer("min-length") : kWindows.at(a.str("preset")).min_length;
  o.max_length = max_length(a, a.str("preset"));
  o.seed = static_cast<uint64_t>(a.integer("data-seed"));
  return data::generate_listops(o);
}

std::vector<data::ClassificationExample> to_examples(const std::vector<data::ListOpsExample>& in) {
  std::vector<data::ClassificationExample> out;
  out.reserve(in.size());
  for (const auto& e : in) out.push_back({data::listops_token_ids(e.source), e.target, {}});
  return out;
}

}  // namespace

LraTask listops_lra_task() {
  LraTask t;
  t.name = "listops";
  t.title = "ListOps";
  t.model_config = "lra_listops.json";
  t.vocab_size = data::kListOpsVocabSize;
  t.num_classes = 10;
  // paper: the official recipe (lra_config.py, run_tasks.py): 96000/2000/2000 trees padded to 2048 as the
  // official pickles are (2000 + 48 zeros), PoNet segments of 2048 // 64 + 1 = 33 tokens; 5000 steps,
  // warmup 1000, eval every 50. cpu: shorter trees and a fifth of the data, so that one mixer trains in
  // well under 30 minutes on 2 cores; the same model, optimiser, batch and learning rate, 2000 steps. It
  // keeps the official segment LENGTH (400 // 12 + 1 = 34 tokens), not the segment count (docs/lra.md).
  t.presets = {{"paper", {96000, 2000, 2000, 2048, 64, 32, 5000, 1000, 50, 1e-4}},
               {"cpu", {20000, 1000, 1000, 400, 12, 32, 2000, 400, 100, 1e-4}}};
  t.declare_options = [](Args& a) {
    a.option("data", "", "read DIR/basic_{train,val,test}.tsv (LRA's release or --make-data) instead of generating");
    a.option("min-length", "0", "trees longer than this (default: the preset's)");
    a.option("max-length", "0", "trees shorter than this (default: the preset's; also the padded length when given)");
    a.option("data-seed", "0", "seed of the generated trees");
  };
  // --max-length alone also sets the padded length (the longest tree it allows)
  t.default_pad_to = [](const Args& a, const LraPreset& p) {
    return a.is_set("max-length") ? max_length(a, a.str("preset")) : p.pad_to;
  };
  t.make_data = [](const Args& a, const LraPreset& p, const std::string& dir) {
    data::ListOpsSplits s = load_or_generate(a, p);
    data::write_listops_tsv(dir + "/basic_train.tsv", s.train);
    data::write_listops_tsv(dir + "/basic_val.tsv", s.dev);
    data::write_listops_tsv(dir + "/basic_test.tsv", s.test);
    std::printf("wrote %zu / %zu / %zu trees to %s/basic_{train,val,test}.tsv\n", s.train.size(), s.dev.size(),
                s.test.size(), dir.c_str());
  };
  t.load = [](const Args& a, const LraPreset& p) {
    data::ListOpsSplits s = load_or_generate(a, p);
    LraData d{to_examples(s.train), to_examples(s.dev), to_examples(s.test), {}};
    d.record = {{"data_seed", a.integer("data-seed")}};
    if (!a.str("data").empty()) d.record["data"] = a.str("data");
    return d;
  };
  return t;
}

}  // namespace ponet::app
