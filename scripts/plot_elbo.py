#!/usr/bin/env python3
"""Plot a `lockstep vi --elbo TRACE.csv` trace: python3 scripts/plot_elbo.py TRACE.csv TRACE.svg

Left panel: the ELBO estimate against the optimization step, one line per fit (the loss curve
of the seeds' TFP notebook is its negative). Right panel: the relative ELBO change
|(elbo_prev - elbo) / elbo| on a log scale, the quantity Stan's ADVI stops on (--tol-rel-obj).
Called by `lockstep vi`; also usable by hand. Needs matplotlib (Debian: python3-matplotlib).
The figure is written to a temporary file and renamed, so a failure leaves no partial plot.
Exit status 3 with one line on stdout if matplotlib is missing.
"""
import csv
import math

if __package__:  # the package's copy (lockstep.plot_elbo ...): its sibling is the package's
    from . import plot_common
else:  # run as a script: Python puts this folder first on sys.path
    import plot_common


def figure(src):
    """The figure of the trace CSV `src`, or None if it has no rows."""
    plt = plot_common.pyplot()
    fits = {}
    with open(src, newline="") as f:
        for row in csv.DictReader(f):
            fit = int(row.get("fit") or 1)
            step, elbo, rel = int(row["step"]), float(row["elbo"]), float(row["rel_change"])
            fits.setdefault(fit, []).append((step, elbo, rel))
    if not fits:
        return None
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for fit, rows in sorted(fits.items()):
        label = "fit %d" % fit if len(fits) > 1 else None
        a.plot([r[0] for r in rows], [r[1] for r in rows], marker=".", label=label)
        pts = [(r[0], r[2]) for r in rows if math.isfinite(r[2]) and r[2] > 0]
        if pts:
            b.plot([p[0] for p in pts], [p[1] for p in pts], marker=".", label=label)
    a.set_xlabel("step")
    a.set_ylabel("ELBO")
    a.set_title("ELBO estimate")
    b.set_xlabel("step")
    b.set_ylabel("relative ELBO change")
    b.set_yscale("log")
    b.axhline(0.01, color="grey", linestyle="--", linewidth=1)
    b.set_title("relative change (Stan's default tolerance dashed)")
    if len(fits) > 1:
        a.legend(fontsize="small")
    fig.tight_layout()
    return fig


def main():
    return plot_common.write_figure("plot_elbo.py", figure, ": no rows")


if __name__ == "__main__":
    plot_common.run(main)
