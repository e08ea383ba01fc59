#include "io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/atomic_file.h"

// Tensor bytes are copied straight between the file and memory, which is right only on little-endian
// hosts (x86-64, aarch64: everything ponet targets).
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors I/O assumes a little-endian host");

namespace ponet::io {

namespace {

// The safetensors name of a dtype.
const char* safetensors_dtype(DType t) {
  switch (t) {
    case DType::F32: return "F32";
    case DType::I64: return "I64";
    case DType::BF16: return "BF16";
  }
  return "?";
}

// ordered_json keeps the header's key order, which becomes names_in_order.
using Json = nlohmann::ordered_json;

constexpr const char* kMetadataKey = "__metadata__";

[[noreturn]] void bad_file(const std::string& source, const std::string& what) {
  fail("safetensors '", source, "': ", what);
}

// One tensor as the header describes it (offsets relative to the start of the data region).
struct Entry {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  uint64_t begin = 0, end = 0;
};

uint64_t read_u64_le(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void append_u64_le(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A JSON integer >= 0 (nlohmann stores those as unsigned; negatives as signed; 3.0 as float).
bool as_unsigned(const Json& j, uint64_t& out) {
  if (j.is_number_unsigned()) {
    out = j.get<uint64_t>();
    return true;
  }
  if (j.is_number_integer() && j.get<int64_t>() >= 0) {
    out = static_cast<uint64_t>(j.get<int64_t>());
    return true;
  }
  return false;
}

// Parses the header text. nlohmann silently keeps the last of duplicate keys, so a parser callback
// tracks the keys of every open object and reports the first repeat.
Json parse_header(const std::string& text, const std::string& source) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  bool has_duplicate = false;
  auto callback = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == Json::parse_event_t::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == Json::parse_event_t::key && !open_objects.empty() && parsed.is_string()) {
      const std::string& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second && !has_duplicate) {
        has_duplicate = true;
        duplicate = key;
      }
    }
    return true;
  };
  Json header;
  try {
    header = Json::parse(text.begin(), text.end(), callback);
  } catch (const nlohmann::json::exception& e) {
    bad_file(source, std::string("header is not valid JSON (") + e.what() + ")");
  }
  if (has_duplicate) bad_file(source, "header repeats the key '" + duplicate + "'");
  return header;
}

std::map<std::string, std::string> parse_metadata(const Json& j, const std::string& source) {
  if (!j.is_object()) bad_file(source, "\"__metadata__\" must be an object of strings");
  std::map<std::string, std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_string())
      bad_file(source, "\"__metadata__\" entry '" + it.key() + "' must be a string, got " +
                           it.value().type_name());
    out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

Entry parse_entry(const std::string& name, const Json& j, uint64_t data_size, const std::string& source) {
  const std::string where = "tensor '" + name + "': ";
  if (!j.is_object()) bad_file(source, where + "entry must be an object, got " + j.type_name());
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "dtype" && it.key() != "shape" && it.key() != "data_offsets")
      bad_file(source, where + "unexpected field '" + it.key() + "'");
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!j.contains(field)) bad_file(source, where + "missing field '" + field + "'");

  Entry e;
  e.name = name;
  const Json& dtype = j.at("dtype");
  if (!dtype.is_string()) bad_file(source, where + "dtype must be a string");
  if (dtype == "F32") {
    e.dtype = DType::F32;
  } else if (dtype == "I64") {
    e.dtype = DType::I64;
  } else if (dtype == "BF16") {
    e.dtype = DType::BF16;
  } else {
    bad_file(source, where + "unsupported dtype " + dtype.dump() + " (ponet reads F32, BF16 and I64)");
  }

  // The shape: non-negative integers whose product (ignoring zeros) fits in int64, so that no later
  // size computation can overflow.
  const Json& shape = j.at("shape");
  if (!shape.is_array()) bad_file(source, where + "shape must be an array");
  uint64_t product = 1;
  bool has_zero = false;
  for (const Json& d : shape) {
    uint64_t dim = 0;
    if (!as_unsigned(d, dim)) bad_file(source, where + "shape " + shape.dump() + " must hold integers >= 0");
    if (dim == 0) {
      has_zero = true;
    } else if (__builtin_mul_overflow(product, dim, &product) ||
               product > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      bad_file(source, where + "shape " + shape.dump() + " is too large");
    }
    e.shape.push_back(static_cast<int64_t>(dim));
  }
  const uint64_t numel = has_zero ? 0 : product;
  uint64_t nbytes = 0;
  if (__builtin_mul_overflow(numel, static_cast<uint64_t>(dtype_size(e.dtype)), &nbytes))
    bad_file(source, where + "shape " + shape.dump() + " is too large");

  const Json& offsets = j.at("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2 || !as_unsigned(offsets[0], e.begin) ||
      !as_unsigned(offsets[1], e.end))
    bad_file(source, where + "data_offsets must be [begin, end] with integers >= 0, got " + offsets.dump());
  if (e.begin > e.end || e.end > data_size)
    bad_file(source, where + "data_offsets " + offsets.dump() + " fall outside the data region of " +
                         std::to_string(data_size) + " bytes");
  if (e.end - e.begin != nbytes)
    bad_file(source, where + "data_offsets " + offsets.dump() + " span " + std::to_string(e.end - e.begin) +
                         " bytes but " + dtype.get<std::string>() + " " + shape.dump() + " needs " +
                         std::to_string(nbytes));
  return e;
}

// The ranges must tile [0, data_size) exactly: no overlap, no hole, nothing after the last tensor.
void check_tiling(std::vector<const Entry*> entries, uint64_t data_size, const std::string& source) {
  std::sort(entries.begin(), entries.end(), [](const Entry* a, const Entry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t cursor = 0;
  const Entry* previous = nullptr;
  for (const Entry* e : entries) {
    if (e->begin < cursor)
      bad_file(source, "tensors '" + previous->name + "' and '" + e->name + "' overlap in the data region");
    if (e->begin > cursor)
      bad_file(source, "bytes [" + std::to_string(cursor) + ", " + std::to_string(e->begin) +
                           ") of the data region belong to no tensor");
    cursor = e->end;
    previous = e;
  }
  if (cursor != data_size)
    bad_file(source, "the data region has " + std::to_string(data_size - cursor) +
                         " bytes after the last tensor");
}

std::string serialize(const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata, const std::string& target) {
  Json header = Json::object();
  if (!metadata.empty()) {
    Json m = Json::object();
    for (const auto& [key, value] : metadata) m[key] = value;
    header[kMetadataKey] = m;
  }
  std::string data;
  std::set<std::string> seen;
  for (const auto& [name, t] : tensors) {
    PONET_CHECK(name != kMetadataKey, "save_safetensors '", target, "': a tensor may not be named ", kMetadataKey);
    PONET_CHECK(seen.insert(name).second, "save_safetensors '", target, "': duplicate tensor name '", name, "'");
    PONET_CHECK(t.defined(), "save_safetensors '", target, "': tensor '", name, "' is undefined");
    const uint64_t begin = data.size();
    // to_vector*() gathers any layout on any device into row-major host memory.
    if (t.dtype() == DType::F32) {
      std::vector<float> v = t.to_vector();
      data.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
    } else if (t.dtype() == DType::I64) {
      std::vector<int64_t> v = t.to_vector_i64();
      data.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int64_t));
    } else {  // bfloat16: its stored bits, little-endian like the rest
      const Tensor c = t.contiguous().to(Device::cpu());
      data.append(static_cast<const char*>(c.raw_data()), static_cast<size_t>(c.numel()) * sizeof(BFloat16));
    }
    Json entry = Json::object();
    entry["dtype"] = safetensors_dtype(t.dtype());
    entry["shape"] = t.shape();
    entry["data_offsets"] = Json::array({begin, static_cast<uint64_t>(data.size())});
    header[name] = entry;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {  // e.g. a name or metadata value that is not UTF-8
    fail("save_safetensors '", target, "': cannot encode the header (", e.what(), ")");
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data region 8-byte aligned in the file
  std::string out;
  out.reserve(8 + text.size() + data.size());
  append_u64_le(out, text.size());
  out += text;
  out += data;
  return out;
}

}  // namespace

SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& source) {
  if (bytes.size() < 8)
    bad_file(source, "file has " + std::to_string(bytes.size()) + " bytes, too short for the 8-byte header length");
  const uint64_t header_size = read_u64_le(bytes.data());
  if (header_size > bytes.size() - 8)
    bad_file(source, "header length " + std::to_string(header_size) + " exceeds the " +
                         std::to_string(bytes.size() - 8) + " bytes after it");
  const std::string text = bytes.substr(8, header_size);
  if (text.empty() || text[0] != '{') bad_file(source, "header must start with '{'");
  const Json header = parse_header(text, source);
  if (!header.is_object()) bad_file(source, "header must be a JSON object");

  const uint64_t data_start = 8 + header_size;
  const uint64_t data_size = bytes.size() - data_start;
  SafetensorsFile file;
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == kMetadataKey) {
      file.metadata = parse_metadata(it.value(), source);
    } else {
      entries.push_back(parse_entry(it.key(), it.value(), data_size, source));
    }
  }
  std::vector<const Entry*> pointers;
  for (const Entry& e : entries) pointers.push_back(&e);
  check_tiling(pointers, data_size, source);

  for (const Entry& e : entries) {
    Tensor t = Tensor::empty(e.shape, e.dtype);
    if (e.end > e.begin) std::memcpy(t.raw_data(), bytes.data() + data_start + e.begin, e.end - e.begin);
    file.tensors[e.name] = t;
    file.names_in_order.push_back(e.name);
  }
  return file;
}

SafetensorsFile load_safetensors(const std::string& path) { return parse_safetensors(read_file(path), path); }

SafetensorsFile load_safetensors_sharded(const std::string& index_path) {
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(read_file(index_path));
  } catch (const nlohmann::json::exception& e) {
    fail("safetensors index '", index_path, "': not valid JSON (", e.what(), ")");
  }
  PONET_CHECK(index.is_object() && index.contains("weight_map") && index["weight_map"].is_object(), "safetensors index '",
              index_path, "': expected an object with a \"weight_map\" object");
  const size_t slash = index_path.find_last_of('/');
  const std::string folder = slash == std::string::npos ? "" : index_path.substr(0, slash + 1);
  // shard name -> the tensors the map puts there, shards in order of first mention
  std::vector<std::string> shards;
  std::map<std::string, std::set<std::string>> expected;
  for (auto& [name, shard] : index["weight_map"].items()) {
    PONET_CHECK(shard.is_string(), "safetensors index '", index_path, "': the shard of '", name, "' is not a string");
    const std::string file = shard.get<std::string>();
    // a plain file name only: an index must not make us read files outside its folder
    PONET_CHECK(!file.empty() && file.find('/') == std::string::npos && file != "." && file != "..",
                "safetensors index '", index_path, "': shard name '", file, "' of '", name,
                "' must be a file name in the index's folder");
    if (!expected.count(file)) shards.push_back(file);
    expected[file].insert(name);
  }
  PONET_CHECK(!shards.empty(), "safetensors index '", index_path, "': the weight_map is empty");
  SafetensorsFile merged;
  for (const std::string& shard : shards) {
    const std::string path = folder + shard;
    SafetensorsFile part = load_safetensors(path);
    for (const std::string& name : part.names_in_order) {
      PONET_CHECK(expected[shard].count(name), "safetensors index '", index_path, "': shard '", shard,
                  "' holds tensor '", name, "', which the weight_map does not put there");
      merged.tensors[name] = part.tensors[name];
      merged.names_in_order.push_back(name);
    }
    for (const std::string& name : expected[shard])
      PONET_CHECK(part.tensors.count(name), "safetensors index '", index_path, "': tensor '", name,
                  "' is mapped to shard '", shard, "', which does not hold it");
    for (auto& [key, value] : part.metadata) merged.metadata[key] = value;
  }
  return merged;
}

std::string serialize_safetensors(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
  return serialize(tensors, metadata, "<memory>");
}

void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  write_file_atomically(path, serialize(tensors, metadata, path));
}

}  // namespace ponet::io
