# A line chart as a standalone SVG, with the standard library alone (the study scripts run without
# numpy or matplotlib). One or more panels side by side; each series is (label, colour, points, dashed).
import html


def _ticks(lo, hi, n=5):
    if hi <= lo:
        hi = lo + 1
    return [lo + (hi - lo) * i / (n - 1) for i in range(n)]


def line_chart(path, panels, title, width_per_panel=460, height=340):
    """panels: list of dicts {title, xlabel, ylabel, series: [(label, colour, [(x, y)], dashed)]}."""
    left, right, top, bottom = 56, 14, 44, 46
    legend_h = 18 * max(len({s[0] for s in p["series"]}) for p in panels) if panels else 0
    width = width_per_panel * len(panels)
    total_h = height + legend_h
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total_h}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{total_h}" fill="white"/>',
           f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14">{html.escape(title)}</text>']
    for k, p in enumerate(panels):
        x0 = k * width_per_panel + left
        w = width_per_panel - left - right
        h = height - top - bottom
        pts = [pt for s in p["series"] for pt in s[2]]
        if not pts:
            continue
        xs, ys = [x for x, _ in pts], [y for _, y in pts]
        xlo, xhi = min(xs), max(xs)
        ylo, yhi = min(ys), max(ys)
        pad = 0.05 * (yhi - ylo or 1)
        ylo, yhi = ylo - pad, yhi + pad
        sx = lambda x: x0 + (x - xlo) / ((xhi - xlo) or 1) * w
        sy = lambda y: top + h - (y - ylo) / ((yhi - ylo) or 1) * h
        out.append(f'<text x="{x0 + w / 2}" y="{top - 8}" text-anchor="middle" font-size="12">'
                   f'{html.escape(p["title"])}</text>')
        out.append(f'<rect x="{x0}" y="{top}" width="{w}" height="{h}" fill="none" stroke="#888"/>')
        for t in _ticks(ylo, yhi):
            out.append(f'<line x1="{x0}" x2="{x0 + w}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" stroke="#eee"/>')
            out.append(f'<text x="{x0 - 4}" y="{sy(t) + 4:.1f}" text-anchor="end">{t:.3g}</text>')
        for t in _ticks(xlo, xhi):
            out.append(f'<text x="{sx(t):.1f}" y="{top + h + 14}" text-anchor="middle">{t:.0f}</text>')
        out.append(f'<text x="{x0 + w / 2}" y="{top + h + 30}" text-anchor="middle">{html.escape(p["xlabel"])}</text>')
        out.append(f'<text x="{x0 - 42}" y="{top + h / 2}" text-anchor="middle" '
                   f'transform="rotate(-90 {x0 - 42} {top + h / 2})">{html.escape(p["ylabel"])}</text>')
        for label, colour, points, dashed in p["series"]:
            if not points:
                continue
            d = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
            dash = ' stroke-dasharray="4 3"' if dashed else ""
            out.append(f'<polyline points="{d}" fill="none" stroke="{colour}" stroke-width="1.3"'
                       f' stroke-opacity="0.85"{dash}/>')
        seen = []
        for label, colour, _, dashed in p["series"]:
            if label in seen:
                continue
            seen.append(label)
            y = height + 18 * (len(seen) - 1) + 4
            dash = ' stroke-dasharray="4 3"' if dashed else ""
            out.append(f'<line x1="{x0}" x2="{x0 + 24}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="2"{dash}/>')
            out.append(f'<text x="{x0 + 30}" y="{y + 4}">{html.escape(label)}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
