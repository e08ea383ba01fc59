// The model configs of apps/configs/, compiled into `ponet`: CMakeLists.txt embeds each JSON file's
// text at build time, so a command's default model needs neither the source tree nor a particular
// working directory, and the JSON file stays the only copy of it.
#pragma once
#include <string>

namespace ponet::app {

// The text of the file `file_name` (e.g. "tiny.json") of apps/configs/ as built; an unknown name throws.
std::string builtin_config(const std::string& file_name);
// How messages name it: "apps/configs/tiny.json (built in)".
std::string builtin_config_where(const std::string& file_name);

}  // namespace ponet::app
