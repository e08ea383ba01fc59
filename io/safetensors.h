// Reading and writing the safetensors format (https://github.com/huggingface/safetensors), the file
// format of the fixtures, the checkpoints and the optimizer state.
//
// Layout of a file:
//   u64 little-endian N | N bytes of JSON header (may be padded with trailing spaces) | data
// The header maps each tensor name to {"dtype": "F32"|"BF16"|"I64", "shape": [...], "data_offsets": [b, e]}
// with byte offsets relative to the start of the data; the optional "__metadata__" entry is a
// string -> string map. Only F32, BF16 and I64 are supported (the dtypes of core/dtype.h).
//
// Loading trusts nothing in the file: every size, offset and JSON type is checked, the data ranges must
// tile the data region exactly (no overlap, no hole, nothing left over) and duplicate JSON keys are
// rejected. Any problem throws ponet::Error naming the file and what was wrong; nothing crashes.
// Saving builds the whole file in memory and writes it atomically (io/atomic_file.h), so an
// interrupted save never leaves a truncated checkpoint behind.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace ponet::io {

struct SafetensorsFile {
  std::map<std::string, Tensor> tensors;  // contiguous CPU tensors
  std::map<std::string, std::string> metadata;
  std::vector<std::string> names_in_order;  // tensor names in the order the header lists them
};

SafetensorsFile load_safetensors(const std::string& path);

// Parses the bytes of a whole safetensors file; `source` names it in error messages.
SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& source);

// A checkpoint split over several files, as Hugging Face writes large models: an index JSON
// {"metadata": {...}, "weight_map": {"<tensor name>": "<shard file name>"}} beside the shards (e.g.
// model.safetensors.index.json). Shard names are plain file names in the index's folder. Every tensor
// the map names must be in its shard and every tensor of a shard must be mapped to that shard; errors
// name the index, the shard and the tensor. The result merges the shards (tensors in shard order, then
// header order; the shards' metadata merged, the index's own metadata is not a string map and is dropped).
SafetensorsFile load_safetensors_sharded(const std::string& index_path);

// Tensors may be on any device and in any layout; names must be unique and not "__metadata__".
void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// The bytes save_safetensors writes (the header is padded with spaces to a multiple of 8 bytes).
std::string serialize_safetensors(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                  const std::map<std::string, std::string>& metadata = {});

}  // namespace ponet::io
