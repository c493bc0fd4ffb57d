// `compare --model`: every program with a non-convex model of its own is compared with it (and with
// softmax attention where the targets are per sample): the mixer on per-token targets (no softmax
// model, no maps), gated-mixer with its gates and linear-mhsa on labels; Adam never ends below the
// certified lower bound; the report renders the run; programs without a model of their own and
// options the program does not take are refused naming the field, writing nothing.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { encodeNpz, type NamedArray } from '../../src/data/npz';
import { cli, randLabels, randn } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-compare-programs-'));
const N = 60, Nt = 20, n = 3, d = 4, c = 2;

function dataFile(name: string, targets: Record<string, NamedArray>): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, encodeNpz({ X: { data: randn(N * n * d, 1), shape: [N, n, d] }, X_test: { data: randn(Nt * n * d, 2), shape: [Nt, n, d] }, ...targets }));
  return file;
}
const run = (args: string[]) => spawnSync(process.execPath, [cli, 'compare', '--steps', '80', '--lrs', '0.01', '--quiet', ...args], { encoding: 'utf8' });

test('compare --model: each program beside its own non-convex model (and softmax for per-sample targets); Adam never below the certified bound', () => {
  const perToken = dataFile('tokens.npz', { Y: { data: randn(N * n * c, 3), shape: [N, n, c] }, Y_test: { data: randn(Nt * n * c, 4), shape: [Nt, n, c] } });
  const perSample = dataFile('sample.npz', { Y: { data: randn(N * c, 5), shape: [N, c] }, Y_test: { data: randn(Nt * c, 6), shape: [Nt, c] } });
  const labels = dataFile('labels.npz', { y: { data: randLabels(N, c, 7), shape: [N] }, y_test: { data: randLabels(Nt, c, 8), shape: [Nt] } });
  for (const [model, data, extra, models] of [
    ['mixer', perToken, [], ['mixer']],
    ['gated-mixer', perSample, ['--gates', '2'], ['softmax', 'gated-mixer']],
    ['linear-mhsa', labels, [], ['softmax', 'linear-mhsa']],
  ] as const) {
    const out = path.join(tmp, `run-${model}`);
    const r = run(['--data', data, '--model', model, ...extra, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`non-convex models beside program ${model}: `));
    const res = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
    assert.equal(res.program, model);
    assert.deepEqual(Object.keys(res.models), models);
    assert.deepEqual(Object.keys(res.final).sort(), ['convex', ...models].sort());
    assert.ok(res.certificate.converged && res.certificate.heads >= 1);
    const own = res.models[model];
    assert.ok(own.heads >= res.certificate.heads && own.steps === 80 && own.readoutToken === null, JSON.stringify(own));
    if (model === 'gated-mixer') assert.equal(own.heads % 2, 0, 'heads on the 2 gates in turn, as many on each');
    // the bound is on the program's own model (softmax attention is another model, another penalty)
    assert.ok(res.final[model].objective >= res.certificate.lowerBound * (1 - 1e-12), `${model}: Adam ended at ${res.final[model].objective}, below the certified bound ${res.certificate.lowerBound}`);
    // only models with a distribution over the tokens have maps (softmax here)
    assert.deepEqual(Object.keys(res.maps), models.filter((m) => m === 'softmax'));
    if (model === 'linear-mhsa') for (const m of ['convex', ...models]) assert.ok(res.final[m].testAccuracy >= 0 && res.final[m].testAccuracy <= 1);
    const html = path.join(tmp, `report-${model}.html`);
    const rep = spawnSync(process.execPath, [cli, 'report', out, '--out', html], { encoding: 'utf8' });
    assert.equal(rep.status, 0, rep.stderr);
    const page = fs.readFileSync(html, 'utf8');
    for (const m of models) assert.ok(page.includes(`<td>${m}</td>`), `the report lacks ${m}'s row`);
    assert.ok(page.includes(`${model}: its certified lower bound L bounds the objective of its own non-convex model`), 'the report does not name the convex program');
  }
});

test('compare refuses a program without a model of its own and options the program does not take, naming the field, writing nothing', () => {
  const data = dataFile('refuse.npz', { Y: { data: randn(N * c, 5), shape: [N, c] }, Y_test: { data: randn(Nt * c, 6), shape: [Nt, c] } });
  for (const [args, pattern] of [
    [['--model', 'gated'], /^convexformer: error: --model: program gated has no non-convex model of its own to train beside it; compare takes attention, bfno, fno, gated-mhsa, gated-mixer, linear-mhsa, matrix-attention, mixer\n$/],
    [['--model', 'nope'], /^convexformer: error: --model: unknown program 'nope'; expected one of: /],
    [['--gates', '2'], /^convexformer: error: --gates: program attention takes no gates \(gated, gated-mhsa, gated-mixer do\)\n$/],
    [['--bands', '2', '--model', 'fno'], /^convexformer: error: --bands: program fno takes no bands \(bfno does\)\n$/],
    [['--model', 'matrix-attention'], /^convexformer: error: Y: holds one target per sample; program matrix-attention predicts one per token/],
  ] as const) {
    const out = path.join(tmp, 'refused');
    const r = run(['--data', data, ...args, '--out', out]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, pattern);
    assert.ok(!fs.existsSync(out) && !fs.existsSync(`${out}.partial`), 'a refused compare wrote its run directory');
  }
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
