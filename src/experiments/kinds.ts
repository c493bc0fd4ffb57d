// The kinds of experiment, each with the files its run directory holds. RunDir records the kind in
// config.json, and the report reads it from there (src/report/sections/index.ts maps each kind to
// the module that renders it), so no reader guesses a run's kind from which files exist.
// Adding an experiment: one line here, its section in src/report/sections/, and its tests.

export const RUN_KINDS = {
  fit: { files: ['config.json', 'metrics.jsonl', 'result.json', 'weights.npz'], what: 'one certified convex solve' },
  path: { files: ['config.json', 'path.json', 'path.jsonl'], what: 'certified solves along a regularization path' },
  // (checkpoint.json too while the run is unfinished: OUT.partial)
  compare: { files: ['config.json', 'metrics.jsonl', 'result.json'], what: 'the convex solve beside non-convex models trained with Adam' },
  grok: { files: ['config.json', 'metrics.jsonl', 'result.json', 'spectra.jsonl'], what: 'a model trained on a generated task until it generalizes (grokking)' },
  'grok-suite': { files: ['config.json', 'result.json', 'SETTING-seedS (a grok run each)', 'SETTING-seedS.log'], what: 'the grokking grid of Ergen et al. section 4, a grok run per setting and seed (Figure 7)' },
  vision: { files: ['config.json', 'metrics.jsonl', 'result.json', 'weights.npz'], what: 'convex attention heads against non-convex baselines on image patches (Fashion-MNIST), with a regularization path' },
  demo: { files: ['config.json', 'fit', 'compare', 'report.html'], what: 'a fit and a compare run on generated teacher data' },
} as const satisfies Record<string, { files: readonly string[]; what: string }>;

export type RunKind = keyof typeof RUN_KINDS;

export const runKinds = (): RunKind[] => Object.keys(RUN_KINDS) as RunKind[];

export const isRunKind = (v: unknown): v is RunKind => typeof v === 'string' && Object.hasOwn(RUN_KINDS, v);

/** Version of config.json's layout: raised when a field changes meaning, so old runs can be told apart. */
export const SCHEMA_VERSION = 1;
