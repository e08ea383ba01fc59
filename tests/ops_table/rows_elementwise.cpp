// Rows: the activations, broadcasting binary ops, scale, add_scalar, masked_fill and dropout.
#include <cmath>

#include "autograd/ops.h"
#include "kernels/dropout_hash.h"
#include "tests/ops_table/row_util.h"

namespace ponet::ops_table {
namespace {

double gelu_ref(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }
double relu_ref(double x) { return x > 0 ? x : 0; }

using Unary = Tensor (*)(const Tensor&);

// One activation at the sizes that matter: small (gradcheck), transposed (the contiguous copy first),
// empty, and large enough for every CUDA block and the CPU's parallel path.
std::vector<OpCase> activation_rows(const char* op, Unary fn, double (*ref)(double), float lo, float hi) {
  // relu keeps its inputs away from the kink at 0, where the central difference straddles both sides
  const bool kink = std::string(op) == "relu";
  auto inputs = [=](Shape s, uint64_t seed) {
    return [=] {
      Tensor x = uniform_input(s, seed, lo, hi);
      if (kink) {
        std::vector<float> v = x.to_vector();
        for (float& f : v) f = f >= 0 ? f + 0.05f : f - 0.05f;
        x = Tensor::from_vector(v, s).set_requires_grad(true);
      }
      return Inputs{x};
    };
  };
  auto plain = [fn](const Inputs& in) { return fn(in[0]); };
  auto transposed = [fn](const Inputs& in) { return fn(in[0].transpose(0, 1)); };
  auto ref_plain = [ref](const Inputs& in) { return map(in[0], ref); };
  auto ref_transposed = [ref](const Inputs& in) { return map(in[0].transpose(0, 1), ref); };
  return {
      {op, "[4, 7]", kAllModes, inputs({4, 7}, 1), plain, ref_plain},
      {op, "[37, 19] transposed (strided input)", kAllModes, inputs({37, 19}, 2), transposed, ref_transposed},
      {op, "[0, 5] empty", kValue | kDevice, inputs({0, 5}, 3), plain, ref_plain},
      {op, "[1024, 1031] (multi-block, grid-stride)", kValue | kDevice | kPerf, inputs({1024, 1031}, 4), plain, ref_plain},
  };
}

std::vector<OpCase> binary_rows(const char* op, Tensor (*fn)(const Tensor&, const Tensor&),
                                double (*f)(double, double), float b_lo) {
  auto inputs = [b_lo](Shape a, Shape b, uint64_t seed) {
    return [=] { return Inputs{uniform_input(a, seed), uniform_input(b, seed + 1, b_lo, 1.f)}; };
  };
  auto run = [fn](const Inputs& in) { return fn(in[0], in[1]); };
  auto ref = [f](const Inputs& in) { return broadcast_map(in[0], in[1], f); };
  auto run_t = [fn](const Inputs& in) { return fn(in[0].transpose(0, 1), in[1]); };
  auto ref_t = [f](const Inputs& in) { return broadcast_map(in[0].transpose(0, 1), in[1], f); };
  // One float operation is correctly rounded: within half an ulp, 2^-24 relative, of the exact value
  // (which double holds exactly for +, - and *, to 2^-53 for /). So every element must be the right bits.
  std::vector<OpCase> rows = {
      {op, "[4, 5] with [4, 5]", kAllModes, inputs({4, 5}, {4, 5}, 10), run, ref},
      {op, "[4, 1, 6] with [3, 1] (both broadcast)", kAllModes, inputs({4, 1, 6}, {3, 1}, 11), run, ref},
      {op, "[3, 4] with [] (scalar)", kAllModes, inputs({3, 4}, {}, 12), run, ref},
      {op, "[6, 5] transposed with [5, 1] (strided input, broadcast strides)", kAllModes, inputs({6, 5}, {5, 1}, 13),
       run_t, ref_t},
      {op, "[1] with [2, 3] (the lower-rank side broadcast first)", kAllModes, inputs({1}, {2, 3}, 17), run, ref},
      {op, "[6, 1] with [1, 7] (an outer product of shapes)", kAllModes, inputs({6, 1}, {1, 7}, 18), run, ref},
      {op, "[0, 3] with [3] (empty)", kValue | kDevice, inputs({0, 3}, {3}, 14), run, ref},
      {op, "[64, 2048] with [2048] (multi-block)", kValue | kDevice | kPerf, inputs({64, 2048}, {2048}, 15), run, ref},
      {op, "[16, 1, 300] with [16, 300, 1] (both broadcast, large)", kValue | kDevice, inputs({16, 1, 300}, {16, 300, 1}, 16), run, ref},
  };
  for (OpCase& r : rows) r.value = {0, 0x1p-24};
  return rows;
}

double dropout_ref(uint64_t seed, int64_t i, double x, float p) { return x * dropout_scale(seed, static_cast<uint64_t>(i), p); }

std::vector<OpCase> rows() {
  std::vector<OpCase> out;
  auto append = [&](std::vector<OpCase> r) { out.insert(out.end(), r.begin(), r.end()); };
  append(activation_rows("gelu", gelu, gelu_ref, -3.f, 3.f));
  append(activation_rows("tanh", ponet::tanh, [](double x) { return std::tanh(x); }, -3.f, 3.f));
  append(activation_rows("relu", relu, relu_ref, -1.f, 1.f));
  append(binary_rows("add", ponet::add, [](double a, double b) { return a + b; }, -1.f));
  append(binary_rows("sub", sub, [](double a, double b) { return a - b; }, -1.f));
  append(binary_rows("mul", mul, [](double a, double b) { return a * b; }, -1.f));
  append(binary_rows("div", div, [](double a, double b) { return a / b; }, 0.5f));  // denominators in [0.5, 1)

  auto one = [](Shape s, uint64_t seed) { return [=] { return Inputs{uniform_input(s, seed)}; }; };
  for (Shape s : {Shape{5, 7}, Shape{3000, 1001}}) {
    const unsigned modes = s[0] > 100 ? kValue | kDevice | kPerf : kAllModes;
    out.push_back({"scale", shape_str(s), modes, one(s, 20), [](const Inputs& in) { return scale(in[0], -1.75f); },
                   [](const Inputs& in) { return map(in[0], [](double x) { return x * -1.75; }); }});
    out.push_back({"add_scalar", shape_str(s), modes, one(s, 21),
                   [](const Inputs& in) { return add_scalar(in[0], 0.625f); },
                   [](const Inputs& in) { return map(in[0], [](double x) { return x + 0.625; }); }});
  }

  // masked_fill: the mask broadcasts; filled elements take no gradient
  auto fill_inputs = [](Shape x, Shape m, uint64_t seed) {
    return [=] { return Inputs{uniform_input(x, seed), id_input(m, 2, seed + 1)}; };
  };
  auto fill_run = [](const Inputs& in) { return masked_fill(in[0], in[1], -7.5f); };
  auto fill_ref = [](const Inputs& in) {
    return broadcast_map(in[0], in[1], [](double x, double m) { return m != 0 ? -7.5 : x; });
  };
  out.push_back({"masked_fill", "[4, 6] mask [4, 1]", kAllModes, fill_inputs({4, 6}, {4, 1}, 30), fill_run, fill_ref});
  out.push_back({"masked_fill", "[2, 3, 5] mask [2, 3, 5]", kAllModes, fill_inputs({2, 3, 5}, {2, 3, 5}, 31), fill_run, fill_ref});
  out.push_back({"masked_fill", "[8, 512, 64] mask [8, 1, 64] (multi-block)", kValue | kDevice | kPerf,
                 fill_inputs({8, 512, 64}, {8, 1, 64}, 32), fill_run, fill_ref});

  // dropout: the reference recomputes the counter-hash mask (kernels/dropout_hash.h) from the seed the
  // op draws, so CPU and CUDA must drop exactly the same elements; a strided input is masked in the
  // row-major order of the view
  for (auto [s, p, training, transposed] :
       {std::tuple{Shape{8, 9}, 0.3f, true, false}, std::tuple{Shape{4, 5}, 0.5f, false, false},
        std::tuple{Shape{3, 5}, 0.4f, true, true}, std::tuple{Shape{512, 1031}, 0.1f, true, false}}) {
    const unsigned modes = s[0] > 100 ? kValue | kDevice | kPerf : kAllModes;
    auto view = [transposed = transposed](const Tensor& x) { return transposed ? x.transpose(0, 1) : x; };
    out.push_back({"dropout",
                   shape_str(s) + (transposed ? " transposed" : "") + " p " + std::to_string(p).substr(0, 3) +
                       (training ? " training" : " eval"),
                   modes, one(s, 40),
                   [p = p, training = training, view](const Inputs& in) {
                     Rng rng(77);
                     return dropout(view(in[0]), p, training, rng);
                   },
                   [p = p, training = training, view](const Inputs& in) {
                     Rng rng(77);
                     const uint64_t seed = training ? rng.next_u64() : 0;
                     Expected e = map(view(in[0]), [](double x) { return x; });
                     for (size_t i = 0; i < e.values.size(); ++i)
                       if (training) e.values[i] = dropout_ref(seed, static_cast<int64_t>(i), e.values[i], p);
                     return e;
                   },
                   {1e-6, 1e-6}});
  }
  return out;
}

const AddRows registered(rows());

}  // namespace
}  // namespace ponet::ops_table
