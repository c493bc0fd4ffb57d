// convexformer data <task>: generate a task (modular arithmetic...) and write it to an .npz, the
// split included, so the same equations reach `fit` (--format tokens) or NumPy/PyTorch (ids);
// and `data fashion-mnist`: the IDX images as patch tokens (src/data/vision.ts).
import { Command, Option } from 'commander';
import { encodeNpz } from '../data/npz';
import { TASKS } from '../data/tasks/registry';
import { taskArrays, TASK_FORMATS, type TaskFormat } from '../data/tasks/arrays';
import { writeFileWhole } from '../data/tasks/write-file';
import type { Task, TaskOption, TaskValues } from '../data/tasks/task';
import { DEFAULT_FASHION_DIR, loadVision, PROJECTIONS, visionArrays, type Projection } from '../data/vision';
import { choice, doing, escapeControl, guarded, nonNegativeInt, number, positiveInt } from './common';

const FORMAT_HELP = 'ids: ids_train (N, seq) int32, y_train, ids_test, y_test; ' +
  'tokens: one-hot X (N, seq, vocab), y, X_test, y_test, which `convexformer fit --loss ce` reads';

/** A task's declared option as a flag: choices checked by commander, numbers parsed (the task checks their range). */
function flag(o: TaskOption): Option {
  const opt = new Option(o.flag, o.description);
  if (o.choices) opt.choices(o.choices);
  else opt.argParser(number(o.flag.split(' ')[0], () => true, 'a number'));
  if (o.default === undefined) opt.makeOptionMandatory();
  else opt.default(o.default);
  return opt;
}

function taskCommand(task: Task): Command {
  const cmd = new Command(task.name).description(task.description).addHelpText('after', `\n${task.help}`);
  task.options.forEach((o) => cmd.addOption(flag(o)));
  return cmd
    .addOption(choice('--format <kind>', FORMAT_HELP, [...TASK_FORMATS], 'ids'))
    .requiredOption('--out <file>', 'the .npz to write (the metadata too: p, op, vocab, train_frac, seed, counts)')
    .addOption(new Option('--force', 'replace --out if it exists').default(false))
    .action((o: Record<string, unknown> & { format: TaskFormat; out: string; force: boolean }) => guarded(() => {
      const values: TaskValues = Object.fromEntries(task.options.map((t) => [t.field, o[t.field] as string | number]));
      const data = task.generate(values);
      writeFileWhole(o.out, encodeNpz(taskArrays(data, o.format)), o.force);
      console.log(`wrote ${escapeControl(o.out)} (${o.format}): ${data.summary}`);
    }));
}

const VISION_HELP = `
The training and test files of an MNIST-family directory (train-images-idx3-ubyte,
train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; gzipped or not):
Debian's dataset-fashion-mnist package (installed by scripts/system-deps.sh) puts them in
${DEFAULT_FASHION_DIR}. Each image becomes (rows/p)(cols/p) tokens of p x p pixels, read row by
row, scaled to [0, 1] and standardised per pixel of the patch with the training tokens' mean and
standard deviation (never the test set's); --project pca keeps the top --dim principal components
of the standardised training tokens, --project random multiplies by a seeded Gaussian matrix.
Writes X (N, tokens, d) float32, y int32 (for --loss ce), Y one-hot float32 (for --loss squared),
X_test, y_test, Y_test (what \`convexformer fit\` reads), and
feature_mean, feature_std, projection (p^2 x d), patch, seed, classes. docs/vision.md.`;

function visionCommand(): Command {
  return new Command('fashion-mnist')
    .description('Fashion-MNIST (or any MNIST-family IDX directory) as patch tokens, for fit and the vision experiment')
    .addHelpText('after', VISION_HELP)
    .option('--idx-dir <dir>', 'the directory holding the four IDX files', DEFAULT_FASHION_DIR)
    .option('--patch <p>', 'patch side in pixels; must divide the image sides (28: 1, 2, 4, 7, 14, 28)', positiveInt('--patch'), 7)
    .addOption(choice('--project <how>', 'per-token projection of the p^2 pixels: none, pca (training set), random (seeded Gaussian)', [...PROJECTIONS], 'none'))
    .option('--dim <d>', 'the projected width (with --project pca or random)', positiveInt('--dim'))
    .option('--n-train <N>', 'a seeded subset of the 60,000 training images (default: all)', positiveInt('--n-train'))
    .option('--n-test <N>', 'a seeded subset of the 10,000 test images (default: all)', positiveInt('--n-test'))
    .option('--seed <s>', 'seed for the subsets and the random projection', nonNegativeInt('--seed'), 0)
    .requiredOption('--out <file>', 'the .npz to write')
    .addOption(new Option('--force', 'replace --out if it exists').default(false))
    .action((o: { idxDir: string; patch: number; project: Projection; dim?: number; nTrain?: number; nTest?: number; seed: number; out: string; force: boolean }) => guarded(() => {
      doing(`reading and cutting the images of ${o.idxDir}`);
      const opts = { idxDir: o.idxDir, patch: o.patch, project: o.project, dim: o.dim, nTrain: o.nTrain, nTest: o.nTest, seed: o.seed };
      const v = loadVision(opts);
      writeFileWhole(o.out, encodeNpz(visionArrays(v, opts)), o.force);
      const kept = v.varianceKept === null ? '' : `, PCA keeps ${(100 * v.varianceKept).toFixed(1)}% of the training variance`;
      console.log(`wrote ${escapeControl(o.out)}: ${v.N} training and ${v.Ntest} test images as ${v.n} tokens of ${v.d} values, ${v.classes} classes${kept}`);
    }));
}

export function dataCommand(): Command {
  const cmd = new Command('data').description('generate a task\'s data set with its seeded train/test split and write it to an .npz');
  TASKS.forEach((t) => cmd.addCommand(taskCommand(t)));
  cmd.addCommand(visionCommand());
  return cmd;
}
