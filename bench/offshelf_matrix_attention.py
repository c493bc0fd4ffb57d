"""Matrix-target simplex attention (Ergen Theorem A.1) solved off the shelf, against convexformer.

The same program, squared loss per token, as a QP for CVXOPT (Debian's python3-cvxopt, an
interior-point solver; `apt-get install python3-cvxopt`, bench only):
    min 1/2 ||A (z1 - z2) - y||^2 + beta 1^T (a1 + a2)
    s.t. z >= 0, every row of block b of z sums to a_b,
z in convexformer's layout (part, j, l, r, k), A built densely from X (pred[i, r, l] =
sum_{j,k} (z1 - z2)[j, l, r, k] X[i, k, j]). CVXOPT's qp takes P = [A, -A]^T [A, -A] densely, so
only small sizes fit: the script runs a ladder of sizes and stops when P would exceed 2 GB.
For each size: convexformer `fit --model matrix-attention --beta-frac 0.1 --tol 1e-6` on the same
npz (its solve time from result.json, and the wall time of the whole command), then CVXOPT at that
beta with its default tolerances; prints one Markdown row per size: both times, their ratio, and
CVXOPT's objective against convexformer's certified interval [lower bound, objective].

    npm run build && /usr/bin/python3 bench/offshelf_matrix_attention.py
"""
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

SIZES = [(100, 4, 3, 2), (200, 6, 4, 2), (400, 8, 4, 3), (800, 8, 6, 4), (1000, 12, 8, 4), (2000, 16, 16, 10)]
P_LIMIT_BYTES = 2 * 2**30
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def data(N, n, d, c, seed=1):
    """X ~ N(0, 1/d), targets from 4 random softmax-attention heads plus N(0, 0.1^2) noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, n, d)) / np.sqrt(d)
    Y = np.zeros((N, n, c))
    for _ in range(4):
        U = 3 * rng.standard_normal((n, n))
        P = np.exp(U - U.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        Y += np.einsum("rk,ikj,jl->irl", P, X, rng.standard_normal((d, c)))
    return X, Y + 0.1 * rng.standard_normal(Y.shape)


def design(X, c):
    """A (N n c x d c n n): column (j, l, r, k) of z1, row (i, r, l)."""
    N, n, d = X.shape
    A = np.zeros((N, n, c, d, c, n, n))
    for l in range(c):
        for r in range(n):
            A[:, r, l, :, l, r, :] = X.transpose(0, 2, 1)  # X[i, k, j] at [j, k]
    return A.reshape(N * n * c, d * c * n * n)


def cvxopt_solve(A, y, beta, n, blocks):
    from cvxopt import matrix, solvers, spmatrix
    m = A.shape[1]
    Ap = np.hstack([A, -A])
    nz, na = 2 * m, 2 * blocks
    P = np.zeros((nz + na, nz + na))
    P[:nz, :nz] = Ap.T @ Ap
    q = np.concatenate([-Ap.T @ y, beta * np.ones(na)])
    # z >= 0 (the scales a are then >= 0 through the equalities)
    G = spmatrix(-1.0, range(nz), range(nz), (nz, nz + na))
    h = matrix(0.0, (nz, 1))
    # every row of block b sums to a_b: blocks * n equalities
    rows, cols, vals = [], [], []
    for b in range(na):
        for r in range(n):
            e = b * n + r
            for k in range(n):
                rows.append(e); cols.append(b * n * n + r * n + k); vals.append(1.0)
            rows.append(e); cols.append(nz + b); vals.append(-1.0)
    Aeq = spmatrix(vals, rows, cols, (na * n, nz + na))
    beq = matrix(0.0, (na * n, 1))
    solvers.options["show_progress"] = False
    t = time.perf_counter()
    sol = solvers.qp(matrix(P), matrix(q), G, h, Aeq, beq)
    seconds = time.perf_counter() - t
    x = np.array(sol["x"]).ravel()
    z = x[:nz]
    objective = 0.5 * np.sum((Ap @ z - y) ** 2) + beta * np.sum(x[nz:])
    return seconds, objective, sol["status"], sol["iterations"]


def main():
    cli = os.path.join(ROOT, "dist", "src", "cli", "main.js")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}, python {platform.python_version()}")
    print("| N, s, d, c | Z entries | convexformer: solve s (command s) | CVXOPT qp: s (iterations, status) | CVXOPT / convexformer solve | CVXOPT objective vs certified [lower, upper] |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for N, n, d, c in SIZES:
            X, Y = data(N, n, d, c)
            path = os.path.join(tmp, f"ma-{N}.npz")
            np.savez(path, X=X, Y=Y)
            out = os.path.join(tmp, f"run-{N}")
            t = time.perf_counter()
            subprocess.run(["node", cli, "fit", "--data", path, "--model", "matrix-attention", "--beta-frac", "0.1",
                            "--tol", "1e-6", "--quiet", "--out", out], check=True, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - t
            r = json.load(open(os.path.join(out, "result.json")))
            m = d * c * n * n
            P_bytes = 8 * (2 * m + 2 * d * c) ** 2
            ours = f"{r['seconds']:.3f} ({wall:.2f})"
            if P_bytes > P_LIMIT_BYTES:
                print(f"| {N}, {n}, {d}, {c} | {2 * m} | {ours} | not run: P would be {P_bytes / 2**30:.0f} GB dense | | |")
                continue
            A = design(X, c)
            secs, obj, status, its = cvxopt_solve(A, Y.ravel(), r["beta"], n, d * c)
            lo, hi = r["lowerBound"], r["objective"]
            where = "inside" if lo <= obj <= hi else f"{(obj - hi) / hi:+.1e} from the upper end" if obj > hi else f"{(obj - lo) / lo:+.1e} BELOW the lower bound"
            print(f"| {N}, {n}, {d}, {c} | {2 * m} | {ours} | {secs:.2f} ({its}, {status}) | {secs / r['seconds']:.2g}x | {obj:.9g}: {where} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
