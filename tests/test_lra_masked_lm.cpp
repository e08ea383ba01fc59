// Self-pretraining of the LRA family (nn/lra_masked_lm.h, train/lra_masked_lm_task.h): the masked-LM
// model shares the classifier's encoder parameter for parameter; its loss against a plain double-precision
// recomputation of the head; finite differences through head and encoder; BERT masking of the task's
// sequences by its statistics; the encoder copy; the sharded objective; and a few steps that learn.
#include <sys/stat.h>

#include <cmath>
#include <cstdlib>
#include <map>

#include "nn/lra_masked_lm.h"
#include "nn/model_factory.h"
#include "test_util.h"
#include "train/lra_masked_lm_task.h"
#include "train/trainer.h"

using namespace ponet;
using namespace ponet::nn;
using namespace ponet::testing;
using ponet::train::LraMaskedLMOptions;
using ponet::train::LraMaskedLMTask;
using ponet::train::LraMasking;
using ponet::train::mask_sequences;
using ponet::train::MaskedBatch;

namespace {

constexpr int64_t kTaskVocab = 16;  // as ListOps: ids 0 (padding) .. 15; the mask id is 16

LraConfig tiny_config(const std::string& mixer, int64_t hidden = 16, int64_t layers = 1) {
  LraConfig c;
  c.attn_type = mixer;
  c.vocab_size = kTaskVocab + 1;
  c.embedding_dim = c.transformer_dim = 8;
  c.transformer_hidden_dim = hidden;
  c.num_head = 2;
  c.head_dim = 4;
  c.num_layers = layers;
  c.max_seq_len = 12;
  c.segment_num = 2;
  c.num_classes = 3;
  c.dropout_prob = c.attention_dropout = 0.1f;
  c.validate();
  return c;
}

// name -> shape of the "model.*" parameters, in order
std::vector<std::pair<std::string, Shape>> encoder_shapes(const Module& m) {
  std::vector<std::pair<std::string, Shape>> out;
  for (auto& [name, t] : m.named_parameters())
    if (name.rfind("model.", 0) == 0) out.emplace_back(name, t.shape());
  return out;
}

std::map<std::string, Tensor> parameters_by_name(const Module& m) {
  std::map<std::string, Tensor> out;
  for (auto& [name, t] : m.named_parameters()) out[name] = t;
  return out;
}

// Two rows of 6 with padding, a masked position (16) in each, and their labels.
const std::vector<int64_t> kIds = {3, 16, 5, 7, 0, 0, 1, 2, 16, 4, 9, 0};
const std::vector<int64_t> kLabels = {-100, 12, -100, 7, -100, -100, -100, -100, 15, -100, 2, -100};

Tensor ids_tensor() { return Tensor::from_vector_i64(kIds, {2, 6}); }
Tensor labels_tensor() { return Tensor::from_vector_i64(kLabels, {2, 6}); }

// The head by hand in double: logits of the scored rows of token_out [B, L, D] and the mean cross-entropy.
double naive_mlm_loss(const LraForMaskedLM& model, const std::vector<float>& token_out, std::vector<double>& logits) {
  const LraConfig& c = model.config();
  const int64_t D = c.transformer_dim, V = c.vocab_size;
  std::map<std::string, Tensor> p = parameters_by_name(model);
  const std::vector<float> Wt = p.at("mlm_head.transform.weight").to_vector(), bt = p.at("mlm_head.transform.bias").to_vector();
  const std::vector<float> g = p.at("mlm_head.norm.weight").to_vector(), beta = p.at("mlm_head.norm.bias").to_vector();
  const std::vector<float> Wd = p.at("mlm_head.decoder.weight").to_vector(), bd = p.at("mlm_head.decoder.bias").to_vector();
  double loss = 0;
  int64_t scored = 0;
  for (size_t pos = 0; pos < kLabels.size(); ++pos) {
    if (kLabels[pos] == -100) continue;
    const float* x = token_out.data() + pos * D;
    std::vector<double> h(D);
    for (int64_t o = 0; o < D; ++o) {
      double s = bt[o];
      for (int64_t i = 0; i < D; ++i) s += static_cast<double>(Wt[o * D + i]) * x[i];
      h[o] = 0.5 * s * (1 + std::erf(s / std::sqrt(2.0)));
    }
    double mean = 0, var = 0;
    for (double v : h) mean += v / D;
    for (double v : h) var += (v - mean) * (v - mean) / D;
    for (int64_t o = 0; o < D; ++o) h[o] = (h[o] - mean) / std::sqrt(var + c.layer_norm_eps) * g[o] + beta[o];
    std::vector<double> row(V);
    double mx = -1e300;
    for (int64_t v = 0; v < V; ++v) {
      double s = bd[v];
      for (int64_t i = 0; i < D; ++i) s += static_cast<double>(Wd[v * D + i]) * h[i];
      row[v] = s;
      mx = std::max(mx, s);
      logits.push_back(s);
    }
    double z = 0;
    for (double s : row) z += std::exp(s - mx);
    loss += mx + std::log(z) - row[kLabels[pos]];
    ++scored;
  }
  return loss / scored;
}

// Sequences of random lengths in [min_len, max_len] of ids in [0, kTaskVocab): about one in ten is a 0
// inside the sequence (padding there too), and each has at least one real token.
std::vector<std::vector<int64_t>> random_sequences(int n, int64_t min_len, int64_t max_len, uint64_t seed) {
  Rng rng(seed);
  std::vector<std::vector<int64_t>> out;
  for (int i = 0; i < n; ++i) {
    std::vector<int64_t> s(rng.randint(min_len, max_len + 1));
    for (int64_t& id : s) id = rng.uniform() < 0.1f ? 0 : rng.randint(1, kTaskVocab);
    s[rng.randint(0, static_cast<int64_t>(s.size()))] = rng.randint(1, kTaskVocab);
    out.push_back(s);
  }
  return out;
}

std::vector<size_t> all_indices(size_t n) {
  std::vector<size_t> idx(n);
  for (size_t i = 0; i < n; ++i) idx[i] = i;
  return idx;
}

// Within k standard deviations of a binomial proportion p over n draws.
void check_rate(const std::string& what, double count, double n, double p, double k = 5) {
  const double rate = count / n, sd = std::sqrt(p * (1 - p) / n);
  INFO(what, ": ", rate, " of ", n, ", expected ", p, " +- ", k * sd);
  CHECK(std::abs(rate - p) <= k * sd);
}

}  // namespace

TEST_CASE("LRA masked LM: the classifier's encoder parameters, names and shapes, and the head's") {
  for (const std::string mixer : {"ponet", "softmax", "fnet"}) {
    CAPTURE(mixer);
    const LraConfig c = tiny_config(mixer, 16, 2);
    LraForSequenceClassification cls(c, 7);
    LraForMaskedLM mlm(c, 7);
    const auto a = encoder_shapes(cls), b = encoder_shapes(mlm);
    CHECK(a.size() >= 10);
    CHECK(a == b);
    CHECK(a.front().first == "model.embeddings.word_embeddings.weight");
    CHECK(a.back().first == "model.norm.bias");
    std::vector<std::string> head;
    for (auto& [name, t] : mlm.named_parameters())
      if (name.rfind("model.", 0) != 0) head.push_back(name + " " + t.shape_str());
    CHECK(head == std::vector<std::string>{"mlm_head.transform.weight [8, 8]", "mlm_head.transform.bias [8]",
                                           "mlm_head.norm.weight [8]", "mlm_head.norm.bias [8]",
                                           "mlm_head.decoder.weight [17, 8]", "mlm_head.decoder.bias [17]"});
    // the encoder is built first from the seed, as the classifier's: one seed, the same starting encoder
    std::map<std::string, Tensor> pc = parameters_by_name(cls);
    for (auto& [name, t] : mlm.named_parameters())
      if (name.rfind("model.", 0) == 0) CHECK(t.to_vector() == pc.at(name).to_vector());
  }
  // checkpoints rebuild it by class name
  auto rebuilt = make_model("LraForMaskedLM", tiny_config("ponet").to_json(), 0, "c.json");
  CHECK(rebuilt->class_name() == "LraForMaskedLM");
}

TEST_CASE("LRA masked LM: the loss is the head written out by hand over the scored positions") {
  for (const std::string mixer : {"ponet", "softmax"}) {
    CAPTURE(mixer);
    LraForMaskedLM model(tiny_config(mixer), 3);
    model.eval();
    LraMaskedLMOutputs out = model.forward(ids_tensor(), labels_tensor());
    REQUIRE(out.logits.shape() == Shape{4, 17});
    CHECK(out.targets.to_vector_i64() == std::vector<int64_t>{12, 7, 15, 2});
    std::vector<double> logits;
    const double naive = naive_mlm_loss(model, model.encoder().forward(ids_tensor()).token_out.to_vector(), logits);
    const double got = out.loss.item();
    INFO("loss ", got, ", by hand ", naive);
    CHECK(std::isfinite(got));
    CHECK(std::abs(got - naive) <= 1e-5 * std::max(1.0, std::abs(naive)));
    const std::vector<float> l = out.logits.to_vector();
    double worst = 0;
    for (size_t i = 0; i < l.size(); ++i) worst = worst_error(worst, std::abs(l[i] - logits[i]));
    CHECK(worst <= 1e-5);
  }
}

TEST_CASE("LRA masked LM: finite differences of the loss through the head and the encoder") {
  // ponet: parameters after the last mixer (its max-pools have kinks a step could cross); softmax: down
  // to the word embeddings, with a smaller step: they start N(0, 0.02), so gradcheck's default step of
  // 1e-2 is half their size, where norm1's curvature on so small a vector shows (errors of a few %)
  struct Case {
    const char* mixer;
    std::vector<std::string> names;
    float eps;
  };
  const Case cases[] = {{"ponet",
                         {"mlm_head.transform.weight", "mlm_head.norm.weight", "mlm_head.decoder.bias",
                          "model.norm.weight", "model.transformer_0.mlpblock.3.bias"},
                         1e-2f},
                        {"softmax",
                         {"mlm_head.decoder.weight", "model.embeddings.word_embeddings.weight",
                          "model.transformer_0.mha.W_q.weight", "model.transformer_0.norm1.bias"},
                         1e-3f}};
  for (const Case& k : cases) {
    const std::string mixer = k.mixer;
    CAPTURE(mixer);
    LraForMaskedLM model(tiny_config(mixer), 11);
    model.eval();
    std::map<std::string, Tensor> p = parameters_by_name(model);
    std::vector<Tensor> inputs;
    for (const std::string& n : k.names) inputs.push_back(p.at(n));
    autograd::GradcheckOptions o;
    o.eps = k.eps;
    check_gradients([&](const std::vector<Tensor>&) { return model.forward(ids_tensor(), labels_tensor()).loss; },
                    inputs, o);
  }
}

TEST_CASE("LRA masked LM: bad labels are refused") {
  LraForMaskedLM model(tiny_config("ponet"), 3);
  CHECK_THROWS_WITH_AS(model.forward(ids_tensor(), Tensor()), doctest::Contains("labels are required"), Error);
  CHECK_THROWS_WITH_AS(model.forward(ids_tensor(), Tensor::from_vector_i64(std::vector<int64_t>(12, -100), {2, 6})),
                       doctest::Contains("no position is scored"), Error);
  std::vector<int64_t> bad = kLabels;
  bad[1] = 17;
  CHECK_THROWS_WITH_AS(model.forward(ids_tensor(), Tensor::from_vector_i64(bad, {2, 6})),
                       doctest::Contains("labels contain 17"), Error);
  CHECK_THROWS_WITH_AS(model.forward(Tensor::from_vector_i64({0, 0}, {1, 2}), Tensor::from_vector_i64({1, 1}, {1, 2})),
                       doctest::Contains("all padding"), Error);
}

TEST_CASE("LRA self-pretraining masks: 15 % of the real tokens, split 80/10/10, never padding, every row scored") {
  const LraMasking m{0.15f, kTaskVocab, kTaskVocab};
  const int64_t pad_to = 110;
  const auto seqs = random_sequences(1500, 40, 100, 5);
  Rng rng(9);
  const MaskedBatch b = mask_sequences(seqs, all_indices(seqs.size()), pad_to, m, rng);
  REQUIRE(b.input_ids.shape() == Shape{1500, pad_to});
  const std::vector<int64_t> ids = b.input_ids.to_vector_i64(), labels = b.labels.to_vector_i64();
  int64_t real = 0, selected = 0, masked = 0, replaced = 0, kept = 0, bad = 0, rows_unscored = 0;
  for (size_t r = 0; r < seqs.size(); ++r) {
    int64_t scored = 0;
    for (int64_t l = 0; l < pad_to; ++l) {
      const int64_t original = l < static_cast<int64_t>(seqs[r].size()) ? seqs[r][l] : 0;
      const int64_t id = ids[r * pad_to + l], label = labels[r * pad_to + l];
      if (original == 0) {  // padding, in the tail or inside: never selected, never changed
        bad += label != -100 || id != 0;
        continue;
      }
      ++real;
      if (label == -100) {
        bad += id != original;
        continue;
      }
      ++scored;
      ++selected;
      bad += label != original;
      if (id == m.mask_id) ++masked;
      else if (id != original) {
        ++replaced;
        bad += id < 1 || id >= kTaskVocab;  // a real id: never padding, never the mask id
      } else ++kept;
    }
    rows_unscored += scored == 0;
  }
  CHECK(bad == 0);
  CHECK(rows_unscored == 0);
  CHECK(b.num_tokens == real);
  check_rate("selected", selected, real, 0.15);
  check_rate("mask id", masked, selected, 0.8);
  // a random id equals the original one time in 15
  check_rate("another id", replaced, selected, 0.1 * 14 / 15);
  check_rate("unchanged", kept, selected, 0.1 + 0.1 / 15);
  // the same Rng state, the same masks
  Rng again(9);
  CHECK(mask_sequences(seqs, all_indices(seqs.size()), pad_to, m, again).input_ids.to_vector_i64() == ids);

  // rows too short to be selected by chance still get one scored position, on a real token
  const std::vector<std::vector<int64_t>> short_rows = {{7}, {0, 3}, {4, 0, 0}, {0, 0, 9}};
  Rng rng2(1);
  for (int round = 0; round < 50; ++round) {
    const MaskedBatch s = mask_sequences(short_rows, all_indices(4), 4, m, rng2);
    const std::vector<int64_t> sl = s.labels.to_vector_i64();
    CHECK(sl == std::vector<int64_t>{7, -100, -100, -100, -100, 3, -100, -100, 4, -100, -100, -100, -100, -100, 9, -100});
  }
}

TEST_CASE("LRA self-pretraining: the encoder copied into the classifier gives the same output") {
  const LraConfig c = tiny_config("ponet", 16, 2);
  LraForMaskedLM mlm(c, 5);
  LraForSequenceClassification cls(c, 6);
  mlm.eval();
  cls.eval();
  const Tensor ids = ids_tensor();
  const std::vector<float> before = cls.forward({ids, Tensor()}).token_out.to_vector();
  const LraEncoderOutputs want = mlm.encoder().forward(ids);
  CHECK(before != want.token_out.to_vector());  // other seeds: other encoders
  std::map<std::string, std::vector<float>> head_before;
  for (auto& [name, t] : cls.named_parameters())
    if (name.rfind("seq_classifer.", 0) == 0) head_before[name] = t.to_vector();

  // another config: refused, naming the tensor, and nothing copied
  LraForMaskedLM wider(tiny_config("ponet", 24, 2), 5), shallower(tiny_config("ponet", 16, 1), 5);
  LraForSequenceClassification shallow_cls(tiny_config("ponet", 16, 1), 6);
  CHECK_THROWS_WITH_AS(copy_lra_encoder(wider, cls),
                       doctest::Contains("model.transformer_0.mlpblock.0.weight is [24, 8] in the masked-LM model but [16, 8]"),
                       Error);
  CHECK_THROWS_WITH_AS(copy_lra_encoder(shallower, cls),
                       doctest::Contains("the classifier's model.transformer_1.norm1.weight [8] is not in the masked-LM model"),
                       Error);
  CHECK_THROWS_WITH_AS(copy_lra_encoder(mlm, shallow_cls),
                       doctest::Contains("the masked-LM model's model.transformer_1."), Error);
  CHECK(cls.forward({ids, Tensor()}).token_out.to_vector() == before);

  copy_lra_encoder(mlm, cls);
  const LraOutputs got = cls.forward({ids, Tensor()});
  CHECK(got.token_out.to_vector() == want.token_out.to_vector());  // bit for bit
  REQUIRE(got.hidden_states.size() == want.hidden_states.size());
  for (size_t k = 0; k < got.hidden_states.size(); ++k)
    CHECK(got.hidden_states[k].to_vector() == want.hidden_states[k].to_vector());
  for (auto& [name, t] : cls.named_parameters())
    if (name.rfind("seq_classifer.", 0) == 0) CHECK(t.to_vector() == head_before.at(name));  // the head is kept
}

TEST_CASE("LRA self-pretraining task: two ranks' shares add up to the one-process loss") {
  const LraConfig c = tiny_config("ponet");
  LraForMaskedLM model(c, 2);
  model.eval();  // no dropout: the ranks' rows are the one-process rows exactly
  LraMaskedLMOptions o;
  o.batch_size = 4;
  o.pad_to = 12;
  o.masking = {0.15f, kTaskVocab, kTaskVocab};
  const auto train = random_sequences(20, 3, 12, 1), dev = random_sequences(6, 3, 12, 2);
  LraMaskedLMTask one(model, train, dev, o);
  Rng r0(7);
  const double whole = one.forward_next_batch(r0).figures.loss;
  double sum = 0;
  for (int rank = 0; rank < 2; ++rank) {
    LraMaskedLMTask part(model, train, dev, o);
    part.set_shard({rank, 2});
    Rng r(7);
    sum += part.forward_next_batch(r).figures.loss;
  }
  CHECK(std::isfinite(whole));
  CHECK(std::abs(sum - whole) <= 1e-5 * std::max(1.0, whole));
  LraMaskedLMTask odd(model, train, dev, o);
  CHECK_THROWS_WITH_AS(odd.set_shard({0, 3}), doctest::Contains("must divide by the number of ranks 3"), Error);
  // bad sequences and options are named
  CHECK_THROWS_WITH_AS(LraMaskedLMTask(model, {{1, 2, 16}}, dev, o), doctest::Contains("training sequence 0 holds id 16"), Error);
  CHECK_THROWS_WITH_AS(LraMaskedLMTask(model, train, {{0, 0}}, o), doctest::Contains("held-out sequence 0 is all padding"), Error);
  o.masking.mask_id = 17;
  CHECK_THROWS_WITH_AS(LraMaskedLMTask(model, train, dev, o), doctest::Contains("the mask id 17"), Error);
}

TEST_CASE("LRA self-pretraining task: a few steps on a learnable set lower the held-out MLM loss") {
  // Counting sequences: each id is the one before plus one (wrapping in 1..15), so a masked token follows
  // from its neighbours.
  auto counting = [](int n, uint64_t seed) {
    Rng rng(seed);
    std::vector<std::vector<int64_t>> out;
    for (int i = 0; i < n; ++i) {
      std::vector<int64_t> s(rng.randint(6, 13));
      int64_t id = rng.randint(1, kTaskVocab);
      for (int64_t& x : s) x = id, id = id % (kTaskVocab - 1) + 1;
      out.push_back(s);
    }
    return out;
  };
  LraForMaskedLM model(tiny_config("ponet"), 4);
  LraMaskedLMOptions o;
  o.batch_size = 16;
  o.pad_to = 12;
  o.masking = {0.15f, kTaskVocab, kTaskVocab};
  o.epochs = true;
  LraMaskedLMTask task(model, counting(256, 1), counting(64, 2), o);
  const std::string dir = "/tmp/ponet_test_lra_mlm_learn";
  std::system(("rm -rf " + dir).c_str());
  ::mkdir(dir.c_str(), 0755);
  train::TrainerOptions t;
  t.out_dir = dir;
  t.steps = 80;
  t.warmup_steps = 8;
  t.lr = 1e-2f;
  t.eval_every = t.checkpoint_every = 80;
  t.quiet = true;
  train::Trainer trainer(task, t, 3);
  const train::Metrics before = trainer.evaluate();
  CHECK(train::metric(trainer.evaluate(), "loss") == train::metric(before, "loss"));  // a fixed masking
  const train::TrainSummary s = trainer.run();
  const double b = train::metric(before, "loss"), a = train::metric(s.final_eval, "loss");
  MESSAGE("held-out MLM loss ", b, " -> ", a, ", accuracy ", train::metric(before, "accuracy"), " -> ",
          train::metric(s.final_eval, "accuracy"));
  CHECK(std::isfinite(a));
  CHECK(a < 0.8 * b);
  CHECK(train::metric(s.final_eval, "accuracy") > train::metric(before, "accuracy"));
  CHECK(train::metric(s.final_eval, "masked_tokens") == train::metric(before, "masked_tokens"));
}
