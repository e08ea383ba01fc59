// Grayscale images as token sequences for the LRA image tasks (Image, Pathfinder): pixels in row-major
// order, intensity v (0..255) as token id v + 1, so that id 0 stays the LRA model's padding and a black
// pixel is a real token. (The official pipelines feed v itself, and their mask id != 0 then hides black
// pixels from the model; docs/lra.md, "Image".)
#pragma once
#include <cstdint>
#include <vector>

namespace ponet::data {

constexpr int64_t kPixelVocabSize = 257;  // padding + 256 intensities

inline std::vector<int64_t> pixel_token_ids(const uint8_t* pixels, size_t count) {
  std::vector<int64_t> ids(count);
  for (size_t i = 0; i < count; ++i) ids[i] = int64_t{pixels[i]} + 1;
  return ids;
}

}  // namespace ponet::data
