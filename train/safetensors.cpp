#include "train/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "train/atomic_file.h"

namespace ponet::train {

namespace {

using nlohmann::json;

static_assert(sizeof(float) == 4, "float must be 32-bit");

bool host_is_little_endian() {
  const uint16_t one = 1;
  uint8_t first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

// nlohmann keeps the last of duplicate keys silently; this callback rejects them while parsing.
json parse_header(const std::string& text, const std::string& name) {
  std::vector<std::set<std::string>> keys_per_object;
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    (void)depth;
    if (event == json::parse_event_t::object_start) keys_per_object.emplace_back();
    else if (event == json::parse_event_t::object_end) keys_per_object.pop_back();
    else if (event == json::parse_event_t::key) {
      const std::string key = parsed.get<std::string>();
      PONET_CHECK(keys_per_object.back().insert(key).second, name, ": duplicate key \"", key, "\" in the header");
    }
    return true;
  };
  try {
    return json::parse(text, callback);
  } catch (const json::exception& e) {
    fail(name, ": the header is not valid JSON (", e.what(), ")");
  }
}

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;
};

Entry read_entry(const std::string& key, const json& v, const std::string& file) {
  PONET_CHECK(v.is_object(), file, ": header entry \"", key, "\" is not an object");
  for (const char* field : {"dtype", "shape", "data_offsets"})
    PONET_CHECK(v.contains(field), file, ": tensor \"", key, "\" has no \"", field, "\"");
  Entry e;
  e.name = key;
  PONET_CHECK(v["dtype"].is_string(), file, ": tensor \"", key, "\": dtype is not a string");
  const std::string dt = v["dtype"].get<std::string>();
  if (dt == "F32") e.dtype = DType::F32;
  else if (dt == "I64") e.dtype = DType::I64;
  else fail(file, ": tensor \"", key, "\" has dtype ", dt, " (only F32 and I64 are supported)");
  PONET_CHECK(v["shape"].is_array(), file, ": tensor \"", key, "\": shape is not an array");
  uint64_t numel = 1;
  for (const json& s : v["shape"]) {
    PONET_CHECK(s.is_number_unsigned(), file, ": tensor \"", key, "\": shape entries must be non-negative integers");
    const uint64_t dim = s.get<uint64_t>();
    PONET_CHECK(dim < (1ULL << 40) && (dim == 0 || numel <= (1ULL << 40) / dim), file, ": tensor \"", key,
                "\": shape is absurdly large");
    numel *= dim;
    e.shape.push_back(static_cast<int64_t>(dim));
  }
  const json& off = v["data_offsets"];
  PONET_CHECK(off.is_array() && off.size() == 2 && off[0].is_number_unsigned() && off[1].is_number_unsigned(), file,
              ": tensor \"", key, "\": data_offsets must be two non-negative integers");
  e.begin = off[0].get<uint64_t>();
  e.end = off[1].get<uint64_t>();
  PONET_CHECK(e.begin <= e.end, file, ": tensor \"", key, "\": data_offsets are reversed");
  PONET_CHECK(e.end - e.begin == numel * dtype_size(e.dtype), file, ": tensor \"", key, "\" spans ", e.end - e.begin,
              " bytes, its shape and dtype need ", numel * dtype_size(e.dtype));
  return e;
}

}  // namespace

SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& name) {
  PONET_CHECK(host_is_little_endian(), "safetensors: big-endian hosts are not supported");
  PONET_CHECK(bytes.size() >= 8, name, ": too short for a safetensors file (", bytes.size(), " bytes)");
  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes.data(), 8);
  PONET_CHECK(header_len <= bytes.size() - 8, name, ": header length ", header_len, " exceeds the file size ",
              bytes.size());
  const std::string header_text = bytes.substr(8, header_len);
  PONET_CHECK(!header_text.empty() && header_text[0] == '{', name, ": the header does not start with '{'");
  json header = parse_header(header_text, name);
  PONET_CHECK(header.is_object(), name, ": the header is not a JSON object");

  SafetensorsFile file;
  std::vector<Entry> entries;
  for (auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      PONET_CHECK(value.is_object(), name, ": __metadata__ is not an object");
      for (auto& [mk, mv] : value.items()) {
        PONET_CHECK(mv.is_string(), name, ": __metadata__ value of \"", mk, "\" is not a string");
        file.metadata[mk] = mv.get<std::string>();
      }
      continue;
    }
    entries.push_back(read_entry(key, value, name));
  }
  // The data section must be covered exactly: sorted by offset, no overlap, no hole, nothing left over.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  const uint64_t data_size = bytes.size() - 8 - header_len;
  uint64_t expected = 0;
  for (const Entry& e : entries) {
    PONET_CHECK(e.begin >= expected, name, ": tensor \"", e.name, "\" overlaps the previous tensor");
    PONET_CHECK(e.begin == expected, name, ": a hole of ", e.begin - expected, " bytes before tensor \"", e.name, "\"");
    PONET_CHECK(e.end <= data_size, name, ": tensor \"", e.name, "\" ends at byte ", e.end,
                " but the data section has only ", data_size);
    expected = e.end;
  }
  PONET_CHECK(expected == data_size, name, ": ", data_size - expected, " unused bytes after the last tensor");

  const char* data = bytes.data() + 8 + header_len;
  for (const Entry& e : entries) {
    Tensor t = Tensor::empty(e.shape, e.dtype);
    if (e.end > e.begin) std::memcpy(t.raw_data(), data + e.begin, e.end - e.begin);
    file.tensors[e.name] = t;
    file.names_in_order.push_back(e.name);
  }
  return file;
}

SafetensorsFile load_safetensors(const std::string& path) { return parse_safetensors(read_file(path), path); }

std::string serialize_safetensors(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string data;
  std::set<std::string> seen;
  for (auto& [name, t] : tensors) {
    PONET_CHECK(name != "__metadata__" && seen.insert(name).second, "save_safetensors: duplicate or reserved name \"",
                name, "\"");
    PONET_CHECK(t.defined(), "save_safetensors: tensor \"", name, "\" is undefined");
    const size_t begin = data.size();
    if (t.dtype() == DType::F32) {
      std::vector<float> v = t.to_vector();
      data.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
    } else {
      std::vector<int64_t> v = t.to_vector_i64();
      data.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int64_t));
    }
    header[name] = {{"dtype", t.dtype() == DType::F32 ? "F32" : "I64"},
                    {"shape", t.shape()},
                    {"data_offsets", {begin, data.size()}}};
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned
  const uint64_t n = text.size();
  std::string out(8, '\0');
  std::memcpy(&out[0], &n, 8);
  return out + text + data;
}

void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  write_file_atomically(path, serialize_safetensors(tensors, metadata));
}

}  // namespace ponet::train
