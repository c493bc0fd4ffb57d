"""Linear multi-head self-attention (Sahiner eq. 6) solved off the shelf, against convexformer.

The same program, token-mean outputs with the squared loss, as the SDP CVXOPT solves (Debian's
python3-cvxopt, `apt-get install python3-cvxopt`, bench only): ||Z||_* <= t iff there are
symmetric W1, W2 with [[W1, Z], [Z^T, W2]] PSD and (tr W1 + tr W2) / 2 <= t, so
    min 1/2 ||B vec(Z) - y||^2 + beta/2 (tr W1 + tr W2)   s.t.  [[W1, Z], [Z^T, W2]] PSD,
a cone QP (coneqp) with B built densely from X (pred[i, m] = sum_{k,l,t} G_i[k, l] xbar_i[t]
Z[k d + t, l c + m], xbar_i the token mean). Only small sizes fit (B and P are dense): a ladder
of sizes, stopping when the variables would pass 20,000. For each size: convexformer
`fit --model linear-mhsa --loss squared --beta-frac 0.1 --tol 1e-6` on the same npz (its solve
time from result.json, and the wall time of the whole command), then CVXOPT at that beta with its
default tolerances; one Markdown row per size: both times, their ratio, and CVXOPT's objective
against convexformer's certified interval [lower bound, objective].

    npm run build && /usr/bin/python3 bench/offshelf_linear_mhsa.py
"""
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

SIZES = [(200, 4, 3, 2), (400, 6, 4, 2), (1000, 8, 6, 3), (2000, 16, 8, 4), (2000, 16, 16, 10)]
MAX_VARIABLES = 20000
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def data(N, s, d, c, seed=1):
    """X ~ N(0, 1/d); targets from a random 3-head linear-attention teacher plus N(0, 0.1^2) noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, s, d)) / np.sqrt(d)
    G = np.einsum("iak,ial->ikl", X, X)
    xbar = X.mean(axis=1)
    Y = np.zeros((N, c))
    for _ in range(3):
        W1, W2 = rng.standard_normal((d, d)) / d, rng.standard_normal((d, c))
        Y += np.einsum("it,tk,ikl,lm->im", xbar, W1, G, W2)
    return X, Y + 0.1 * rng.standard_normal(Y.shape)


def design(X, c):
    """B (N c x d^2 dc): row (i, m), column Z's (k d + t, l c + m)."""
    N, s, d = X.shape
    G = np.einsum("iak,ial->ikl", X, X)
    xbar = X.mean(axis=1)
    core = np.einsum("ikl,it->iktl", G, xbar)  # (N, k, t, l)
    B = np.zeros((N, c, d, d, d, c))
    for m in range(c):
        B[:, m, :, :, :, m] = core
    return B.reshape(N * c, d * d * d * c)


def cvxopt_solve(B, y, beta, m, q):
    from cvxopt import matrix, solvers, spmatrix
    nz = m * q
    tri1 = [(a, b) for b in range(m) for a in range(b, m)]
    tri2 = [(a, b) for b in range(q) for a in range(b, q)]
    nv = nz + len(tri1) + len(tri2)
    P = np.zeros((nv, nv))
    P[:nz, :nz] = B.T @ B
    qv = np.zeros(nv)
    qv[:nz] = -B.T @ y
    for e, (a, b) in enumerate(tri1):
        if a == b:
            qv[nz + e] = beta / 2
    for e, (a, b) in enumerate(tri2):
        if a == b:
            qv[nz + len(tri1) + e] = beta / 2
    # s = [[W1, Z], [Z^T, W2]] in cvxopt's column-major full storage; G x + s = 0
    S = m + q
    rows, cols, vals = [], [], []

    def put(r, c_, v, var):
        rows.append(c_ * S + r); cols.append(var); vals.append(v)
        if r != c_:
            rows.append(r * S + c_); cols.append(var); vals.append(v)

    for a in range(m):
        for b in range(q):
            put(m + b, a, -1.0, a * q + b)  # Z^T block (lower part): s[m + b, a] = Z[a, b]
    for e, (a, b) in enumerate(tri1):
        put(a, b, -1.0, nz + e)
    for e, (a, b) in enumerate(tri2):
        put(m + a, m + b, -1.0, nz + len(tri1) + e)
    G = spmatrix(vals, rows, cols, (S * S, nv))
    h = matrix(0.0, (S * S, 1))
    solvers.options["show_progress"] = False
    t = time.perf_counter()
    sol = solvers.coneqp(matrix(P), matrix(qv), G, h, {"l": 0, "q": [], "s": [S]})
    seconds = time.perf_counter() - t
    z = np.array(sol["x"]).ravel()[:nz]
    nuclear = np.linalg.svd(z.reshape(m, q), compute_uv=False).sum()
    objective = 0.5 * np.sum((B @ z - y) ** 2) + beta * nuclear
    return seconds, objective, sol["status"], sol["iterations"], nv


def main():
    cli = os.path.join(ROOT, "dist", "src", "cli", "main.js")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}, python {platform.python_version()}")
    print("| N, s, d, c | Z | convexformer: solve s (command s) | CVXOPT coneqp: s (iterations, status) | CVXOPT / convexformer solve | CVXOPT objective vs certified [lower, upper] |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for N, s, d, c in SIZES:
            X, Y = data(N, s, d, c)
            path = os.path.join(tmp, f"mhsa-{N}-{d}.npz")
            np.savez(path, X=X, Y=Y)
            out = os.path.join(tmp, f"run-{N}-{d}")
            t = time.perf_counter()
            subprocess.run(["node", cli, "fit", "--data", path, "--model", "linear-mhsa", "--loss", "squared", "--beta-frac", "0.1",
                            "--tol", "1e-6", "--quiet", "--out", out], check=True, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - t
            r = json.load(open(os.path.join(out, "result.json")))
            m, q = d * d, d * c
            nv = m * q + m * (m + 1) // 2 + q * (q + 1) // 2
            ours = f"{r['seconds']:.3f} ({wall:.2f})"
            if nv > MAX_VARIABLES:
                print(f"| {N}, {s}, {d}, {c} | {m} x {q} | {ours} | not run: {nv} variables, P dense {8 * nv * nv / 2**30:.0f} GB | | |")
                continue
            secs, obj, status, its, _ = cvxopt_solve(design(X, c), Y.ravel(), r["beta"], m, q)
            lo, hi = r["lowerBound"], r["objective"]
            where = "inside" if lo <= obj <= hi else f"{(obj - hi) / hi:+.1e} from the upper end" if obj > hi else f"{(obj - lo) / lo:+.1e} BELOW the lower bound"
            print(f"| {N}, {s}, {d}, {c} | {m} x {q} | {ours} | {secs:.2f} ({its}, {status}) | {secs / r['seconds']:.2g}x | {obj:.9g}: {where} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
