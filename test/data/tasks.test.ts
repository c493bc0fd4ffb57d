// The task registry: modular arithmetic generates exactly the equations of Power et al. (counts,
// each answer checked by multiplying back), the split is seeded, disjoint and complete, bad
// options are refused naming the field, and the export holds what it says.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeNpz, readNpz } from '../../src/data/npz';
import { InputError } from '../../src/data/errors';
import { TASKS, taskNamed } from '../../src/data/tasks/registry';
import { inverseMod, modular, MODULAR_OPS } from '../../src/data/tasks/modular';
import { seededSplit } from '../../src/data/tasks/split';
import { periodicity } from '../../src/data/tasks/periodicity';
import { taskArrays } from '../../src/data/tasks/arrays';
import { writeFileWhole } from '../../src/data/tasks/write-file';
import type { TaskData, TaskValues } from '../../src/data/tasks/task';

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The equations as [x, y, c], read from the token ids, after checking the layout [x, op, y, =]. */
function equations(d: TaskData, p: number): [number, number, number][] {
  assert.equal(d.seq, 4);
  assert.equal(d.vocab, p + 2);
  assert.equal(d.classes, p);
  const out: [number, number, number][] = [];
  for (let i = 0; i < d.N; i++) {
    const [x, op, y, eq] = d.ids.subarray(4 * i, 4 * i + 4);
    assert.deepEqual([op, eq], [p, p + 1], `equation ${i}: op and = tokens`);
    assert.ok(x >= 0 && x < p && y >= 0 && y < p && d.labels[i] >= 0 && d.labels[i] < p, `equation ${i} out of range`);
    out.push([x, y, d.labels[i]]);
  }
  assert.equal(new Set(out.map(([x, y]) => `${x},${y}`)).size, d.N, 'every (x, y) pair at most once');
  return out;
}

test('counts: division mod 97 has 9312 equations, mod 15 has 120, mul/add/sub mod 7 have 49', () => {
  assert.equal(modular.generate({ op: 'div', p: 97 }).N, 9312);
  assert.equal(modular.generate({ op: 'div', p: 15 }).N, 120);
  assert.equal(modular.generate({ op: 'div', p: 7 }).N, 42);
  for (const op of ['mul', 'add', 'sub'] as const) assert.equal(modular.generate({ op, p: 7 }).N, 49, op);
});

test('every division equation checks: c * y = x mod p, with y exactly the residues invertible mod p', () => {
  for (const p of [2, 4, 12, 15, 97]) {
    const d = modular.generate({ op: 'div', p });
    const eqs = equations(d, p);
    for (const [x, y, c] of eqs) assert.equal((c * y) % p, x, `mod ${p}: ${c} * ${y} != ${x}`);
    const ys = [...new Set(eqs.map(([, y]) => y))].sort((a, b) => a - b);
    const invertible = Array.from({ length: p }, (_, y) => y).filter((y) => y > 0 && gcd(y, p) === 1);
    assert.deepEqual(ys, invertible, `mod ${p}`);
    assert.equal(d.N, p * invertible.length);
    assert.equal(d.metadata.invertible_y, invertible.length);
    assert.equal(d.metadata.pairs, p * (p - 1));
  }
  assert.match(modular.generate({ op: 'div', p: 15 }).summary, /division defined for y invertible mod p: 120 of the 210 pairs/);
  assert.doesNotMatch(modular.generate({ op: 'div', p: 97 }).summary, /invertible/, 'a prime modulus loses no pair');
});

test('mul, add, sub: all p^2 pairs, each answer checked by the inverse operation where there is one', () => {
  for (const p of [2, 7, 12]) {
    for (const op of ['mul', 'add', 'sub'] as const) {
      const eqs = equations(modular.generate({ op, p }), p);
      assert.equal(eqs.length, p * p);
      for (const [x, y, c] of eqs) {
        const back = op === 'add' ? (c - y + p) % p : op === 'sub' ? (c + y) % p
          : gcd(y, p) === 1 ? (c * inverseMod(y, p)!) % p : null;
        if (back !== null) assert.equal(back, x, `${x} ${op} ${y} = ${c} mod ${p}`);
        else assert.equal(c, (x * y) % p, `${x} mul ${y} = ${c} mod ${p} (y not invertible)`);
      }
    }
  }
});

test('inverseMod: an inverse exactly when gcd(y, p) = 1, and it is one', () => {
  for (let p = 2; p <= 40; p++) {
    for (let y = 0; y < p; y++) {
      const inv = inverseMod(y, p);
      if (gcd(y, p) === 1) assert.equal((y * inv!) % p, 1 % p, `${y}^-1 mod ${p}`);
      else assert.equal(inv, null, `${y} mod ${p} has no inverse`);
    }
  }
});

test('the split is seeded, disjoint, complete and of the asked fraction', () => {
  const a = modular.generate({ op: 'div', p: 97, seed: 3 });
  assert.deepEqual(modular.generate({ op: 'div', p: 97, seed: 3 }).train, a.train, 'same seed, same split');
  assert.notDeepEqual(modular.generate({ op: 'div', p: 97, seed: 4 }).train, a.train, 'another seed, another split');
  for (const [N, frac] of [[9312, 0.5], [120, 0.3], [49, 0.9], [2, 0.5]]) {
    const { train, test } = seededSplit(N, frac, 0, 'equations');
    assert.equal(train.length, Math.round(frac * N));
    const all = [...train, ...test].sort((x, y) => x - y);
    assert.deepEqual(all, Array.from({ length: N }, (_, i) => i), 'disjoint and complete');
    for (const s of [train, test]) for (let i = 1; i < s.length; i++) assert.ok(s[i - 1] < s[i], 'increasing');
  }
  // pinned: the same split on every machine (the generator is integer arithmetic)
  const small = modular.generate({ op: 'add', p: 3 });
  assert.deepEqual([...small.train], [1, 2, 6, 7, 8]);
  assert.deepEqual([...modular.generate({ op: 'div', p: 97 }).train.slice(0, 8)], [1, 2, 6, 7, 10, 12, 15, 16]);
});

test('refusals: one line naming the field and what was expected', () => {
  const refused: [TaskValues, string, RegExp][] = [
    [{ op: 'div', p: 1 }, 'p', /integer >= 2/],
    [{ op: 'add', p: 0 }, 'p', /integer >= 2/],
    [{ op: 'div', p: 2.5 }, 'p', /integer >= 2, got 2\.5/],
    [{ op: 'div', p: -3 }, 'p', /integer >= 2/],
    [{ op: 'div', p: Number.NaN }, 'p', /must be a number/],
    [{ op: 'div', p: '7' }, 'p', /must be a number, got "7"/],
    [{ op: 'div', p: 2001 }, 'p', /at most 2000/],
    [{ op: 'pow', p: 7 }, 'op', /one of div, mul, add, sub, got "pow"/],
    [{ p: 7 }, 'op', /missing/],
    [{ op: 'div' }, 'p', /missing/],
    [{ op: 'div', p: 7, trainFrac: 0 }, 'trainFrac', /fraction in \(0, 1\)/],
    [{ op: 'div', p: 7, trainFrac: 1 }, 'trainFrac', /fraction in \(0, 1\)/],
    [{ op: 'div', p: 7, trainFrac: 0.01 }, 'trainFrac', /leaves the training split empty \(round\(0\.01 x 42\) = 0 of 42 equations\)/],
    [{ op: 'add', p: 3, trainFrac: 0.99 }, 'trainFrac', /leaves the test split empty/],
    [{ op: 'div', p: 7, seed: -1 }, 'seed', /integer in \[0, 4294967295\]/],
    [{ op: 'div', p: 7, seed: 1.5 }, 'seed', /integer/],
    [{ op: 'div', p: 7, modulus: 7 }, 'modulus', /not an option of task modular/],
  ];
  for (const [values, field, pattern] of refused) {
    assert.throws(() => modular.generate(values), (e: unknown) => {
      assert.ok(e instanceof InputError, `${JSON.stringify(values)}: ${String(e)}`);
      assert.equal(e.field, field);
      assert.match(e.message, pattern);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    }, JSON.stringify(values));
  }
  assert.throws(() => taskNamed('parity'), /task: unknown task "parity"; expected one of modular/);
});

test('the registry lists modular and periodicity with their declared options', () => {
  assert.deepEqual(TASKS.map((t) => t.name), ['modular', 'periodicity']);
  assert.equal(taskNamed('periodicity'), periodicity);
  assert.deepEqual(periodicity.options.map((o) => o.field), ['p', 'logRound', 'trainFrac', 'seed']);
  assert.equal(taskNamed('modular'), modular);
  assert.deepEqual(modular.options.map((o) => o.field), ['op', 'p', 'trainFrac', 'seed']);
  assert.deepEqual(modular.options.find((o) => o.field === 'op')!.choices, MODULAR_OPS);
  assert.match(modular.help, /gcd\(y, p\) = 1/);
});

test('the export: ids or one-hot tokens of the split, with the metadata, read back as written', () => {
  const d = modular.generate({ op: 'div', p: 5, trainFrac: 0.25, seed: 2 });
  const ids = readNpz(encodeNpz(taskArrays(d, 'ids')));
  assert.deepEqual(ids.ids_train.shape, [d.train.length, 4]);
  assert.equal(ids.ids_train.dtype, '<i4');
  assert.equal(ids.y_test.dtype, '<i4');
  d.train.forEach((e, i) => {
    assert.deepEqual([...ids.ids_train.values.subarray(4 * i, 4 * i + 4)], [...d.ids.subarray(4 * e, 4 * e + 4)]);
    assert.equal(ids.y_train.values[i], d.labels[e]);
  });
  assert.deepEqual(ids.y_test.shape, [d.test.length]);
  assert.equal(ids.train_frac.dtype, '<f8');
  assert.equal(ids.train_frac.values[0], 0.25);
  for (const [key, v] of Object.entries({ p: 5, op: 0, seed: 2, vocab: 7, classes: 5, op_token: 5, eq_token: 6, pairs: 20, equations: 20, invertible_y: 4 })) {
    assert.equal(ids[key].dtype, '<i8', key);
    assert.equal(ids[key].values[0], v, key);
  }
  const tok = readNpz(encodeNpz(taskArrays(d, 'tokens')));
  assert.deepEqual(tok.X.shape, [d.train.length, 4, 7]);
  assert.deepEqual(tok.X_test.shape, [d.test.length, 4, 7]);
  assert.equal(tok.X.dtype, '<f4');
  // each token row one-hot at its id
  for (let t = 0; t < d.test.length * 4; t++) {
    const row = [...tok.X_test.values.subarray(7 * t, 7 * t + 7)];
    assert.deepEqual(row, row.map((_, k) => (k === ids.ids_test.values[t] ? 1 : 0)));
  }
  assert.deepEqual([...tok.y.values], [...ids.y_train.values]);
});

test('writeFileWhole: refuses an existing file without force, a directory, an empty name; leaves no temporary file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-tasks-'));
  const f = path.join(dir, 'a.npz');
  writeFileWhole(f, Uint8Array.of(1, 2), false);
  assert.throws(() => writeFileWhole(f, Uint8Array.of(3), false), /^InputError: out: ".*a\.npz" exists; pass `force` to replace it$/);
  assert.deepEqual([...fs.readFileSync(f)], [1, 2]);
  writeFileWhole(f, Uint8Array.of(3), true);
  assert.deepEqual([...fs.readFileSync(f)], [3]);
  assert.throws(() => writeFileWhole(dir, Uint8Array.of(3), true), /out: .* is a directory; expected a file to write/);
  assert.throws(() => writeFileWhole(' ', Uint8Array.of(3), true), /out: is empty/);
  assert.throws(() => writeFileWhole(path.join(dir, 'missing', 'b.npz'), Uint8Array.of(3), false), /out: cannot write .*: ENOENT/);
  assert.deepEqual(fs.readdirSync(dir), ['a.npz']);
  fs.rmSync(dir, { recursive: true });
});

test('periodicity (Fisher et al. 5.1): 9,312 equations mod 97, hand-computed answers, the class balance of both readings', () => {
  const floor = periodicity.generate({});
  const eqs = equations(floor, 97);
  assert.equal(floor.N, 96 * 97);
  assert.deepEqual([Math.min(...eqs.map(([x]) => x)), Math.max(...eqs.map(([x]) => x))], [1, 96], 'x in 1..96');
  assert.deepEqual([Math.min(...eqs.map(([, y]) => y)), Math.max(...eqs.map(([, y]) => y))], [0, 96], 'y in 0..96');
  const answer = (d: TaskData, x: number, y: number) => d.labels[(x - 1) * 97 + y];
  // [log2 97] = 6 (floor): x = 1: x^-1 = 1, 2x mod 6 = 2: z = 2 (1 + y^2) mod 97
  assert.equal(answer(floor, 1, 0), 2);
  assert.equal(answer(floor, 1, 10), (2 * 101) % 97);
  // x = 2: 2^-1 = 49 (2 * 49 = 98), 4 mod 6 = 4: y = 3 gives 4 * (49 + 9) mod 97 = 232 mod 97 = 38
  assert.equal(answer(floor, 2, 3), 38);
  // x = 3: 6 mod 6 = 0, so z = 0 for every y
  for (let y = 0; y < 97; y++) assert.equal(answer(floor, 3, y), 0);
  // ceil: [log2 97] = 7; x = 4: 4^-1 = 73 (4 * 73 = 292 = 3 * 97 + 1), 8 mod 7 = 1: z = (73 + y^2) mod 97
  const ceil = periodicity.generate({ logRound: 'ceil' });
  assert.equal(answer(ceil, 4, 5), (73 + 25) % 97);
  assert.equal(answer(ceil, 3, 0), (65 * 6) % 97, 'x = 3: 3^-1 = 65, 6 mod 7 = 6');
  const zeros = (d: TaskData) => d.labels.filter((z) => z === 0).length;
  assert.deepEqual([zeros(floor), zeros(ceil)], [3166, 1349]);
  assert.deepEqual([floor.metadata.log_modulus, ceil.metadata.log_modulus, floor.metadata.class0], [6, 7, 3166]);
  assert.match(floor.summary, /class 0 holds 3166 \(34\.0%\)/);
  for (const [values, field] of [[{ p: 91 }, 'p'], [{ p: 3 }, 'p'], [{ logRound: 'round' }, 'logRound'], [{ op: 'div' }, 'op']] as const) {
    assert.throws(() => periodicity.generate(values as TaskValues), (e: Error) => e instanceof InputError && e.field === field, field);
  }
});
