// Cross-entropy rows on contiguous buffers: logits [rows, classes], targets [rows] (int64).
// A row is "scored" when targets[r] != ignore_index; the caller has checked that every scored target
// lies in [0, classes) and forms the mean over the scored rows.
//
// Forward, per scored row (max-subtracted, so large logits cannot overflow):
//   row_max[r] = max_c logits[r, c],  row_log_sum[r] = log sum_c exp(logits[r, c] - row_max[r])
//   row_loss[r] = row_max[r] + row_log_sum[r] - logits[r, target]      (= -log_softmax[target])
// Ignored rows get 0 in all three. row_max and row_log_sum are what backward needs: the softmax is
// exp((logits - row_max) - row_log_sum). Keeping the two parts separate (rather than one logsumexp)
// keeps the probabilities accurate when the logits are large.
//
// Backward overwrites dlogits: on scored rows  grad_loss[0] * inv_count * (softmax - onehot(target)),
// 0 on ignored rows. grad_loss points at the scalar upstream gradient, on the kernel's device.
#pragma once
#include <cstdint>

namespace ponet::cpu {

void cross_entropy_forward(float* row_loss, float* row_max, float* row_log_sum, const float* logits,
                           const int64_t* targets, int64_t rows, int64_t classes, int64_t ignore_index);

void cross_entropy_backward(float* dlogits, const float* grad_loss, const float* logits, const float* row_max,
                            const float* row_log_sum, const int64_t* targets, int64_t rows, int64_t classes,
                            int64_t ignore_index, float inv_count);

}  // namespace ponet::cpu
