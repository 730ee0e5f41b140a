#!/usr/bin/env python3
"""Plot a `lockstep study` result: python3 scripts/plot_study.py DIR/study.csv DIR/study.svg

Left panel: error of the posterior mean (RMSE over repeats, in units of the reference sd),
the MAXIMUM over the reference parameters, against warmup length, one line per chain count.
Right panel: the maximum over parameters of the repeat-averaged nested R-hat (R-hat when the
study ran without superchains), minus 1 on a log scale, with the 1.01 threshold dashed.
Called by `lockstep study`; also usable by hand. Needs matplotlib (Debian: python3-matplotlib).
The figure is written to a temporary file and renamed, so a failure leaves no partial plot.
Exit status 3 with one line on stdout if matplotlib is missing.
"""
import csv
import math

if __package__:  # the package's copy (lockstep.plot_elbo ...): its sibling is the package's
    from . import plot_common
else:  # run as a script: Python puts this folder first on sys.path
    import plot_common


def main():
    src, out = plot_common.input_and_output("plot_study.py")
    plt = plot_common.pyplot()

    def num(s):
        return float("nan") if s in ("", "NA") else float(s)

    rmse, conv = {}, {}
    use_nested = True
    algorithm, draws, superchains, repeats = "", "", "", ""
    with open(src, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        print(src + ": no rows")
        return 1
    if all(math.isnan(num(r["nested_rhat"])) for r in rows):
        use_nested = False
    for r in rows:
        key = (int(r["chains"]), int(r["warmup"]))
        rmse[key] = max(rmse.get(key, 0.0), num(r["mean_rmse"]))
        c = num(r["nested_rhat"] if use_nested else r["rhat"])
        if not math.isnan(c):
            conv[key] = max(conv.get(key, 1.0), c)
        algorithm, draws, superchains, repeats = r["algorithm"], r["draws"], r["superchains"], r["repeats"]

    chain_counts = sorted({k[0] for k in rmse})
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for c in chain_counts:
        ws = sorted(k[1] for k in rmse if k[0] == c)
        ax1.plot(ws, [rmse[(c, w)] for w in ws], marker="o", label="%d chains" % c)
        wc = [w for w in ws if (c, w) in conv]
        ax2.plot(wc, [conv[(c, w)] - 1 for w in wc], marker="o", label="%d chains" % c)
    warmups = sorted({k[1] for k in rmse})
    positive = [w for w in warmups if w > 0]
    for ax in (ax1, ax2):
        if positive and positive[0] != warmups[0]:
            # warmup 0 (the no-warmup baseline) has no place on a log axis: linear from 0 to the
            # smallest positive warmup, logarithmic above it.
            ax.set_xscale("symlog", linthresh=positive[0], linscale=0.5)
        elif positive:
            ax.set_xscale("log")
        ax.set_xticks(warmups)
        ax.set_xticklabels([str(w) for w in warmups])
        ax.minorticks_off()
        ax.set_xlabel("warmup iterations")
        ax.grid(True, which="both", alpha=0.3)
    ax1.set_yscale("log")
    ax1.set_ylabel("RMSE of posterior mean / reference sd\n(max over parameters)")
    ax1.set_title("Error of the mean")
    ax1.legend()
    ax2.axhline(0.01, color="grey", linestyle="--", linewidth=1)
    ax2.text(warmups[0], 0.0105, "1.01 threshold", color="grey", fontsize=8, va="bottom")
    ax2.set_yscale("log")
    ax2.set_ylabel(("nested R-hat" if use_nested else "R-hat") + " − 1 (max over parameters\nof the mean over repeats)")
    ax2.set_title("Convergence diagnostic")
    fig.suptitle("lockstep study: %s, %s draws/chain, %s superchains, %s repeats" % (algorithm, draws, superchains, repeats))
    fig.tight_layout()
    plot_common.save_atomically(fig, out)
    return 0


if __name__ == "__main__":
    plot_common.run(main)
