// Error reporting: every misuse (bad shape, dtype, device, file) throws ponet::Error with a message that
// names the op and says what was expected. Nothing in the library calls abort() on user input.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace ponet {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
inline void append(std::ostringstream&) {}
template <class T, class... Rest>
void append(std::ostringstream& os, const T& first, const Rest&... rest) {
  os << first;
  append(os, rest...);
}
}  // namespace detail

// Builds a message from any streamable pieces: PONET_FAIL("matmul: ", a.shape_str(), " vs ", ...).
template <class... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  std::ostringstream os;
  detail::append(os, parts...);
  throw Error(os.str());
}

}  // namespace ponet

#define PONET_CHECK(cond, ...)            \
  do {                                    \
    if (!(cond)) ::ponet::fail(__VA_ARGS__); \
  } while (0)
