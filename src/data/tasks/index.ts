// The task registry and what it generates; see task.ts for the shape of a task.
export { TASKS, taskNamed } from './registry';
export { modular, inverseMod, MODULAR_OPS, type ModularOp } from './modular';
export { periodicity, LOG_ROUNDS } from './periodicity';
export { seededSplit, type Split } from './split';
export { optionValues, type Task, type TaskData, type TaskOption, type TaskValues } from './task';
export { taskArrays, TASK_FORMATS, type TaskFormat } from './arrays';
export { writeFileWhole } from './write-file';
