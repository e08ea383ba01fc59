// Labelled grayscale images from a pair of IDX files (MNIST / Fashion-MNIST layout: images n x rows x
// cols, labels n), and the LRA Image splits built on them: train = the first 90 % of the training file,
// dev = its last 10 % (LRA's train[:90%] / train[90%:]), test = the test file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/classification_example.h"

namespace ponet::data {

struct LabelledImages {
  int64_t rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // size() x rows x cols
  std::vector<uint8_t> labels;
  size_t size() const { return labels.size(); }
};

// Throws ponet::Error naming the file: the IDX errors (data/idx_file.h), a different image and label
// count, or a label >= num_classes (with its index).
LabelledImages read_labelled_images(const std::string& images_path, const std::string& labels_path, int64_t num_classes);

// DIR/NAME.gz, else DIR/NAME (raw); an error naming both when neither exists.
std::string find_idx_file(const std::string& dir, const std::string& name);

struct ImageSplitSizes {
  int64_t train = -1, dev = -1, test = -1;  // the first N of each split; -1: all of it
};

struct ImageSplits {
  std::vector<ClassificationExample> train, dev, test;
  int64_t rows = 0, cols = 0;
};

// DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] as pixel sequences (data/pixel_tokens.h), split as
// above. A size larger than its split is an error.
ImageSplits read_idx_image_splits(const std::string& dir, const ImageSplitSizes& sizes, int64_t num_classes = 10);

}  // namespace ponet::data
