// `ponet lra image`: LRA Image, sequential classification of grayscale pixels. LRA uses CIFAR-10 (32 x 32,
// converted to grayscale); here it runs on any MNIST-layout IDX pair, by default Fashion-MNIST as Debian's
// dataset-fashion-mnist installs it (28 x 28, 10 classes): data/idx_images.h. The official Image model
// (apps/configs/lra_image.json).
#include "apps/lra_task.h"
#include "data/idx_images.h"
#include "data/pixel_tokens.h"

namespace ponet::app {

LraTask image_lra_task() {
  LraTask t;
  t.name = "image";
  t.title = "Image";
  t.model_config = "lra_image.json";
  t.vocab_size = data::kPixelVocabSize;
  t.num_classes = 10;
  // paper: the official recipe (lra_config.py "image"): batch 256, 35000 steps, warmup 175, dev every 175,
  // lr 1e-4, every image of the files. PoNet: the official segment LENGTH, 1024 // 32 + 1 = 33 tokens,
  // i.e. 784 // 24 + 1 = 33 here (docs/lra.md). cpu: the same model and segments on a fifth of the
  // training images, batch 32 and 1000 steps, so that one mixer trains in minutes on 2 cores; lr 1e-3,
  // since 1e-4 barely moves in that budget (docs/lra.md).
  t.presets = {{"paper", {54000, 6000, 10000, 784, 24, 256, 35000, 175, 175, 1e-4}},
               {"cpu", {10000, 1000, 2000, 784, 24, 32, 1000, 200, 100, 1e-3}}};
  t.declare_options = [](Args& a) {
    a.option("data-dir", "/usr/share/datasets/fashion-mnist",
             "folder of {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] (MNIST layout); dev = the last 10 % of train");
  };
  t.load = [](const Args& a, const LraPreset& p) {
    data::ImageSplitSizes sizes{lra_split_size(a, "train", p.train), lra_split_size(a, "dev", p.dev),
                                lra_split_size(a, "test", p.test)};
    data::ImageSplits s = data::read_idx_image_splits(a.str("data-dir"), sizes, 10);
    LraData d{std::move(s.train), std::move(s.dev), std::move(s.test), {}};
    d.record = {{"data_dir", a.str("data-dir")}, {"image_size", {s.rows, s.cols}}};
    return d;
  };
  return t;
}

}  // namespace ponet::app
