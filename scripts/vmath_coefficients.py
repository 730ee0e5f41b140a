#!/usr/bin/env python3
"""Minimax polynomial coefficients for kernels/core/vmath.hpp (run once; results are
pasted into the header, which says so).

Remez exchange (Remez 1934; e.g. Muller, "Elementary Functions", 3rd ed., sec. 3.6) in
mpmath at 60 digits, minimizing the *relative* error of

  exp kernel  q(r) = (e^r - 1 - r) / r^2               on [-0.35, 0.35]
              so that  e^r - 1 = r + r^2 q(r)  and  e^r = 1 + (r + r^2 q(r));
  log kernel  T(z) = (2 atanh(s) - 2 s) / s^3,  z = s^2   on [0, 0.0295]
              so that  log(1+f) = 2 atanh(s),  s = f / (2 + f),  |s| <= 3 - 2 sqrt(2).

The reduced ranges: |r| <= ln2/2 (+ rounding slack) for exp after x = n ln2 + r; and
for log the mantissa m = 1 + f in [sqrt(2)/2, sqrt(2)) gives |s| <= 0.17158, s^2 <= 0.02944.

Usage: python3 scripts/vmath_coefficients.py
"""
import mpmath as mp

mp.mp.dps = 60


def q_exp(r):
    if abs(r) < mp.mpf("1e-20"):
        return mp.mpf(1) / 2 + r / 6
    return (mp.expm1(r) - r) / (r * r)


def t_log(z):
    if z < mp.mpf("1e-30"):
        return mp.mpf(2) / 3 + 2 * z / 5
    s = mp.sqrt(z)
    return (2 * mp.atanh(s) - 2 * s) / (s * z)


def remez(f, a, b, deg, iters=30):
    """Polynomial c_0 + ... + c_deg x^deg minimizing max |(f - p) / f| on [a, b]."""
    n = deg + 2
    xs = [(a + b) / 2 - (b - a) / 2 * mp.cos(mp.pi * i / (n - 1)) for i in range(n)]
    coeffs, err = None, None
    for _ in range(iters):
        # Solve p(x_i) + (-1)^i E f(x_i) = f(x_i).
        A = mp.matrix(n, n)
        rhs = mp.matrix(n, 1)
        for i, x in enumerate(xs):
            fx = f(x)
            for k in range(deg + 1):
                A[i, k] = x**k
            A[i, deg + 1] = (-1) ** i * fx
            rhs[i] = fx
        sol = mp.lu_solve(A, rhs)
        coeffs = [sol[k] for k in range(deg + 1)]

        def e(x):
            return (f(x) - mp.polyval(coeffs[::-1], x)) / f(x)

        # New reference: the extremum of e on each sign-alternating segment of a fine grid.
        grid = [a + (b - a) * i / 4000 for i in range(4001)]
        vals = [e(x) for x in grid]
        segs, cur = [], [0]
        for i in range(1, len(grid)):
            if mp.sign(vals[i]) == mp.sign(vals[cur[0]]) or vals[i] == 0:
                cur.append(i)
            else:
                segs.append(cur)
                cur = [i]
        segs.append(cur)
        ext = [max(s, key=lambda i: abs(vals[i])) for s in segs]
        while len(ext) > n:  # drop the smallest end extremum
            if abs(vals[ext[0]]) < abs(vals[ext[-1]]):
                ext = ext[1:]
            else:
                ext = ext[:-1]
        if len(ext) < n:
            break
        xs = [grid[i] for i in ext]
        err = max(abs(v) for v in vals)
    return coeffs, err


def show(name, f, a, b, deg, as_float):
    coeffs, err = remez(f, mp.mpf(a), mp.mpf(b), deg)
    print(f"// {name}: degree {deg} on [{a}, {b}], max relative error {mp.nstr(err, 3)}"
          f" = 2^{mp.nstr(mp.log(err, 2), 4)}")
    for k, c in enumerate(coeffs):
        if as_float:
            print(f"  {float(mp.nstr(c, 9)):.9e}f,  // c{k}")
        else:
            print(f"  {float(c).hex()},  // c{k} = {mp.nstr(c, 20)}")


if __name__ == "__main__":
    for d in (10,):
        show("double exp q(r)", q_exp, "-0.35", "0.35", d, False)
    for d in (7,):
        show("double log T(z)", t_log, "0", "0.0295", d, False)
    for d in (5,):
        show("float exp q(r)", q_exp, "-0.35", "0.35", d, True)
    for d in (3,):
        show("float log T(z)", t_log, "0", "0.0295", d, True)
