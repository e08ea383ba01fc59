// The arithmetic precision of the matrix products of a forward and its backward (autocast style):
//   fp32  every GEMM in float32 (the default)
//   bf16  GEMM inputs rounded to bfloat16 (round to nearest even), products accumulated in float32; the result, the
//         saved activations and everything that is not a GEMM stay float32
// docs/precision.md lists which op runs in which precision. It is plain data: nn::ForwardOptions carries it to the
// layers, which pass it to matmul/linear (autograd/ops.h).
#pragma once
#include <string>

namespace ponet {

enum class Precision { fp32, bf16 };

// "fp32" or "bf16"; anything else throws ponet::Error naming the value and the choices.
Precision parse_precision(const std::string& name);
const char* precision_name(Precision p);

}  // namespace ponet
