// The section of a grok run, as Ergen et al.'s Figures 4-6: train and test accuracy against steps
// (log x) and train and test loss against steps (log x, log y), the context (task, p, op,
// equations, split, model, layers, optimizer, weight decay, beta, seed), and a table of the steps
// to 99% train and test accuracy and the amount of grokking between them. For convex-certified
// (steps are block-coordinate rounds) also the last layer's certificate, and plainly any round
// whose solve did not reach its tol.
import * as path from 'node:path';
import type { Json, TimedRun } from '../runs';
import { readMetrics } from '../read';
import { spectraCharts } from './grok-spectra';
import { ChartList, series } from '../charts';
import { cell, escapeHtml, fields, precision } from '../text';
import { contextBlock, dataFact, NOT_RECORDED, type Fact } from '../context';
import { loadTimed, timedLayout, type Section } from './section';

type GrokRun = TimedRun & { kind: 'grok'; spectra: Json[] };

const SPLITS = [['train', 'trainAccuracy', 'trainLoss'], ['test', 'testAccuracy', 'testLoss']] as const;

const LOG_X = 'Steps on a log axis: the evaluation at step 0 (before training) cannot be drawn on it and is left out.';

function grokCharts(run: GrokRun, charts: ChartList): string {
  const bySplit = (key: 1 | 2, yLog: boolean) =>
    SPLITS.map((s) => series(s[0], run.metrics.map((l): [unknown, unknown] => [l.step, l[s[key]]]), true, yLog));
  return charts.add({ title: 'accuracy vs. steps', xLabel: 'steps', yLabel: 'accuracy', xLog: true, yLog: false,
    caption: `Train and test accuracy (share of equations whose largest output is their answer). ${LOG_X}` }, bySplit(1, false))
    + charts.add({ title: 'loss vs. steps', xLabel: 'steps', yLabel: 'mean cross-entropy', xLog: true, yLog: true,
      caption: `Train and test loss (mean cross-entropy per equation, log scale). ${LOG_X}` }, bySplit(2, true));
}

const shown = (v: unknown): string => (v === undefined ? NOT_RECORDED : cell(v));

function grokContext(run: GrokRun): string {
  const c = fields(run.config.config);
  const certified = c.model === 'convex-certified';
  const convex = c.model === 'convex' || c.model === 'convex-kernel' || certified;
  const kernel = c.model === 'convex-kernel' ? `, kernel features: ${shown(c.kernelBlocks)} blocks per layer, chi(${shown(c.chiDof)}) entries` : '';
  const facts: Fact[] = [
    dataFact(run.config),
    // each task records its own options: modular its op, periodicity how [log2 p] was rounded
    { label: 'task', html: `${shown(c.task)}${c.op === undefined ? '' : ` ${shown(c.op)}`} mod ${shown(c.p)}${c.logRound === undefined ? '' : ` ([log2 p] ${shown(c.logRound)})`}: ${shown(c.equations)} equations` },
    { label: 'split', html: `${shown(c.trainEquations)} train, ${shown(c.testEquations)} test (train fraction ${shown(c.trainFrac)}, seed ${shown(c.seed)})` },
    { label: 'task as generated', html: shown(c.taskSummary) },
    { label: 'model', html: `${shown(c.model)}, ${shown(c.layers)} layers${convex ? `, ${shown(c.gates)} gates per layer, ${shown(c.embedding)} embeddings${kernel}` : `, d ${shown(c.dModel)}, ${shown(c.heads)} heads`}` },
    certified
      ? { label: 'training', html: `block-coordinate: up to ${shown(c.rounds)} rounds of ${shown(c.innerSteps)} full-batch Adam steps (lr ${shown(c.lr)}) on the earlier layers, ` +
        `then the last layer solved by FISTA to rel. gap ${shown(c.tol)} (at most ${shown(c.maxIter)} iterations); a step is a round` }
      : { label: 'optimizer', html: `${shown(c.optimizer)}, lr ${shown(c.lr)}, weight decay ${shown(c.weightDecay)}, batch ${shown(c.batchSize)}, warm-up ${shown(c.warmup)} steps` },
  ];
  if (convex) facts.push({ label: 'beta', html: `${shown(c.beta)} (the group penalty beside the mean loss)` });
  facts.push({ label: 'seed', html: shown(c.seed) });
  return contextBlock(facts);
}

const steps = (v: unknown): string => (v === null ? 'not reached' : cell(v));

function grokNumbers(run: GrokRun): string {
  const r = run.result;
  const f = fields(r.final);
  const target = fields(run.config.config).targetAccuracy;
  const stop = r.reachedTarget === true ? `stopped: test accuracy reached ${cell(target)}`
    : r.reachedTarget === false ? `test accuracy did not reach ${cell(target)} in the steps run` : '';
  return `<table><tr><th>steps to 99% train</th><th>steps to 99% test</th><th>amount of grokking (steps)</th><th>seconds to 99% train</th><th>seconds to 99% test</th></tr>` +
    `<tr><td>${steps(r.stepsToTrain99)}</td><td>${steps(r.stepsToTest99)}</td><td>${r.grokking === null ? '- (needs both)' : cell(r.grokking)}</td>` +
    `<td>${cell(r.secondsToTrain99, precision(3))}</td><td>${cell(r.secondsToTest99, precision(3))}</td></tr></table>` +
    `<table><tr><th>steps</th><th>seconds</th><th>train loss</th><th>train acc.</th><th>test loss</th><th>test acc.</th><th>parameters</th><th>median step (s)</th></tr>` +
    `<tr><td>${cell(r.steps)}</td><td>${cell(r.seconds, precision(3))}</td><td>${cell(f.trainLoss, precision(4))}</td><td>${cell(f.trainAccuracy, precision(4))}</td>` +
    `<td>${cell(f.testLoss, precision(4))}</td><td>${cell(f.testAccuracy, precision(4))}</td><td>${cell(r.parameters)}</td><td>${cell(r.medianStepSeconds, precision(3))}</td></tr></table>` +
    (stop ? `<p class="prose">${escapeHtml(stop)}</p>` : '') + certificateTable(run);
}

/** convex-certified: J and the last layer's certificate after the last round; an uncertified solve said in words. */
function certificateTable(run: GrokRun): string {
  const r = run.result;
  if (r.certificate === undefined) return '';
  const c = fields(r.certificate);
  const missed = r.allSolvesConverged === false
    ? `<p class="prose">NOT certified: the last-layer solves of rounds ${escapeHtml((r.unconvergedRounds as number[]).join(', '))} stopped before their tol.</p>` : '';
  return `<table><tr><th>J</th><th>last layer primal</th><th>dual bound</th><th>rel. gap</th><th>FISTA iterations</th><th>certified</th></tr>` +
    `<tr><td>${cell(r.objective, precision(10))}</td><td>${cell(c.primal, precision(10))}</td><td>${cell(c.dual, precision(10))}</td>` +
    `<td>${cell(c.relGap, precision(3))}</td><td>${cell(c.iterations)}</td><td>${c.converged === true ? 'yes' : 'no'}</td></tr></table>` + missed +
    (r.stoppedAtFixedPoint === true ? `<p class="prose">Stopped at round ${cell(r.steps)}: it changed no parameter, so every later round would repeat it.</p>` : '');
}

export const grokSection: Section<GrokRun> = {
  load: (i) => [{ ...loadTimed('grok', i)[0], spectra: readMetrics(path.join(i.dir, 'spectra.jsonl'), i.warn) }],
  render: (run, charts) => timedLayout(run, {
    context: grokContext(run), plots: grokCharts(run, charts) + spectraCharts(run.spectra, charts), maps: '', numbers: grokNumbers(run),
  }),
};
