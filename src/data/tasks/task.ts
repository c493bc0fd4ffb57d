// The shape every generated task has (grokking's modular arithmetic first): a name, its options
// declared once (the CLI's flags, their help and their config fields come from there), and a
// generator giving token sequences, the label read at the last position, and a seeded split.
import { InputError, quote } from '../errors';

/** An option a task takes. The CLI offers it as `flag`; errors below the CLI name `field`. */
export interface TaskOption {
  /** the config field, camelCase; its flag is the same name in kebab-case */
  field: string;
  /** the flag and its argument, e.g. '--p <P>' */
  flag: string;
  description: string;
  /** the values a string option takes; absent: the option is a number */
  choices?: readonly string[];
  /** the value when none is given; absent: the option must be given */
  default?: string | number;
}

/** The values given for a task's options, by field (the task checks them). */
export type TaskValues = Readonly<Record<string, string | number | undefined>>;

/** What a task generates: every example, and which are for training and which for testing. */
export interface TaskData {
  /** token ids (N, seq), C order */
  ids: Int32Array;
  N: number;
  seq: number;
  /** the class of each example, read at the last position (N,) */
  labels: Int32Array;
  /** token ids are 0..vocab-1 */
  vocab: number;
  /** labels are 0..classes-1 */
  classes: number;
  /** the name of each token id, for messages and docs */
  tokenNames: readonly string[];
  /** indices of the training examples, increasing; disjoint from `test`, together all of 0..N-1 */
  train: Int32Array;
  test: Int32Array;
  /** small numbers that describe the task (p, op, seed...), exported beside the arrays */
  metadata: Readonly<Record<string, number>>;
  /** one line saying what was generated, e.g. how a partial operation was restricted */
  summary: string;
}

export interface Task {
  readonly name: string;
  /** one line, for --help */
  readonly description: string;
  /** further paragraphs for --help: how the task is defined where that is not obvious */
  readonly help: string;
  readonly options: readonly TaskOption[];
  generate(values: TaskValues): TaskData;
}

/**
 * The values of a task's declared options, defaults filled in, each of the declared type: a
 * choice among `choices`, else a finite number. A field the task does not declare is refused,
 * so a misspelt option cannot silently fall back to its default.
 */
export function optionValues(task: Task, values: TaskValues): Record<string, string | number> {
  for (const field of Object.keys(values)) {
    if (values[field] !== undefined && !task.options.some((o) => o.field === field)) {
      throw new InputError(field, `is not an option of task ${task.name}; its options are ${task.options.map((o) => o.field).join(', ')}`);
    }
  }
  const out: Record<string, string | number> = {};
  for (const o of task.options) {
    const v = values[o.field] ?? o.default;
    if (v === undefined) throw new InputError(o.field, `missing; task ${task.name} needs it (${o.description})`);
    if (o.choices && !(typeof v === 'string' && o.choices.includes(v))) {
      throw new InputError(o.field, `must be one of ${o.choices.join(', ')}, got ${quote(String(v))}`);
    }
    if (!o.choices && !(typeof v === 'number' && Number.isFinite(v))) {
      throw new InputError(o.field, `must be a number, got ${quote(String(v))}`);
    }
    out[o.field] = v;
  }
  return out;
}
