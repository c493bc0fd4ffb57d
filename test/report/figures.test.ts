// report --png / --svg: one figure per chart and per attention heatmap, named for the run's kind
// (and its directory when two runs share a kind) and what the figure shows. The PNGs are decoded
// by Chromium and must hold each series' colour (the data, not only axes); the SVGs must parse and
// hold a path per series (a heatmap: a rect per cell). Without Chromium, --png refuses and writes nothing.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliOk, cliRun, compareRun, fitRun, pathRun, tmpDir, writeJson } from './cli-runs';
import { withPage } from './browser';

/** chart file -> the colours of its series (src/report/charts.ts's SERIES_COLOURS) */
const EXPECTED: Record<string, string[]> = {
  'compare-c1-suboptimality-vs-time': ['#d7301f', '#2166ac', '#1a9850'],
  'compare-c1-suboptimality-vs-iterations': ['#d7301f', '#2166ac', '#1a9850'],
  'compare-c1-test-loss-vs-time': ['#d7301f', '#2166ac', '#1a9850'],
  'compare-c2-suboptimality-vs-time': ['#d7301f', '#2166ac', '#1a9850'],
  'fit-primal-objective-and-dual-lower-bound': ['#d7301f', '#fc8d59'],
  'fit-relative-duality-gap': ['#555', '#999'],
  'path-heads-along-the-path': ['#555'],
  'path-objective': ['#d7301f'],
  'path-relative-duality-gap': ['#555', '#999'],
};

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(file: string): [number, number] {
  const b = fs.readFileSync(file);
  assert.ok(b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${file}: no PNG signature`);
  assert.equal(b.subarray(12, 16).toString('latin1'), 'IHDR', `${file}: no IHDR chunk first`);
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

function runs(tmp: string): string[] {
  return [compareRun(path.join(tmp, 'c1'), 8), compareRun(path.join(tmp, 'c2'), 8), fitRun(path.join(tmp, 'fit')), pathRun(path.join(tmp, 'path'))];
}

test('report --png and --svg write one figure per chart, named for what it shows, with the data drawn', async () => {
  const tmp = tmpDir();
  const [png, svg] = [path.join(tmp, 'png'), path.join(tmp, 'svg', 'deeper')];
  const r = cliOk(['report', ...runs(tmp), '--out', path.join(tmp, 'r.html'), '--png', png, '--svg', svg]);
  assert.match(r.stdout, /wrote 28 figures:/); // 11 charts: 3 per compare run, 2 fit, 3 path; 3 heatmaps (compare, compare, fit); each as PNG and SVG
  for (const name of Object.keys(EXPECTED)) {
    assert.ok(fs.existsSync(path.join(png, `${name}.png`)), `no ${name}.png among ${fs.readdirSync(png).join(', ')}`);
    assert.ok(fs.existsSync(path.join(svg, `${name}.svg`)), `no ${name}.svg`);
  }
  for (const f of fs.readdirSync(png)) {
    const [w, h] = pngSize(path.join(png, f));
    // a heatmap is as tall as its rows
    assert.ok(w >= 590 && h >= (f.includes('attention-maps') ? 150 : 300), `${f}: ${w} x ${h}`);
  }
  // decoded in the browser: pixels of every series' colour, and not all background
  const names = Object.keys(EXPECTED);
  const page = path.join(tmp, 'check.html');
  fs.writeFileSync(page, `<!doctype html><body><p>decoding the PNGs</p><script>
const names = ${JSON.stringify(names)};
const pngs = ${JSON.stringify(Object.fromEntries(names.map((n) => [n, fs.readFileSync(path.join(png, `${n}.png`)).toString('base64')])))};
const hex = (h) => (h.length === 4 ? [1, 2, 3].map((i) => 17 * parseInt(h[i], 16)) : [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
window.results = {};
Promise.all(names.map((n) => new Promise((ok, fail) => {
  const img = new Image();
  img.onload = () => {
    const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
    const g = c.getContext('2d'); g.drawImage(img, 0, 0);
    const px = g.getImageData(0, 0, c.width, c.height).data;
    const colours = ${JSON.stringify(EXPECTED)}[n].map(hex);
    const near = colours.map(() => 0);
    let ink = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i] < 250 || px[i + 1] < 250 || px[i + 2] < 250) ink++;
      // series colours are counted inside the plot area only (tick labels, title and legend are outside it)
      const x = (i / 4) % c.width, y = Math.floor(i / 4 / c.width);
      if (x < 0.16 * c.width || y < 0.12 * c.height || y > 0.74 * c.height) continue;
      colours.forEach((rgb, k) => { if (Math.abs(px[i] - rgb[0]) + Math.abs(px[i + 1] - rgb[1]) + Math.abs(px[i + 2] - rgb[2]) < 24) near[k]++; });
    }
    window.results[n] = { ink, total: px.length / 4, near };
    ok();
  };
  img.onerror = () => fail(new Error('cannot decode ' + n));
  img.src = 'data:image/png;base64,' + pngs[n]; // a file: URL would taint the canvas
}))).then(() => { document.body.dataset.rendered = 'yes'; });
</script></body>`);
  await withPage(page, async ({ page: p, problems }) => {
    assert.deepEqual(problems, []);
    const results = (await p.evaluate('window.results')) as Record<string, { ink: number; total: number; near: number[] }>;
    for (const n of names) {
      const { ink, total, near } = results[n];
      assert.ok(ink > 0.01 * total && ink < 0.9 * total, `${n}.png: ${ink} of ${total} pixels are not background`);
      // a drawn series covers hundreds of pixels of its colour inside the plot area
      near.forEach((k, i) => assert.ok(k > 300, `${n}.png: only ${k} pixels of ${EXPECTED[n][i]}`));
    }
  });
  // the SVGs parse as XML (in the browser) and hold one path per series with its points
  const svgs = Object.fromEntries(names.map((n) => [n, fs.readFileSync(path.join(svg, `${n}.svg`), 'utf8')]));
  const svgPage = path.join(tmp, 'check-svg.html');
  fs.writeFileSync(svgPage, `<!doctype html><body><p>parsing the SVGs</p><script type="application/json" id="svgs">${JSON.stringify(svgs).replace(/</g, '\\u003c')}</script><script>
const svgs = JSON.parse(document.getElementById('svgs').textContent);
window.results = {};
for (const [n, text] of Object.entries(svgs)) {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  window.results[n] = {
    error: doc.getElementsByTagName('parsererror').length > 0,
    root: doc.documentElement.localName,
    // points: M, L, and V (a step ends at its point)
    paths: Array.from(doc.querySelectorAll('path')).map((e) => (e.getAttribute('d').match(/[MLV]/g) || []).length),
    stepped: Array.from(doc.querySelectorAll('path')).map((e) => /H/.test(e.getAttribute('d')) && !/L/.test(e.getAttribute('d'))),
    strokes: Array.from(doc.querySelectorAll('path')).map((e) => e.getAttribute('stroke')),
    title: doc.querySelector('text').textContent,
  };
}
document.body.dataset.rendered = 'yes';
</script></body>`);
  await withPage(svgPage, async ({ page: p, problems }) => {
    assert.deepEqual(problems, []);
    const results = (await p.evaluate('window.results')) as Record<string, { error: boolean; root: string; paths: number[]; stepped: boolean[]; strokes: string[]; title: string }>;
    for (const n of names) {
      const r = results[n];
      assert.ok(!r.error && r.root === 'svg', `${n}.svg does not parse as SVG`);
      assert.deepEqual(r.strokes, EXPECTED[n], `${n}.svg: its paths' colours`);
      for (const k of r.paths) assert.ok(k >= 3, `${n}.svg: a series path with ${k} points`);
      // head counts are drawn as steps, everything else as lines
      assert.deepEqual(r.stepped, r.strokes.map(() => n === 'path-heads-along-the-path'), `${n}.svg: steps`);
      // the file is named for the chart's title
      assert.ok(n.includes(r.title.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')), `${n}.svg: title ${r.title}`);
    }
  });
});

test('report --png without Chromium refuses in one line and writes nothing; --svg needs no browser', () => {
  const tmp = tmpDir();
  const env = { ...process.env, CONVEXFORMER_CHROMIUM: path.join(tmp, 'no-chromium') };
  const fit = fitRun(path.join(tmp, 'fit'));
  const out = path.join(tmp, 'r.html');
  const r = cliRun(['report', fit, '--out', out, '--png', path.join(tmp, 'png'), '--svg', path.join(tmp, 'svg')], env);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /--png: needs Chromium .*no-chromium is not there .*nothing written/);
  for (const f of ['r.html', 'png', 'svg']) assert.ok(!fs.existsSync(path.join(tmp, f)), `${f} was written`);
  const ok = cliRun(['report', fit, '--out', out, '--svg', path.join(tmp, 'svg')], env);
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual(fs.readdirSync(path.join(tmp, 'svg')).sort(), ['fit-attention-maps.svg', 'fit-primal-objective-and-dual-lower-bound.svg', 'fit-relative-duality-gap.svg']);
  // a file where the figures' directory should be is refused before anything is read
  const file = path.join(tmp, 'a-file');
  fs.writeFileSync(file, '');
  const bad = cliRun(['report', fit, '--out', path.join(tmp, 'r2.html'), '--svg', file]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--svg: .*a-file is a file; expected a directory for the figures/);
});

test('the attention heatmaps as figures: an SVG with a rect per cell in the page\'s colours, and a PNG that is not blank', async () => {
  const tmp = tmpDir();
  const run = compareRun(path.join(tmp, 'c16'), 16);
  const [png, svg] = [path.join(tmp, 'png'), path.join(tmp, 'svg')];
  cliOk(['report', run, '--out', path.join(tmp, 'r.html'), '--png', png, '--svg', svg]);
  const text = fs.readFileSync(path.join(svg, 'compare-attention-maps.svg'), 'utf8');
  const [w, h] = pngSize(path.join(png, 'compare-attention-maps.png'));
  assert.ok(w >= 600 && h >= 200, `${w} x ${h}`);
  // the page's cells and colours, to compare with the figure's
  const pageHtml = fs.readFileSync(path.join(tmp, 'r.html'), 'utf8');
  const pageColours = [...pageHtml.matchAll(/<td data-v="[^"]*" title="[^"]*" style="background: (rgb\([^)]*\))/g)].map((m) => m[1]);
  assert.equal(pageColours.length, 4 * 16);
  const check = path.join(tmp, 'check.html');
  fs.writeFileSync(check, `<!doctype html><body><p>checking the heatmap figures</p><script type="application/json" id="svg">${JSON.stringify(text).replace(/</g, '\\u003c')}</script><script>
const doc = new DOMParser().parseFromString(JSON.parse(document.getElementById('svg').textContent), 'image/svg+xml');
const texts = Array.from(doc.querySelectorAll('text')).map((e) => e.textContent);
window.results = {
  error: doc.getElementsByTagName('parsererror').length > 0,
  cells: Array.from(doc.querySelectorAll('rect.cell')).map((e) => e.getAttribute('fill')),
  names: ['teacher', 'convex', 'simplex', 'softmax'].filter((n) => texts.includes(n)),
  tokens: ['0', '15'].filter((n) => texts.includes(n)),
  legend: texts.some((t) => t.startsWith('one colour scale for all rows')),
};
const img = new Image();
img.onload = () => {
  const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const px = g.getImageData(0, 0, c.width, c.height).data;
  let ink = 0, dark = 0;
  for (let i = 0; i < px.length; i += 4) {
    if (px[i] < 250 || px[i + 1] < 250 || px[i + 2] < 250) ink++;
    if (px[i] < 40 && px[i + 2] > 90) dark++; // the dark blue of the strongest cells
  }
  window.results.png = { ink, dark, total: px.length / 4 };
  document.body.dataset.rendered = 'yes';
};
img.src = 'data:image/png;base64,${fs.readFileSync(path.join(png, 'compare-attention-maps.png')).toString('base64')}';
</script></body>`);
  await withPage(check, async ({ page: p, problems }) => {
    assert.deepEqual(problems, []);
    const r = (await p.evaluate('window.results')) as { error: boolean; cells: string[]; names: string[]; tokens: string[]; legend: boolean; png: { ink: number; dark: number; total: number } };
    assert.ok(!r.error, 'the SVG does not parse');
    assert.deepEqual(r.cells, pageColours, 'one rect per cell, in the page\'s order and colours');
    assert.deepEqual(r.names, ['teacher', 'convex', 'simplex', 'softmax']);
    assert.deepEqual(r.tokens, ['0', '15']);
    assert.ok(r.legend, 'no scale legend');
    assert.ok(r.png.ink > 0.05 * r.png.total && r.png.ink < 0.9 * r.png.total, `PNG: ${r.png.ink} of ${r.png.total} pixels inked`);
    assert.ok(r.png.dark > 200, `PNG: only ${r.png.dark} dark blue pixels`);
  });
});

test('figure names: when two runs share a kind, each figure is named after its run directory (a demo part: the demo\'s), without collisions', () => {
  const tmp = tmpDir();
  // a demo directory as the demo command writes it: its config, and its parts compare/ and fit/
  const demo = path.join(tmp, 'demo1');
  compareRun(path.join(demo, 'compare'), 8);
  fitRun(path.join(demo, 'fit'));
  writeJson(path.join(demo, 'config.json'), { kind: 'demo', dataFile: null, generator: { name: 'teacherDataset', options: { tokens: [1, 4] } }, config: {} });
  const x1 = compareRun(path.join(tmp, 'x1'), 8);
  const fit1 = fitRun(path.join(tmp, 'fit1'));
  const other = compareRun(path.join(tmp, 'elsewhere', 'x1'), 8); // the same directory name as x1
  const svg = path.join(tmp, 'svg');
  cliOk(['report', demo, x1, fit1, other, '--out', path.join(tmp, 'r.html'), '--svg', svg]);
  const compare = (name: string) => ['suboptimality-vs-time', 'suboptimality-vs-iterations', 'test-loss-vs-time', 'attention-maps'].map((t) => `compare-${name}-${t}`);
  const fit = (name: string) => ['primal-objective-and-dual-lower-bound', 'relative-duality-gap', 'attention-maps'].map((t) => `fit-${name}-${t}`);
  const expected = [...compare('demo1'), ...fit('demo1'), ...compare('x1'), ...fit('fit1'), ...compare('x1').map((f) => `${f}-2`)];
  assert.deepEqual(fs.readdirSync(svg).sort(), expected.map((f) => `${f}.svg`).sort());
  // the same runs give the same names
  const again = path.join(tmp, 'svg2');
  cliOk(['report', demo, x1, fit1, other, '--out', path.join(tmp, 'r2.html'), '--svg', again]);
  assert.deepEqual(fs.readdirSync(again).sort(), fs.readdirSync(svg).sort());
  for (const f of fs.readdirSync(svg)) assert.equal(fs.readFileSync(path.join(again, f), 'utf8'), fs.readFileSync(path.join(svg, f), 'utf8'), f);
});
