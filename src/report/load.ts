// Reads run directories (and nothing else: the report never recomputes a model).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../data/errors';

export interface Series {
  name: string;
  seconds: number[];
  iterations: number[];
  objective: number[];
  testLoss: (number | null)[];
}

export interface Run {
  dir: string;
  kind: 'compare' | 'fit';
  series: Series[];
  result: Record<string, any>;
  maps: Record<string, number[]>;
}

export function loadRun(dir: string): Run {
  const file = (name: string): string => path.join(dir, name);
  if (!fs.existsSync(file('result.json'))) throw new InputError('run', `${dir} has no result.json (not a run directory, or an unfinished run)`);
  const result = JSON.parse(fs.readFileSync(file('result.json'), 'utf8'));
  const lines = fs.existsSync(file('metrics.jsonl'))
    ? fs.readFileSync(file('metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l))
    : [];
  const kind = lines.some((l) => 'model' in l) ? 'compare' : 'fit';
  const byName = new Map<string, Series>();
  for (const l of lines) {
    const name = kind === 'compare' ? l.model : 'convex';
    if (!byName.has(name)) byName.set(name, { name, seconds: [], iterations: [], objective: [], testLoss: [] });
    const s = byName.get(name)!;
    s.seconds.push(l.seconds);
    s.iterations.push(l.iteration);
    s.objective.push(kind === 'compare' ? l.objective : l.primal);
    s.testLoss.push(Number.isFinite(l.testLoss) ? l.testLoss : null);
  }
  const maps: Record<string, number[]> = result.maps ?? {};
  if (kind === 'fit' && Array.isArray(result.headList)) {
    const m = new Array(result.n).fill(0);
    let t = 0;
    for (const h of result.headList) { m[h.token] += h.norm; t += h.norm; }
    maps.convex = t > 0 ? m.map((v: number) => v / t) : m;
  }
  return { dir, kind, series: [...byName.values()], result, maps };
}
