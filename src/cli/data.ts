// convexformer data <task>: generate a task (modular arithmetic...) and write it to an .npz, the
// split included, so the same equations reach `fit` (--format tokens) or NumPy/PyTorch (ids).
import { Command, Option } from 'commander';
import { encodeNpz } from '../data/npz';
import { TASKS } from '../data/tasks/registry';
import { taskArrays, TASK_FORMATS, type TaskFormat } from '../data/tasks/arrays';
import { writeFileWhole } from '../data/tasks/write-file';
import type { Task, TaskOption, TaskValues } from '../data/tasks/task';
import { choice, escapeControl, guarded, number } from './common';

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

export function dataCommand(): Command {
  const cmd = new Command('data').description('generate a task\'s data set with its seeded train/test split and write it to an .npz');
  TASKS.forEach((t) => cmd.addCommand(taskCommand(t)));
  return cmd;
}
