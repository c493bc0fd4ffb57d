// What `report` does with damaged run directories: a torn last metrics line (a killed run) is
// dropped with a warning naming file and line; any other damage is one error line naming the file.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliOk, cliRun, fitRun, tmpDir } from './cli-runs';

/** One line on stderr, naming `what`. */
function assertOneLineError(r: { status: number | null; stderr: string }, what: string): void {
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `not one line: ${JSON.stringify(r.stderr)}`);
  assert.ok(r.stderr.includes(what), `${JSON.stringify(r.stderr)} does not name ${what}`);
}

test('report: a torn last line of metrics.jsonl is dropped with a warning naming the file and line; the rest is plotted', () => {
  const tmp = tmpDir();
  const run = fitRun(path.join(tmp, 'killed'));
  fs.appendFileSync(path.join(run, 'metrics.jsonl'), '{"iteration": 4, "seconds": 0.4, "pri');
  const html = path.join(tmp, 'r.html');
  const r = cliOk(['report', run, '--out', html]);
  const file = path.join(run, 'metrics.jsonl');
  assert.match(r.stderr, /warning/);
  assert.ok(r.stderr.includes(`${file} line 4`), r.stderr);
  // the three good points are in the page's chart data
  const data = fs.readFileSync(html, 'utf8').match(/<script id="data" type="application\/json">(.*?)<\/script>/s)![1];
  const objective = JSON.parse(data)[0].series[0];
  assert.deepEqual(objective.y, [10, 5, 10 / 3]);
});

test('report: a bad metrics.jsonl line before the last is an error naming the file and line', () => {
  const tmp = tmpDir();
  const run = fitRun(path.join(tmp, 'damaged'));
  const file = path.join(run, 'metrics.jsonl');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines[1] = '{"iteration": 2, "sec';
  fs.writeFileSync(file, lines.join('\n'));
  assertOneLineError(cliRun(['report', run, '--out', path.join(tmp, 'r.html')]), `${file} line 2`);
  assert.ok(!fs.existsSync(path.join(tmp, 'r.html')));
});

test('report: a missing, invalid or non-object result.json or config.json is one line naming the file', () => {
  const tmp = tmpDir();
  const cases: [string, string, string | null][] = [
    ['result.json', 'invalid', '{"model": '],
    ['result.json', 'array', '[1, 2]'],
    ['config.json', 'missing', null],
    ['config.json', 'invalid', 'not json'],
  ];
  for (const [name, what, content] of cases) {
    const run = fitRun(path.join(tmp, `${name}-${what}`));
    const file = path.join(run, name);
    if (content === null) fs.rmSync(file); else fs.writeFileSync(file, content);
    assertOneLineError(cliRun(['report', run, '--out', path.join(tmp, 'r.html')]), file);
  }
});

test('report: control characters in a directory name are escaped in the error message', () => {
  const tmp = tmpDir();
  const dir = path.join(tmp, 'evil\nname\u001b[31m');
  fs.mkdirSync(dir);
  const r = cliRun(['report', dir, '--out', path.join(tmp, 'r.html')]);
  assertOneLineError(r, path.join(tmp, 'evil\\nname\\u001b[31m'));
  assert.ok(!r.stderr.includes('\u001b'), 'a raw escape character reached the terminal');
  // and in a file the directory holds
  const run = fitRun(path.join(tmp, 'run\rdir'));
  fs.writeFileSync(path.join(run, 'result.json'), '{"bad\n');
  assertOneLineError(cliRun(['report', run, '--out', path.join(tmp, 'r.html')]), path.join(tmp, 'run\\rdir', 'result.json'));
});

test('report: the kind comes from config.json; none or an unknown one is one line naming the file and the kinds expected', () => {
  const tmp = tmpDir();
  for (const [name, kind, found] of [['no-kind', undefined, 'no kind'], ['unknown', 'grokking', 'kind "grokking"'], ['not-a-string', 3, 'no kind']] as const) {
    const run = fitRun(path.join(tmp, name));
    const file = path.join(run, 'config.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...config, kind }));
    const r = cliRun(['report', run, '--out', path.join(tmp, 'r.html')]);
    assertOneLineError(r, file);
    assert.ok(r.stderr.includes(`has ${found}; expected one of fit, path, compare, grok, grok-suite, vision, demo`), r.stderr);
  }
  assert.ok(!fs.existsSync(path.join(tmp, 'r.html')));
});

test('report: a run is read as the kind its config.json names, whatever other files lie beside it', () => {
  const tmp = tmpDir();
  const run = fitRun(path.join(tmp, 'fit'));
  // a stray path.json made the old loader read a fit as a path run
  fs.writeFileSync(path.join(run, 'path.json'), '[]');
  const html = path.join(tmp, 'r.html');
  cliOk(['report', run, '--out', html]);
  assert.match(fs.readFileSync(html, 'utf8'), /<section class="run" data-kind="fit">/);
  // a demo's part of the wrong kind is named, with the kind it should have
  const demo = path.join(tmp, 'demo');
  fs.mkdirSync(demo);
  fs.writeFileSync(path.join(demo, 'config.json'), JSON.stringify({ kind: 'demo', dataFile: null, dataHash: null, config: {} }));
  fitRun(path.join(demo, 'compare'));
  assertOneLineError(cliRun(['report', demo, '--out', html]), `${path.join(demo, 'compare', 'config.json')}: has kind fit; a demo's compare/ holds a compare run`);
});
