// `ponet lra pathfinder`: LRA Pathfinder on 32 x 32 images from our generator (data/pathfinder.h), made in
// memory or written by --make-data and read back with --data; the official Pathfinder model
// (apps/configs/lra_pathfinder.json).
#include <cstdio>

#include "apps/lra_task.h"
#include "core/error.h"
#include "data/pathfinder.h"
#include "data/pixel_tokens.h"

namespace ponet::app {

namespace {

const char* kSplitFiles[3] = {"pathfinder_train.tsv", "pathfinder_dev.tsv", "pathfinder_test.tsv"};

data::PathfinderSplits generate(const Args& a, const LraPreset& p) {
  int64_t train = lra_split_size(a, "train", p.train), dev = lra_split_size(a, "dev", p.dev),
          test = lra_split_size(a, "test", p.test);
  if (a.is_set("size")) {  // LRA's 80 / 10 / 10 split of N images
    const int64_t n = a.integer("size");
    PONET_CHECK(n >= 10, "--size must be >= 10, got ", n);
    train = n * 8 / 10;
    dev = n / 10;
    test = n - train - dev;
  }
  data::PathfinderOptions o;
  o.dashes = static_cast<int>(a.integer("dashes"));
  PONET_CHECK(o.dashes >= 3 && o.dashes <= 20, "--dashes must be in 3..20 (LRA: 6, 9 or 14), got ", o.dashes);
  o.distractor_dashes = std::max(1, o.dashes / 3);
  o.distractors = 20 / o.distractor_dashes;
  return data::generate_pathfinder(train, dev, test, static_cast<uint64_t>(a.integer("data-seed")), o);
}

}  // namespace

LraTask pathfinder_lra_task() {
  LraTask t;
  t.name = "pathfinder";
  t.title = "Pathfinder";
  t.model_config = "lra_pathfinder.json";
  t.vocab_size = data::kPixelVocabSize;
  t.num_classes = 2;
  // paper: the official recipe (lra_config.py "pathfinder32"): batch 256, 62400 steps, warmup 312, dev
  // every 312, lr 1e-4, on LRA's 80 / 10 / 10 split of 200000 images; PoNet with segment_num 1 (one
  // segment of 1024 // 1 + 1 tokens: SMP pools the whole image). cpu: the same model on 10000 images,
  // batch 32, 1000 steps and lr 1e-3 (as the Image task's cpu preset), so that one mixer trains in
  // minutes on 2 cores.
  t.presets = {{"paper", {160000, 20000, 20000, 1024, 1, 256, 62400, 312, 312, 1e-4}},
               {"cpu", {8000, 1000, 1000, 1024, 1, 32, 1000, 200, 100, 1e-3}}};
  t.declare_options = [](Args& a) {
    a.option("data", "", "read DIR/pathfinder_{train,dev,test}.tsv (written by --make-data) instead of generating");
    a.option("size", "0", "images to generate, split 80 / 10 / 10 as LRA (default: the preset's --train/--dev/--test)");
    a.option("dashes", "14", "dashes per path: the difficulty (LRA's pathfinder32 levels: 6, 9, 14)");
    a.option("data-seed", "0", "seed of the generated images");
  };
  t.make_data = [](const Args& a, const LraPreset& p, const std::string& dir) {
    data::PathfinderSplits s = generate(a, p);
    data::write_pathfinder_tsv(dir + "/" + kSplitFiles[0], s.train);
    data::write_pathfinder_tsv(dir + "/" + kSplitFiles[1], s.dev);
    data::write_pathfinder_tsv(dir + "/" + kSplitFiles[2], s.test);
    std::printf("wrote %zu / %zu / %zu images to %s/pathfinder_{train,dev,test}.tsv\n", s.train.size(), s.dev.size(),
                s.test.size(), dir.c_str());
  };
  t.load = [](const Args& a, const LraPreset& p) {
    LraData d;
    if (!a.str("data").empty()) {
      const std::string dir = a.str("data");
      d.train = data::pathfinder_examples(data::read_pathfinder_tsv(dir + "/" + kSplitFiles[0]));
      d.dev = data::pathfinder_examples(data::read_pathfinder_tsv(dir + "/" + kSplitFiles[1]));
      d.test = data::pathfinder_examples(data::read_pathfinder_tsv(dir + "/" + kSplitFiles[2]));
      for (const auto* split : {&d.dev, &d.test})
        PONET_CHECK(split->empty() || d.train.empty() || split->front().ids.size() == d.train.front().ids.size(), dir,
                    ": the splits' images differ in size (", d.train.front().ids.size(), " and ",
                    split->front().ids.size(), " pixels)");
      d.record = {{"data", dir}};
    } else {
      data::PathfinderSplits s = generate(a, p);
      d.train = data::pathfinder_examples(s.train);
      d.dev = data::pathfinder_examples(s.dev);
      d.test = data::pathfinder_examples(s.test);
      d.record = {{"data_seed", a.integer("data-seed")}, {"dashes", a.integer("dashes")}};
    }
    return d;
  };
  return t;
}

}  // namespace ponet::app
