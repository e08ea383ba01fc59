// `ponet classify`: label texts with a `ponet finetune` run (its best checkpoint) and print the
// probabilities of every label.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "apps/args.h"
#include "apps/commands.h"
#include "apps/common_options.h"
#include "autograd/grad_mode.h"
#include "core/error.h"
#include "data/text_dataset.h"
#include "train/run_dir.h"

namespace ponet::app {

int cmd_classify(int argc, char** argv) {
  Args a("classify", "Label texts with a fine-tuned classifier, e.g. ponet classify --run runs/x \"some text\"");
  a.option("run", "", "run directory written by `ponet finetune`");
  a.option("input", "", "a file with one text per line (instead of the text argument)");
  a.positional("text", "the text to classify (or --input FILE)", /*optional=*/true);
  declare_device_option(a);
  if (!a.parse(argc, argv)) return 0;
  const Device device = device_option(a);
  PONET_CHECK(!a.str("run").empty(), "--run is required");
  PONET_CHECK(a.str("text").empty() != a.str("input").empty(), "give exactly one of a text argument and --input");
  std::vector<std::string> texts;
  if (!a.str("text").empty()) {
    texts.push_back(a.str("text"));
  } else {
    std::ifstream in(a.str("input"));
    PONET_CHECK(in.good(), "cannot open '", a.str("input"), "'");
    for (std::string line; std::getline(in, line);)
      if (line.find_first_not_of(" \t\r") != std::string::npos) texts.push_back(line);
    PONET_CHECK(!texts.empty(), a.str("input"), ": no texts");
  }
  train::LoadedClassifier run = train::load_classifier_run(a.str("run"), device);
  NoGrad no_grad;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string where = a.str("input").empty() ? "the text" : a.str("input") + ":" + std::to_string(i + 1);
    data::EncodedText enc = data::encode_for_classification(run.tokenizer, texts[i], "", run.max_len, where);
    const int64_t L = static_cast<int64_t>(enc.ids.size());
    nn::PoNetInputs in;
    in.input_ids = Tensor::from_vector_i64(enc.ids, {1, L});
    in.segment_ids = Tensor::from_vector_i64(enc.segments, {1, L});
    std::vector<float> logits = run.model->forward(in).logits.to_vector();
    const float mx = *std::max_element(logits.begin(), logits.end());
    double z = 0;
    for (float v : logits) z += std::exp(static_cast<double>(v - mx));
    std::vector<int64_t> order(logits.size());
    for (size_t c = 0; c < order.size(); ++c) order[c] = static_cast<int64_t>(c);
    std::sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return logits[x] > logits[y]; });
    std::printf("%s\t", run.labels.name(order[0]).c_str());
    for (int64_t c : order)
      std::printf(" %s %.1f%%", run.labels.name(c).c_str(), 100 * std::exp(logits[c] - mx) / z);
    std::printf("\t%s\n", texts[i].c_str());
  }
  return 0;
}

}  // namespace ponet::app
