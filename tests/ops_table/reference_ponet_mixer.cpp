#include "tests/ops_table/reference_ponet_mixer.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace ponet::ops_table {

std::vector<double> naive_ponet_mixer(const Tensor& q_t, const Tensor& k_t, const Tensor& o_t, const Tensor& local_t,
                                      const Tensor& segment_t, const Tensor& valid_t, const Tensor& segment_ids_t,
                                      const Tensor& special_t, int64_t H, const PoNetBranches& branches) {
  const int64_t B = q_t.size(0), L = q_t.size(1), D = q_t.size(2), d = D / H;
  const std::vector<float> q = q_t.to_vector(), k = k_t.to_vector(), o = o_t.to_vector(), lc = local_t.to_vector(),
                           s = segment_t.to_vector();
  const std::vector<int64_t> valid = valid_t.to_vector_i64(), seg = segment_ids_t.to_vector_i64();
  const std::vector<int64_t> special =
      special_t.defined() ? special_t.to_vector_i64() : std::vector<int64_t>(static_cast<size_t>(B * L), 0);
  constexpr double kMasked = -10000.0;  // the official code's additive mask
  std::vector<double> y(static_cast<size_t>(B * L * D));
  for (int64_t b = 0; b < B; ++b) {
    // GA: the mean of q over real positions is each head's query; the keys' softmax weights average k
    std::vector<double> g(D, 0.0), v(D, 0.0);
    double n = 0;
    for (int64_t l = 0; l < L; ++l) n += static_cast<double>(valid[b * L + l]);
    for (int64_t l = 0; l < L; ++l)
      for (int64_t ch = 0; ch < D; ++ch) g[ch] += valid[b * L + l] ? q[(b * L + l) * D + ch] / n : 0.0;
    for (int64_t h = 0; h < H; ++h) {
      std::vector<double> score(L);
      double mx = -1e300, z = 0;
      for (int64_t l = 0; l < L; ++l) {
        double dot = 0;
        for (int64_t j = 0; j < d; ++j) dot += g[h * d + j] * k[(b * L + l) * D + h * d + j];
        score[l] = dot / std::sqrt(static_cast<double>(d)) + (valid[b * L + l] ? 0 : kMasked);
        mx = std::max(mx, score[l]);
      }
      for (double& x : score) z += (x = std::exp(x - mx));
      for (int64_t l = 0; l < L; ++l)
        for (int64_t j = 0; j < d; ++j) v[h * d + j] += score[l] / z * k[(b * L + l) * D + h * d + j];
    }
    // SMP: the max of every segment, padded positions counting as kMasked
    std::map<int64_t, std::vector<double>> seg_max;
    for (int64_t m = 0; m < L; ++m) {
      std::vector<double>& best = seg_max.try_emplace(seg[b * L + m], D, -1e300).first->second;
      for (int64_t ch = 0; ch < D; ++ch)
        best[ch] = std::max(best[ch], valid[b * L + m] ? s[(b * L + m) * D + ch] : kMasked);
    }
    for (int64_t l = 0; l < L; ++l)
      for (int64_t ch = 0; ch < D; ++ch) {
        const int64_t row = b * L + l;
        double smp = seg_max[seg[row]][ch], lmp = -1e300;
        for (int64_t m = std::max<int64_t>(0, l - 1); m <= std::min(L - 1, l + 1); ++m)
          lmp = std::max(lmp, valid[b * L + m] && !special[b * L + m] ? lc[(b * L + m) * D + ch] : kMasked);
        if (special[row]) smp = lmp = 0;
        const double ga_term = branches.ga ? v[ch] : 0.0, smp_term = branches.smp ? smp : 0.0,
                     lmp_term = branches.lmp ? lmp : 0.0;
        y[row * D + ch] = valid[row] ? (ga_term + smp_term) * o[row * D + ch] + lmp_term : 0.0;
      }
  }
  return y;
}

}  // namespace ponet::ops_table
