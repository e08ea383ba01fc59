// The LRA Image task's data: IDX files (gzip and raw) written here, read back; every kind of bad file
// is refused with the file named and what is wrong; the LRA splits (train = first 90 %, dev = last 10 %
// of the training file) and the pixel ids; and the installed Fashion-MNIST when it is there.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "data/idx_file.h"
#include "data/idx_images.h"
#include "data/pixel_tokens.h"
#include "io/atomic_file.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::data;

namespace {

// doctest::Contains of a std::string (it takes doctest::String only)
doctest::Contains contains(const std::string& s) { return doctest::Contains(doctest::String(s.c_str())); }

std::string temp_dir() {
  char tmpl[] = "/tmp/ponet_idx_XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  return tmpl;
}

// n images of rows x cols whose pixel (i, p) is (7 i + p) mod 256, and labels i mod classes.
void write_set(const std::string& dir, const std::string& prefix, int64_t n, int64_t rows, int64_t cols, bool gzip,
               int64_t classes = 10) {
  IdxArray images{{n, rows, cols}, {}}, labels{{n}, {}};
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t p = 0; p < rows * cols; ++p) images.data.push_back(static_cast<uint8_t>((7 * i + p) % 256));
    labels.data.push_back(static_cast<uint8_t>(i % classes));
  }
  const std::string ext = gzip ? ".gz" : "";
  write_idx_ubyte(dir + "/" + prefix + "-images-idx3-ubyte" + ext, images, gzip);
  write_idx_ubyte(dir + "/" + prefix + "-labels-idx1-ubyte" + ext, labels, gzip);
}

void write_bytes(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

}  // namespace

TEST_CASE("idx: gzip and raw files round trip") {
  const std::string dir = temp_dir();
  for (bool gzip : {true, false}) {
    IdxArray a{{3, 2, 4}, {}};
    for (int i = 0; i < 24; ++i) a.data.push_back(static_cast<uint8_t>(i * 11));
    const std::string path = dir + (gzip ? "/a.gz" : "/a.raw");
    write_idx_ubyte(path, a, gzip);
    IdxArray back = read_idx_ubyte(path, 3);
    CHECK(back.dims == a.dims);
    CHECK(back.data == a.data);
  }
  // the gzip file really is compressed (its first bytes are gzip's magic), the raw one is not
  std::string gz = io::read_file(dir + "/a.gz"), raw = io::read_file(dir + "/a.raw");
  CHECK(static_cast<uint8_t>(gz[0]) == 0x1f);
  CHECK(static_cast<uint8_t>(gz[1]) == 0x8b);
  CHECK(raw.substr(0, 4) == std::string("\0\0\x08\x03", 4));
  CHECK(raw.size() == 4 + 3 * 4 + 24);
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("idx: bad files are refused naming the file and the fault") {
  const std::string dir = temp_dir();
  const std::string images = dir + "/i", labels = dir + "/l";
  IdxArray img{{2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}}, lab{{2}, {0, 1}};
  write_idx_ubyte(images, img, false);
  write_idx_ubyte(labels, lab, true);
  CHECK_THROWS_WITH_AS(read_idx_ubyte(dir + "/none", 3), contains("cannot open IDX file '" + dir + "/none'"), Error);
  // a labels file read as images: the magic number says 1 dimension
  CHECK_THROWS_WITH_AS(read_idx_ubyte(labels, 3),
                       contains(labels + ": bad magic number 0x00000801, expected 0x00000803"), Error);
  // another element type (0x0d: float)
  write_bytes(dir + "/float", std::string("\0\0\x0d\x01\0\0\0\x01xxxx", 12));
  CHECK_THROWS_WITH_AS(read_idx_ubyte(dir + "/float", 1), contains("bad magic number 0x00000d01"), Error);
  // cut short: in the magic, in the header, in the data (raw and gzip)
  const std::string whole = io::read_file(images);
  write_bytes(dir + "/cut", whole.substr(0, 3));
  CHECK_THROWS_WITH_AS(read_idx_ubyte(dir + "/cut", 3), contains(dir + "/cut: truncated: 3 bytes"), Error);
  write_bytes(dir + "/cut", whole.substr(0, 10));
  CHECK_THROWS_WITH_AS(read_idx_ubyte(dir + "/cut", 3), contains("truncated in the header (dimension 2 of 3)"), Error);
  write_bytes(dir + "/cut", whole.substr(0, whole.size() - 3));
  CHECK_THROWS_WITH_AS(read_idx_ubyte(dir + "/cut", 3),
                       contains(dir + "/cut: truncated: the header promises 2 x 2 x 2 = 8 bytes of data, the file has 5"), Error);
  write_idx_ubyte(dir + "/whole.gz", img, true);
  const std::string whole_gz = io::read_file(dir + "/whole.gz");
  write_bytes(dir + "/cut.gz", whole_gz.substr(0, whole_gz.size() / 2));  // the gzip stream itself cut in half
  CHECK_THROWS_WITH_AS(read_idx_ubyte(dir + "/cut.gz", 3), contains(dir + "/cut.gz: "), Error);
  // bytes after the data
  write_bytes(dir + "/long", whole + "x");
  CHECK_THROWS_WITH_AS(read_idx_ubyte(dir + "/long", 3), contains(dir + "/long: has bytes after the 2 x 2 x 2 elements"), Error);
  // image and label counts differ
  IdxArray three{{3}, {0, 1, 2}};
  write_idx_ubyte(dir + "/l3", three, false);
  CHECK_THROWS_WITH_AS(read_labelled_images(images, dir + "/l3", 10),
                       contains("image/label count mismatch: " + images + " has 2 images, " + dir + "/l3 has 3 labels"), Error);
  // a label out of range
  IdxArray bad_label{{2}, {3, 12}};
  write_idx_ubyte(dir + "/lbad", bad_label, false);
  CHECK_THROWS_WITH_AS(read_labelled_images(images, dir + "/lbad", 10),
                       contains(dir + "/lbad: label 12 of item 1 is not below the 10 classes"), Error);
  // a folder without the files
  CHECK_THROWS_WITH_AS(find_idx_file(dir, "train-images-idx3-ubyte"),
                       contains("missing IDX file: neither '" + dir + "/train-images-idx3-ubyte.gz' nor"), Error);
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("idx images: LRA splits, sizes and pixel ids") {
  const std::string dir = temp_dir();
  write_set(dir, "train", 20, 3, 4, true);
  write_set(dir, "t10k", 5, 3, 4, false);  // raw files are found too
  ImageSplits s = read_idx_image_splits(dir, {});
  CHECK(s.rows == 3);
  CHECK(s.cols == 4);
  REQUIRE(s.train.size() == 18);  // train[:90%]
  REQUIRE(s.dev.size() == 2);     // train[90%:]: items 18 and 19
  REQUIRE(s.test.size() == 5);
  CHECK(s.dev[0].label == 18 % 10);
  CHECK(s.dev[1].label == 19 % 10);
  REQUIRE(s.dev[1].ids.size() == 12);
  for (int64_t p = 0; p < 12; ++p) CHECK(s.dev[1].ids[p] == (7 * 19 + p) % 256 + 1);  // intensity + 1
  CHECK(s.test[4].ids[0] == 7 * 4 + 1);
  ImageSplits first = read_idx_image_splits(dir, {4, 1, 3});
  CHECK(first.train.size() == 4);
  CHECK(first.dev.size() == 1);
  CHECK(first.dev[0].label == 18 % 10);  // the first of the dev split, not of the file
  CHECK(first.test.size() == 3);
  CHECK_THROWS_WITH_AS(read_idx_image_splits(dir, {19, -1, -1}),
                       contains("19 training examples requested, the split has 18"), Error);
  // a black pixel is a real token (id 1), never padding
  const uint8_t black[2] = {0, 255};
  CHECK(pixel_token_ids(black, 2) == std::vector<int64_t>{1, 256});
  // test images of another size
  write_set(dir, "t10k", 5, 4, 4, false);
  CHECK_THROWS_WITH_AS(read_idx_image_splits(dir, {}), contains("training images are 3 x 4, test images 4 x 4"), Error);
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("idx images: the installed Fashion-MNIST") {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  struct stat st;
  if (::stat((dir + "/train-images-idx3-ubyte.gz").c_str(), &st) != 0) {
    ponet::testing::skip_test("Fashion-MNIST is not installed (Debian dataset-fashion-mnist; scripts/setup.sh)");
    return;
  }
  LabelledImages test = read_labelled_images(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz", 10);
  CHECK(test.size() == 10000);
  CHECK(test.rows == 28);
  CHECK(test.cols == 28);
  std::vector<int> per_class(10, 0);
  for (uint8_t l : test.labels) ++per_class[l];
  for (int c : per_class) CHECK(c == 1000);  // Fashion-MNIST's test set is balanced
}
