#!/usr/bin/env python3
"""Writes data/gauss100_ill.json: a 100-dimensional Gaussian with condition number 1e4.

Data for models/gaussian.hpp: N = 100, mu (fixed values in [-3, 3], two decimals), and

    Sigma = Q diag(lambda) Q^T,   lambda_k = 10^(-2 + 4 k / 99),  k = 0..99,

so the variances along the principal axes run log-uniformly from 1e-2 to 1e2 (standard
deviations 0.1 to 10) and cond(Sigma) = lambda_max / lambda_min = 1e4. Q is a random
orthogonal matrix, the product of 100 Householder reflections I - 2 v v^T / (v^T v) with
v ~ N(0, I). Marginal standard deviations sqrt(Sigma_ii) come out between 2.3 and 4.4.

Reproducible bit for bit on any machine: the random numbers come from numpy's
Generator(PCG64) with a fixed seed, and the arithmetic avoids BLAS/LAPACK (whose summation
order differs between builds): every dot product is math.fsum (correctly rounded) and all
other operations are single IEEE operations. Numbers are printed with repr(), the
shortest decimal that reads back as the same double, and Sigma is exactly symmetric.

Usage:
    python3 scripts/make_gauss100_ill.py            # (re)write data/gauss100_ill.json
    python3 scripts/make_gauss100_ill.py --check    # verify the committed file is reproduced
"""
import argparse
import math
import pathlib
import sys

import numpy as np

SEED = 20240607
N = 100
LOG10_MIN, LOG10_MAX = -2.0, 2.0  # eigenvalues (variances) 1e-2 .. 1e2
OUT = pathlib.Path(__file__).resolve().parent.parent / "data" / "gauss100_ill.json"


def build():
    rng = np.random.default_rng(SEED)
    mu = [round(float(x), 2) for x in rng.uniform(-3.0, 3.0, N)]
    assert all(m != 0.0 for m in mu)
    vs = [[float(x) for x in row] for row in rng.standard_normal((N, N))]

    lam = [10.0 ** (LOG10_MIN + (LOG10_MAX - LOG10_MIN) * k / (N - 1)) for k in range(N)]
    assert lam[0] == 0.01 and lam[-1] == 100.0 and lam[-1] / lam[0] == 1e4

    # Q = H_1 H_2 ... H_N, built as Q <- Q H_k = Q - (2 / v.v) (Q v) v^T.
    q = [[1.0 if i == j else 0.0 for j in range(N)] for i in range(N)]
    for v in vs:
        scale = 2.0 / math.fsum(x * x for x in v)
        for row in q:
            w = scale * math.fsum(a * b for a, b in zip(row, v))
            for j in range(N):
                row[j] -= w * v[j]

    sigma = [[0.0] * N for _ in range(N)]
    for i in range(N):
        for j in range(i, N):
            s = math.fsum(q[i][k] * q[j][k] * lam[k] for k in range(N))
            sigma[i][j] = sigma[j][i] = s
    return mu, sigma, q, lam


def render(mu, sigma):
    def nums(xs):
        return ", ".join(repr(x) for x in xs)

    lines = ['{"N": %d,' % N, ' "mu": [%s],' % nums(mu), ' "Sigma": [']
    for i, row in enumerate(sigma):
        lines.append("  [%s]%s" % (nums(row), "," if i + 1 < N else ""))
    lines.append(" ]}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed file")
    args = ap.parse_args()
    mu, sigma, q, lam = build()
    text = render(mu, sigma)

    s = np.array(sigma)
    ev = np.linalg.eigvalsh(s)
    qa = np.array(q)
    print("orthogonality max|Q^T Q - I| = %.2e" % np.abs(qa.T @ qa - np.eye(N)).max())
    print("eigenvalues %.6g .. %.6g, condition number %.10g" % (ev[0], ev[-1], ev[-1] / ev[0]))
    sd = np.sqrt(np.diag(s))
    print("marginal sds %.3f .. %.3f; mu %.2f .. %.2f" % (sd.min(), sd.max(), min(mu), max(mu)))

    if args.check:
        same = OUT.exists() and OUT.read_text() == text
        print("%s: %s" % (OUT, "reproduced exactly" if same else "DIFFERS"))
        return 0 if same else 1
    OUT.write_text(text)
    print("wrote %s (%d bytes)" % (OUT, len(text)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
