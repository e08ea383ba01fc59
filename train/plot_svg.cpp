#include "train/plot_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "io/atomic_file.h"

namespace ponet::train {

namespace {

constexpr double kPanelW = 460, kPanelH = 320, kLeft = 60, kRight = 20, kTop = 40, kBottom = 50;

std::string fmt(double v) {
  char buf[32];
  if (std::abs(v) >= 1000 || (std::abs(v) < 0.01 && v != 0)) std::snprintf(buf, sizeof buf, "%.2g", v);
  else std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

void draw_panel(std::ostringstream& svg, const Panel& p, double x0, const std::string& x_label) {
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  for (const Series& s : p.series)
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      xmin = std::min(xmin, s.x[i]);
      xmax = std::max(xmax, s.x[i]);
      ymin = std::min(ymin, s.y[i]);
      ymax = std::max(ymax, s.y[i]);
    }
  if (!(xmin <= xmax)) xmin = 0, xmax = 1, ymin = 0, ymax = 1;
  if (xmax == xmin) xmax = xmin + 1;
  if (ymax == ymin) ymax = ymin + 1;
  const double pad = 0.05 * (ymax - ymin);
  ymin -= pad;
  ymax += pad;
  const double w = kPanelW - kLeft - kRight, h = kPanelH - kTop - kBottom;
  auto X = [&](double x) { return x0 + kLeft + (x - xmin) / (xmax - xmin) * w; };
  auto Y = [&](double y) { return kTop + (1.0 - (y - ymin) / (ymax - ymin)) * h; };

  svg << "<text x='" << x0 + kPanelW / 2 << "' y='22' text-anchor='middle' font-size='15'>" << escape(p.title)
      << "</text>\n";
  svg << "<rect x='" << x0 + kLeft << "' y='" << kTop << "' width='" << w << "' height='" << h
      << "' fill='none' stroke='#888'/>\n";
  for (int i = 0; i <= 4; ++i) {  // grid and tick labels
    double yv = ymin + (ymax - ymin) * i / 4, xv = xmin + (xmax - xmin) * i / 4;
    svg << "<line x1='" << x0 + kLeft << "' x2='" << x0 + kLeft + w << "' y1='" << Y(yv) << "' y2='" << Y(yv)
        << "' stroke='#eee'/>\n";
    svg << "<text x='" << x0 + kLeft - 5 << "' y='" << Y(yv) + 4 << "' text-anchor='end' font-size='11'>"
        << fmt(yv) << "</text>\n";
    svg << "<text x='" << X(xv) << "' y='" << kTop + h + 16 << "' text-anchor='middle' font-size='11'>" << fmt(xv)
        << "</text>\n";
  }
  svg << "<text x='" << x0 + kLeft + w / 2 << "' y='" << kPanelH - 12 << "' text-anchor='middle' font-size='12'>"
      << escape(x_label) << "</text>\n";
  svg << "<text x='" << x0 + 14 << "' y='" << kTop + h / 2 << "' font-size='12' transform='rotate(-90 " << x0 + 14
      << " " << kTop + h / 2 << ")' text-anchor='middle'>" << escape(p.y_label) << "</text>\n";
  int legend = 0;
  for (const Series& s : p.series) {
    svg << "<polyline fill='none' stroke='" << s.color << "' stroke-width='1.5' points='";
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
      if (std::isfinite(s.y[i])) svg << X(s.x[i]) << ',' << Y(s.y[i]) << ' ';
    svg << "'/>\n";
    double ly = kTop + 14 + 16 * legend++;
    svg << "<line x1='" << x0 + kLeft + w - 120 << "' x2='" << x0 + kLeft + w - 100 << "' y1='" << ly - 4
        << "' y2='" << ly - 4 << "' stroke='" << s.color << "' stroke-width='2'/>\n";
    svg << "<text x='" << x0 + kLeft + w - 95 << "' y='" << ly << "' font-size='11'>" << escape(s.label)
        << "</text>\n";
  }
}

}  // namespace

void write_svg_chart(const std::string& path, const std::vector<Panel>& panels, const std::string& x_label) {
  const double width = kPanelW * std::max<size_t>(1, panels.size());
  std::ostringstream svg;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width << "' height='" << kPanelH
      << "' font-family='sans-serif'>\n<rect width='100%' height='100%' fill='white'/>\n";
  for (size_t i = 0; i < panels.size(); ++i) draw_panel(svg, panels[i], kPanelW * i, x_label);
  svg << "</svg>\n";
  io::write_file_atomically(path, svg.str());
}

}  // namespace ponet::train
