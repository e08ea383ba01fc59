#include "data/idx_images.h"

#include <sys/stat.h>

#include "core/error.h"
#include "data/idx_file.h"
#include "data/pixel_tokens.h"

namespace ponet::data {

LabelledImages read_labelled_images(const std::string& images_path, const std::string& labels_path,
                                    int64_t num_classes) {
  IdxArray images = read_idx_ubyte(images_path, 3);
  IdxArray labels = read_idx_ubyte(labels_path, 1);
  PONET_CHECK(images.dims[0] == labels.dims[0], "image/label count mismatch: ", images_path, " has ", images.dims[0],
              " images, ", labels_path, " has ", labels.dims[0], " labels");
  PONET_CHECK(images.dims[1] > 0 && images.dims[2] > 0, images_path, ": empty images (", images.dims[1], " x ",
              images.dims[2], ")");
  for (size_t i = 0; i < labels.data.size(); ++i)
    PONET_CHECK(labels.data[i] < num_classes, labels_path, ": label ", int{labels.data[i]}, " of item ", i,
                " is not below the ", num_classes, " classes");
  return {images.dims[1], images.dims[2], std::move(images.data), std::move(labels.data)};
}

std::string find_idx_file(const std::string& dir, const std::string& name) {
  struct stat st;
  const std::string gz = dir + "/" + name + ".gz", raw = dir + "/" + name;
  if (::stat(gz.c_str(), &st) == 0) return gz;
  if (::stat(raw.c_str(), &st) == 0) return raw;
  fail("missing IDX file: neither '", gz, "' nor '", raw, "' exists");
}

namespace {

// Examples [begin, begin + n) of `images`; n < 0: to `end`.
std::vector<ClassificationExample> slice(const LabelledImages& images, size_t begin, size_t end, int64_t n,
                                         const char* split) {
  const size_t available = end - begin;
  PONET_CHECK(n <= static_cast<int64_t>(available), "LRA image: ", n, " ", split, " examples requested, the split has ",
              available);
  const size_t count = n < 0 ? available : static_cast<size_t>(n);
  const size_t pixels = static_cast<size_t>(images.rows * images.cols);
  std::vector<ClassificationExample> out;
  out.reserve(count);
  for (size_t i = begin; i < begin + count; ++i)
    out.push_back({pixel_token_ids(images.pixels.data() + i * pixels, pixels), images.labels[i], {}});
  return out;
}

}  // namespace

ImageSplits read_idx_image_splits(const std::string& dir, const ImageSplitSizes& sizes, int64_t num_classes) {
  // looked up one after another, so that the first missing file is the one named
  const std::string train_images = find_idx_file(dir, "train-images-idx3-ubyte");
  const std::string train_labels = find_idx_file(dir, "train-labels-idx1-ubyte");
  const std::string test_images = find_idx_file(dir, "t10k-images-idx3-ubyte");
  const std::string test_labels = find_idx_file(dir, "t10k-labels-idx1-ubyte");
  LabelledImages train = read_labelled_images(train_images, train_labels, num_classes);
  LabelledImages test = read_labelled_images(test_images, test_labels, num_classes);
  PONET_CHECK(train.rows == test.rows && train.cols == test.cols, dir, ": training images are ", train.rows, " x ",
              train.cols, ", test images ", test.rows, " x ", test.cols);
  const size_t dev_begin = train.size() * 9 / 10;  // LRA's train[90%:]
  ImageSplits s;
  s.rows = train.rows;
  s.cols = train.cols;
  s.train = slice(train, 0, dev_begin, sizes.train, "training");
  s.dev = slice(train, dev_begin, train.size(), sizes.dev, "dev");
  s.test = slice(test, 0, test.size(), sizes.test, "test");
  return s;
}

}  // namespace ponet::data
