// safetensors reader and writer: round trips, the real PoNet fixture, and a malformed-file suite in
// which every broken file must be rejected with ponet::Error (never a crash or a silent success).
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;
using ponet::io::load_safetensors;
using ponet::io::parse_safetensors;
using ponet::io::save_safetensors;
using ponet::io::serialize_safetensors;

namespace {

namespace fs = std::filesystem;

// A fresh directory per test case, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("ponet_st_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

void write_bytes(const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
  std::fclose(f);
}

// A file from header text and data bytes, with the length prefix written by hand (not by the writer
// under test).
std::string make_file(const std::string& header, const std::string& data) {
  std::string out;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return out + header + data;
}

std::string floats(std::initializer_list<float> values) {
  std::string s(values.size() * 4, '\0');
  std::memcpy(s.data(), values.begin(), s.size());
  return s;
}

uint64_t header_length(const std::string& bytes) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  return n;
}

// The parse must throw ponet::Error whose message mentions `needle`.
void check_rejected(const std::string& bytes, const std::string& needle) {
  INFO("file bytes after the length: ", bytes.size() >= 8 ? bytes.substr(8) : bytes);
  CHECK_THROWS_WITH_AS(parse_safetensors(bytes, "bad.safetensors"), doctest::Contains(needle.c_str()), Error);
}

}  // namespace

TEST_CASE("safetensors: round trip of F32, I64, scalar, empty, non-contiguous tensors and metadata") {
  TempDir dir;
  const std::string path = dir.file("round.safetensors");
  Tensor a = Tensor::from_vector({1.5f, -2.f, 3.25f, 0.f, 1e-30f, -7.f}, {2, 3});
  Tensor ids = Tensor::from_vector_i64({0, -1, INT64_MAX, INT64_MIN}, {4});
  Tensor s = Tensor::scalar(42.5f);
  Tensor empty = Tensor::zeros({0, 5});
  Tensor empty_ids = Tensor::zeros({0}, DType::I64);
  Tensor base = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor transposed = base.transpose(0, 1);  // [3, 2] view: 1 4 / 2 5 / 3 6
  std::map<std::string, std::string> meta = {{"format", "pt"}, {"config", "{\"hidden_size\": 32}"}, {"empty", ""}};
  save_safetensors(path,
                   {{"z.weight", a}, {"ids", ids}, {"scalar", s}, {"empty", empty}, {"empty_ids", empty_ids},
                    {"t", transposed}},
                   meta);

  // Only the target is left in the directory: the atomic write cleaned up its temporary file.
  int files = 0;
  for (auto& entry : fs::directory_iterator(dir.path)) files += entry.is_regular_file();
  CHECK(files == 1);

  std::string bytes = io::read_file(path);
  CHECK(header_length(bytes) % 8 == 0);
  CHECK(bytes[8] == '{');

  auto f = load_safetensors(path);
  CHECK(f.names_in_order == std::vector<std::string>{"z.weight", "ids", "scalar", "empty", "empty_ids", "t"});
  CHECK(f.metadata == meta);
  REQUIRE(f.tensors.size() == 6);
  CHECK(f.tensors["z.weight"].shape() == Shape{2, 3});
  CHECK(f.tensors["z.weight"].dtype() == DType::F32);
  check_close(f.tensors["z.weight"], a.to_vector(), 0, 0);
  CHECK(f.tensors["ids"].dtype() == DType::I64);
  CHECK(f.tensors["ids"].to_vector_i64() == ids.to_vector_i64());
  CHECK(f.tensors["scalar"].shape() == Shape{});
  CHECK(f.tensors["scalar"].item() == 42.5f);
  CHECK(f.tensors["empty"].shape() == Shape{0, 5});
  CHECK(f.tensors["empty_ids"].shape() == Shape{0});
  CHECK(f.tensors["empty_ids"].dtype() == DType::I64);
  CHECK(f.tensors["t"].shape() == Shape{3, 2});
  check_close(f.tensors["t"], {1, 4, 2, 5, 3, 6}, 0, 0);

  // Saving again over the same path replaces the file.
  save_safetensors(path, {{"only", s}});
  auto g = load_safetensors(path);
  CHECK(g.names_in_order == std::vector<std::string>{"only"});
  CHECK(g.metadata.empty());
}

TEST_CASE("safetensors: an empty file list round-trips") {
  auto f = parse_safetensors(serialize_safetensors({}), "mem");
  CHECK(f.tensors.empty());
  CHECK(f.names_in_order.empty());
}

TEST_CASE("safetensors: loads the PoNet fixture written by the Python reference") {
  const std::string path = std::string(PONET_TEST_DATA_DIR) + "/ponet_lra.safetensors";
  auto f = load_safetensors(path);
  REQUIRE(f.tensors.count("input.input_ids") == 1);
  const Tensor& ids = f.tensors.at("input.input_ids");
  CHECK(ids.dtype() == DType::I64);
  CHECK(ids.shape() == Shape{3, 24});
  for (int64_t id : ids.to_vector_i64()) CHECK((id >= 0 && id < 128));
  REQUIRE(f.metadata.count("config") == 1);
  nlohmann::json config = nlohmann::json::parse(f.metadata.at("config"));
  CHECK(config.at("hidden_size").get<int>() == 32);
  CHECK(f.tensors.at("ponet.embeddings.word_embeddings.weight").shape() == Shape{128, 32});
  CHECK(f.names_in_order.size() == f.tensors.size());

  // Writing it back and reading that again gives identical tensors.
  std::vector<std::pair<std::string, Tensor>> all;
  for (auto& name : f.names_in_order) all.emplace_back(name, f.tensors.at(name));
  auto g = parse_safetensors(serialize_safetensors(all, f.metadata), "copy");
  CHECK(g.names_in_order == f.names_in_order);
  CHECK(g.metadata == f.metadata);
  for (auto& name : f.names_in_order) {
    const Tensor &x = f.tensors.at(name), &y = g.tensors.at(name);
    REQUIRE(x.shape() == y.shape());
    REQUIRE(x.dtype() == y.dtype());
    if (x.dtype() == DType::F32)
      CHECK(x.to_vector() == y.to_vector());
    else
      CHECK(x.to_vector_i64() == y.to_vector_i64());
  }
}

TEST_CASE("safetensors: every truncation of a valid file is rejected") {
  std::string bytes = serialize_safetensors(
      {{"a", Tensor::from_vector({1, 2, 3}, {3})}, {"b", Tensor::from_vector_i64({7, 8}, {2, 1})}}, {{"k", "v"}});
  REQUIRE_NOTHROW(parse_safetensors(bytes, "mem"));
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    INFO("cut at ", cut, " of ", bytes.size());
    CHECK_THROWS_AS(parse_safetensors(bytes.substr(0, cut), "mem"), Error);
  }
  // Extra bytes after the data are rejected too.
  CHECK_THROWS_WITH_AS(parse_safetensors(bytes + "x", "mem"), doctest::Contains("after the last tensor"), Error);
}

TEST_CASE("safetensors: malformed files are rejected with a message naming the file") {
  TempDir dir;
  SUBCASE("file shorter than 8 bytes") {
    write_bytes(dir.file("short.safetensors"), "abc");
    CHECK_THROWS_WITH_AS(load_safetensors(dir.file("short.safetensors")), doctest::Contains("short.safetensors"),
                         Error);
  }
  SUBCASE("missing file") {
    CHECK_THROWS_AS(load_safetensors(dir.file("none.safetensors")), Error);
  }
  SUBCASE("corrupted header length") {
    std::string good = make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", floats({1}));
    for (uint64_t n : {uint64_t(0), uint64_t(1), uint64_t(good.size() - 7), uint64_t(1) << 40, ~uint64_t(0)}) {
      std::string bytes = good;
      for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((n >> (8 * i)) & 0xff);
      INFO("header length ", n);
      CHECK_THROWS_AS(parse_safetensors(bytes, "mem"), Error);
    }
    write_bytes(dir.file("len.safetensors"), std::string(8, '\xff') + "{}");
    CHECK_THROWS_WITH_AS(load_safetensors(dir.file("len.safetensors")), doctest::Contains("len.safetensors"), Error);
  }
  SUBCASE("bad JSON") {
    check_rejected(make_file(R"({"a": )", ""), "not valid JSON");
    check_rejected(make_file(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}} x)", ""), "not valid JSON");
    check_rejected(make_file("[]", ""), "must start with '{'");
    check_rejected(make_file("", ""), "must start with '{'");
    check_rejected(make_file(" {}", ""), "must start with '{'");
    check_rejected(make_file("{\"a\xff\": 1}", ""), "not valid JSON");
  }
  SUBCASE("bad entries") {
    check_rejected(make_file(R"({"a": 3})", ""), "entry must be an object");
    check_rejected(make_file(R"({"a":{"dtype":"F32","shape":[1]}})", floats({1})), "missing field 'data_offsets'");
    check_rejected(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}})", floats({1})),
                   "unexpected field 'x'");
  }
  SUBCASE("wrong dtype") {
    for (const char* dtype : {"\"F16\"", "\"f32\"", "\"bf16\"", "5", "null", "[\"F32\"]"}) {
      check_rejected(make_file(std::string(R"({"a":{"dtype":)") + dtype + R"(,"shape":[1],"data_offsets":[0,4]}})",
                               floats({1})),
                     "dtype");
    }
  }
  SUBCASE("bad shapes") {
    for (const char* shape : {"[-1]", "[1.0]", "[\"1\"]", "3", "[[1]]", "[1e3]"})
      check_rejected(make_file(std::string(R"({"a":{"dtype":"F32","shape":)") + shape + R"(,"data_offsets":[0,4]}})",
                               floats({1})),
                     "shape");
    for (const char* shape : {"[4294967296, 4294967296]", "[9223372036854775807, 2]", "[18446744073709551615]",
                              "[4611686018427387904]", "[9223372036854775807, 9223372036854775807, 0]"})
      check_rejected(make_file(std::string(R"({"a":{"dtype":"F32","shape":)") + shape + R"(,"data_offsets":[0,4]}})",
                               floats({1})),
                     "too large");
    // Large but representable: caught by the size check, never allocated.
    check_rejected(make_file(R"({"a":{"dtype":"F32","shape":[1000000000000],"data_offsets":[0,4]}})", floats({1})),
                   "needs");
  }
  SUBCASE("bad offsets") {
    const std::string prefix = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":)";
    for (const char* offsets : {"[0]", "[0,8,8]", "[0.0,8]", "[-8,0]", "\"0,8\"", "[0,null]"})
      check_rejected(make_file(prefix + offsets + "}}", floats({1, 2})), "data_offsets must be");
    check_rejected(make_file(prefix + "[0,12]}}", floats({1, 2})), "outside the data region");
    check_rejected(make_file(prefix + "[8,0]}}", floats({1, 2})), "outside the data region");
    check_rejected(make_file(prefix + "[0,18446744073709551615]}}", floats({1, 2})), "outside the data region");
    check_rejected(make_file(prefix + "[0,4]}}", floats({1, 2})), "needs 8");
  }
  SUBCASE("overlap, holes and leftovers") {
    check_rejected(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                             R"("b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                             floats({1})),
                   "overlap");
    check_rejected(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                             floats({1, 2})),
                   "overlap");
    check_rejected(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                             R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                             floats({1, 2, 3})),
                   "belong to no tensor");
    check_rejected(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", floats({1, 2})),
                   "belong to no tensor");
    check_rejected(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", floats({1, 2})),
                   "after the last tensor");
  }
  SUBCASE("duplicate keys") {
    check_rejected(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                             R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                             floats({1})),
                   "repeats the key 'a'");
    check_rejected(make_file(R"({"a":{"dtype":"F32","dtype":"I64","shape":[1],"data_offsets":[0,4]}})", floats({1})),
                   "repeats the key 'dtype'");
    check_rejected(make_file(R"({"__metadata__":{"k":"1","k":"2"}})", ""), "repeats the key 'k'");
    // The same key in different objects is fine.
    CHECK_NOTHROW(parse_safetensors(make_file(R"({"__metadata__":{"dtype":"x"},)"
                                              R"("dtype":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                                              floats({1})),
                                    "mem"));
  }
  SUBCASE("metadata must map strings to strings") {
    check_rejected(make_file(R"({"__metadata__":{"a":1}})", ""), "must be a string");
    check_rejected(make_file(R"({"__metadata__":{"a":{"b":"c"}}})", ""), "must be a string");
    check_rejected(make_file(R"({"__metadata__":"x"})", ""), "must be an object");
    check_rejected(make_file(R"({"__metadata__":["a","b"]})", ""), "must be an object");
  }
  SUBCASE("errors name the file") {
    write_bytes(dir.file("dup.safetensors"), make_file(R"({"__metadata__":{"k":"1","k":"2"}})", ""));
    CHECK_THROWS_WITH_AS(load_safetensors(dir.file("dup.safetensors")), doctest::Contains("dup.safetensors"), Error);
  }
}

TEST_CASE("safetensors: hand-written valid files load, padding and offsets in any order") {
  // Tensors listed out of data order, header padded with spaces, an I64 tensor.
  std::string data = floats({5, 6});
  int64_t seven = 7;
  data.append(reinterpret_cast<const char*>(&seven), 8);
  auto f = parse_safetensors(make_file(R"({"b":{"data_offsets":[8,16],"shape":[],"dtype":"I64"},)"
                                       R"("a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}      )",
                                       data),
                             "mem");
  CHECK(f.names_in_order == std::vector<std::string>{"b", "a"});
  CHECK(f.tensors.at("b").to_vector_i64() == std::vector<int64_t>{7});
  check_close(f.tensors.at("a"), {5, 6}, 0, 0);
}

TEST_CASE("safetensors: random byte flips in the header never crash the reader") {
  std::string good = serialize_safetensors({{"weight", Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3})},
                                            {"ids", Tensor::from_vector_i64({1, 2, 3}, {3})},
                                            {"s", Tensor::scalar(1.f)}},
                                           {{"config", "{\"a\": 1}"}});
  const size_t header_end = 8 + header_length(good);
  std::mt19937 gen(1234);
  std::uniform_int_distribution<size_t> pos(0, header_end - 1);
  std::uniform_int_distribution<int> byte(0, 255), count(1, 4);
  int accepted = 0, rejected = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bytes = good;
    for (int k = count(gen); k > 0; --k) bytes[pos(gen)] = static_cast<char>(byte(gen));
    try {
      auto f = parse_safetensors(bytes, "fuzz");
      ++accepted;
      // Whatever was accepted is self-consistent.
      for (auto& [name, t] : f.tensors) CHECK(t.numel() * 4 <= static_cast<int64_t>(bytes.size()));
    } catch (const Error&) {
      ++rejected;
    }
  }
  CHECK(rejected > 0);
  CHECK(accepted + rejected == 3000);
}

TEST_CASE("safetensors: saving rejects duplicate, reserved and undefined tensors") {
  TempDir dir;
  const std::string path = dir.file("bad.safetensors");
  Tensor t = Tensor::zeros({2});
  CHECK_THROWS_WITH_AS(save_safetensors(path, {{"a", t}, {"a", t}}), doctest::Contains("duplicate tensor name 'a'"),
                       Error);
  CHECK_THROWS_WITH_AS(save_safetensors(path, {{"__metadata__", t}}), doctest::Contains("__metadata__"), Error);
  CHECK_THROWS_WITH_AS(save_safetensors(path, {{"u", Tensor()}}), doctest::Contains("undefined"), Error);
  CHECK_THROWS_WITH_AS(save_safetensors(path, {{"a", t}}, {{"k", "\xff"}}), doctest::Contains("cannot encode"), Error);
  CHECK_FALSE(fs::exists(path));
  CHECK(fs::is_empty(dir.path));
}
