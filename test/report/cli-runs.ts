// Run directories for the report tests: the CLI run as a user runs it, on a small teacher data set.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { teacherDataset } from '../../src/data/teacher';
import { encodeNpz } from '../../src/data/npz';
import { cli } from '../helpers';

export const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'cf-report-'));

export interface CliOutcome { status: number | null; stdout: string; stderr: string }

export function cliRun(args: string[], env: NodeJS.ProcessEnv = process.env): CliOutcome {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI and asserts its exit code. */
export function cliOk(args: string[], status = 0): CliOutcome {
  const r = cliRun(args);
  assert.equal(r.status, status, `convexformer ${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** 300 training and 100 test sequences whose teacher attends to tokens 1 and 4. */
export function teacherNpz(dir: string): string {
  const t = teacherDataset({ N: 300, testN: 100, n: 6, d: 8, c: 2, tokens: [1, 4], focus: 4, gamma: 0.5, noise: 0.05, seed: 3 });
  const D = t.data;
  const file = path.join(dir, 'teacher.npz');
  fs.writeFileSync(file, encodeNpz({
    X: { data: D.train.X, shape: [300, 6, 8] }, Y: { data: D.trainTargets.Y!, shape: [300, 2] },
    X_test: { data: D.test!.X, shape: [100, 6, 8] }, Y_test: { data: D.testTargets!.Y!, shape: [100, 2] },
    attention_map: { data: t.map, shape: [6] },
  }));
  return file;
}

/** The same teacher's sequences with labels y (the larger of its two outputs): cross-entropy. */
export function labelsNpz(dir: string): string {
  const t = teacherDataset({ N: 300, testN: 100, n: 6, d: 8, c: 2, tokens: [1, 4], focus: 4, gamma: 0.5, noise: 0.05, seed: 3 });
  const D = t.data;
  const labels = (Y: Float64Array, N: number) => Float64Array.from({ length: N }, (_, i) => (Y[2 * i] > Y[2 * i + 1] ? 0 : 1));
  const file = path.join(dir, 'labels.npz');
  fs.writeFileSync(file, encodeNpz({
    X: { data: D.train.X, shape: [300, 6, 8] }, y: { data: labels(D.trainTargets.Y!, 300), shape: [300] },
    X_test: { data: D.test!.X, shape: [100, 6, 8] }, y_test: { data: labels(D.testTargets!.Y!, 100), shape: [100] },
  }));
  return file;
}

/** The visible text of the page's run sections (not its introduction), roughly: tags removed, entities decoded. */
export function sectionsText(html: string): string {
  const body = html.slice(html.indexOf('<section'), html.indexOf('<script>'));
  return body.replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&ge;/g, '>=').replace(/&amp;/g, '&');
}

export const writeJson = (file: string, v: unknown): void => fs.writeFileSync(file, JSON.stringify(v, null, 2) + '\n');

/** A path-shaped run directory: three betas, every solve certified. */
export function pathRun(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const row = (betaFrac: number, heads: number, relGap: number) => ({
    betaFrac, beta: 10 * betaFrac, objective: 5 + betaFrac, lowerBound: 5, relGap, converged: true, iterations: 20, seconds: 0.1, heads,
    training: { loss: 1, accuracy: 0.5 }, test: null,
  });
  writeJson(path.join(dir, 'path.json'), [row(1, 0, 1e-9), row(0.3, 2, 1e-8), row(0.1, 5, 5e-7)]);
  writeJson(path.join(dir, 'config.json'), { kind: 'path', dataFile: '/data/p.npz', dataHash: 'cd'.repeat(32), config: { tol: 1e-6, loss: 'squared' } });
  return dir;
}

/** A small fit-shaped run directory: 3 metrics lines, converged. */
export function fitRun(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  writeJson(path.join(dir, 'config.json'), { kind: 'fit', model: 'attention', loss: 'squared', tol: 1e-6 });
  writeJson(path.join(dir, 'result.json'), { model: 'attention', loss: 'squared', objective: 2, lowerBound: 2, relGap: 1e-7, tol: 1e-6, converged: true, heads: 1, n: 3, headList: [] });
  const lines = [1, 2, 3].map((i) => JSON.stringify({ iteration: i, seconds: 0.1 * i, primal: 10 / i, dual: 2 - 1 / i, relGap: 1 / (i * i) }));
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
  return dir;
}

/** A compare-shaped run over n tokens; softmax dips below the bound once (it is not bounded by it). */
export function compareRun(dir: string, n: number): string {
  fs.mkdirSync(dir, { recursive: true });
  const peak = (a: number, b: number) => Array.from({ length: n }, (_, k) => (k === a || k === b ? 0.45 : 0.1 / (n - 2)));
  writeJson(path.join(dir, 'result.json'), {
    beta: 2, betaMax: 20,
    final: { convex: { objective: 10.001, testLoss: 0.3, seconds: 0.1, iterations: 30 }, softmax: { objective: 12, testLoss: 0.5, seconds: 1, iterations: 50 }, simplex: { objective: 11, testLoss: 0.4, seconds: 0.5, iterations: 50 } },
    certificate: { objective: 10.001, lowerBound: 10, relGap: 1e-4, tol: 1e-3, converged: true, heads: 2 },
    models: { softmax: { heads: 4, readoutToken: 0, positional: false }, simplex: { heads: 2, readoutToken: null, positional: true } },
    warnings: [],
    maps: { softmax: Array.from({ length: n }, () => 1 / n), convex: peak(3, n - 2), teacher: peak(3, n - 2), simplex: peak(3, n - 3) },
  });
  writeJson(path.join(dir, 'config.json'), { kind: 'compare', dataFile: '/data/t.npz', dataHash: 'ab'.repeat(32), config: { tol: 1e-3 } });
  const lines: object[] = [];
  for (let i = 0; i <= 30; i++) lines.push({ model: 'convex', iteration: i, seconds: 0.003 * i, objective: 10 + 0.001 + 5 * 0.7 ** i, testLoss: 0.3 + 0.7 ** i });
  for (const [model, end, dt] of [['softmax', 2, 0.02], ['simplex', 1, 0.01]] as const) {
    for (let i = 0; i <= 50; i++) lines.push({ model, iteration: i, seconds: dt * i, objective: model === 'softmax' && i === 25 ? 9.5 : 10 + end + 20 * 0.9 ** i, testLoss: 0.4 + 0.9 ** i });
  }
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return dir;
}
