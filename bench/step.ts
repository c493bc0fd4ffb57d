// Training-step time of the transformer (model c) against PyTorch on CPU, in the same run,
// alternating the two three times (the machine is shared and noisy).
//   npm run build && node dist/bench/step.js
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const cfg = { layers: 2, dModel: 128, heads: 4, seq: 5, batch: 512, vocab: 100, classes: 97, steps: 20 };
const ours: Record<string, number>[] = [];
const torch: number[] = [];
for (let r = 0; r < 3; r++) {
  const a = spawnSync(process.execPath, [path.join(root, 'dist/src/cli/main.js'), 'bench', 'step', '--layers', `${cfg.layers}`,
    '--d-model', `${cfg.dModel}`, '--heads', `${cfg.heads}`, '--seq', `${cfg.seq}`, '--batch', `${cfg.batch}`, '--vocab', `${cfg.vocab}`,
    '--classes', `${cfg.classes}`, '--steps', `${cfg.steps}`, '--json'], { encoding: 'utf8' });
  if (a.status !== 0) throw new Error(a.stderr);
  ours.push(JSON.parse(a.stdout));
  const b = spawnSync('/usr/bin/python3', [path.join(root, 'bench/torch_step.py'), ...[cfg.layers, cfg.dModel, cfg.heads, cfg.seq, cfg.batch, cfg.vocab, cfg.classes, cfg.steps].map(String)], { encoding: 'utf8' });
  if (b.status !== 0) throw new Error(b.stderr);
  torch.push(JSON.parse(b.stdout).medianMs);
}
const med = (a: number[]): number => [...a].sort((x, y) => x - y)[1];
const m = (k: string): number => med(ours.map((o) => o[k]));
console.log(`config: L=${cfg.layers} D=${cfg.dModel} H=${cfg.heads} T=${cfg.seq} B=${cfg.batch} V=${cfg.vocab} C=${cfg.classes}, float32, ${cfg.steps} steps x 3 runs`);
console.log(`| | ms/step (median of 3 runs) | runs |`);
console.log(`|---|---|---|`);
console.log(`| convexformer | ${m('medianMs').toFixed(1)} | ${ours.map((o) => o.medianMs.toFixed(1)).join(', ')} |`);
console.log(`| PyTorch ${'1.13 (Debian)'} | ${med(torch).toFixed(1)} | ${torch.map((t) => t.toFixed(1)).join(', ')} |`);
console.log(`ratio convexformer / PyTorch: ${(m('medianMs') / med(torch)).toFixed(2)}`);
console.log(`where our step goes (median ms): forward ${m('forwardMs').toFixed(1)}, backward ${m('backwardMs').toFixed(1)}, AdamW ${m('optimizerMs').toFixed(1)}`);
