// The fixed gates of the gated-ReLU Sahiner programs (docs/sahiner-gated.md): a ReLU max(0, q) is
// q times the 0/1 pattern 1{q >= 0}; a gated ReLU fixes that pattern by a random preactivation
// instead of the learnt one, which makes the layer linear in its weights (Ergen's eq. 12 does the
// same with one scalar per sample).
//   mixer gates   D[i, g, a, t] = 1{ (U_g X_i)[a, t] >= 0 },        U (P, s, s): a random token mixing;
//   score gates   D[i, g, a, b] = 1{ X_i[a, :] U_g X_i[b, :]^T >= 0 }, U (P, d, d): a random attention score.
// Summed in plain loops in a fixed order (no BLAS) so that a gate never flips between machines
// whose BLAS kernels round differently: a flipped gate is a different program.

/** The gates of N samples X computed once (mixerGates or scoreGates), for a model to reuse on that same X. */
export interface KnownGates { X: Float64Array; N: number; D: Uint8Array }

/** (N, P, s, d): which entries of the token-mixed X_i pass, per gate. */
export function mixerGates(X: ArrayLike<number>, N: number, s: number, d: number, U: Float64Array, P: number): Uint8Array {
  if (U.length !== P * s * s) throw new Error(`mixerGates: U has ${U.length} entries, expected ${P}x${s}x${s}`);
  const D = new Uint8Array(N * P * s * d), row = new Float64Array(d);
  for (let i = 0; i < N; i++) {
    const x0 = i * s * d;
    for (let g = 0; g < P; g++) {
      for (let a = 0; a < s; a++) {
        row.fill(0);
        for (let b = 0; b < s; b++) {
          const u = U[(g * s + a) * s + b];
          for (let t = 0; t < d; t++) row[t] += u * X[x0 + b * d + t];
        }
        const o = ((i * P + g) * s + a) * d;
        for (let t = 0; t < d; t++) D[o + t] = row[t] >= 0 ? 1 : 0;
      }
    }
  }
  return D;
}

/** (N, P, s, s): which attention scores pass, per gate (query token a, key token b). */
export function scoreGates(X: ArrayLike<number>, N: number, s: number, d: number, U: Float64Array, P: number): Uint8Array {
  if (U.length !== P * d * d) throw new Error(`scoreGates: U has ${U.length} entries, expected ${P}x${d}x${d}`);
  const D = new Uint8Array(N * P * s * s), q = new Float64Array(d);
  for (let i = 0; i < N; i++) {
    const x0 = i * s * d;
    for (let g = 0; g < P; g++) {
      for (let a = 0; a < s; a++) {
        // q = X_i[a, :] U_g, then its product with every key token
        q.fill(0);
        for (let k = 0; k < d; k++) {
          const x = X[x0 + a * d + k];
          for (let l = 0; l < d; l++) q[l] += x * U[(g * d + k) * d + l];
        }
        const o = ((i * P + g) * s + a) * s;
        for (let b = 0; b < s; b++) {
          let v = 0;
          for (let l = 0; l < d; l++) v += q[l] * X[x0 + b * d + l];
          D[o + b] = v >= 0 ? 1 : 0;
        }
      }
    }
  }
  return D;
}
