// The start-up check of a data-parallel job: every rank must run the same code on the same config and
// data, or the ranks would silently train different models. Each rank describes what it runs as named
// fingerprints (e.g. "command line" -> the arguments, "file corpus.txt" -> size and CRC-32, "binary" ->
// a hash of the executable); rank 0's list is the reference and the first difference is an error
// naming the item, the rank and both values.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "dist/communicator.h"

namespace ponet::dist {

using Fingerprints = std::vector<std::pair<std::string, std::string>>;

// Collective: every rank calls it with its own list. Throws on the first mismatch (on every rank, so
// the job ends with the same message wherever it is read).
void check_agreement(Communicator& comm, const Fingerprints& mine);

// "size <bytes>, crc32 <hex>" of a file's contents ("missing" when it cannot be read).
std::string file_fingerprint(const std::string& path);

}  // namespace ponet::dist
