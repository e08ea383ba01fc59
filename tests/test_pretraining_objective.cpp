// The pretraining objectives of the paper's ablation (train/pretraining_task.h): the NSP and in-order
// pairs of the data builder, and what the task backpropagates and reports for mlm+sso, mlm+nsp and mlm.
// The default objective's numbers are pinned by tests/test_trajectory.cpp and tests/test_trainer.cpp.
#include <cmath>

#include "data/pretraining_data.h"
#include "test_util.h"
#include "tiny_test_config.h"
#include "train/pretraining_task.h"

using namespace ponet;
using namespace ponet::data;
using namespace ponet::train;
using text::Corpus;
using text::WordPieceTokenizer;

namespace {

// Document d, sentence s reads "dD sS w w w": every token says where it came from.
Corpus corpus_of(int docs, int sentences) {
  Corpus c;
  for (int d = 0; d < docs; ++d) {
    std::vector<std::string> doc;
    for (int s = 0; s < sentences; ++s)
      doc.push_back("d" + std::to_string(d) + " s" + std::to_string(s) + " w" + std::to_string((d + s) % 5) + " w" +
                    std::to_string((d * 3 + s) % 5));
    c.documents.push_back(doc);
  }
  return c;
}

WordPieceTokenizer vocab_of(int docs, int sentences) {
  std::vector<std::string> tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  for (int d = 0; d < docs; ++d) tokens.push_back("d" + std::to_string(d));
  for (int s = 0; s < sentences; ++s) tokens.push_back("s" + std::to_string(s));
  for (int w = 0; w < 5; ++w) tokens.push_back("w" + std::to_string(w));
  return WordPieceTokenizer(tokens);
}

std::vector<size_t> all_docs(size_t n) {
  std::vector<size_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

// The document and sentence of the first sentence after [CLS] ("dD sS ..."), read back from the ids
// (the original ids where masking replaced them).
std::pair<int, int> origin_of_first_part(const Example& e, const WordPieceTokenizer& tok) {
  auto original = [&](size_t p) { return tok.id_to_token(e.labels[p] != -100 ? e.labels[p] : e.input_ids[p]); };
  const std::string d = original(1), s = original(2);
  return {std::stoi(d.substr(1)), std::stoi(s.substr(1))};
}

// A tiny pretraining setup for one objective: corpus, data, model (head sized for the objective), task.
struct Setup {
  Corpus corpus = corpus_of(6, 8);
  WordPieceTokenizer tok = vocab_of(6, 8);
  PretrainingOptions opt;
  std::unique_ptr<PretrainingData> data;
  std::unique_ptr<nn::PoNetForPreTraining> model;
  std::unique_ptr<PretrainingTask> task;

  explicit Setup(Objective objective, int64_t head_labels = -1) {
    opt.max_len = 24;
    opt.batch_size = 8;
    opt.pairs = sentence_pairs(objective);
    data = std::make_unique<PretrainingData>(corpus, tok, opt, all_docs(6));
    nn::PoNetConfig config = testing::tiny_test_config(tok);
    if (head_labels > 0) config.num_sso_labels = head_labels;
    else if (sentence_labels(objective) > 0) config.num_sso_labels = sentence_labels(objective);
    model = std::make_unique<nn::PoNetForPreTraining>(config, 3);
    Rng eval_rng(5);
    task = std::make_unique<PretrainingTask>(*model, *data, std::vector<Batch>{data->next_batch(eval_rng)});
  }
  // One training forward and backward from a fixed data Rng.
  StepResult step() {
    model->zero_grad();
    Rng rng(7);
    StepResult r = task->forward_next_batch(rng);
    r.objective.backward();
    return r;
  }
  Tensor grad_of(const std::string& name) const {
    for (auto& [n, t] : model->named_parameters())
      if (n == name) return t.grad();
    FAIL("no parameter ", name);
    return {};
  }
};

bool nonzero(const Tensor& g) {
  if (!g.defined()) return false;
  for (float x : g.to_vector())
    if (x != 0.f) return true;
  return false;
}

std::vector<std::string> names(const Metrics& m) {
  std::vector<std::string> out;
  for (auto& [n, v] : m) out.push_back(n);
  return out;
}

}  // namespace

TEST_CASE("NSP pairs: balanced, label 0 has B really next after A, label 1 B from another document") {
  Corpus corpus = corpus_of(8, 10);
  WordPieceTokenizer tok = vocab_of(8, 10);
  PretrainingOptions opt;
  opt.max_len = 40;
  opt.pairs = SentencePairs::nsp;
  PretrainingData data(corpus, tok, opt, all_docs(8));
  Rng rng(2);
  int counts[2] = {0, 0};
  const int n = 3000;
  for (int i = 0; i < n; ++i) {
    Example e = data.next_example(rng);
    REQUIRE((e.pair_label == 0 || e.pair_label == 1));
    ++counts[e.pair_label];
    // the first part is never swapped away: it starts with the sentence its range says
    const auto [doc, sentence] = origin_of_first_part(e, tok);
    CHECK(static_cast<size_t>(doc) == e.first_doc);
    CHECK(static_cast<size_t>(sentence) == e.first_sentences.first);
    if (e.pair_label == 0) {
      CHECK(e.first_doc == e.second_doc);
      CHECK(e.first_sentences.second == e.second_sentences.first);  // B starts where A ends
    } else {
      CHECK(e.first_doc != e.second_doc);
    }
  }
  for (int c : counts) CHECK(std::abs(c / double(n) - 0.5) < 0.03);
}

TEST_CASE("in-order pairs (MLM alone): always label 0, B follows A in one document") {
  Corpus corpus = corpus_of(8, 10);
  WordPieceTokenizer tok = vocab_of(8, 10);
  PretrainingOptions opt;
  opt.max_len = 40;
  opt.pairs = SentencePairs::in_order;
  PretrainingData data(corpus, tok, opt, all_docs(8));
  Rng rng(3);
  for (int i = 0; i < 500; ++i) {
    Example e = data.next_example(rng);
    CHECK(e.pair_label == 0);
    CHECK(e.first_doc == e.second_doc);
    CHECK(e.first_sentences.second == e.second_sentences.first);
  }
}

TEST_CASE("objectives: names, and a bad name is refused naming the value and the choices") {
  for (Objective o : {Objective::mlm_sso, Objective::mlm_nsp, Objective::mlm})
    CHECK(parse_objective(objective_name(o)) == o);
  CHECK(objective_name(Objective::mlm_sso) == "mlm+sso");
  CHECK(sentence_labels(Objective::mlm_sso) == 3);
  CHECK(sentence_labels(Objective::mlm_nsp) == 2);
  CHECK(sentence_labels(Objective::mlm) == 0);
  CHECK_THROWS_WITH_AS(parse_objective("mlm+nsp+sso"),
                       doctest::Contains("unknown pretraining objective 'mlm+nsp+sso' (known: mlm+sso, mlm+nsp, mlm)"),
                       Error);
}

TEST_CASE("mlm+sso: the objective is MLM + SSO and the head learns") {
  Setup s(Objective::mlm_sso);
  CHECK(s.task->objective() == Objective::mlm_sso);
  StepResult r = s.step();
  CHECK(nonzero(s.grad_of("cls.seq_relationship.weight")));
  CHECK(nonzero(s.grad_of("ponet.pooler.dense.weight")));
  CHECK(r.figures.accuracies.size() == 2);
  CHECK(r.figures.accuracies[1].first == "sso_accuracy");
  CHECK(names(s.task->evaluate()) == std::vector<std::string>{"loss", "mlm_loss", "sso_loss", "mlm_accuracy",
                                                               "sso_accuracy", "mlm_count", "sso_count"});
  CHECK(s.task->loss_title() == "loss (MLM + SSO)");
}

TEST_CASE("mlm+nsp: a 2-way head, NSP metrics, and the head learns") {
  Setup s(Objective::mlm_nsp);
  CHECK(s.task->objective() == Objective::mlm_nsp);  // taken from the data's pairs
  StepResult r = s.step();
  CHECK(nonzero(s.grad_of("cls.seq_relationship.weight")));
  CHECK(s.grad_of("cls.seq_relationship.weight").shape() == Shape{2, 16});
  REQUIRE(r.figures.accuracies.size() == 2);
  CHECK(r.figures.accuracies[1].first == "nsp_accuracy");
  const Metrics m = s.task->evaluate();
  CHECK(names(m) == std::vector<std::string>{"loss", "mlm_loss", "nsp_loss", "mlm_accuracy", "nsp_accuracy",
                                             "mlm_count", "nsp_count"});
  CHECK(std::abs(metric(m, "loss") - metric(m, "mlm_loss") - metric(m, "nsp_loss")) < 1e-5);
  CHECK(s.task->describe(m).find("NSP acc") != std::string::npos);
  CHECK(s.task->loss_title() == "loss (MLM + NSP)");
}

TEST_CASE("mlm alone: no sentence term, so the seq_relationship head and the pooler get no gradient") {
  Setup s(Objective::mlm);
  StepResult r = s.step();
  CHECK_FALSE(nonzero(s.grad_of("cls.seq_relationship.weight")));
  CHECK_FALSE(nonzero(s.grad_of("cls.seq_relationship.bias")));
  CHECK_FALSE(nonzero(s.grad_of("ponet.pooler.dense.weight")));
  CHECK(nonzero(s.grad_of("cls.predictions.transform.dense.weight")));  // MLM still trains
  // the reported loss and the objective are the MLM loss alone
  CHECK(r.figures.loss == doctest::Approx(r.objective.item()).epsilon(1e-6));
  REQUIRE(r.figures.accuracies.size() == 1);
  CHECK(r.figures.accuracies[0].first == "mlm_accuracy");
  const Metrics m = s.task->evaluate();
  CHECK(names(m) == std::vector<std::string>{"loss", "mlm_loss", "mlm_accuracy", "mlm_count"});
  CHECK(metric(m, "loss") == metric(m, "mlm_loss"));
  CHECK(s.task->describe(m).find("acc") == s.task->describe(m).rfind("acc"));  // one accuracy only
  CHECK(s.task->chart_metrics() == std::vector<std::string>{"mlm_accuracy"});
}

TEST_CASE("objectives: a head, data or weights that do not fit the objective are refused") {
  CHECK_THROWS_WITH_AS(Setup(Objective::mlm_nsp, 3),
                       doctest::Contains("objective mlm+nsp needs a seq_relationship head of 2 outputs (num_sso_labels "
                                         "2), the model has 3"),
                       Error);
  Setup sso(Objective::mlm_sso);
  CHECK_THROWS_WITH_AS(sso.task->set_objective(Objective::mlm),
                       doctest::Contains("objective mlm needs the training data to build its own sentence pairs"), Error);
  Setup mlm(Objective::mlm);  // the task takes the data's objective: MLM alone, here with MLM weight 0
  CHECK_THROWS_WITH_AS(PretrainingTask(*mlm.model, *mlm.data, {}, /*mlm_weight=*/0.f, /*sso_weight=*/1.f),
                       doctest::Contains("objective mlm has only the MLM loss, whose weight is 0"), Error);
}
