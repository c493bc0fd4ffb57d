// What a section module is: how to read its kind's run directory, and how to render it. Each kind
// of src/experiments/kinds.ts has one (sections/index.ts maps kind to module).
import * as path from 'node:path';
import type { ChartList } from '../charts';
import type { Json, Run, TimedRun, Warn } from '../runs';
import { readMetrics, readObject } from '../read';
import { configLine } from '../config-line';
import { escapeHtml } from '../text';

export interface LoadInput {
  dir: string;
  /** config.json, already read (it names the kind) */
  config: Json;
  warn: Warn;
  /** The runs of a subdirectory (a demo's parts), read by kind like any other. */
  loadPart(dir: string): Run[];
}

export interface Section<R extends Run> {
  /** The runs this directory contributes: itself first (a demo adds its parts after it). */
  load(input: LoadInput): [R, ...Run[]];
  render(run: R, charts: ChartList): string;
}

/** fit and compare: result.json and metrics.jsonl. */
export function loadTimed<K extends TimedRun['kind']>(kind: K, i: LoadInput): [TimedRun & { kind: K }] {
  const file = (name: string) => path.join(i.dir, name);
  return [{ kind, dir: i.dir, config: i.config, result: readObject(file('result.json')), metrics: readMetrics(file('metrics.jsonl'), i.warn) }];
}

export const sectionTitle = (run: Run): string => `<h2>${escapeHtml(run.dir)} <small>(${run.kind})</small></h2>`;

/** The layout of a fit or compare section: context, charts, attention heatmap, final numbers, settings. */
export function timedLayout(run: TimedRun, parts: { context: string; plots: string; maps: string; numbers: string; settings?: string }): string {
  return `${sectionTitle(run)}
${parts.context}
<div class="charts">${parts.plots}</div>
${parts.maps}
<h3>Final numbers</h3>${parts.numbers}
${parts.settings ?? ''}
${configLine(run.config)}`;
}
