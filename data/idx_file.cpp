#include "data/idx_file.h"

#include <zlib.h>

#include <cstdio>
#include <memory>

#include "core/error.h"

namespace ponet::data {

namespace {

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// Reads up to n bytes; returns how many came (fewer only at the end of the data). A gzip stream that
// is corrupt or cut short is an error, not an end.
size_t read_bytes(gzFile f, uint8_t* out, size_t n, const std::string& path) {
  size_t got = 0;
  while (got < n) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - got, 1u << 30));
    const int r = gzread(f, out + got, chunk);
    if (r < 0) {
      int code = 0;
      const char* msg = gzerror(f, &code);
      fail(path, ": cannot read: ", msg ? msg : "zlib error");
    }
    if (r == 0) {
      int code = 0;
      const char* msg = gzerror(f, &code);
      PONET_CHECK(code == Z_OK || code == Z_BUF_ERROR, path, ": cannot read: ", msg ? msg : "zlib error");
      break;
    }
    got += static_cast<size_t>(r);
  }
  return got;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace

IdxArray read_idx_ubyte(const std::string& path, int ndims) {
  PONET_CHECK(ndims >= 1 && ndims <= 8, "read_idx_ubyte: ndims must be in 1..8, got ", ndims);
  std::FILE* probe = std::fopen(path.c_str(), "rb");
  PONET_CHECK(probe != nullptr, "cannot open IDX file '", path, "'");
  std::fclose(probe);
  GzFile f(gzopen(path.c_str(), "rb"));
  PONET_CHECK(f != nullptr, "cannot open IDX file '", path, "'");
  uint8_t magic[4];
  const size_t got_magic = read_bytes(f.get(), magic, 4, path);
  PONET_CHECK(got_magic == 4, path, ": truncated: ", got_magic, " bytes, shorter than the 4-byte IDX magic number");
  const uint32_t m = (uint32_t{magic[0]} << 24) | (uint32_t{magic[1]} << 16) | (uint32_t{magic[2]} << 8) | magic[3];
  const uint32_t expected = 0x0800u | static_cast<uint32_t>(ndims);
  PONET_CHECK(m == expected, path, ": bad magic number ", hex32(m), ", expected ", hex32(expected),
              " (unsigned bytes, ", ndims, " dimension", ndims == 1 ? "" : "s", ")");
  IdxArray a;
  size_t count = 1;
  for (int d = 0; d < ndims; ++d) {
    uint8_t b[4];
    PONET_CHECK(read_bytes(f.get(), b, 4, path) == 4, path, ": truncated in the header (dimension ", d + 1, " of ",
                ndims, ")");
    const int64_t n = (int64_t{b[0]} << 24) | (int64_t{b[1]} << 16) | (int64_t{b[2]} << 8) | b[3];
    a.dims.push_back(n);
    PONET_CHECK(n == 0 || count <= (size_t{1} << 34) / static_cast<size_t>(n), path, ": dimensions too large (over 2^34 bytes)");
    count *= static_cast<size_t>(n);
  }
  a.data.resize(count);
  const size_t got = read_bytes(f.get(), a.data.data(), count, path);
  std::string shape;
  for (int64_t d : a.dims) shape += (shape.empty() ? "" : " x ") + std::to_string(d);
  PONET_CHECK(got == count, path, ": truncated: the header promises ", shape, " = ", count, " bytes of data, the file has ", got);
  uint8_t extra;
  PONET_CHECK(read_bytes(f.get(), &extra, 1, path) == 0, path, ": has bytes after the ", shape,
              " elements its header promises");
  return a;
}

void write_idx_ubyte(const std::string& path, const IdxArray& a, bool gzip) {
  std::string bytes = {0, 0, 8, static_cast<char>(a.dims.size())};
  size_t count = 1;
  for (int64_t d : a.dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((d >> shift) & 0xff));
    count *= static_cast<size_t>(d);
  }
  PONET_CHECK(count == a.data.size(), "write_idx_ubyte: dims give ", count, " elements, data has ", a.data.size());
  bytes.append(a.data.begin(), a.data.end());
  GzFile f(gzopen(path.c_str(), gzip ? "wb" : "wbT"));  // "T": plain, uncompressed output
  PONET_CHECK(f != nullptr, "cannot write '", path, "'");
  PONET_CHECK(gzwrite(f.get(), bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()),
              "cannot write '", path, "'");
}

}  // namespace ponet::data
