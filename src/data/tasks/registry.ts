// The generated tasks, one line each: `convexformer data <task>` and its --help list them from here.
import { InputError, quote } from '../errors';
import { modular } from './modular';
import { periodicity } from './periodicity';
import type { Task } from './task';

export const TASKS: readonly Task[] = [modular, periodicity];

export function taskNamed(name: string): Task {
  const task = TASKS.find((t) => t.name === name);
  if (!task) throw new InputError('task', `unknown task ${quote(name)}; expected one of ${TASKS.map((t) => t.name).join(', ')}`);
  return task;
}
