// A run directory is data, never markup: a report of run directories whose every field holds
// hostile strings (markup, `</script>`, `<!--`, U+2028/U+2029) shows them as text and runs no
// script of theirs. Checked in the written file and in headless Chromium; the screenshot is
// test-output/report-hostile.png.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers';
import { cliOk, sectionsText, tmpDir, writeJson } from './cli-runs';
import { assertInked, inkPerCanvas, withPage } from './browser';

const IMG = '<img src=x onerror=alert(1)>';
const SCRIPT = '</script><script>window.__pwned=1</script>';
const H = `${IMG}${SCRIPT}<!--\u2028\u2029`;

function hostileRuns(tmp: string): string[] {
  const fit = path.join(tmp, `fit <img src=x onerror=alert(2)>\u2028`);
  const cmp = path.join(tmp, 'compare');
  const pth = path.join(tmp, 'path');
  const vis = path.join(tmp, 'vision');
  for (const d of [fit, cmp, pth, vis]) fs.mkdirSync(d);
  const config = { tol: H, model: H, [H]: H, list: [H] };
  writeJson(path.join(fit, 'result.json'), {
    model: H, loss: H, solver: H, precision: H, n: 4, heads: H, objective: H, lowerBound: H, relGap: H, tol: H,
    converged: H, iterations: H, seconds: H, training: { loss: H }, test: { loss: H },
    blas: { backend: H, core: H, config: H, threads: H, reason: H },
    headList: [{ token: H, output: H, norm: H, gate: H }, { token: 1, output: 0, norm: 1, gate: 0 }],
  });
  fs.writeFileSync(path.join(fit, 'metrics.jsonl'), [
    { iteration: 1, seconds: 0.1, primal: 10, dual: 5, relGap: 0.5 },
    { iteration: 2, seconds: 0.2, primal: 9, dual: 8, relGap: 0.1 },
    { iteration: H, seconds: H, primal: H, dual: H, relGap: H, [H]: H },
  ].map((l) => JSON.stringify(l)).join('\n') + '\n');
  writeJson(path.join(fit, 'config.json'), { ...config, kind: 'fit' });

  writeJson(path.join(cmp, 'result.json'), {
    beta: H, betaMax: H, chosenLr: { softmax: H, [H]: H },
    final: { convex: { objective: H, testLoss: H, seconds: H, iterations: H }, [H]: { objective: 1, testLoss: 1, seconds: 1, iterations: 1 }, softmax: H },
    certificate: { objective: H, lowerBound: H, relGap: H, heads: H, converged: H, tol: H },
    maps: { [H]: [H, 0.5], teacher: [0.2, 0.8], convex: H },
  });
  fs.writeFileSync(path.join(cmp, 'metrics.jsonl'), [
    { model: H, iteration: 1, seconds: 0.1, objective: 3, testLoss: 2 },
    { model: H, iteration: 2, seconds: 0.2, objective: 2, testLoss: 1 },
    { model: '__proto__', iteration: 1, seconds: 0.1, objective: 4, testLoss: 3 },
    { model: '__proto__', iteration: 2, seconds: 0.3, objective: 3, testLoss: 2 },
    { model: 'convex', iteration: H, seconds: H, objective: H, testLoss: H },
  ].map((l) => JSON.stringify(l)).join('\n') + '\n');
  writeJson(path.join(cmp, 'config.json'), { ...config, kind: 'compare' });

  writeJson(path.join(pth, 'path.json'), [
    { betaFrac: 1, beta: 10, objective: 5, lowerBound: 5, relGap: 1e-9, converged: true, heads: 0, iterations: 1, seconds: 0.1, training: { loss: 1, accuracy: 0.5 }, test: null },
    { betaFrac: 0.1, beta: 1, objective: 2, lowerBound: 1.9, relGap: 0.05, converged: false, heads: 3, iterations: 9, seconds: 0.2, training: { loss: 0.5, accuracy: 0.8 }, test: null },
    { betaFrac: H, beta: H, objective: H, lowerBound: H, relGap: H, converged: H, heads: H, iterations: H, seconds: H, training: { loss: H, accuracy: H }, test: H },
  ]);
  writeJson(path.join(pth, 'config.json'), { ...config, kind: 'path' });

  writeJson(path.join(vis, 'result.json'), {
    data: { N: H, Ntest: 3, n: H, d: 4, classes: H, rows: 4, cols: 4, patch: 2, project: H, varianceKept: H, files: [H] },
    beta: H, betaMax: H, baselineBeta: H, baselineSeconds: H, warnings: [H, 1],
    rows: [
      { model: 'convex', description: H, solver: H, relGap: H, tol: H, converged: H, heads: H, totalGroups: H, trainAccuracy: H, testAccuracy: 0.5, seconds: H, iterations: H },
      { model: H, description: H, steps: H, lr: H, trainAccuracy: 0.9, testAccuracy: H, seconds: 1 },
    ],
    path: [{ betaFrac: H, heads: H, trainAccuracy: H, testAccuracy: H, relGap: H, converged: H, seconds: H, solver: H }, { betaFrac: 0.1, heads: 3, trainAccuracy: 0.7, testAccuracy: 0.6, relGap: 1e-7, converged: true, seconds: 1, solver: 'fista' }],
    heads: { rows: 4, cols: 4, patch: 2, templates: [[H, 1, -1, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], H], patchNorms: [[H, 1, 0, 0], [H]] },
  });
  fs.writeFileSync(path.join(vis, 'metrics.jsonl'), JSON.stringify({ phase: H, iteration: H }) + '\n');
  writeJson(path.join(vis, 'config.json'), { ...config, kind: 'vision' });
  return [fit, cmp, pth, vis];
}

test('report: hostile strings in every field of a run directory stay text, statically and in Chromium', async () => {
  const tmp = tmpDir();
  const html = path.join(tmp, 'report.html');
  cliOk(['report', ...hostileRuns(tmp), '--out', html]);
  const page = fs.readFileSync(html, 'utf8');
  // (a) the file: only the page's own three scripts, no hostile markup, no raw line separators
  assert.equal(page.match(/<script/g)?.length, 3, 'the page has exactly its own three <script> elements');
  for (const bad of [IMG, '<img', 'window.__pwned=1</script>', '<!--', '\u2028', '\u2029']) {
    assert.ok(!page.includes(bad), `the page contains ${JSON.stringify(bad)} unescaped`);
  }
  assert.ok(sectionsText(page).includes(`${IMG}${SCRIPT}<!--`), 'the hostile text is on the page as text');

  // (b) the browser: nothing ran, the text is visible, the valid points are still plotted
  await withPage(html, async ({ page: p, problems }) => {
    fs.mkdirSync(path.join(repoRoot, 'test-output'), { recursive: true });
    await p.screenshot({ path: path.join(repoRoot, 'test-output', 'report-hostile.png'), fullPage: true });
    assert.deepEqual(problems, [], 'no console error, dialog or request');
    assert.equal(await p.evaluate('typeof window.__pwned'), 'undefined', 'the hostile script ran');
    assert.equal(await p.evaluate('document.querySelectorAll("img").length'), 0, 'a hostile <img> was created');
    const text = (await p.textContent('body'))!;
    for (const s of [IMG, SCRIPT, `onerror=alert(2)>\u2028`]) assert.ok(text.includes(s), `page text lacks ${JSON.stringify(s)}`);
    assertInked(await inkPerCanvas(p, 'section.run:nth-of-type(1)'), 2, 'fit');
    // (the hostile certificate has no numeric lower bound: only test loss can be drawn)
    assertInked(await inkPerCanvas(p, 'section.run:nth-of-type(2)'), 1, 'compare');
    assert.ok(text.includes('suboptimality vs. time: no data'), 'the empty charts say so');
  });
});
