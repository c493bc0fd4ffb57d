// The report of run directories the CLI wrote (not hand-written ones): a path run states its shape
// from path.json alone and draws its head counts as steps; a compare run on labels y states every
// model's test and training accuracy.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliOk, labelsNpz, pathRun, teacherNpz, tmpDir, writeJson } from './cli-runs';
import { chartsIn, withPage } from './browser';

/** The text of the context block of the section of `kind`. */
const contextOf = (html: string, kind: string): string => {
  const section = html.slice(html.indexOf(`<section class="run" data-kind="${kind}">`));
  const block = section.slice(section.indexOf('<dl class="context">'), section.indexOf('</dl>'));
  return block.replace(/<[^>]*>/g, ' ').replace(/&times;/g, 'x').replace(/ +/g, ' ');
};

test('report of a real path run: every row records the shape, the context states it, the heads are drawn as steps', async () => {
  const tmp = tmpDir();
  const data = teacherNpz(tmp);
  const run = path.join(tmp, 'path');
  cliOk(['path', '--data', data, '--points', '3', '--min-frac', '0.1', '--out', run, '--quiet']);
  const rows = JSON.parse(fs.readFileSync(path.join(run, 'path.json'), 'utf8'));
  for (const r of rows) assert.deepEqual([r.N, r.n, r.d, r.c, r.h], [300, 6, 8, 2, null], JSON.stringify(r));
  const html = path.join(tmp, 'r.html');
  cliOk(['report', run, '--out', html]);
  const ctx = contextOf(fs.readFileSync(html, 'utf8'), 'path');
  assert.match(ctx, /shape N = 300, n = 6, d = 8, c = 2 /);
  assert.ok(!ctx.includes('not recorded'), ctx);
  await withPage(html, async ({ page, problems }) => {
    assert.deepEqual(problems, []);
    // the heads chart draws with another path builder than the (linear) objective chart: uPlot's stepped one
    const same = await page.evaluate(`(() => {
      const data = JSON.parse(document.getElementById('data').textContent);
      const paths = (title) => window.plots.find((p) => p.id === data.find((c) => c.title === title).id).plot.series[1].paths;
      return paths('heads along the path') === paths('objective');
    })()`);
    assert.equal(same, false, 'the heads are joined by the same sloped lines as the objective');
  });
});

test('gated path rows record h, and the context shows it', () => {
  const tmp = tmpDir();
  const data = teacherNpz(tmp);
  const run = path.join(tmp, 'gated');
  cliOk(['path', '--data', data, '--model', 'gated', '--gates', '3', '--points', '2', '--min-frac', '0.3', '--out', run, '--quiet']);
  const rows = JSON.parse(fs.readFileSync(path.join(run, 'path.json'), 'utf8'));
  for (const r of rows) assert.equal(r.h, 3, JSON.stringify(r));
  const html = path.join(tmp, 'r.html');
  cliOk(['report', run, '--out', html]);
  assert.match(contextOf(fs.readFileSync(html, 'utf8'), 'path'), /shape N = 300, n = 6, d = 8, c = 2, h = 3 /);
});

test('report of a real compare run on labels y: every model\'s test and training accuracy in the context and the table', () => {
  const tmp = tmpDir();
  const data = labelsNpz(tmp);
  const run = path.join(tmp, 'cmp');
  cliOk(['compare', '--data', data, '--steps', '20', '--lrs', '0.01', '--out', run, '--quiet']);
  const final = JSON.parse(fs.readFileSync(path.join(run, 'result.json'), 'utf8')).final;
  const html = path.join(tmp, 'r.html');
  cliOk(['report', run, '--out', html]);
  const page = fs.readFileSync(html, 'utf8');
  const ctx = contextOf(page, 'compare');
  assert.ok(!ctx.includes('not recorded'), ctx);
  for (const m of ['convex', 'simplex', 'softmax']) {
    assert.ok(ctx.includes(`test accuracy`) && ctx.includes(`${m} ${final[m].testAccuracy.toPrecision(4)}`), `${m}: ${ctx}`);
    assert.match(ctx, new RegExp(`training accuracy .*${m} ${final[m].trainAccuracy.toPrecision(4).replace('.', '\\.')}`));
  }
  const table = page.slice(page.indexOf('<h3>Final numbers</h3>'));
  assert.match(table, /<th>test loss<\/th><th>training acc\.<\/th><th>test acc\.<\/th>/);
  assert.ok(table.includes(`<td>${final.convex.testAccuracy.toPrecision(4)}</td>`), 'the convex row lacks its test accuracy');
});

test('the heads chart has whole-number ticks, on the page and in the SVG, even for 0 and 1 head', async () => {
  const tmp = tmpDir();
  const run = pathRun(path.join(tmp, 'path'));
  const file = path.join(run, 'path.json');
  writeJson(file, JSON.parse(fs.readFileSync(file, 'utf8')).map((r: { heads: number }, i: number) => ({ ...r, heads: i === 0 ? 0 : 1 })));
  const html = path.join(tmp, 'r.html');
  const svg = path.join(tmp, 'svg');
  cliOk(['report', run, '--out', html, '--svg', svg]);
  const figure = fs.readFileSync(path.join(svg, 'path-heads-along-the-path.svg'), 'utf8');
  const yTicks = [...figure.matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="end">([^<]*)</g)].map((m) => m[1]);
  assert.ok(yTicks.length >= 2 && yTicks.every((t) => /^\d+$/.test(t)), `SVG y ticks ${yTicks}`);
  await withPage(html, async ({ page, problems }) => {
    assert.deepEqual(problems, []);
    const heads = (await chartsIn(page, 'section.run[data-kind="path"]')).find((c) => c.title === 'heads along the path')!;
    assert.ok(heads.ticks![1].length >= 2 && heads.ticks![1].every((t) => /^\d+$/.test(t)), `y ticks ${heads.ticks![1]}`);
  });
});
