// Element types. float32 carries activations and parameters; int64 carries token ids, labels, masks and
// segment ids.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ponet {

enum class DType { F32, I64 };

inline size_t dtype_size(DType t) { return t == DType::F32 ? 4 : 8; }
inline const char* dtype_name(DType t) { return t == DType::F32 ? "float32" : "int64"; }

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() { return DType::F32; }
template <>
constexpr DType dtype_of<int64_t>() { return DType::I64; }

}  // namespace ponet
