// The BF16 element type (core/dtype.h): convert_dtype both ways against the scalar rules of core/bfloat16.h, views and
// printing, the safetensors BF16 round trip and a malformed BF16 file refused, and ops other than conversion refusing
// bf16 tensors with an error naming the op.
#include <cmath>
#include <cstring>
#include <limits>

#include "autograd/ops.h"
#include "core/bfloat16.h"
#include "io/safetensors.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {
std::string file_with_header(const std::string& header, const std::string& data) {
  std::string out;
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return out + header + data;
}

std::vector<float> special_values() {
  const float inf = std::numeric_limits<float>::infinity();
  return {0.f,
          -0.f,
          1.f,
          -1.f,
          1.00390625f /* a tie */,
          3.14159265f,
          1e-40f /* denormal */,
          3.4e38f /* overflows */,
          inf,
          -inf,
          std::nanf("")};
}
}  // namespace

TEST_CASE(
    "convert_dtype float32 -> bfloat16 -> float32 follows "
    "core/bfloat16.h element by element") {
  const std::vector<float> v = special_values();
  Tensor x = Tensor::from_vector(v, {static_cast<int64_t>(v.size())});
  Tensor h = convert_dtype(x, DType::BF16);
  CHECK(h.dtype() == DType::BF16);
  CHECK(h.describe() == "bfloat16[11] on cpu");
  const BFloat16* bits = h.data<BFloat16>();
  for (size_t i = 0; i < v.size(); ++i) {
    CAPTURE(i);
    CHECK(bits[i].bits == float_to_bf16(v[i]));
  }
  const std::vector<float> back = convert_dtype(h, DType::F32).to_vector();
  for (size_t i = 0; i + 1 < v.size(); ++i) {
    CHECK(back[i] == round_to_bf16(v[i]));
    CHECK(h.to_vector()[i] == back[i]);  // to_vector reads bfloat16 as its float32 values
  }
  CHECK(std::isnan(back.back()));
  CHECK(std::isinf(back[7]));  // 3.4e38 rounds past the largest bf16
  CHECK_THROWS_WITH_AS(convert_dtype(Tensor::from_vector_i64({1, 2}, {2}), DType::BF16),
                       doctest::Contains("convert_dtype: int64 -> bfloat16 is not supported"), Error);
}

TEST_CASE("bfloat16 views are materialised by their strides") {
  Tensor x = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor t = contiguous(transpose(convert_dtype(x, DType::BF16), 0, 1));  // [3, 2]
  CHECK(t.dtype() == DType::BF16);
  CHECK(t.to_vector() == std::vector<float>{1, 4, 2, 5, 3, 6});
}

TEST_CASE("ops other than conversion refuse bfloat16 tensors, naming the op") {
  Tensor h = convert_dtype(Tensor::from_vector({1, 2, 3, 4}, {2, 2}), DType::BF16);
  Tensor f = Tensor::from_vector({1, 2, 3, 4}, {2, 2});
  CHECK_THROWS_WITH_AS(add(h, f), doctest::Contains("add"), Error);
  CHECK_THROWS_WITH_AS(matmul(h, f), doctest::Contains("matmul: a must be float32, got bfloat16"), Error);
  CHECK_THROWS_WITH_AS(matmul(f, h, Precision::bf16), doctest::Contains("matmul: b must be float32"), Error);
  CHECK_THROWS_WITH_AS(linear(h, f, Tensor()), doctest::Contains("linear: x must be float32"), Error);
  CHECK_THROWS_WITH_AS(softmax(h), doctest::Contains("softmax"), Error);
  CHECK_THROWS_AS(h.set_requires_grad(true), Error);
}

TEST_CASE(
    "safetensors BF16: round trip of the stored bits, and a malformed "
    "BF16 file refused") {
  const std::vector<float> v = special_values();
  Tensor h = convert_dtype(Tensor::from_vector(v, {static_cast<int64_t>(v.size())}), DType::BF16);
  Tensor view = transpose(convert_dtype(Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}), DType::BF16), 0, 1);
  const std::string bytes = io::serialize_safetensors({{"h", h}, {"view", view}}, {});
  CHECK(bytes.find("\"dtype\":\"BF16\"") != std::string::npos);
  io::SafetensorsFile f = io::parse_safetensors(bytes, "mem");
  REQUIRE(f.tensors.at("h").dtype() == DType::BF16);
  CHECK(std::memcmp(f.tensors.at("h").data<BFloat16>(), h.data<BFloat16>(), v.size() * 2) == 0);
  CHECK(f.tensors.at("view").shape() == Shape{3, 2});
  CHECK(f.tensors.at("view").to_vector() == std::vector<float>{1, 4, 2, 5, 3, 6});

  // three BF16 values need 6 bytes: 5 or 8 is refused, naming the tensor's dtype and shape
  for (const char* end : {"5", "8"}) {
    const std::string header = std::string(R"({"x":{"dtype":"BF16","shape":[3],"data_offsets":[0,)") + end + "]}}";
    CHECK_THROWS_WITH_AS(io::parse_safetensors(file_with_header(header, std::string(std::atoi(end), '\0')), "bad.st"),
                         doctest::Contains("BF16 [3] needs 6"), Error);
  }
  CHECK_THROWS_WITH_AS(
      io::parse_safetensors(
          file_with_header(R"({"x":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}})", std::string(2, '\0')),
          "f16.st"),
      doctest::Contains("unsupported dtype \"F16\" (ponet reads F32, BF16 and I64)"), Error);
}
