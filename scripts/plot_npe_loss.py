#!/usr/bin/env python3
"""Plot a `lockstep npe` training run: python3 scripts/plot_npe_loss.py OUT_loss.csv OUT_loss.svg

The training and validation loss (mean -log q(theta | x) on the model's unconstrained scale)
per epoch, every round's epochs counted on (a dashed line where a truncated round starts), with
the best epoch (the network kept: early stopping) marked. Called by
`lockstep npe`; also usable by hand. Needs matplotlib (Debian: python3-matplotlib). The figure
is written to a temporary file and renamed, so a failure leaves no partial plot. Exit status 3
with one line on stdout if matplotlib is missing.
"""
import csv
import math

if __package__:  # the package's copy (lockstep.plot_elbo ...): its sibling is the package's
    from . import plot_common
else:  # run as a script: Python puts this folder first on sys.path
    import plot_common


def main():
    src, out = plot_common.input_and_output("plot_npe_loss.py")
    plt = plot_common.pyplot()
    epoch, train, valid, best, starts = [], [], [], None, []
    with open(src) as fh:
        for row in csv.DictReader(fh):
            e = int(row["epoch"])
            if row.get("round") not in (None, "", "1") and (not starts or starts[-1][1] != row["round"]):
                starts.append((e, row["round"]))  # a truncated round's first epoch
            epoch.append(e)
            train.append(float(row["train_loss"]))
            valid.append(float(row["validation_loss"]))
            if row.get("best") == "1":
                best = e
    if not epoch:
        print(src + ": no epochs")
        return 1
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(epoch, train, label="training", color="tab:blue")
    ax.plot(epoch, valid, label="validation", color="tab:orange")
    for k, (e, r) in enumerate(starts):  # each round trains on, with more simulations
        ax.axvline(e - 0.5, color="0.75", linestyle="--", label="a new round" if k == 0 else None)
    if best is not None:
        ax.axvline(best, color="grey", linestyle=":", label="best epoch %d" % best)
    finite = [v for v in train + valid if math.isfinite(v)]
    if finite:
        lo = min(finite)
        # The first epochs' losses can be far above the rest: show from the minimum up to the
        # loss at the 5th epoch (or the largest) so the late epochs stay readable.
        ref = [v for v in (train[min(4, len(train) - 1)], valid[min(4, len(valid) - 1)]) if math.isfinite(v)]
        hi = max(ref) if ref else max(finite)
        if hi > lo:
            ax.set_ylim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean -log q(theta | x)")
    ax.set_title("NPE training loss")
    ax.legend()
    fig.tight_layout()
    plot_common.save_atomically(fig, out)
    return 0


if __name__ == "__main__":
    plot_common.run(main)
