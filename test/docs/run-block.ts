// Runs one documentation code block (see snippets.test.ts for the rules) in a sandbox directory
// where `convexformer`, `npx convexformer` and `require('convexformer')` are this build.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as ts from 'typescript';
import { cli, repoRoot } from '../helpers';
import type { CodeBlock } from './markdown';

export const NOT_CODE = new Set(['', 'text']);
const SHELL = new Set(['sh', 'bash', 'console']);
export const SCRIPT = new Set(['ts', 'js']);
/** Generous: the documented examples are small; this only stops a hung command. */
const TIMEOUT_MS = 180_000;

/** A directory where `convexformer`, `npx convexformer` and `require('convexformer')` are this build. */
export function sandbox(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-docs-'));
  fs.mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
  fs.symlinkSync(repoRoot, path.join(dir, 'node_modules', 'convexformer'), 'dir');
  const shim = path.join(dir, 'node_modules', '.bin', 'convexformer');
  fs.writeFileSync(shim, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} "$@"\n`, { mode: 0o755 });
  return dir;
}

function environment(dir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${path.join(dir, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
}

/** Shell commands with the doc line each starts on: continuation lines joined, comments and console output dropped. */
function shellCommands(block: CodeBlock): { line: number; command: string }[] {
  const out: { line: number; command: string }[] = [];
  const src = block.code.split('\n');
  for (let i = 0; i < src.length; i++) {
    let text = src[i];
    if (block.lang === 'console') {
      if (!text.startsWith('$ ')) continue;
      text = text.slice(2);
    }
    if (text.trim() === '' || text.trim().startsWith('#')) continue;
    const line = block.lines[i];
    while (text.endsWith('\\') && i + 1 < src.length) text = text.slice(0, -1) + ' ' + src[++i].trim();
    out.push({ line, command: text });
  }
  return out;
}

function fail(where: string, what: string, r: { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; error?: Error }): never {
  const tail = (s: string) => s.trim().split('\n').slice(-8).join('\n');
  assert.fail(`${where}: ${what} failed (${r.error?.message ?? (r.signal ? `signal ${r.signal}` : `exit ${r.status}`)})\n${tail(r.stderr)}\n${tail(r.stdout)}`);
}

function runShell(block: CodeBlock, dir: string): string {
  let stdout = '';
  for (const { line, command } of shellCommands(block)) {
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', command], { cwd: dir, env: environment(dir), encoding: 'utf8', timeout: TIMEOUT_MS });
    if (r.status !== 0) fail(`${block.file}:${line}`, JSON.stringify(command), r);
    stdout += r.stdout;
  }
  return stdout;
}

function runPython(block: CodeBlock, dir: string): string {
  const r = spawnSync('python3', ['-'], { cwd: dir, input: block.code, env: environment(dir), encoding: 'utf8', timeout: TIMEOUT_MS });
  if (r.status !== 0) fail(`${block.file}:${block.line}`, 'the python block', r);
  return r.stdout;
}

/** Type errors of a ts block, each named by its line in the document. */
function typeErrors(block: CodeBlock, file: string): string[] {
  const program = ts.createProgram([file], {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10, types: ['node'], typeRoots: [path.join(repoRoot, 'node_modules', '@types')],
    esModuleInterop: true, skipLibCheck: true,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    return `${block.file}:${block.lines[at] ?? block.line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

function runScript(block: CodeBlock, dir: string): string {
  const base = path.join(dir, `block-${block.line}`);
  fs.writeFileSync(`${base}.${block.lang}`, block.code);
  if (block.lang === 'ts') assert.deepEqual(typeErrors(block, `${base}.ts`), [], `${block.file}:${block.line}: the block does not type-check`);
  const js = ts.transpileModule(block.code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
  fs.writeFileSync(`${base}.cjs`, js);
  const r = spawnSync(process.execPath, [`${base}.cjs`], { cwd: dir, env: environment(dir), encoding: 'utf8', timeout: TIMEOUT_MS });
  if (r.status !== 0) fail(`${block.file}:${block.line}`, `the ${block.lang} block`, r);
  return r.stdout;
}

export function run(block: CodeBlock, dir: string): string {
  if (SHELL.has(block.lang)) return runShell(block, dir);
  if (block.lang === 'python') return runPython(block, dir);
  if (SCRIPT.has(block.lang)) return runScript(block, dir);
  return assert.fail(`${block.file}:${block.line}: a \`\`\`${block.lang} block, which this test cannot run; use sh, console, python, ts, js (or text for output)`);
}
