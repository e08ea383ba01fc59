// A dependency-free line chart written as SVG: the trainer draws its loss and accuracy curves with it.
#pragma once
#include <string>
#include <vector>

namespace ponet::train {

struct Series {
  std::string label;
  std::string color;  // any SVG colour, e.g. "#1f77b4"
  std::vector<double> x, y;
};

struct Panel {
  std::string title;
  std::string y_label;
  std::vector<Series> series;
};

// Writes panels side by side into one SVG file (atomically: temp file, then rename).
void write_svg_chart(const std::string& path, const std::vector<Panel>& panels, const std::string& x_label);

}  // namespace ponet::train
