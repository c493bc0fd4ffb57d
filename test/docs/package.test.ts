// What `npm pack` puts in the tarball another project installs (README, "Library"): the entry
// points package.json names, their type declarations, the addon's sources and build script, and
// no tests. (Installing it for real needs the npm registry, so it is not done here.)
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../helpers';

test('the packed tarball holds the main, types and bin entries, the addon sources, and no tests', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  assert.equal(r.status, 0, r.stderr);
  const files = new Set((JSON.parse(r.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  for (const entry of [pkg.main, pkg.types, ...Object.values(pkg.bin as Record<string, string>), 'binding.gyp', 'scripts/build-native.js', 'native/blas.c']) {
    assert.ok(files.has(entry), `${entry} is not in the tarball`);
  }
  const dts = [...files].filter((f) => f.startsWith('dist/src/') && f.endsWith('.js')).filter((f) => !files.has(f.replace(/\.js$/, '.d.ts')));
  assert.deepEqual(dts, [], 'every module ships its type declarations');
  assert.deepEqual([...files].filter((f) => /^(dist\/)?(test|bench)\//.test(f)), [], 'tests and benchmarks stay out');
});
