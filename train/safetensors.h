// safetensors files (the format of HF checkpoints and of the reference fixtures), F32 and I64 only.
//   u64 little-endian N | N bytes of JSON header (space padded) | raw little-endian data
// The header maps names to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the data
// start) plus an optional "__metadata__" string -> string map.
// Loading checks everything before touching the data (sizes, offsets, overlap, holes, duplicate keys),
// so a malformed file is a ponet::Error naming the file, never a crash. Saving is atomic.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace ponet::train {

struct SafetensorsFile {
  std::map<std::string, Tensor> tensors;  // CPU tensors
  std::map<std::string, std::string> metadata;
  std::vector<std::string> names_in_order;  // in data order
};

SafetensorsFile load_safetensors(const std::string& path);
// Parses an in-memory file; `name` is used in error messages.
SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& name);

void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});
std::string serialize_safetensors(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                  const std::map<std::string, std::string>& metadata);

}  // namespace ponet::train
