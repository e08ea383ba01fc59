// Writing files so that a crash or an interrupt never leaves a half-written one: write a temporary
// file beside the target, flush it to disk, then rename it over the target (atomic on POSIX).
// Fault injection for the kill test (docs/reliability.md): PONET_FAULT_KILL_AFTER_BYTES=N makes an atomic
// write SIGKILL its process after N bytes of the temporary file; PONET_FAULT_KILL_IN_APPEND=K makes the
// K-th append_line write half its line and SIGKILL. Both are read once per process.
#pragma once
#include <string>

namespace ponet::io {

// The temporary file is `path.tmp.<pid>`; temporaries of `path` left by processes that no longer exist
// (a kill during a save) are removed first.
void write_file_atomically(const std::string& path, const std::string& contents);
// Appends one line and checks that it reached the file (a full disk or a write error throws).
void append_line(const std::string& path, const std::string& line);
// Reads a whole file; throws ponet::Error naming the path when it cannot.
std::string read_file(const std::string& path);
// Creates a directory and any missing parents (as mkdir -p); throws ponet::Error naming the path when it
// cannot or when the path exists as something else.
void make_directories(const std::string& path);

}  // namespace ponet::io
