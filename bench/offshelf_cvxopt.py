"""Seven of convexformer's programs solved off the shelf by CVXOPT, against `convexformer fit`.

CVXOPT is Debian's python3-cvxopt (an interior-point solver; `apt-get install python3-cvxopt`,
bench only). Both programs with the squared loss, beta 0.1 beta_max, CVXOPT at its default
tolerances, on a ladder of sizes (its matrices are dense, so only small sizes fit; a size that
would not fit is listed as not run):

- matrix-attention (Ergen Theorem A.1, targets per token): the QP
      min 1/2 ||A (z1 - z2) - y||^2 + beta 1^T (a1 + a2)  s.t. z >= 0, every row of block b sums to a_b,
  z in convexformer's layout (part, j, l, r, k), A dense from X (pred[i, r, l] =
  sum_{j,k} (z1 - z2)[j, l, r, k] X[i, k, j]), P = [A, -A]^T [A, -A] dense (skipped past 2 GB;
  A and [A, -A] are larger still: 1.8 and 3.5 GB at 1000, 12, 8, 4).
- linear-mhsa (Sahiner eq. 6, token-mean outputs) and mixer (per-token outputs): ||Z||_* <= t iff
  there are symmetric W1, W2 with [[W1, Z], [Z^T, W2]] PSD and (tr W1 + tr W2) / 2 <= t, so the
  cone QP (coneqp)
      min 1/2 ||B vec(Z) - y||^2 + beta/2 (tr W1 + tr W2)   s.t.  [[W1, Z], [Z^T, W2]] PSD,
  B dense from X (linear-mhsa: pred[i, m] = sum_{k,l,t} G_i[k, l] xbar_i[t] Z[k d + t, l c + m];
  mixer: pred[i, a, m] = sum_{b,t} X_i[b, t] Z[a s + b, t c + m]); skipped past 20,000 variables.
- gated-mhsa (token-mean outputs) and gated-mixer (per-token outputs), 4 gates: the same with one
  PSD block per gate (sum_g ||Z_g||_*), B from X and the gates U that `fit` drew and wrote to
  weights.npz (gates recomputed here in NumPy: mixer 1{U_g X_i >= 0}, scores 1{X_i U_g X_i^T >= 0});
  targets from the linear teachers above.
- fno and bfno (per-token outputs; bfno with 4 bands): pred[i, a, m] = sum_{b,t} X[i, b, t] Z[(a - b) mod s, t c + m],
  ||Z||_* (fno) or sum_b ||Pi_b Z||_* (bfno: Z shared, one PSD block per band holding Pi_b Z, Pi_b the
  band projection computed here with numpy.fft as core/frequency-bands.ts does); targets from a
  linear mixer teacher.

For each size: `fit --model <program> --beta-frac 0.1 --tol 1e-6` on the same npz (its solve time
from result.json, and the wall time of the whole command), then CVXOPT at that beta; one Markdown
row per size: both times, their ratio, and CVXOPT's objective against convexformer's certified
interval [lower bound, objective].

    npm run build && /usr/bin/python3 bench/offshelf_cvxopt.py matrix-attention|linear-mhsa|mixer|gated-mhsa|gated-mixer|fno|bfno [--solver S] [--sizes K]

`--solver` is passed to `fit` (default: its own, auto); `--sizes K` runs the first K sizes only.
"""
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
P_LIMIT_BYTES = 2 * 2**30
MAX_VARIABLES = 20000


def matrix_data(N, n, d, c, seed=1):
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


def matrix_design(X, c):
    """A (N n c x d c n n): column (j, l, r, k) of z1, row (i, r, l)."""
    N, n, d = X.shape
    A = np.zeros((N, n, c, d, c, n, n))
    for l in range(c):
        for r in range(n):
            A[:, r, l, :, l, r, :] = X.transpose(0, 2, 1)  # X[i, k, j] at [j, k]
    return A.reshape(N * n * c, d * c * n * n)


def matrix_qp(A, y, beta, n, blocks):
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


def mhsa_data(N, s, d, c, seed=1):
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


def mhsa_design(X, c):
    """B (N c x d^2 dc): row (i, m), column Z's (k d + t, l c + m)."""
    N, s, d = X.shape
    G = np.einsum("iak,ial->ikl", X, X)
    xbar = X.mean(axis=1)
    core = np.einsum("ikl,it->iktl", G, xbar)  # (N, k, t, l)
    B = np.zeros((N, c, d, d, d, c))
    for m in range(c):
        B[:, m, :, :, :, m] = core
    return B.reshape(N * c, d * d * d * c)


def nuclear_sdp(B, y, beta, m, q, blocks=1, transforms=None):
    """sum over `blocks` blocks Z_g (m x q each, B's columns block by block) of ||Z_g||_*, one PSD cone per block;
    with `transforms` (m x m each), one Z (B's columns) and the blocks T_g Z instead."""
    from cvxopt import matrix, solvers, spmatrix
    if transforms is not None:
        blocks = len(transforms)
    nz = m * q
    zs = nz if transforms is not None else blocks * nz  # the Z variables, then every block's W1, W2
    tri1 = [(a, b) for b in range(m) for a in range(b, m)]
    tri2 = [(a, b) for b in range(q) for a in range(b, q)]
    per = len(tri1) + len(tri2)  # W1, W2 of one block, after all blocks' Z
    nv = zs + blocks * per
    P = np.zeros((nv, nv))
    P[:zs, :zs] = B.T @ B
    qv = np.zeros(nv)
    qv[:zs] = -B.T @ y
    for g in range(blocks):
        w = zs + g * per
        for e, (a, b) in enumerate(tri1):
            if a == b:
                qv[w + e] = beta / 2
        for e, (a, b) in enumerate(tri2):
            if a == b:
                qv[w + len(tri1) + e] = beta / 2
    # block g's s = [[W1, Z_g], [Z_g^T, W2]] in cvxopt's column-major full storage, the blocks one after another; G x + s = 0
    S = m + q
    rows, cols, vals = [], [], []

    def put(g, r, c_, v, var):
        rows.append(g * S * S + c_ * S + r); cols.append(var); vals.append(v)
        if r != c_:
            rows.append(g * S * S + r * S + c_); cols.append(var); vals.append(v)

    for g in range(blocks):
        w = zs + g * per
        for a in range(m):
            for b in range(q):
                if transforms is None:
                    put(g, m + b, a, -1.0, g * nz + a * q + b)  # Z^T block (lower part): s[m + b, a] = Z_g[a, b]
                else:
                    for r in np.nonzero(np.abs(transforms[g][a]) > 1e-15)[0].tolist():
                        put(g, m + b, a, -float(transforms[g][a, r]), r * q + b)  # (T_g Z)[a, b]
        for e, (a, b) in enumerate(tri1):
            put(g, a, b, -1.0, w + e)
        for e, (a, b) in enumerate(tri2):
            put(g, m + a, m + b, -1.0, w + len(tri1) + e)
    G = spmatrix(vals, rows, cols, (blocks * S * S, nv))
    h = matrix(0.0, (blocks * S * S, 1))
    solvers.options["show_progress"] = False
    t = time.perf_counter()
    sol = solvers.coneqp(matrix(P), matrix(qv), G, h, {"l": 0, "q": [], "s": [S] * blocks})
    seconds = time.perf_counter() - t
    z = np.array(sol["x"]).ravel()[:zs]
    if transforms is None:
        nuclear = sum(np.linalg.svd(z[g * nz:(g + 1) * nz].reshape(m, q), compute_uv=False).sum() for g in range(blocks))
    else:
        nuclear = sum(np.linalg.svd(T @ z.reshape(m, q), compute_uv=False).sum() for T in transforms)
    objective = 0.5 * np.sum((B @ z - y) ** 2) + beta * nuclear
    return seconds, objective, sol["status"], sol["iterations"]


def mixer_data(N, s, d, c, seed=1):
    """X ~ N(0, 1/d); per-token targets from a random 3-branch linear mixer plus N(0, 0.1^2) noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, s, d)) / np.sqrt(d)
    Y = np.zeros((N, s, c))
    for _ in range(3):
        Y += np.einsum("ab,ibt,tm->iam", rng.standard_normal((s, s)) / np.sqrt(s), X, rng.standard_normal((d, c)))
    return X, Y + 0.1 * rng.standard_normal(Y.shape)


def mixer_design(X, c):
    """B (N s c x s^2 dc): row (i, a, m), column Z's (a s + b, t c + m)."""
    N, s, d = X.shape
    B = np.zeros((N, s, c, s, s, d, c))
    for a in range(s):
        for m in range(c):
            B[:, a, m, a, :, :, m] = X
    return B.reshape(N * s * c, s * s * d * c)


def gated_mixer_design(X, c, U):
    """B (N s c x P s^2 dc): row (i, a, m), column (g, a s + b, t c + m): D[i, g, a, t] X[i, b, t]."""
    N, s, d = X.shape
    D = (np.einsum("gab,ibt->igat", U, X) >= 0).astype(float)
    B = np.zeros((N, s, c, len(U), s, s, d, c))
    for a in range(s):
        for m in range(c):
            B[:, a, m, :, a, :, :, m] = np.einsum("igt,ibt->igbt", D[:, :, a, :], X)
    return B.reshape(N * s * c, -1)


def gated_mhsa_design(X, c, U):
    """B (N c x P d^2 dc): row (i, m), column (g, k d + t, l c + m): mean_a X[i, a, t] sum_b D[i, g, a, b] X[i, b, k] X[i, b, l]."""
    N, s, d = X.shape
    D = (np.einsum("iak,gkl,ibl->igab", X, U, X) >= 0).astype(float)
    core = np.einsum("iat,igab,ibk,ibl->igktl", X, D, X, X, optimize=True) / s
    B = np.zeros((N, c, len(U), d, d, d, c))
    for m in range(c):
        B[:, m, :, :, :, :, m] = core
    return B.reshape(N * c, -1)


def nuclear_case(design, gated=False):
    def case(X, Y, beta, N, s, d, c, run):
        mhsa = design in (mhsa_design, gated_mhsa_design)
        m, q = (d * d if mhsa else s * s), d * c
        U = np.load(os.path.join(run, "weights.npz"))["U"] if gated else None
        blocks = len(U) if gated else 1
        nv = blocks * (m * q + m * (m + 1) // 2 + q * (q + 1) // 2)
        z = f"{blocks} x {m} x {q}" if gated else f"{m} x {q}"
        if nv > MAX_VARIABLES:
            return z, f"not run: {nv} variables, P dense {8 * nv * nv / 2**30:.0f} GB"
        B = design(X, c, U) if gated else design(X, c)
        return z, nuclear_sdp(B, Y.ravel(), beta, m, q, blocks)
    return case


def fno_design(X, c):
    """B (N s c x s dc): row (i, a, m), column (r, t c + m): X[i, (a - r) mod s, t]."""
    N, s, d = X.shape
    B = np.zeros((N, s, c, s, d, c))
    for a in range(s):
        for r in range(s):
            for m in range(c):
                B[:, a, m, r, :, m] = X[:, (a - r) % s, :]
    return B.reshape(N * s * c, s * d * c)


def band_projections(s, bands):
    """Pi_b (s x s): rfft bin k in band floor(k bands / (s/2 + 1)), as src/core/frequency-bands.ts."""
    K = s // 2 + 1
    band = (np.arange(K) * bands) // K
    spectra = np.fft.rfft(np.eye(s), axis=0)
    return [np.fft.irfft(spectra * (band == b)[:, None], n=s, axis=0) for b in range(bands)]


def fno_case(bands):
    def case(X, Y, beta, N, s, d, c, run):
        q = d * c
        nv = s * q + bands * (s * (s + 1) // 2 + q * (q + 1) // 2)
        z = f"{s} x {q}"
        if nv > MAX_VARIABLES:
            return z, f"not run: {nv} variables, P dense {8 * nv * nv / 2**30:.0f} GB"
        design_bytes = 8 * N * s * c * s * q
        if design_bytes > P_LIMIT_BYTES:
            return z, f"not run: the design matrix would be {design_bytes / 2**30:.1f} GB dense"
        return z, nuclear_sdp(fno_design(X, c), Y.ravel(), beta, s, q, transforms=band_projections(s, bands) if bands > 1 else None)
    return case


def matrix_case(X, Y, beta, N, n, d, c, run):
    """(unknowns, CVXOPT's (seconds, objective, status, iterations) or why not run)."""
    m = d * c * n * n
    P_bytes = 8 * (2 * m + 2 * d * c) ** 2
    if P_bytes > P_LIMIT_BYTES:
        return 2 * m, f"not run: P would be {P_bytes / 2**30:.0f} GB dense"
    return 2 * m, matrix_qp(matrix_design(X, c), Y.ravel(), beta, n, d * c)


PROGRAMS = {
    "matrix-attention": dict(data=matrix_data, case=matrix_case, solver="qp", z="Z entries",
                             sizes=[(100, 4, 3, 2), (200, 6, 4, 2), (400, 8, 4, 3), (800, 8, 6, 4), (1000, 12, 8, 4), (2000, 16, 16, 10)]),
    "linear-mhsa": dict(data=mhsa_data, case=nuclear_case(mhsa_design), solver="coneqp", z="Z",
                        sizes=[(200, 4, 3, 2), (400, 6, 4, 2), (1000, 8, 6, 3), (2000, 16, 8, 4), (2000, 16, 10, 4), (2000, 16, 16, 10)]),
    "mixer": dict(data=mixer_data, case=nuclear_case(mixer_design), solver="coneqp", z="Z",
                  sizes=[(200, 4, 3, 2), (400, 6, 4, 2), (1000, 8, 4, 3), (1000, 10, 6, 3), (2000, 16, 16, 10)]),
    "gated-mhsa": dict(data=mhsa_data, case=nuclear_case(gated_mhsa_design, gated=True), solver="coneqp", z="Z (gates x block)",
                       sizes=[(200, 4, 2, 2), (400, 6, 3, 2), (1000, 8, 4, 2), (2000, 16, 6, 3), (2000, 16, 16, 10)]),
    "fno": dict(data=mixer_data, case=fno_case(1), solver="coneqp", z="Z",
                sizes=[(200, 4, 2, 2), (400, 8, 3, 2), (1000, 8, 4, 3), (1000, 16, 4, 3), (2000, 16, 6, 4), (2000, 16, 8, 6), (1000, 16, 10, 8), (2000, 16, 16, 10)]),
    "bfno": dict(data=mixer_data, case=fno_case(4), solver="coneqp", z="Z",
                 sizes=[(200, 8, 2, 2), (400, 8, 3, 2), (1000, 16, 3, 2), (1000, 16, 4, 3), (2000, 16, 6, 4), (2000, 16, 8, 6), (1000, 16, 10, 8), (2000, 16, 16, 10)]),
    "gated-mixer": dict(data=mixer_data, case=nuclear_case(gated_mixer_design, gated=True), solver="coneqp", z="Z (gates x block)",
                        sizes=[(200, 3, 3, 2), (400, 4, 3, 2), (1000, 6, 4, 3), (1000, 8, 4, 3), (2000, 16, 16, 10)]),
}


def main():
    args = sys.argv[1:]
    opts = dict(zip(args[1::2], args[2::2]))
    if len(args) % 2 != 1 or args[0] not in PROGRAMS or not set(opts) <= {"--solver", "--sizes"}:
        sys.exit(f"usage: offshelf_cvxopt.py {'|'.join(PROGRAMS)} [--solver S] [--sizes K]")
    name = args[0]
    prog = PROGRAMS[name]
    solver = ["--solver", opts["--solver"]] if "--solver" in opts else []
    sizes = prog["sizes"][:int(opts["--sizes"])] if "--sizes" in opts else prog["sizes"]
    cli = os.path.join(ROOT, "dist", "src", "cli", "main.js")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}, python {platform.python_version()}")
    print(f"convexformer's solver: {opts.get('--solver', 'auto (fit default)')}")
    print(f"| N, s, d, c | {prog['z']} | convexformer: solve s (command s) | CVXOPT {prog['solver']}: s (iterations, status) | CVXOPT / convexformer solve | CVXOPT objective vs certified [lower, upper] |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for N, s, d, c in sizes:
            X, Y = prog["data"](N, s, d, c)
            path = os.path.join(tmp, f"{name}-{N}-{s}-{d}-{c}.npz")
            np.savez(path, X=X, Y=Y)
            out = path[:-4] + "-run"
            t = time.perf_counter()
            subprocess.run(["node", cli, "fit", "--data", path, "--model", name, "--loss", "squared", "--beta-frac", "0.1",
                            "--tol", "1e-6", "--quiet", *solver, "--out", out], check=True, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - t
            r = json.load(open(os.path.join(out, "result.json")))
            ours = f"{r['seconds']:.3f} ({wall:.2f})"
            z, res = prog["case"](X, Y, r["beta"], N, s, d, c, out)
            if isinstance(res, str):
                print(f"| {N}, {s}, {d}, {c} | {z} | {ours} | {res} | | |")
                continue
            secs, obj, status, its = res
            lo, hi = r["lowerBound"], r["objective"]
            where = "inside" if lo <= obj <= hi else f"{(obj - hi) / hi:+.1e} from the upper end" if obj > hi else f"{(obj - lo) / lo:+.1e} BELOW the lower bound"
            print(f"| {N}, {s}, {d}, {c} | {z} | {ours} | {secs:.2f} ({its}, {status}) | {secs / r['seconds']:.2g}x | {obj:.9g}: {where} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
