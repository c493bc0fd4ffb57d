#!/usr/bin/env node
// Builds the OpenBLAS addon with npm's bundled node-gyp against this Node's own headers
// (--nodedir), so nothing is downloaded. A failed build is not fatal: convexformer then
// runs on its pure-TypeScript GEMM, and `convexformer info` says so.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');

const nodedir = path.resolve(path.dirname(process.execPath), '..');
const gypFromNpm = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm',
  'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const gyp = process.env.npm_config_node_gyp || gypFromNpm;
if (!fs.existsSync(path.join(nodedir, 'include', 'node', 'node_api.h'))) {
  console.warn(`convexformer: no Node headers under ${nodedir}/include/node; using the TypeScript GEMM`);
  process.exit(0);
}
const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`],
  { cwd: path.join(__dirname, '..'), stdio: 'inherit' });
if (r.status !== 0) {
  console.warn('convexformer: the OpenBLAS addon did not build (is libopenblas-dev installed?);'
    + ' using the TypeScript GEMM');
}
