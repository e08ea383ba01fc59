// LRA ListOps: values of hand-built trees, LRA's text format, the length rule and bounds, determinism,
// and the TSV reader's errors. Generated examples are re-evaluated by an independent stack evaluator.
#include <cstdio>
#include <fstream>
#include <set>

#include "data/listops.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::data;

namespace {

ListOpsTree leaf(int v) {
  ListOpsTree t;
  t.value = v;
  return t;
}
ListOpsTree node(ListOp op, std::vector<ListOpsTree> args) {
  ListOpsTree t;
  t.op = op;
  t.args = std::move(args);
  return t;
}

// Evaluates token ids (the model's view) with a stack, independently of listops_value.
int evaluate_ids(const std::vector<int64_t>& ids) {
  std::vector<std::pair<int64_t, std::vector<int>>> stack;  // (operator id, arguments)
  int result = -1;
  for (int64_t id : ids) {
    if (id >= 1 && id <= 10) {
      if (stack.empty()) result = static_cast<int>(id - 1);
      else stack.back().second.push_back(static_cast<int>(id - 1));
    } else if (id >= 11 && id <= 14) {
      stack.push_back({id, {}});
    } else {
      REQUIRE(id == 15);
      auto [op, v] = stack.back();
      stack.pop_back();
      std::sort(v.begin(), v.end());
      int sum = 0;
      for (int x : v) sum += x;
      const double median = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
      const int value = op == 11 ? v.front() : op == 12 ? v.back() : op == 13 ? static_cast<int>(median) : sum % 10;
      if (stack.empty()) result = value;
      else stack.back().second.push_back(value);
    }
  }
  return result;
}

}  // namespace

TEST_CASE("listops: operator values by hand, LRA's text and the length rule") {
  CHECK(listops_value(node(ListOp::min, {leaf(3), leaf(7), leaf(1)})) == 1);
  CHECK(listops_value(node(ListOp::max, {leaf(3), leaf(7), leaf(1)})) == 7);
  CHECK(listops_value(node(ListOp::med, {leaf(5), leaf(1), leaf(3)})) == 3);
  CHECK(listops_value(node(ListOp::med, {leaf(1), leaf(9)})) == 5);                     // (1 + 9) / 2
  CHECK(listops_value(node(ListOp::med, {leaf(7), leaf(2), leaf(4), leaf(3)})) == 3);   // (3 + 4) / 2 = 3.5 -> 3
  CHECK(listops_value(node(ListOp::sum_mod, {leaf(7), leaf(8), leaf(9)})) == 4);        // 24 mod 10
  ListOpsTree nested = node(ListOp::max, {leaf(2), node(ListOp::min, {leaf(4), leaf(7)}), leaf(0)});
  CHECK(listops_value(nested) == 4);
  CHECK(listops_length(nested) == 2 + 2 + 4);
  ListOpsTree simple = node(ListOp::max, {leaf(2), leaf(9)});
  CHECK(listops_source(simple) == "( ( ( [MAX 2 ) 9 ) ] )");
  CHECK(listops_length(simple) == 4);
  CHECK(listops_token_ids(listops_source(simple)) == std::vector<int64_t>{12, 3, 10, 15});
  CHECK(listops_token_ids("[SM 1 2 X") == std::vector<int64_t>{14, 2, 3, 15});  // LRA's "X" for "]"
  CHECK_THROWS_WITH_AS(listops_token_ids("[MAX 2 [FIRST 3 ] ]"), doctest::Contains("unknown token '[FIRST'"), Error);
}

TEST_CASE("listops: generated sets obey the bounds, are distinct, deterministic and correctly labelled") {
  ListOpsOptions o;
  o.train = 120;
  o.dev = 20;
  o.test = 20;
  o.min_length = 30;
  o.max_length = 90;
  o.seed = 3;
  ListOpsSplits a = generate_listops(o), b = generate_listops(o);
  REQUIRE(a.train.size() == 120);
  REQUIRE(a.dev.size() == 20);
  REQUIRE(a.test.size() == 20);
  std::set<std::string> distinct;
  std::vector<int> label_counts(10, 0);
  for (const auto* split : {&a.train, &a.dev, &a.test})
    for (const ListOpsExample& e : *split) {
      const std::vector<int64_t> ids = listops_token_ids(e.source);
      CHECK(static_cast<int64_t>(ids.size()) > o.min_length);  // strict bounds, as in LRA
      CHECK(static_cast<int64_t>(ids.size()) < o.max_length);
      CHECK(evaluate_ids(ids) == e.target);
      distinct.insert(e.source);
      ++label_counts[e.target];
    }
  CHECK(distinct.size() == 160);
  for (size_t i = 0; i < a.train.size(); ++i) CHECK(a.train[i].source == b.train[i].source);
  o.seed = 4;
  CHECK(generate_listops(o).train[0].source != a.train[0].source);
  int labels_seen = 0;
  for (int c : label_counts) labels_seen += c > 0;
  CHECK(labels_seen >= 5);
  o.min_length = 10;
  o.max_length = 11;
  CHECK_THROWS_WITH_AS(generate_listops(o), doctest::Contains("no length lies strictly between"), Error);
}

TEST_CASE("listops: the LRA bounds 500 and 2000 hold for the default window") {
  ListOpsOptions o;
  o.train = 30;
  o.dev = o.test = 0;
  ListOpsSplits s = generate_listops(o);
  for (const ListOpsExample& e : s.train) {
    const int64_t n = static_cast<int64_t>(listops_token_ids(e.source).size());
    CHECK(n > 500);
    CHECK(n < 2000);
  }
}

TEST_CASE("listops: TSV round trip and reader errors name the line") {
  const std::string path = "/tmp/ponet_test_listops.tsv";
  std::vector<ListOpsExample> ex = {{"( ( ( [MAX 2 ) 9 ) ] )", 9}, {"( ( [SM 4 ) X )", 4}};
  write_listops_tsv(path, ex);
  std::vector<ListOpsExample> back = read_listops_tsv(path);
  REQUIRE(back.size() == 2);
  CHECK(back[0].source == ex[0].source);
  CHECK(back[1].target == 4);
  auto write = [&](const std::string& text) { std::ofstream(path) << text; };
  write("Src\tTarget\n");
  CHECK_THROWS_WITH_AS(read_listops_tsv(path), doctest::Contains(":1: expected the header"), Error);
  write("Source\tTarget\n[MAX 1 2 ]\t2\n[MAX 1 2 ]\t12\n");
  CHECK_THROWS_WITH_AS(read_listops_tsv(path), doctest::Contains(":3: target \"12\""), Error);
  write("Source\tTarget\n[MAX 1 two ]\t2\n");
  CHECK_THROWS_WITH_AS(read_listops_tsv(path), doctest::Contains(":2: listops: unknown token 'two'"), Error);
  write("Source\tTarget\n[MAX 1 2 ]\n");
  CHECK_THROWS_WITH_AS(read_listops_tsv(path), doctest::Contains(":2: expected two tab-separated fields"), Error);
  CHECK_THROWS_WITH_AS(read_listops_tsv("/nonexistent/x.tsv"), doctest::Contains("cannot open"), Error);
  std::remove(path.c_str());
}
