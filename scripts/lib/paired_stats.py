# Mean, standard deviation and the paired t-test, with the standard library alone. The p-value comes
# from Student's t distribution, its density integrated numerically (Simpson's rule), which is exact
# to far more digits than five seeds can use.
import math


def mean(v):
    return sum(v) / len(v)


def std(v):
    """Sample standard deviation (n - 1); 0 for a single value."""
    if len(v) < 2:
        return 0.0
    m = mean(v)
    return math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))


def _t_density(t, df):
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    return c * (1 + t * t / df) ** (-(df + 1) / 2)


def t_two_sided_p(t, df, steps=20000):
    """P(|T| >= |t|) for Student's t with df degrees of freedom."""
    t = abs(t)
    if math.isinf(t):
        return 0.0
    h = t / steps  # integrate the density over [0, t] (Simpson), then P = 1 - 2 * that
    s = _t_density(0, df) + _t_density(t, df)
    for i in range(1, steps):
        s += (4 if i % 2 else 2) * _t_density(i * h, df)
    return max(0.0, 1 - 2 * s * h / 3)


def paired_t(a, b):
    """Paired t-test of a - b: (mean difference, its std, t, two-sided p). Needs >= 2 pairs."""
    d = [x - y for x, y in zip(a, b)]
    m, s = mean(d), std(d)
    if s <= 1e-12 * max(1.0, abs(m)):  # the same difference on every pair, up to float rounding
        s = 0.0
        return m, s, math.copysign(math.inf, m) if m else 0.0, 0.0 if m else 1.0
    t = m / (s / math.sqrt(len(d)))
    return m, s, t, t_two_sided_p(t, len(d) - 1)


def paired_cells(a, b, ahead="ahead", behind="behind"):
    """The markdown cells "mean +- std | t | p | verdict" of the paired t-test of a - b. One pair has no
    spread to test against, and the same nonzero gap on every pair has an infinite t whose p of 0 would
    overstate a few seeds: neither gets a verdict."""
    if len(a) < 2:
        return f"{a[0] - b[0]:+.2f} | - | - | one seed: no test"
    m, s, t, p = paired_t(a, b)
    if s == 0 and m != 0:
        return f"{m:+.2f} +- 0.00 | - | - | the same gap on every seed: no test"
    verdict = "no significant difference" if p >= 0.05 else (ahead if m > 0 else behind)
    return f"{m:+.2f} +- {s:.2f} | {t:.2f} | {p:.3f} | {verdict}"


if __name__ == "__main__":
    # a check on values from a t table: two-sided 5 % critical values for df 4 and 9 (2.776, 2.262)
    for df, crit in ((4, 2.776), (9, 2.262)):
        p = t_two_sided_p(crit, df)
        assert abs(p - 0.05) < 2e-4, (df, p)
    assert t_two_sided_p(0, 4) > 0.9999
    m, s, t, p = paired_t([1, 2, 3, 4, 5], [1, 2, 3, 4, 5])
    assert (m, p) == (0, 1.0)
    # a constant difference whose float spread is rounding, not data: zero spread, infinite t
    m, s, t, p = paired_t([0.30, 0.32, 0.34], [0.32, 0.34, 0.36])
    assert s == 0.0 and math.isinf(t) and p == 0.0, (s, t, p)
    print("paired_stats: ok")
