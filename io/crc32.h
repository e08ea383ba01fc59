// CRC-32 (IEEE 802.3, the zlib / PNG polynomial), for the per-tensor checksums of checkpoints.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ponet::io {

uint32_t crc32(const void* data, size_t size, uint32_t crc = 0);

}  // namespace ponet::io
