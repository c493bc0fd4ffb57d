// The page's wording follows the data: "certified" only where the run converged (compare runs
// without the flag: where relGap <= tol), a visible NOT certified mark in table and text otherwise.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliOk, fitRun, sectionsText, teacherNpz, tmpDir, writeJson } from './cli-runs';

function reportText(tmp: string, dirs: string[]): string {
  const html = path.join(tmp, `${path.basename(dirs[0])}.html`);
  cliOk(['report', ...dirs, '--out', html]);
  return sectionsText(fs.readFileSync(html, 'utf8'));
}

const count = (text: string, s: string): number => text.split(s).length - 1;

test('report: a fit stopped above its tolerance is NOT certified in table and text; a converged one is certified', () => {
  const tmp = tmpDir();
  const data = teacherNpz(tmp);
  const stopped = path.join(tmp, 'stopped');
  cliOk(['fit', '--data', data, '--beta-frac', '0.2', '--max-iter', '3', '--tol', '1e-6', '--out', stopped, '--quiet'], 3);
  const relGap = JSON.parse(fs.readFileSync(path.join(stopped, 'result.json'), 'utf8')).relGap as number;
  assert.ok(relGap > 1e-6);
  const text = reportText(tmp, [stopped]);
  assert.equal(count(text, `NOT certified: rel. gap ${relGap.toExponential(2)} > tol 1e-6`), 2, text);
  assert.ok(!/certified optimum|certified at/.test(text), 'the page claims a certificate');

  const ok = reportText(tmp, [fitRun(path.join(tmp, 'converged'))]);
  assert.equal(count(ok, 'certified at rel. gap 1.00e-7 (tol 1e-6)'), 2, ok);
  assert.ok(!ok.includes('NOT certified'));
});

function compareRun(dir: string, certificate: Record<string, unknown>, config: Record<string, unknown>): string {
  fs.mkdirSync(dir);
  writeJson(path.join(dir, 'result.json'), {
    beta: 1, betaMax: 5, chosenLr: {}, lrSearch: {},
    final: { convex: { objective: 2, testLoss: 1, seconds: 0.5, iterations: 40 } },
    certificate: { objective: 2, lowerBound: 1.9, heads: 2, ...certificate }, maps: {},
  });
  writeJson(path.join(dir, 'config.json'), { kind: 'compare', ...config });
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '');
  return dir;
}

test('report: compare judges the convex side by its converged flag, else by relGap <= tol, else says unknown', () => {
  const tmp = tmpDir();
  const cases: [string, Record<string, unknown>, Record<string, unknown>, string][] = [
    ['within-tol', { relGap: 1e-9 }, { tol: 1e-8 }, 'certified at rel. gap 1.00e-9 (tol 1e-8)'],
    ['above-tol', { relGap: 0.17 }, { tol: 1e-6 }, 'NOT certified: rel. gap 1.70e-1 > tol 1e-6'],
    ['no-tol', { relGap: 1e-9 }, {}, 'certificate status unknown (rel. gap 1.00e-9, tol -)'],
    ['flag-false', { relGap: 0.17, converged: false }, { tol: 1e-6 }, 'NOT certified: rel. gap 1.70e-1 > tol 1e-6'],
    ['flag-true', { relGap: 1e-9, converged: true, tol: 1e-8 }, {}, 'certified at rel. gap 1.00e-9 (tol 1e-8)'],
  ];
  for (const [name, cert, config, expected] of cases) {
    const text = reportText(tmp, [compareRun(path.join(tmp, name), cert, config)]);
    assert.equal(count(text, expected), 2, `${name}: table and text should say '${expected}':\n${text}`);
    if (!expected.startsWith('certified')) assert.ok(!/certified at|certified optimum/.test(text), `${name} claims a certificate`);
  }
});

test('report: a path solve that stopped above tol is marked NOT certified in its row and in the text', () => {
  const tmp = tmpDir();
  const dir = path.join(tmp, 'path');
  fs.mkdirSync(dir);
  const row = (betaFrac: number, relGap: number, converged: boolean) => ({
    betaFrac, beta: 10 * betaFrac, objective: 5 * betaFrac, lowerBound: 4 * betaFrac, relGap, converged, iterations: 20, seconds: 0.1, heads: 2,
    training: { loss: 1, accuracy: 0.5 }, test: null,
  });
  writeJson(path.join(dir, 'path.json'), [row(1, 1e-8, true), row(0.1, 0.17, false)]);
  writeJson(path.join(dir, 'config.json'), { kind: 'path', tol: 1e-6, fracs: [1, 0.1] });
  const text = reportText(tmp, [dir]);
  assert.equal(count(text, 'certified at rel. gap 1.00e-8 (tol 1e-6)'), 1, text);
  assert.equal(count(text, 'NOT certified: rel. gap 1.70e-1 > tol 1e-6'), 1, text);
  assert.ok(text.includes('NOT certified: 1 of 2 solves'), text);
});
