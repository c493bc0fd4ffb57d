// What the report reads from a run directory, per kind: values kept as found (sections check each
// before showing it). Types only, so the loader and the section modules can share them.
export type Json = Record<string, unknown>;

export type Warn = (message: string) => void;

interface RunBase {
  dir: string;
  /** config.json: kind, schemaVersion, dataFile and dataHash (or generator), config */
  config: Json;
}

/** fit, compare, grok and vision: result.json and the metrics.jsonl lines. */
export interface TimedRun extends RunBase {
  kind: 'fit' | 'compare' | 'grok' | 'vision';
  result: Json;
  /** metrics.jsonl, one object per line */
  metrics: Json[];
}

export interface PathRun extends RunBase {
  kind: 'path';
  /** path.json, one object per beta */
  rows: Json[];
}

/** A demo directory: its own config.json (the generator) and its parts, fit/ and compare/. */
export interface DemoRun extends RunBase {
  kind: 'demo';
  parts: Run[];
}

/** A grok suite: its result.json (rows and per-setting aggregates) and each run's metrics.jsonl, by run directory name. */
export interface GrokSuiteRun extends RunBase {
  kind: 'grok-suite';
  result: Json;
  curves: Map<string, Json[]>;
}

export type Run = TimedRun | PathRun | DemoRun | GrokSuiteRun;
