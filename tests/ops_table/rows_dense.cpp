// Rows: matmul and linear (every GEMM transpose in their backward), softmax, log_softmax, layer_norm,
// dropout_add_layer_norm, embedding and cross_entropy.
#include <cmath>

#include "autograd/ops.h"
#include "kernels/dropout_hash.h"
#include "tests/ops_table/row_util.h"

namespace ponet::ops_table {
namespace {

// a [..., M, K] @ b [..., K, N] (b may be 2-D), in double; the inputs may be any views.
Expected matmul_ref(const Tensor& a, const Tensor& b) {
  const int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
  int64_t batch = 1;
  for (int64_t d = 0; d + 2 < a.dim(); ++d) batch *= a.size(d);
  std::vector<double> av = as_double(a), bv = as_double(b), out(static_cast<size_t>(batch * M * N), 0.0);
  const bool shared = b.dim() == 2;
  for (int64_t p = 0; p < batch; ++p)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (int64_t k = 0; k < K; ++k) s += av[(p * M + i) * K + k] * bv[((shared ? 0 : p) * K + k) * N + j];
        out[(p * M + i) * N + j] = s;
      }
  Shape shape = a.shape();
  shape.back() = N;
  return {shape, out};
}

// Softmax or log-softmax over the last dim in double.
// y = x W^T (+ b): inputs x, W, and b (may be undefined)
Expected linear_ref(const Inputs& in) {
  Expected y = matmul_ref(in[0], transpose(in[1], 0, 1));
  if (in[2].defined()) {
    std::vector<double> b = as_double(in[2]);
    for (size_t i = 0; i < y.values.size(); ++i) y.values[i] += b[i % b.size()];
  }
  return y;
}

Expected softmax_ref(const Tensor& x, bool log) {
  const int64_t C = x.size(-1), R = x.numel() / C;
  std::vector<double> v = as_double(x);
  for (int64_t r = 0; r < R; ++r) {
    double mx = -INFINITY, z = 0;
    for (int64_t c = 0; c < C; ++c) mx = std::max(mx, v[r * C + c]);
    for (int64_t c = 0; c < C; ++c) z += std::exp(v[r * C + c] - mx);
    for (int64_t c = 0; c < C; ++c) v[r * C + c] = log ? v[r * C + c] - mx - std::log(z) : std::exp(v[r * C + c] - mx) / z;
  }
  return {x.shape(), v};
}

// Layer norm over the last dim of the row-major values v of a tensor of `shape`.
Expected layer_norm_ref(const Shape& shape, std::vector<double> v, const Tensor& w, const Tensor& b, double eps) {
  const int64_t D = w.numel(), R = static_cast<int64_t>(v.size()) / D;
  std::vector<double> wv = as_double(w), bv = as_double(b);
  for (int64_t r = 0; r < R; ++r) {
    double mean = 0, var = 0;
    for (int64_t c = 0; c < D; ++c) mean += v[r * D + c] / D;
    for (int64_t c = 0; c < D; ++c) var += (v[r * D + c] - mean) * (v[r * D + c] - mean) / D;
    for (int64_t c = 0; c < D; ++c) v[r * D + c] = (v[r * D + c] - mean) / std::sqrt(var + eps) * wv[c] + bv[c];
  }
  return {shape, v};
}

std::vector<OpCase> rows() {
  std::vector<OpCase> out;
  const unsigned big = kValue | kDevice | kPerf;

  // matmul: the backward of a @ b is gemm_nt (da = g b^T) and gemm_tn (db = a^T g); transposed inputs
  // take the other two kinds, so the four rows below reach all four GEMMs forward and backward.
  struct Mm {
    Shape a, b;
    bool ta, tb;  // the input is stored transposed and viewed back
    const char* what;
  };
  for (const Mm& m : {Mm{{5, 7}, {7, 3}, false, false, "nn"}, Mm{{7, 5}, {7, 3}, true, false, "a transposed (tn)"},
                      Mm{{5, 7}, {3, 7}, false, true, "b transposed (nt)"}, Mm{{7, 5}, {3, 7}, true, true, "both (tt)"},
                      Mm{{2, 5, 7}, {2, 7, 3}, false, false, "batched"}, Mm{{3, 5, 7}, {7, 4}, false, false, "b shared by the batch"},
                      Mm{{2, 3, 4, 5}, {2, 3, 5, 6}, false, false, "two batch dims"},
                      Mm{{4, 0}, {0, 3}, false, false, "K = 0"}, Mm{{0, 6}, {6, 2}, false, false, "M = 0"},
                      Mm{{256, 520}, {520, 384}, false, false, "large nn"}, Mm{{520, 256}, {384, 520}, true, true, "large tt"}}) {
    const bool large = m.a[0] > 100;
    const int64_t K = m.ta ? m.a[0] : m.a[m.a.size() - 1];
    auto view = [](const Tensor& t, bool tr) { return tr ? transpose(t, -2, -1) : t; };
    OpCase row{"matmul", shape_str(m.a) + " @ " + shape_str(m.b) + " " + m.what,
               large ? big : (K == 0 || m.a[0] == 0 ? kValue | kDevice : kAllModes),
               [m] { return Inputs{uniform_input(m.a, 70), uniform_input(m.b, 71)}; },
               [m, view](const Inputs& in) { return matmul(view(in[0], m.ta), view(in[1], m.tb)); },
               [m, view](const Inputs& in) { return matmul_ref(view(in[0], m.ta), view(in[1], m.tb)); },
               {1e-5, 1e-5}, {1e-3, 5e-3}, 1e-2f, {1e-4, 1e-5}};
    if (large) row.value = {1e-4, 1e-5};  // K = 520 products summed in float
    out.push_back(row);
  }
  // linear: x W^T + b with the bias as the GEMM's starting C
  for (auto [x, w, bias] : {std::tuple{Shape{3, 5, 7}, Shape{4, 7}, true}, std::tuple{Shape{6, 7}, Shape{4, 7}, false},
                            std::tuple{Shape{2, 512, 256}, Shape{768, 256}, true}}) {
    const bool large = x[0] == 2;
    OpCase row{"linear", shape_str(x) + " W " + shape_str(w) + (bias ? " with bias" : " no bias"), large ? big : kAllModes,
               [x = x, w = w, bias = bias] {
                 return Inputs{uniform_input(x, 72), uniform_input(w, 73), bias ? uniform_input({w[0]}, 74) : Tensor()};
               },
               [](const Inputs& in) { return linear(in[0], in[1], in[2]); },
               linear_ref,
               {1e-5, 1e-5}, {1e-3, 5e-3}, 1e-2f, {1e-4, 1e-5}};
    if (large) row.value = {1e-4, 1e-5};
    out.push_back(row);
  }
  // bf16 precision (Precision::bf16: inputs rounded to bfloat16, fp32 accumulation) against the same
  // double reference of the unrounded inputs. Rounding moves each input by at most u |x|, u = 2^-8, so
  // each product by at most (2u + u^2) |a b|; with inputs in [-1, 1] the sum of K products is off by at
  // most (2u + u^2) K, plus the fp32 accumulation (K 2^-24, negligible). The gradcheck runs through the
  // fp32 master inputs: a central difference of step eps sees the rounded input move by 2 eps +- 2u
  // (|x| + eps), about 2 % at eps 1/8, and the analytic backward (a bf16 GEMM of the rounded gradient)
  // is off by about 2u relative per term; hence 3e-2 relative and absolute. The device rows compare
  // cuBLAS bf16 with the CPU bf16 GEMM: the same rounded inputs, another summation order.
  const double u = std::ldexp(1.0, -8);
  auto bf16_value = [u](int64_t K) { return Tolerance{(2 * u + u * u) * static_cast<double>(K) + 1e-6, 0.0}; };
  for (const Mm& m : {Mm{{5, 7}, {7, 3}, false, false, "nn"}, Mm{{7, 5}, {7, 3}, true, false, "a transposed (tn)"},
                      Mm{{5, 7}, {3, 7}, false, true, "b transposed (nt)"}, Mm{{7, 5}, {3, 7}, true, true, "both (tt)"},
                      Mm{{2, 5, 7}, {2, 7, 3}, false, false, "batched"},
                      Mm{{3, 5, 7}, {7, 4}, false, false, "b shared by the batch"},
                      Mm{{256, 520}, {520, 384}, false, false, "large nn"}}) {
    const bool large = m.a[0] > 100;
    const int64_t K = m.ta ? m.a[0] : m.a[m.a.size() - 1];
    auto view = [](const Tensor& t, bool tr) { return tr ? transpose(t, -2, -1) : t; };
    OpCase row{"matmul", shape_str(m.a) + " @ " + shape_str(m.b) + " " + m.what + " bf16", large ? big : kAllModes,
               [m] { return Inputs{uniform_input(m.a, 80), uniform_input(m.b, 81)}; },
               [m, view](const Inputs& in) { return matmul(view(in[0], m.ta), view(in[1], m.tb), Precision::bf16); },
               [m, view](const Inputs& in) { return matmul_ref(view(in[0], m.ta), view(in[1], m.tb)); },
               bf16_value(K), {3e-2, 3e-2}, 0.125f, {1e-4, 1e-4}};
    if (large) row.device = {1e-3, 1e-4};  // K = 520 products summed in float, two orders
    out.push_back(row);
  }
  for (auto [x, w, bias] : {std::tuple{Shape{3, 5, 7}, Shape{4, 7}, true}, std::tuple{Shape{6, 9}, Shape{5, 9}, false},
                            std::tuple{Shape{2, 512, 256}, Shape{768, 256}, true}}) {
    const bool large = x[0] == 2;
    OpCase row{"linear", shape_str(x) + " W " + shape_str(w) + (bias ? " with bias" : " no bias") + " bf16",
               large ? big : kAllModes,
               [x = x, w = w, bias = bias] {
                 return Inputs{uniform_input(x, 82), uniform_input(w, 83), bias ? uniform_input({w[0]}, 84) : Tensor()};
               },
               [](const Inputs& in) { return linear(in[0], in[1], in[2], Precision::bf16); },
               linear_ref,
               bf16_value(w[1]), {3e-2, 3e-2}, 0.125f, {1e-4, 1e-4}};
    if (large) row.device = {1e-3, 1e-4};
    out.push_back(row);
  }
  for (bool log : {false, true})
    for (Shape s : {Shape{6, 9}, Shape{2, 3, 1}, Shape{3, 64, 1000}}) {
      const bool large = shape_numel(s) > 100000;
      out.push_back({log ? "log_softmax" : "softmax", shape_str(s), large ? big : kAllModes,
                     [s] { return Inputs{uniform_input(s, 80, -4.f, 4.f)}; },
                     [log](const Inputs& in) { return log ? log_softmax(in[0]) : softmax(in[0]); },
                     [log](const Inputs& in) { return softmax_ref(in[0], log); }, {1e-6, 1e-5}});
    }
  // x is stored as `s` and, for the transposed row, normalised as its [s1, s0] view
  for (auto [s, transposed] : {std::pair{Shape{6, 10}, false}, std::pair{Shape{3, 1, 7}, false},
                               std::pair{Shape{5, 3}, true}, std::pair{Shape{2, 300, 768}, false}}) {
    const bool large = shape_numel(s) > 100000;
    const int64_t D = transposed ? s[0] : s.back();
    auto view = [transposed = transposed](const Tensor& x) { return transposed ? x.transpose(0, 1) : x; };
    out.push_back({"layer_norm", shape_str(s) + (transposed ? " transposed (strided input)" : ""), large ? big : kAllModes,
                   [s = s, D] {
                     return Inputs{uniform_input(s, 81, -2.f, 2.f), uniform_input({D}, 82, 0.5f, 1.5f), uniform_input({D}, 83)};
                   },
                   [view](const Inputs& in) { return layer_norm(view(in[0]), in[1], in[2], 1e-5f); },
                   [view](const Inputs& in) {
                     const Tensor x = view(in[0]);
                     return layer_norm_ref(x.shape(), as_double(x), in[1], in[2], 1e-5);
                   },
                   {1e-5, 1e-5}, {2e-3, 5e-3}, 1e-2f, {1e-5, 1e-5}});
  }
  // dropout_add_layer_norm: the same dropout draw as dropout() from the same Rng, then the residual add
  for (auto [s, p, training] : {std::tuple{Shape{4, 12}, 0.25f, true}, std::tuple{Shape{3, 8}, 0.25f, false},
                                std::tuple{Shape{2, 128, 768}, 0.1f, true}}) {
    const bool large = shape_numel(s) > 100000;
    const int64_t D = s.back();
    out.push_back({"dropout_add_layer_norm", shape_str(s) + (training ? " training" : " eval"), large ? big : kAllModes,
                   [s = s, D] {
                     return Inputs{uniform_input(s, 84), uniform_input(s, 85), uniform_input({D}, 86, 0.5f, 1.5f),
                                   uniform_input({D}, 87)};
                   },
                   [p = p, training = training](const Inputs& in) {
                     Rng rng(5);
                     return dropout_add_layer_norm(in[0], in[1], in[2], in[3], p, training, rng, 1e-5f);
                   },
                   [p = p, training = training](const Inputs& in) {
                     Rng rng(5);
                     const uint64_t seed = training ? rng.next_u64() : 0;
                     std::vector<double> x = as_double(in[0]), r = as_double(in[1]);
                     for (size_t i = 0; i < x.size(); ++i)
                       x[i] = (training ? x[i] * dropout_scale(seed, i, p) : x[i]) + r[i];
                     return layer_norm_ref(in[0].shape(), x, in[2], in[3], 1e-5);
                   },
                   {1e-5, 1e-5}, {2e-3, 5e-3}, 1e-2f, {1e-5, 1e-5}});
  }
  // embedding: a lookup; backward scatter-adds repeated ids, the padding row gets nothing. A row with a
  // padding_idx draws that id twice, so its forward and the device's zero gradient for it are checked;
  // such rows skip the gradcheck, whose finite differences cannot know that the padding row is frozen
  // (tests/test_embedding.cpp checks its gradient is exactly 0).
  for (auto [V, D, ids, pad] : {std::tuple{int64_t{11}, int64_t{6}, Shape{3, 4}, int64_t{0}},
                                std::tuple{int64_t{5}, int64_t{3}, Shape{9}, int64_t{-1}},
                                std::tuple{int64_t{4000}, int64_t{128}, Shape{32, 128}, int64_t{0}}}) {
    const bool large = V > 100;
    out.push_back({"embedding", "weight [" + std::to_string(V) + ", " + std::to_string(D) + "] ids " + shape_str(ids) +
                                    " padding_idx " + std::to_string(pad),
                   (large ? big : kAllModes) & (pad >= 0 ? ~unsigned{kGrad} : ~0u),
                   [V = V, D = D, ids = ids, pad = pad] {
                     Tensor id = id_input(ids, V, 89);
                     if (pad < 0) return Inputs{uniform_input({V, D}, 88), id};
                     std::vector<int64_t> v = id.to_vector_i64();
                     v.front() = v[v.size() / 2] = pad;
                     return Inputs{uniform_input({V, D}, 88), Tensor::from_vector_i64(v, ids)};
                   },
                   [pad = pad](const Inputs& in) { return embedding(in[0], in[1], pad); },
                   [D = D](const Inputs& in) {
                     std::vector<double> w = as_double(in[0]), out;
                     for (double id : as_double(in[1]))
                       for (int64_t c = 0; c < D; ++c) out.push_back(w[static_cast<int64_t>(id) * D + c]);
                     Shape shape = in[1].shape();
                     shape.push_back(D);
                     return Expected{shape, out};
                   },
                   {0, 0}, {1e-3, 5e-3}, 1e-2f, {0, 0}});  // the same rows summed in the same order
  }
  // cross_entropy: mean over the targets that are not ignore_index (every third target is ignored; -100 is
  // the default, an ignore_index inside [0, C) makes that class a non-target); logits may be a view
  struct Ce {
    int64_t N, C, ignore;
    bool transposed;  // logits stored [C, N] and viewed as [N, C]
  };
  for (const Ce& c : {Ce{7, 5, -100, false}, Ce{6, 4, 3, false}, Ce{5, 6, -100, true}, Ce{4096, 4000, -100, false}}) {
    const bool large = c.N > 100;
    out.push_back({"cross_entropy",
                   "[" + std::to_string(c.N) + ", " + std::to_string(c.C) + "] ignore_index " + std::to_string(c.ignore) +
                       (c.transposed ? ", transposed logits (strided input)" : ""),
                   large ? big : kAllModes,
                   [c] {
                     Tensor t = id_input({c.N}, c.C, 91);
                     std::vector<int64_t> v = t.to_vector_i64();
                     for (size_t i = 0; i < v.size(); i += 3) v[i] = c.ignore;
                     const Shape logits = c.transposed ? Shape{c.C, c.N} : Shape{c.N, c.C};
                     return Inputs{uniform_input(logits, 90, -3.f, 3.f), Tensor::from_vector_i64(v, {c.N})};
                   },
                   [c](const Inputs& in) { return cross_entropy(c.transposed ? in[0].transpose(0, 1) : in[0], in[1], c.ignore); },
                   [c](const Inputs& in) {
                     std::vector<double> lsm = softmax_ref(c.transposed ? in[0].transpose(0, 1) : in[0], true).values;
                     double loss = 0, n = 0;
                     std::vector<int64_t> t = in[1].to_vector_i64();
                     for (size_t i = 0; i < t.size(); ++i)
                       if (t[i] != c.ignore) {
                         loss -= lsm[i * c.C + t[i]];
                         n += 1;
                       }
                     return Expected{{}, {loss / n}};
                   },
                   {1e-5, 1e-5}, {1e-3, 5e-3}, 1e-2f, {1e-5, 1e-5}});
  }
  return out;
}

const AddRows registered(rows());

}  // namespace
}  // namespace ponet::ops_table
