// Writing files so that a crash or an interrupt never leaves a half-written one: write a temporary
// file beside the target, flush it to disk, then rename it over the target (atomic on POSIX).
#pragma once
#include <string>

namespace ponet::train {

// The temporary file is `path.tmp.<pid>`; temporaries of `path` left by processes that no longer exist
// (a kill during a save) are removed first.
void write_file_atomically(const std::string& path, const std::string& contents);
// Appends one line and checks that it reached the file (a full disk or a write error throws).
void append_line(const std::string& path, const std::string& line);
// Reads a whole file; throws ponet::Error naming the path when it cannot.
std::string read_file(const std::string& path);

}  // namespace ponet::train
