// Element types. float32 carries activations and parameters; int64 carries token ids, labels, masks and segment ids;
// bfloat16 (core/bfloat16.h) is storage only: files (safetensors "BF16", `ponet export --dtype bf16`) and conversion
// (convert_dtype in autograd/ops.h). No op computes on bfloat16 tensors (each refuses them naming itself); the bf16
// GEMM takes float32 tensors and rounds inside the kernel.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ponet {

enum class DType { F32, I64, BF16 };

// A bfloat16 element as stored: the top 16 bits of a float32 (conversion in core/bfloat16.h).
struct BFloat16 {
  uint16_t bits;
};

inline size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32:
      return 4;
    case DType::I64:
      return 8;
    case DType::BF16:
      return 2;
  }
  return 0;
}

inline const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32:
      return "float32";
    case DType::I64:
      return "int64";
    case DType::BF16:
      return "bfloat16";
  }
  return "?";
}

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::F32;
}
template <>
constexpr DType dtype_of<int64_t>() {
  return DType::I64;
}
template <>
constexpr DType dtype_of<BFloat16>() {
  return DType::BF16;
}

}  // namespace ponet
