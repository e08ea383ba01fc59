// The model-size rows (rows_large.h), device mode only:
//   ponet_mixer    [32, 4096, 64], 2 heads, LRA chunks of 65 tokens (4096 // 64 + 1), the last row padded
//   attention      [4, 4096, 64], 2 heads, dropout 0.1 on P, padded keys
//   cross_entropy  [4096, 30522] (BERT's vocabulary), every third target ignored
//   add            [2^25 + 1, 64] + [64]: 2^31 + 64 elements, past the int32 range of any index; forward
//                  only, since a backward seed of that size would take minutes to draw on the CPU
#include "tests/ops_table/rows_large.h"

#include "autograd/ops.h"
#include "tests/ops_table/row_util.h"

namespace ponet::ops_table {

namespace {

// [rows, cols] in [-1, 1) from a multiplicative hash of the index: cheap enough for 2^31 elements,
// where a seeded Rng would take a minute.
Tensor hashed_input(int64_t rows, int64_t cols) {
  Tensor t = Tensor::empty({rows, cols});
  float* p = t.data<float>();
  const int64_t n = rows * cols;
#pragma omp parallel for
  for (int64_t i = 0; i < n; ++i) p[i] = static_cast<float>((i * 2654435761LL) % 2048) / 1024.f - 1.f;
  return t;
}

OpCase device_row(const std::string& op, const std::string& what, Tolerance device) {
  OpCase r;
  r.op = op;
  r.what = what;
  r.modes = kDevice;
  r.device = device;
  return r;
}

}  // namespace

std::vector<OpCase> large_rows() {
  std::vector<OpCase> out;

  OpCase mixer = device_row("ponet_mixer", "[32, 4096, 64] 2 heads, LRA chunks of 65, last row padded", {1e-5, 1e-4});
  mixer.inputs = [] {
    const int64_t B = 32, L = 4096, D = 64;
    std::vector<int64_t> real(B, L);
    real[B - 1] = L - 100;
    Inputs in;  // q, k, o, local, segment, valid, segment_ids, special
    for (uint64_t i = 0; i < 5; ++i) in.push_back(uniform_input({B, L, D}, 300 + i));
    in.push_back(prefix_mask(B, L, real));
    in.push_back(chunk_segments(B, L, L / 64 + 1));
    in.push_back(Tensor());
    return in;
  };
  mixer.run = [](const Inputs& in) { return ponet_mixer(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], 2); };
  out.push_back(mixer);

  OpCase att = device_row("attention", "[4, 4096, 64] 2 heads, dropout 0.1 on P, padded keys", {1e-5, 1e-4});
  att.inputs = [] {
    const int64_t B = 4, L = 4096, D = 64;
    return Inputs{uniform_input({B, L, D}, 310), uniform_input({B, L, D}, 311), uniform_input({B, L, D}, 312),
                  prefix_mask(B, L, {L, L - 1000, L, 17})};
  };
  att.run = [](const Inputs& in) {
    Rng rng(9);
    return attention(in[0], in[1], in[2], in[3], 2, 0.1f, true, rng);
  };
  out.push_back(att);

  OpCase ce = device_row("cross_entropy", "[4096, 30522] every third target ignored", {1e-5, 1e-5});
  ce.inputs = [] {
    const int64_t N = 4096, C = 30522;
    std::vector<int64_t> t = id_input({N}, C, 321).to_vector_i64();
    for (size_t i = 0; i < t.size(); i += 3) t[i] = -100;
    return Inputs{uniform_input({N, C}, 320, -3.f, 3.f), Tensor::from_vector_i64(t, {N})};
  };
  ce.run = [](const Inputs& in) { return cross_entropy(in[0], in[1], -100); };
  out.push_back(ce);

  OpCase huge = device_row("add", "[2^25 + 1, 64] with [64]: 2^31 + 64 elements, forward", {0, 0});
  huge.inputs = [] {
    return Inputs{hashed_input((int64_t{1} << 25) + 1, 64), uniform_input({64}, 330, -1.f, 1.f, false)};
  };
  huge.run = [](const Inputs& in) { return add(in[0], in[1]); };
  out.push_back(huge);
  return out;
}

}  // namespace ponet::ops_table
