"""NumPy FISTA baseline for bench/solve.ts: the same algorithm as src/convex/solvers/fista.ts
(power-iteration start, 10% longer step tried each iteration, backtracking on an exact Bregman
test, function-value restart, stop on the relative duality gap), written the way a researcher
would write it in NumPy. Debian's python3-numpy, which calls the same OpenBLAS.

    /usr/bin/python3 bench/numpy_fista.py DATA.npz MODEL LOSS TOL [SECONDS]
prints one JSON line: seconds, iterations, primal, dual, relGap. With SECONDS it also stops after
that much time (the relative gap then says how far it got).
"""
import json
import sys
import time

import numpy as np


def main():
    path, model, loss, tol = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    limit = float(sys.argv[5]) if len(sys.argv) > 5 else float("inf")
    z = np.load(path)
    X = z["X"]
    N, n, d = X.shape
    Xf = np.ascontiguousarray(X.reshape(N, n * d))
    beta = float(z["beta"])
    if loss == "squared":
        Y = z["Y"]
        c = Y.shape[1]
    else:
        y = z["y"].astype(np.int64)
        c = int(y.max()) + 1
        onehot = np.zeros((N, c))
        onehot[np.arange(N), y] = 1.0
    if model == "gated":
        U1, U2 = z["U1"], z["U2"]
        h = U1.shape[0]
        D = (np.einsum("jk,ikm,jm->ij", U1, X, U2) >= 0).astype(np.float64)  # (N, h)
    else:
        h = 1
    p = n * d

    t0 = time.perf_counter()

    def A(w):  # w: (h*c, p) -> (N, c)
        T = Xf @ w.T
        if model == "gated":
            return (T.reshape(N, h, c) * D[:, :, None]).sum(axis=1)
        return T

    def At(r):  # r: (N, c) -> (h*c, p)
        if model == "gated":
            M = (D[:, :, None] * r[:, None, :]).reshape(N, h * c)
            return M.T @ Xf
        return r.T @ Xf

    if loss == "squared":
        def f(P):
            return 0.5 * np.sum((P - Y) ** 2)

        def grad(P):
            return P - Y

        def conj(U):
            return np.sum(U * (0.5 * U + Y))

        def bregman(P, Q):
            return 0.5 * np.sum((P - Q) ** 2)

        lip = 1.0
    else:
        def lse(P):
            m = P.max(axis=1, keepdims=True)
            return (m + np.log(np.exp(P - m).sum(axis=1, keepdims=True)))[:, 0]

        def f(P):
            return np.sum(lse(P) - P[np.arange(N), y])

        def grad(P):
            return np.exp(P - lse(P)[:, None]) - onehot

        def conj(U):
            q = np.clip(U + onehot, 0, None)
            return np.sum(np.where(q > 0, q * np.log(np.where(q > 0, q, 1)), 0))

        def bregman(P, Q):
            s = np.exp(Q - lse(Q)[:, None])
            dl = P - Q
            a = np.sum(s * dl, axis=1)
            b = np.sum(s * (np.expm1(dl) - dl), axis=1)
            x = a + b
            small = np.abs(x) < 1e-3
            x2 = x * x
            series = -x2 / 2 + x2 * x / 3 - x2 * x2 / 4 + x2 * x2 * x / 5
            return max(0.0, float(np.sum(b + np.where(small, series, np.log1p(x) - x))))

        lip = 0.5

    def group_norms(w):
        return np.sqrt((w.reshape(-1, d) ** 2).sum(axis=1))

    def prox(v, t):
        g = v.reshape(-1, d)
        nrm = np.sqrt((g ** 2).sum(axis=1, keepdims=True))
        scale = np.where(nrm > t, 1 - t / np.where(nrm > 0, nrm, 1), 0)
        return (g * scale).reshape(v.shape)

    rng = np.random.default_rng(12345)
    v = rng.standard_normal((h * c, p))
    sigma2 = 0.0
    for _ in range(8):
        v /= np.linalg.norm(v)
        g = At(A(v))
        nxt = np.linalg.norm(g)
        done = abs(nxt - sigma2) <= 1e-2 * nxt
        sigma2 = nxt
        v = g
        if done:
            break
    L = max(1.02 * lip * sigma2, 1e-12)
    Lmin = 1e-6 * L

    x = np.zeros((h * c, p))
    xprev = x.copy()
    Ax = A(x)
    Axprev = Ax.copy()
    t, mom = 1.0, 0.0
    best_p = f(Ax) + beta * group_norms(x).sum()
    prev_p = best_p
    best_d = -np.inf
    it = 0
    while it < 100000:
        it += 1
        yv = x + mom * (x - xprev)
        Ay = (1 + mom) * Ax - mom * Axprev
        G = grad(Ay)
        g = At(G)
        scale = max(1.0, group_norms(g).max() / beta)
        best_d = max(best_d, -conj(G / scale))
        L = max(L * 0.9, Lmin)
        while True:
            xn = prox(yv - g / L, beta / L)
            Axn = A(xn)
            if bregman(Axn, Ay) <= 0.5 * L * np.sum((xn - yv) ** 2):
                break
            L *= 2
        primal = f(Axn) + beta * group_norms(xn).sum()
        best_p = min(best_p, primal)
        xprev, x = x, xn
        Axprev, Ax = Ax, Axn
        if primal > prev_p:
            t, mom = 1.0, 0.0
        else:
            tn = (1 + np.sqrt(1 + 4 * t * t)) / 2
            mom = (t - 1) / tn
            t = tn
        prev_p = primal
        if (best_p - best_d) / abs(best_p) <= tol or time.perf_counter() - t0 >= limit:
            break
    secs = time.perf_counter() - t0
    print(json.dumps({"seconds": secs, "iterations": it, "primal": best_p, "dual": best_d,
                      "relGap": (best_p - best_d) / abs(best_p)}))


if __name__ == "__main__":
    main()
