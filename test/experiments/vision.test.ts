// The vision experiment (src/experiments/vision.ts) on a small generated IDX directory: the heads
// as images against a hand-computed case, one run end to end (certified convex rows whose
// recovered heads give the convex optimum, the path, the baselines, weights.npz, the report's
// table, path and images), a run stopped after a phase and resumed, and one-line refusals.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Rng } from '../../src/core/rng';
import { readNpz } from '../../src/data/npz';
import { headImages } from '../../src/experiments/vision-heads';
import { visionToDir, type ConvexRow, type VisionConfig } from '../../src/experiments/vision';
import { cli } from '../helpers';
import { writeIdxDir } from '../data/idx-files';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-vision-exp-'));

test('headImages: each head\'s value vector, through the projection and divided by the pixel\'s std, lands on its patch', () => {
  // 4 x 4 images, 2 x 2 patches: 4 tokens of 4 pixels, projected to d = 2; c = 2 classes
  const P = Float64Array.from([1, 0, 0, 1, 1, 1, 2, -1]); // (4, 2)
  const std = Float64Array.from([1, 2, 4, 0.5]);
  const Z = new Float64Array(2 * 4 * 2);
  Z.set([3, -1], (0 * 4 + 1) * 2); // class 0 reads token 1 (top right)
  Z.set([0.5, 2], (1 * 4 + 2) * 2); // class 1 reads token 2 (bottom left)
  const h = headImages(Z, 2, { rows: 4, cols: 4, patch: 2, n: 4, d: 2, std, projection: P });
  // class 0, token 1: P z = [3, -1, 2, 7], / std = [3, -0.5, 0.5, 14], at rows 0-1, columns 2-3
  assert.deepEqual(h.templates[0], [0, 0, 3, -0.5, 0, 0, 0.5, 14, 0, 0, 0, 0, 0, 0, 0, 0]);
  // class 1, token 2: P z = [0.5, 2, 2.5, -1], / std = [0.5, 1, 0.625, -2], at rows 2-3, columns 0-1
  assert.deepEqual(h.templates[1], [0, 0, 0, 0, 0, 0, 0, 0, 0.5, 1, 0, 0, 0.625, -2, 0, 0]);
  assert.deepEqual(h.patchNorms, [[0, Math.sqrt(10), 0, 0], [0, 0, Math.sqrt(4.25), 0]]);
  // without a projection the value vector is the patch's weights
  const id = headImages(Float64Array.from([1, 2, 3, 4]), 1, { rows: 2, cols: 2, patch: 2, n: 1, d: 4, std: Float64Array.from([1, 1, 2, 2]), projection: null });
  assert.deepEqual(id.templates, [[1, 2, 1.5, 2]]);
});

// 8 x 8 images, 4 x 4 patches (4 tokens of 16 pixels), 3 classes: class l lights patch l, plus noise
const idx = path.join(tmp, 'idx');
const rng = new Rng(11);
function images(N: number, labels: number[]): Uint8Array {
  const out = new Uint8Array(N * 64);
  for (let i = 0; i < N; i++) {
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        const patch = Math.floor(r / 4) * 2 + Math.floor(c / 4);
        out[i * 64 + r * 8 + c] = Math.min(255, Math.floor(rng.uniform() * 120 + (patch === labels[i] ? 120 : 0)));
      }
    }
  }
  return out;
}
const ytr = Array.from({ length: 90 }, (_, i) => i % 3), yte = Array.from({ length: 30 }, (_, i) => (i * 2) % 3);
writeIdxDir(idx, 'train', images(90, ytr), 90, 8, 8, ytr);
writeIdxDir(idx, 't10k', images(30, yte), 30, 8, 8, yte);
const base: Partial<VisionConfig> = {
  idxDir: idx, patch: 4, path: [0.5, 0.1], models: ['convex', 'gated', 'linear', 'mlp', 'softmax', 'simplex'], gates: 2, tol: 1e-8,
  baselineSeconds: 0.3, hidden: 8, simplexHeads: 3, batch: 16,
};

test('vision end to end: certified convex rows, the path, every baseline, weights.npz and the report', () => {
  const out = path.join(tmp, 'run');
  const r = visionToDir(base, out, {});
  assert.deepEqual(r.rows.map((x) => x.model), base.models);
  for (const row of r.rows.slice(0, 2) as ConvexRow[]) {
    assert.ok(row.converged && row.relGap <= 1e-8, `${row.model}: ${row.relGap}`);
    assert.ok(row.recoveryRelError <= 1e-9, `${row.model}: the recovered heads' non-convex objective is off by ${row.recoveryRelError}`);
    // chance is 1/3; beta = 0.1 beta_max holds the heads back from a perfect fit
    assert.ok(row.testAccuracy > 0.75, `${row.model} test accuracy ${row.testAccuracy} on a task one patch decides`);
  }
  for (const row of r.rows.slice(2)) assert.ok('steps' in row && row.steps >= 1, `${row.model} trained for no step`);
  // a linear classifier learns which patch is bright in 0.3 s (chance: 1/3)
  assert.ok(r.rows[2].testAccuracy > 0.6, `linear test accuracy ${r.rows[2].testAccuracy}`);
  assert.equal(r.baselineSeconds, 0.3);
  assert.equal(r.baselineBeta, 0); // by default no penalty: trained as baselines usually are
  assert.equal(r.data.classNames, null); // a directory not named for Fashion-MNIST: classes by number
  assert.deepEqual(r.path.map((p) => p.betaFrac), [0.5, 0.1]);
  assert.ok(r.path.every((p) => p.converged) && r.path[1].heads >= r.path[0].heads);
  // the path's point at the table's beta is the table's solve, not a second one
  const table = r.rows[0] as ConvexRow;
  assert.deepEqual([r.path[1].iterations, r.path[1].seconds, r.path[1].testAccuracy], [table.iterations, table.seconds, table.testAccuracy]);
  // the images: one 8 x 8 template per class, and the heads it shows are the convex row's
  assert.equal(r.heads!.templates.length, 3);
  assert.ok(r.heads!.templates.every((t) => t.length === 64));
  assert.equal(r.heads!.patchNorms.flat().filter((v) => v > 0).length, (r.rows[0] as ConvexRow).heads);
  const w = readNpz(path.join(out, 'weights.npz'));
  assert.equal(w.W1.shape[0], (r.rows[0] as ConvexRow).heads);
  const lines = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual([...new Set(lines.map((l) => l.phase))], ['convex', 'path 0.5', 'gated']);

  const html = path.join(tmp, 'report.html');
  const rep = spawnSync(process.execPath, [cli, 'report', out, '--out', html], { encoding: 'utf8' });
  assert.equal(rep.status, 0, rep.stderr);
  const page = fs.readFileSync(html, 'utf8');
  for (const s of ['<h3>Models</h3>', 'accuracy against heads', 'The convex heads as images', 'class 2:', 'certified at rel. gap']) assert.ok(page.includes(s), s);
  assert.equal((page.match(/<figure class="head-image">/g) ?? []).length, 3);
});

test('vision: a run stopped after a phase resumes from its checkpoint and ends as an uninterrupted run does', () => {
  // stopped before the path's second point, which starts from the first's solution (kept in the checkpoint)
  const cfg = { ...base, models: ['convex', 'gated'] as VisionConfig['models'], path: [0.5, 0.2] };
  const whole = visionToDir(cfg, path.join(tmp, 'whole'), {});
  const out = path.join(tmp, 'stopped');
  assert.throws(() => visionToDir(cfg, out, { onPhase: (l) => { if (l.includes('at 0.2 beta_max')) throw new Error('stopped'); } }), /stopped/);
  assert.ok(fs.existsSync(`${out}.partial/checkpoint.json`) && !fs.existsSync(out));
  const phases: string[] = [];
  const resumed = visionToDir(cfg, out, { resume: true, onPhase: (l) => phases.push(l) });
  assert.deepEqual(phases.slice(1), ['path: convex heads at 0.2 beta_max', 'gated convex heads (eq. 12, 2 gates) at beta = 0.1 beta_max of the gated program']);
  const strip = (x: object) => JSON.stringify(x, (k, v) => (k === 'seconds' ? undefined : v));
  assert.equal(strip(resumed), strip(whole));
  assert.deepEqual(readNpz(path.join(out, 'weights.npz')).W2.values, readNpz(path.join(tmp, 'whole', 'weights.npz')).W2.values);
  assert.throws(() => visionToDir({ ...cfg, betaFrac: 0.2 }, path.join(tmp, 'whole2'), { resume: true }), /no unfinished run/);
});

test('vision with linear self-attention (mhsa, Sahiner eq. 6): a certified row whose recovered heads have the optimum\'s objective', () => {
  const r = visionToDir({ ...base, models: ['convex', 'mhsa'], path: [] }, path.join(tmp, 'mhsa'), {});
  assert.deepEqual(r.rows.map((x) => x.model), ['convex', 'mhsa']);
  const row = r.rows[1] as ConvexRow;
  assert.ok(row.converged && row.relGap <= 1e-8, `relative gap ${row.relGap}`);
  assert.ok(row.recoveryRelError <= 1e-9, `the recovered heads' objective is off by ${row.recoveryRelError}`);
  // Z is d^2 x dc = 256 x 48 (4 x 4 patches, 3 classes): at most 48 heads, the rank
  assert.equal(row.totalGroups, 48);
  assert.ok(row.heads >= 1 && row.heads <= 48);
  assert.match(row.description, /Sahiner et al\. eq\. \(6\)/);
});

test('vision: bad options are refused in one line naming the field, before any directory is made', () => {
  const cases: [Partial<VisionConfig>, RegExp][] = [
    [{ models: ['convex', 'vit' as never] }, /^models: must be a non-empty list of convex, gated, mhsa, linear, mlp, softmax, simplex/],
    [{ models: ['convex', 'convex'] }, /^models: lists a model twice/],
    [{ path: [0.1, -1] }, /^path: must be a list \(possibly empty\) of fractions/],
    [{ path: [0.1, 0.1] }, /^path: lists a fraction twice/],
    [{ softmaxHeads: 3 }, /^softmaxHeads: 3 does not divide d \+ n = 20/],
    [{ solver: 'gram' }, /^solver: gram is for the squared loss/],
    [{ solver: 'newton' }, /^solver: newton solves token designs \(the convex heads\) only/],
    [{ models: ['convex', 'mhsa'], patch: 8 }, /^models: mhsa \(linear self-attention\) takes at most 32 features per token, the images give 64/],
    [{ solver: 'newton', models: ['convex', 'mhsa'] }, /^solver: newton solves token designs \(the convex heads\) only, not the gated heads or linear self-attention/],
    [{ nTrain: 5 }, /^nTrain: gives 5 training images; the baselines' learning-rate search needs at least 10/],
    [{ models: ['linear'], baselineSeconds: undefined }, /^baselineSeconds: is required when the models do not include convex/],
    [{ patch: 3 }, /^patch: must divide the 8 x 8 images/],
    [{ baselineBeta: -1 }, /^baselineBeta: must be a finite number >= 0/],
  ];
  for (const [o, re] of cases) {
    const out = path.join(tmp, `bad-${cases.findIndex((c) => c[0] === o)}`);
    assert.throws(() => visionToDir({ ...base, ...o }, out, {}), (e: Error) => re.test(e.message), String(re));
    assert.ok(!fs.existsSync(out) && !fs.existsSync(`${out}.partial`), `${re}: left a directory`);
  }
});

test('convexformer vision: the table on stdout, exit 0, the run directory; a bad flag is one line and exit 2', () => {
  const out = path.join(tmp, 'cli');
  const r = spawnSync(process.execPath, [cli, 'vision', '--idx-dir', idx, '--patch', '4', '--models', 'convex,linear', '--path', '0.3',
    '--baseline-seconds', '0.2', '--quiet', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^convex\s+\d+\.\d%\s+\d+\.\d%.*certified \(rel\. gap/m);
  assert.match(r.stdout, /^linear\s+\d+\.\d%\s+\d+\.\d%.*Adam \d+ steps at lr/m);
  assert.match(r.stdout, /^path 0\.300 /m);
  assert.equal(r.stderr, '');
  const bad = spawnSync(process.execPath, [cli, 'vision', '--idx-dir', idx, '--path', '0.3,x', '--out', path.join(tmp, 'cli-bad')], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /--path: must be comma-separated numbers > 0, got '0\.3,x'/);
});

test('vision with baselines only: no convex solve, no path, no beta; a budget too short for a step is a warning', () => {
  const out = path.join(tmp, 'baselines-only');
  const phases: string[] = [];
  const r = visionToDir({ ...base, models: ['mlp', 'linear'], baselineSeconds: 1e-6 }, out, { onPhase: (l) => phases.push(l) });
  assert.deepEqual(r.rows.map((x) => x.model), ['mlp', 'linear']);
  assert.deepEqual(r.path, []);
  assert.equal(r.beta, null);
  assert.equal(r.heads, null);
  assert.ok(!phases.some((l) => /convex|path/.test(l)), phases.join('; '));
  assert.ok(!fs.existsSync(path.join(out, 'weights.npz')));
  for (const m of ['mlp', 'linear']) assert.ok(r.warnings.some((w) => w.startsWith(`${m}: trained for only 0 Adam steps`)), r.warnings.join('\n'));
});
