// sum over dims: the in-place [outer, mid, inner] kernel and the permute-then-rows path, each against a
// naive reference that walks every index; gradcheck (the CUDA twins against the CPU: the op table, tests/ops_table/).
#include <omp.h>

#include "kernels/cpu/reduce.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {

// Sum of a contiguous 4-D tensor over the dims marked in `reduce`, by visiting every element.
std::vector<float> naive_sum(const Tensor& x, const std::vector<bool>& reduce) {
  const Shape& s = x.shape();
  std::vector<float> v = x.to_vector();
  Shape kept;
  for (int d = 0; d < 4; ++d) kept.push_back(reduce[d] ? 1 : s[d]);
  std::vector<double> acc(shape_numel(kept), 0.0);
  for (int64_t a = 0; a < s[0]; ++a)
    for (int64_t b = 0; b < s[1]; ++b)
      for (int64_t c = 0; c < s[2]; ++c)
        for (int64_t d = 0; d < s[3]; ++d) {
          const int64_t ka = reduce[0] ? 0 : a, kb = reduce[1] ? 0 : b, kc = reduce[2] ? 0 : c, kd = reduce[3] ? 0 : d;
          acc[((ka * kept[1] + kb) * kept[2] + kc) * kept[3] + kd] += v[((a * s[1] + b) * s[2] + c) * s[3] + d];
        }
  return std::vector<float>(acc.begin(), acc.end());
}

}  // namespace

TEST_CASE("sum_middle kernel matches its reference and gives the same bits for any thread count") {
  Rng rng(71);
  for (auto [outer, mid, inner] : std::vector<std::array<int64_t, 3>>{
           {1, 200003, 64}, {3, 5000, 17}, {40, 300, 8}, {1, 7, 1}, {2, 1, 5}, {1, 1640, 1100}}) {
    Tensor x = random_tensor({outer, mid, inner}, rng);
    std::vector<float> got(outer * inner), want(outer * inner), one_thread;
    cpu::sum_middle_reference(want.data(), x.data<float>(), outer, mid, inner);
    for (int threads : {1, 2, 3}) {
      omp_set_num_threads(threads);
      cpu::sum_middle(got.data(), x.data<float>(), outer, mid, inner);
      INFO("outer ", outer, " mid ", mid, " inner ", inner, " threads ", threads);
      CHECK(max_abs_diff(got, want) <= 1e-4 * std::sqrt(static_cast<double>(mid)));
      if (threads == 1) one_thread = got;
      CHECK(got == one_thread);
    }
  }
  omp_set_num_threads(omp_get_num_procs());
}

TEST_CASE("sum over every set of dims of a 4-D tensor matches a naive reference") {
  Rng rng(72);
  Tensor x = random_tensor({3, 4, 5, 6}, rng);
  for (int mask = 1; mask < 16; ++mask) {
    std::vector<int64_t> dims;
    std::vector<bool> reduce(4);
    for (int d = 0; d < 4; ++d)
      if (mask >> d & 1) {
        dims.push_back(d);
        reduce[d] = true;
      }
    INFO("reduced dims mask ", mask);
    check_close(sum(x, dims, true), naive_sum(x, reduce), 1e-5, 1e-5);
  }
  // A non-contiguous input takes the permute path and gives the same answer.
  Tensor t = x.transpose(1, 2);
  check_close(sum(t, {1}, true), sum(contiguous(t), {1}, true), 1e-6, 1e-6);
}

TEST_CASE("sum over leading dims: gradcheck through the in-place path") {
  Rng rng(73);
  Tensor y = random_tensor({4, 3, 5}, rng, true);
  check_gradients([](const std::vector<Tensor>& in) { return sum(in[0], {0, 1}); }, {y});
  check_gradients([](const std::vector<Tensor>& in) { return sum(in[0], {1}); }, {y});
}
