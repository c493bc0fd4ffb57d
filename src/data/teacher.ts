// Student-teacher data: a softmax attention layer whose attention from the query token
// concentrates on a few tokens. Tokens carry a fixed position embedding P (as in BERT), so a
// softmax student can learn where to look: x_iu = g_iu + P_u with g_iu ~ N(0, I). Scores are a positional bias (large on the chosen tokens) plus a
// content term, logits_iu = b_u + gamma (x_i0 W_q) . (x_iu W_k) / sqrt(d); the targets are
// y_i = sum_u att_iu x_iu W_vo + noise. The true map is att averaged over samples.
import { Rng } from '../core/rng';
import { softmaxRow } from '../losses/softmax';
import type { Dataset } from './dataset';

export interface TeacherOptions {
  N: number; testN: number; n: number; d: number; c: number;
  /** tokens the teacher attends to */
  tokens: number[];
  /** positional bias on those tokens (the rest get 0) */
  focus: number;
  /** weight of the content-dependent score */
  gamma: number;
  noise: number;
  seed: number;
}

export interface Teacher {
  data: Dataset;
  /** the teacher's attention from the query token, averaged over training samples (n,) */
  map: Float64Array;
}

export function teacherDataset(o: TeacherOptions): Teacher {
  const { n, d, c } = o;
  const rng = new Rng(o.seed);
  const Wq = rng.normals(d * d, 1 / Math.sqrt(d));
  const Wk = rng.normals(d * d, 1 / Math.sqrt(d));
  const Wvo = rng.normals(d * c, 1 / Math.sqrt(d));
  const P = rng.normals(n * d);
  const bias = new Float64Array(n);
  for (const t of o.tokens) bias[t] = o.focus;
  const map = new Float64Array(n);

  function split(N: number, accumulate: boolean) {
    const X = rng.normals(N * n * d);
    for (let i = 0; i < N; i++) for (let t = 0; t < n * d; t++) X[i * n * d + t] += P[t];
    const Y = new Float64Array(N * c);
    const q = new Float64Array(d), k = new Float64Array(d), att = new Float64Array(n), z = new Float64Array(d);
    for (let i = 0; i < N; i++) {
      const x0 = i * n * d;
      // the content score reads g = x - P; the position preference is the bias alone
      for (let a = 0; a < d; a++) { q[a] = 0; for (let b = 0; b < d; b++) q[a] += (X[x0 + b] - P[b]) * Wq[b * d + a]; }
      for (let u = 0; u < n; u++) {
        let s = 0;
        for (let a = 0; a < d; a++) {
          k[a] = 0;
          for (let b = 0; b < d; b++) k[a] += (X[x0 + u * d + b] - P[u * d + b]) * Wk[b * d + a];
          s += q[a] * k[a];
        }
        att[u] = bias[u] + (o.gamma * s) / Math.sqrt(d);
      }
      softmaxRow(att, att, 0, n);
      z.fill(0);
      for (let u = 0; u < n; u++) {
        if (accumulate) map[u] += att[u] / N;
        for (let b = 0; b < d; b++) z[b] += att[u] * X[x0 + u * d + b];
      }
      for (let l = 0; l < c; l++) {
        let v = 0;
        for (let b = 0; b < d; b++) v += z[b] * Wvo[b * c + l];
        Y[i * c + l] = v + o.noise * rng.normal();
      }
    }
    return { tokens: { X, N, n, d }, targets: { Y, c } };
  }

  const train = split(o.N, true);
  const test = split(o.testN, false);
  return { data: { train: train.tokens, trainTargets: train.targets, test: test.tokens, testTargets: test.targets }, map };
}
