#include "nn/ponet_classification.h"

#include "core/error.h"

namespace ponet::nn {

PoNetForSequenceClassification::PoNetForSequenceClassification(const PoNetConfig& c, uint64_t seed)
    : SequenceClassifier(seed), config_(c) {
  config_.validate();
  Init init{&init_rng_, c.initializer_range};
  ponet_ = register_module("ponet", std::make_shared<PoNetModel>(c, init, &dropout_rng_));
  dropout_ = register_module("dropout", std::make_shared<Dropout>(c.hidden_dropout_prob, &dropout_rng_));
  classifier_ = register_module("classifier", std::make_shared<Linear>(c.hidden_size, c.num_labels, init));
}

ClassificationOutputs PoNetForSequenceClassification::forward(const PoNetInputs& in, const ForwardOptions& options) {
  const char* who = "PoNetForSequenceClassification";
  PONET_CHECK(in.input_ids.defined(), who, ": input_ids are required");
  const bool regression = config_.num_labels == 1;
  if (in.labels.defined()) {
    check_dtype(in.labels, regression ? DType::F32 : DType::I64, who, "labels");
    check_shape(in.labels, {in.input_ids.size(0)}, who, "labels");
    if (!regression) check_ids_in_range(in.labels, 0, config_.num_labels, who, "labels", "num_labels");
  }
  PoNetModelOutputs body = ponet_->forward(in, options);
  ClassificationOutputs out;
  out.pooler_output = body.pooler_output;
  out.last_hidden_state = body.last_hidden_state;
  out.hidden_states = body.hidden_states;
  out.logits = classifier_->forward(dropout_->forward(body.pooler_output, options.dropout_rows), options.precision);
  if (in.labels.defined()) {
    if (regression) {
      Tensor diff = sub(out.logits.reshape({-1}), in.labels.to(device()));
      out.loss = mean_all(mul(diff, diff));
    } else {
      // host targets: cross_entropy checks them there and uploads them without a device sync
      out.loss = cross_entropy(out.logits, in.labels.to(Device::cpu()));
    }
  }
  return out;
}

ClassifierResult PoNetForSequenceClassification::classify(const Tensor& input_ids, const Tensor& attention_mask,
                                                          const Tensor& segment_ids, const Tensor& labels,
                                                          const ForwardOptions& options) {
  PoNetInputs in;
  in.input_ids = input_ids;
  in.attention_mask = attention_mask;
  in.segment_ids = segment_ids;
  in.labels = labels;
  ClassificationOutputs out = forward(in, options);
  return {out.logits, out.loss};
}

}  // namespace ponet::nn
