// embedding: gather forward and scatter-add backward against references written here (in double),
// gradcheck with repeated ids and a padding id, bad ids and arguments, bad ids on CUDA (CUDA vs CPU: the op table, tests/ops_table/).
#include <algorithm>

#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {

// The padding checks bite only when the padding id is among the ids.
void require_drawn(const std::vector<int64_t>& ids, int64_t padding_idx) {
  REQUIRE(std::count(ids.begin(), ids.end(), padding_idx) > 0);
}

// dW[v, :] = sum of g[p, :] over positions p with ids[p] == v, except row padding_idx; in double.
std::vector<float> reference_dweight(const std::vector<float>& g, const std::vector<int64_t>& ids,
                                     int64_t vocab, int64_t dim, int64_t padding_idx) {
  std::vector<double> acc(static_cast<size_t>(vocab * dim), 0.0);
  for (size_t p = 0; p < ids.size(); ++p) {
    if (ids[p] == padding_idx) continue;
    for (int64_t j = 0; j < dim; ++j) acc[ids[p] * dim + j] += g[p * dim + j];
  }
  return std::vector<float>(acc.begin(), acc.end());
}

}  // namespace

TEST_CASE("embedding gathers rows and scatter-adds gradients with a padding row") {
  Rng rng(2);
  const int64_t vocab = 7, dim = 3, pad = 0;
  Tensor w = random_tensor({vocab, dim}, rng, true);
  const std::vector<int64_t> id_values = {3, 0, 5, 3, 6, 3, 0, 1};  // 3 three times, pad twice; 2, 4 unused
  require_drawn(id_values, pad);
  Tensor ids = Tensor::from_vector_i64(id_values, {2, 4});

  Tensor y = embedding(w, ids, pad);
  REQUIRE(y.shape() == Shape{2, 4, dim});
  std::vector<float> wv = w.to_vector(), expected;
  for (int64_t id : id_values)
    for (int64_t j = 0; j < dim; ++j) expected.push_back(wv[id * dim + j]);
  check_close(y, expected, 0, 0);  // a copy: exact, padding row included (the lookup still reads it)

  Tensor seed = random_tensor({2, 4, dim}, rng);
  y.backward(seed);
  std::vector<float> dw = reference_dweight(seed.to_vector(), id_values, vocab, dim, pad);
  check_close(w.grad(), dw, 1e-6, 1e-6);
  std::vector<float> grad = w.grad().to_vector();
  for (int64_t j = 0; j < dim; ++j) {
    CHECK(grad[pad * dim + j] == 0.f);  // padding row: no gradient although id 0 was looked up
    CHECK(grad[2 * dim + j] == 0.f);    // never looked up
    CHECK(grad[4 * dim + j] == 0.f);
  }
}

TEST_CASE("embedding without padding_idx gives every looked-up row a gradient") {
  Tensor w = Tensor::zeros({4, 2}).set_requires_grad(true);
  Tensor ids = Tensor::from_vector_i64({0, 0, 3}, {3});
  Tensor seed = Tensor::from_vector({1, 2, 10, 20, 100, 200}, {3, 2});
  embedding(w, ids).backward(seed);
  check_close(w.grad(), {11, 22, 0, 0, 0, 0, 100, 200}, 0, 0);  // hand-summed
}

TEST_CASE("embedding: gradcheck with repeated ids and a padding id") {
  Rng rng(8);
  Tensor w = random_tensor({7, 3}, rng, true);
  const std::vector<int64_t> id_values = {1, 4, 1, 2, 4, 4, 6, 2, 0};
  Tensor ids = Tensor::from_vector_i64(id_values, {3, 3});
  check_gradients([](const std::vector<Tensor>& in) { return embedding(in[0], in[1]); }, {w, ids});

  // With padding_idx = 2 the lookup still reads row 2, so finite differences see it while the analytic
  // gradient is 0 by definition. As in a model, the padded positions are masked out of the output;
  // then both sides agree and the check covers the other rows' scatter-add with padding switched on.
  require_drawn(id_values, 2);
  std::vector<float> keep;
  for (int64_t id : id_values) keep.push_back(id == 2 ? 0.f : 1.f);
  Tensor mask = Tensor::from_vector(keep, {3, 3, 1});
  check_gradients([](const std::vector<Tensor>& in) { return mul(embedding(in[0], in[1], 2), in[2]); },
                  {w, ids, mask});
}

TEST_CASE("embedding: many positions (parallel path) match the reference and are reproducible") {
  Rng rng(13);
  const int64_t vocab = 50, dim = 64, n = 2000;
  Tensor w = random_tensor({vocab, dim}, rng, true);
  std::vector<int64_t> id_values(n);
  for (int64_t p = 0; p < n; ++p) id_values[p] = static_cast<int64_t>(rng.uniform(0.f, 1.f) * 37) % 37;
  require_drawn(id_values, 5);
  Tensor ids = Tensor::from_vector_i64(id_values, {n});
  Tensor seed = random_tensor({n, dim}, rng);
  embedding(w, ids, 5).backward(seed);
  check_close(w.grad(), reference_dweight(seed.to_vector(), id_values, vocab, dim, 5), 1e-4, 1e-5);

  std::vector<float> first = w.grad().to_vector();
  w.zero_grad();
  embedding(w, ids, 5).backward(seed);
  CHECK(w.grad().to_vector() == first);
}

TEST_CASE("embedding with no ids gives an empty output and a zero gradient") {
  Tensor w = Tensor::ones({3, 2}).set_requires_grad(true);
  Tensor y = embedding(w, Tensor::zeros({0}, DType::I64));
  CHECK(y.shape() == Shape{0, 2});
  y.backward(Tensor::zeros({0, 2}));
  check_close(w.grad(), std::vector<float>(6, 0.f), 0, 0);
}

TEST_CASE("embedding rejects bad ids and arguments with a clear message") {
  Tensor w = Tensor::zeros({7, 3});
  CHECK_THROWS_WITH_AS(embedding(w, Tensor::from_vector_i64({1, 7}, {2})),
                       doctest::Contains("id 7 (flat position 1 of ids [2]) is out of range [0, 7)"), Error);
  CHECK_THROWS_WITH_AS(embedding(w, Tensor::from_vector_i64({2, -1}, {1, 2})),
                       doctest::Contains("id -1 (flat position 1 of ids [1, 2]) is out of range"), Error);
  CHECK_THROWS_WITH_AS(embedding(w, Tensor::from_vector_i64({9}, {1})),
                       doctest::Contains("vocabulary size V = 7"), Error);
  CHECK_THROWS_WITH_AS(embedding(w, Tensor::from_vector_i64({1}, {1}), 7), doctest::Contains("padding_idx 7"),
                       Error);
  CHECK_THROWS_WITH_AS(embedding(w, Tensor::zeros({2})), doctest::Contains("ids must be int64"), Error);
  CHECK_THROWS_WITH_AS(embedding(Tensor::zeros({7}), Tensor::from_vector_i64({1}, {1})),
                       doctest::Contains("weight must have 2 dims"), Error);
  CHECK_THROWS_WITH_AS(embedding(Tensor::zeros({7, 3}, DType::I64), Tensor::from_vector_i64({1}, {1})),
                       doctest::Contains("weight must be float32"), Error);
}

TEST_CASE("embedding: an out-of-range id on CUDA is an error naming it" * doctest::test_suite("gpu")) {
  if (skip_without_gpu()) return;
  Tensor wg = Tensor::zeros({1000, 8}, DType::F32, Device::cuda());
  CHECK_THROWS_WITH_AS(embedding(wg, Tensor::from_vector_i64({3, 1000}, {2}, Device::cuda())),
                       doctest::Contains("id 1000 (flat position 1 of ids [2]) is out of range [0, 1000)"),
                       Error);
}
