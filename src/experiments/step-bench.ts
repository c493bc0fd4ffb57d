// Time per training step of model (c): forward, backward, AdamW, on random token ids and labels.
// Reports the median over steps (after two warm-up steps) and where the time goes.
import { Transformer, type TransformerConfig } from '../nn/models/transformer';
import { gradBuffers, objective, paramData } from '../nn/models/model';
import { CrossEntropyLoss } from '../losses/cross-entropy';
import { adamw } from '../optim/transform';
import { optimizerStep } from '../optim/adamw-fused';
import { Rng } from '../core/rng';
import { blas } from '../core/blas';
import { median } from '../core/median';

export interface StepBenchResult {
  config: TransformerConfig & { batch: number; steps: number };
  medianMs: number;
  forwardMs: number;
  backwardMs: number;
  optimizerMs: number;
  params: number;
  backend: string;
  precision: string;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

export function stepBench(cfg: TransformerConfig, batch: number, steps: number): StepBenchResult {
  const model = new Transformer(cfg);
  const rng = new Rng(cfg.seed ?? 0);
  const ids = Int32Array.from({ length: batch * cfg.seq }, () => rng.int(cfg.vocab));
  const labels = Int32Array.from({ length: batch }, () => rng.int(cfg.classes));
  const batchData = { input: ids, B: batch, datafit: new CrossEntropyLoss(labels, cfg.classes) };
  const params = paramData(model);
  const opt = adamw(1e-3, 0.01);
  let state: unknown = opt.init(params);
  const step = optimizerStep(opt);
  const grads = gradBuffers(model);
  const total: number[] = [], fwd: number[] = [], bwd: number[] = [], optim: number[] = [];
  for (let s = 0; s < steps + 2; s++) {
    const t0 = now();
    model.forward(ids, batch);
    const t1 = now();
    objective(model, batchData, grads); // forward again + backward
    const t2 = now();
    state = step(grads, state, params); // as the trainer steps: one fused pass
    const t3 = now();
    if (s < 2) continue;
    fwd.push(t1 - t0);
    bwd.push(t2 - t1 - (t1 - t0));
    optim.push(t3 - t2);
    total.push(t3 - t1); // one training step: forward + backward + AdamW
  }
  return {
    config: { ...cfg, batch, steps },
    medianMs: median(total), forwardMs: median(fwd), backwardMs: median(bwd), optimizerMs: median(optim),
    params: params.reduce((n, p) => n + p.length, 0),
    backend: blas.info().backend, precision: cfg.float32 ? 'float32' : 'float64',
  };
}
