// sum over dims: what the op table (tests/ops_table/, rows "sum", "mean", ...: every set of dims of a 4-D
// tensor against a double reference, strided inputs, long and many-row reductions, gradcheck, CUDA vs
// CPU) does not check: that the in-place [outer, mid, inner] kernel gives the same bits for any number of
// threads, on shapes around its split points, against its plain reference.
#include <omp.h>

#include "kernels/cpu/reduce.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

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
