// convexformer bench step: milliseconds per training step of the transformer (model c).
import { Command } from 'commander';
import { stepBench } from '../experiments/step-bench';
import { guarded, positiveInt } from './common';

export function benchCommand(): Command {
  const bench = new Command('bench').description('micro-benchmarks');
  bench.command('step')
    .description('median ms per training step (forward, backward, AdamW) of the L-layer transformer of eq. (1)')
    .option('--layers <L>', 'transformer blocks', positiveInt('--layers'), 2)
    .option('--d-model <D>', 'model width', positiveInt('--d-model'), 128)
    .option('--heads <H>', 'attention heads', positiveInt('--heads'), 4)
    .option('--seq <T>', 'tokens per sequence', positiveInt('--seq'), 5)
    .option('--batch <B>', 'sequences per step', positiveInt('--batch'), 512)
    .option('--vocab <V>', 'vocabulary size', positiveInt('--vocab'), 100)
    .option('--classes <C>', 'output classes', positiveInt('--classes'), 97)
    .option('--steps <K>', 'timed steps (after 2 warm-up steps)', positiveInt('--steps'), 20)
    .option('--float64', 'double precision (default: float32, like PyTorch)', false)
    .option('--json', 'one JSON line instead of text', false)
    .action((o: { layers: number; dModel: number; heads: number; seq: number; batch: number; vocab: number; classes: number; steps: number; float64: boolean; json: boolean }) => guarded(() => {
      const r = stepBench({ layers: o.layers, dModel: o.dModel, heads: o.heads, seq: o.seq, vocab: o.vocab, classes: o.classes, float32: !o.float64 }, o.batch, o.steps);
      if (o.json) console.log(JSON.stringify(r));
      else console.log(`${r.medianMs.toFixed(2)} ms/step (forward ${r.forwardMs.toFixed(2)}, backward ${r.backwardMs.toFixed(2)}, AdamW ${r.optimizerMs.toFixed(2)}), ${r.params} parameters, ${r.backend} ${r.precision}`);
    }));
  return bench;
}
