#!/usr/bin/env python3
"""Plot a `lockstep sbc` result: python3 scripts/plot_sbc.py DIR/ranks.csv DIR/sbc.svg

One rank histogram per parameter (at most 16, the first ones in ranks.csv order), ranks
0..max_rank in up to 20 bins, with the band that holds a uniform histogram's bin counts with
99% probability (binomial quantiles; Talts et al. 2018, figure 1) shaded grey. Called by
`lockstep sbc`; also usable by hand. Needs matplotlib (Debian: python3-matplotlib). The figure
is written to a temporary file and renamed, so a failure leaves no partial plot. Exit status 3
with one line on stdout if matplotlib is missing.
"""
import csv
import math

if __package__:  # the package's copy (lockstep.plot_elbo ...): its sibling is the package's
    from . import plot_common
else:  # run as a script: Python puts this folder first on sys.path
    import plot_common


def binom_quantile(n, p, q):
    """Smallest k with P(Binomial(n, p) <= k) >= q (summing the pmf)."""
    if p >= 1:  # one bin: every rank falls in it
        return n
    cdf, k = 0.0, 0
    pmf = (1 - p) ** n
    while k <= n:
        cdf += pmf
        if cdf >= q:
            return k
        pmf *= (n - k) / (k + 1) * p / (1 - p)
        k += 1
    return n


def figure(src):
    """The rank histograms of the ranks.csv `src`, or None if it holds no ranks."""
    plt = plot_common.pyplot()
    ranks, order, max_rank = {}, [], 0
    with open(src) as fh:
        for row in csv.DictReader(fh):
            p = row["parameter"]
            if p not in ranks:
                ranks[p] = []
                order.append(p)
            ranks[p].append(int(row["rank"]))
            max_rank = int(row["max_rank"])
    shown = order[:16]
    if not shown:
        return None
    n = len(ranks[shown[0]])
    bins = max(1, min(20, max_rank + 1, n // 5))
    cols = min(4, len(shown))
    rows = math.ceil(len(shown) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for i, p in enumerate(shown):
        ax = axes[i // cols][i % cols]
        counts = [0] * bins
        for k in ranks[p]:
            counts[k * bins // (max_rank + 1)] += 1
        share = 1.0 / bins
        lo, hi = binom_quantile(n, share, 0.005), binom_quantile(n, share, 0.995)
        ax.axhspan(lo, hi, color="0.85", zorder=0)
        ax.bar(range(bins), counts, width=1.0, color="#4477aa", edgecolor="white", zorder=1)
        ax.set_title(p, fontsize=9)
        ax.set_xticks([])
        ax.set_xlim(-0.5, bins - 0.5)
    for j in range(len(shown), rows * cols):
        axes[j // cols][j % cols].axis("off")
    fig.suptitle(f"SBC rank histograms: {n} replicates, ranks 0..{max_rank} in {bins} bins "
                 f"(grey: 99% band of a uniform histogram)", fontsize=10)
    fig.tight_layout()
    return fig


def main():
    return plot_common.write_figure("plot_sbc.py", figure, ": no ranks")


if __name__ == "__main__":
    plot_common.run(main)
