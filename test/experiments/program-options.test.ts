// A program's options are declared in its own file only: a program defined here, outside the
// registry, with an option no registered program has (rank), runs through fitToDir with that
// option validated, handed to its build, and recorded in config.json, without a line elsewhere.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { plantedDataset } from '../../src/data/planted';
import { fitToDir, runFit } from '../../src/experiments/fit';
import { attention } from '../../src/convex/programs/attention';
import { programOptions } from '../../src/convex/registry';
import type { Program } from '../../src/convex/programs/program';

const { data } = plantedDataset({ N: 120, n: 5, d: 4, c: 2, tokens: [1, 3], noise: 0.1, seed: 2, loss: 'squared' });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-options-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** attention under another name, taking `rank` (default 2) and noting what its build received. */
function rankedProgram(seen: (number | undefined)[]): Program<'rank'> {
  const ranked: Program<'rank'> = {
    ...attention,
    name: 'ranked',
    options: [{ field: 'rank', flag: '--rank <r>', description: 'rank of the attention factors', min: 1, default: 2 }],
    build(d, options) {
      seen.push(options.rank);
      return { ...attention.build(d, options), program: ranked };
    },
  };
  return ranked;
}

const config = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).config;

test('an option only a test program declares reaches its build and is recorded in config.json', () => {
  assert.ok(!programOptions().some((o) => o.field === 'rank'), 'a registered program took rank: the test would prove nothing');
  const seen: (number | undefined)[] = [];
  const out = path.join(tmp, 'rank-3');
  const { result } = fitToDir(data, { betaFrac: 0.3, rank: 3 }, out, { force: false, program: rankedProgram(seen) });
  assert.deepEqual(seen, [3]);
  assert.equal(result.model, 'ranked');
  assert.ok(result.converged);
  const cfg = config(out);
  assert.equal(cfg.rank, 3);
  assert.equal(cfg.model, 'ranked');
});

test("a program option's declared default is used and recorded when none is given", () => {
  const seen: (number | undefined)[] = [];
  const out = path.join(tmp, 'rank-default');
  fitToDir(data, { betaFrac: 0.3 }, out, { force: false, program: rankedProgram(seen) });
  assert.deepEqual(seen, [2]);
  assert.equal(config(out).rank, 2);
});

test('a value below the declared min is refused naming the field, and no directory is left', () => {
  const seen: (number | undefined)[] = [];
  const out = path.join(tmp, 'rank-0');
  assert.throws(() => fitToDir(data, { betaFrac: 0.3, rank: 0 }, out, { force: false, program: rankedProgram(seen) }),
    /^InputError: rank: must be an integer >= 1, got 0$/);
  assert.throws(() => fitToDir(data, { betaFrac: 0.3, rank: 1.5 }, out, { force: false, program: rankedProgram(seen) }),
    /^InputError: rank: must be an integer >= 1, got 1.5$/);
  assert.deepEqual(seen, []);
  assert.ok(!fs.existsSync(out));
});

test('a registered program that does not declare the option refuses it', () => {
  assert.throws(() => runFit(data, { betaFrac: 0.3, rank: 3 }), /^InputError: rank: program attention takes no rank$/);
});
