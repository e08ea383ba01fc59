#include "dist/agreement.h"

#include <cstdio>
#include <fstream>
#include <iterator>

#include "core/error.h"
#include "io/crc32.h"

namespace ponet::dist {

namespace {
// name \x1f value \x1e ... : separators that never occur in arguments, paths or hashes
std::string pack(const Fingerprints& f) {
  std::string out;
  for (auto& [name, value] : f) out += name + '\x1f' + value + '\x1e';
  return out;
}

Fingerprints unpack(const std::string& s) {
  Fingerprints out;
  size_t start = 0;
  while (start < s.size()) {
    const size_t sep = s.find('\x1f', start), end = s.find('\x1e', start);
    if (sep == std::string::npos || end == std::string::npos || sep > end) break;
    out.emplace_back(s.substr(start, sep - start), s.substr(sep + 1, end - sep - 1));
    start = end + 1;
  }
  return out;
}
}  // namespace

void check_agreement(Communicator& comm, const Fingerprints& mine) {
  if (comm.size() == 1) return;
  const std::vector<std::string> all = comm.all_gather(pack(mine));
  const Fingerprints reference = unpack(all[0]);
  auto value_of = [](const Fingerprints& f, const std::string& name) -> std::string {
    for (auto& [n, v] : f)
      if (n == name) return v;
    return "(absent)";
  };
  for (size_t r = 1; r < all.size(); ++r) {
    const Fingerprints theirs = unpack(all[r]);
    Fingerprints names = reference;  // every item either side has, rank 0's order first
    for (auto& item : theirs)
      if (value_of(reference, item.first) == "(absent)") names.push_back(item);
    for (auto& [name, unused] : names) {
      const std::string a = value_of(reference, name), b = value_of(theirs, name);
      PONET_CHECK(a == b, "distributed: the ranks do not run the same job: ", name, " on rank ", r, " is '", b,
                  "' but on rank 0 '", a, "' (every rank needs the same arguments, config, data and binary)");
    }
  }
}

std::string file_fingerprint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "missing";
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  char buf[64];
  std::snprintf(buf, sizeof buf, "size %zu, crc32 %08x", bytes.size(),
                static_cast<unsigned>(io::crc32(bytes.data(), bytes.size())));
  return buf;
}

}  // namespace ponet::dist
