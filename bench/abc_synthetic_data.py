"""Synthetic peak-model data sets for bench/abc_synthetic.sh (written to the folder given):
d11..d16 from parameters drawn inside the sbi box, h1 and h2 weak peaks (see the script)."""
import os
import sys

import numpy as np


def write(path, x, y, y_err):
    with open(path, "w") as f:
        f.write("x,y,y_err\n")
        for a, b, c in zip(x, y, y_err):
            f.write(f"{float(a)!r},{float(b)!r},{float(c)!r}\n")


def curve(x, l, m, s, a, b):
    return l * np.exp(-(x - m) ** 2 / (2 * s * s)) + a + b * x


def main(folder):
    for seed in range(11, 17):
        rng = np.random.default_rng(seed)
        x = np.sort(rng.uniform(-0.5, 1.5, 40))
        y_err = rng.uniform(0.05, 0.2, 40)
        theta = (rng.uniform(0.5, 1.8), rng.uniform(0.2, 0.8), rng.uniform(0.08, 0.4), rng.uniform(-0.6, 0.6),
                 rng.uniform(0.1, 0.9))
        write(os.path.join(folder, f"d{seed}.csv"), x, curve(x, *theta) + rng.normal(0, y_err), y_err)
    rng = np.random.default_rng(7)
    for name, n, theta in [("h1", 40, (0.7, 0.3, 0.08, 0.2, 0.4)), ("h2", 25, (0.5, 0.55, 0.2, 0.1, 0.1))]:
        x = np.sort(rng.uniform(0, 1, n))
        y_err = rng.uniform(0.1, 0.2, n)
        write(os.path.join(folder, f"{name}.csv"), x, curve(x, *theta) + rng.normal(0, y_err), y_err)


if __name__ == "__main__":
    main(sys.argv[1])
