// IDX files (the MNIST / Fashion-MNIST format): a 4-byte magic number (two zero bytes, the element type,
// the number of dimensions), each dimension as a big-endian uint32, then the elements in row-major
// order. Only unsigned bytes (type 0x08) are read. Files may be gzip-compressed or raw: zlib reads both.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ponet::data {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;  // prod(dims) bytes
};

// Reads an unsigned-byte IDX file of `ndims` dimensions. Throws ponet::Error naming the file when it is
// missing or unreadable, not gzip/IDX data, has another magic number (type or dimension count), ends
// before the elements its header promises, or has bytes after them.
IdxArray read_idx_ubyte(const std::string& path, int ndims);

// Writes one (raw when `gzip` is false); for tests and tools.
void write_idx_ubyte(const std::string& path, const IdxArray& array, bool gzip);

}  // namespace ponet::data
