// Elementwise add, sub, mul, div of two broadcast-strided inputs into a contiguous out
// (kernels/cpu/binary.h), beside binary_forward_reference, the plain strided loop it must equal bit for
// bit (tests/test_binary.cpp). The op table checks both the op's values against double with broadcasting
// by index arithmetic (rows "add", "sub", "mul", "div", within half an ulp); timed by build/test_ops perf.
#include "kernels/cpu/binary.h"

namespace ponet::cpu {

namespace {

template <BinaryOp op>
inline float apply(float x, float y) {
  if constexpr (op == BinaryOp::Add) return x + y;
  if constexpr (op == BinaryOp::Sub) return x - y;
  if constexpr (op == BinaryOp::Mul) return x * y;
  return x / y;
}

// Walks the output row by row (last dim innermost) so the inner loop is a plain strided loop the
// compiler can vectorise when both inner strides are 1 or 0.
template <BinaryOp op>
void run(float* out, const float* a, const std::vector<int64_t>& as, const float* b,
         const std::vector<int64_t>& bs, const std::vector<int64_t>& shape) {
  const int64_t ndim = static_cast<int64_t>(shape.size());
  if (ndim == 0) {
    out[0] = apply<op>(a[0], b[0]);
    return;
  }
  const int64_t inner = shape[ndim - 1], sa = as[ndim - 1], sb = bs[ndim - 1];
  int64_t rows = 1;
  for (int64_t d = 0; d + 1 < ndim; ++d) rows *= shape[d];
#pragma omp parallel for schedule(static) if (rows * inner > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t rem = r, oa = 0, ob = 0;
    for (int64_t d = ndim - 2; d >= 0; --d) {
      int64_t i = rem % shape[d];
      rem /= shape[d];
      oa += i * as[d];
      ob += i * bs[d];
    }
    const float* pa = a + oa;
    const float* pb = b + ob;
    float* po = out + r * inner;
    if (sa == 1 && sb == 1) {
      for (int64_t i = 0; i < inner; ++i) po[i] = apply<op>(pa[i], pb[i]);
    } else if (sa == 1 && sb == 0) {
      const float y = pb[0];
      for (int64_t i = 0; i < inner; ++i) po[i] = apply<op>(pa[i], y);
    } else {
      for (int64_t i = 0; i < inner; ++i) po[i] = apply<op>(pa[i * sa], pb[i * sb]);
    }
  }
}

}  // namespace

void binary_forward(BinaryOp op, float* out, const float* a, const std::vector<int64_t>& as,
                    const float* b, const std::vector<int64_t>& bs, const std::vector<int64_t>& shape) {
  switch (op) {
    case BinaryOp::Add: return run<BinaryOp::Add>(out, a, as, b, bs, shape);
    case BinaryOp::Sub: return run<BinaryOp::Sub>(out, a, as, b, bs, shape);
    case BinaryOp::Mul: return run<BinaryOp::Mul>(out, a, as, b, bs, shape);
    case BinaryOp::Div: return run<BinaryOp::Div>(out, a, as, b, bs, shape);
  }
}

void binary_forward_reference(BinaryOp op, float* out, const float* a, const std::vector<int64_t>& as,
                              const float* b, const std::vector<int64_t>& bs, const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  for (int64_t i = 0; i < n; ++i) {
    int64_t rem = i, oa = 0, ob = 0;
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      const int64_t c = rem % shape[d];
      rem /= shape[d];
      oa += c * as[d];
      ob += c * bs[d];
    }
    const float x = a[oa], y = b[ob];
    out[i] = op == BinaryOp::Add ? x + y : op == BinaryOp::Sub ? x - y : op == BinaryOp::Mul ? x * y : x / y;
  }
}

}  // namespace ponet::cpu
