// Writing files so that a crash or an interrupt never leaves a half-written one: write a temporary
// file beside the target, flush it to disk, then rename it over the target (atomic on POSIX).
#pragma once
#include <string>

namespace ponet::train {

void write_file_atomically(const std::string& path, const std::string& contents);
// Reads a whole file; throws ponet::Error naming the path when it cannot.
std::string read_file(const std::string& path);

}  // namespace ponet::train
