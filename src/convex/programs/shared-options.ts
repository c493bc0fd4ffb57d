// Options more than one program declares, one object each, so that the flag they share has one
// description wherever it is shown (fit-options.ts lists a shared field once).
import type { ProgramOption } from './program';

/** Ergen's gated program (eq. 12): gates are cheap, one scalar per sample. */
export const DEFAULT_GATES = 8;
/** The gated Sahiner programs: each gate costs a block of Z and its SVD per iteration. */
export const DEFAULT_SAHINER_GATES = 4;

export const GATES_OPTION: ProgramOption = {
  field: 'gates', flag: '--gates <h>', min: 1,
  description: `number of gates h (gated: default ${DEFAULT_GATES}, or the h of U1/U2 in the file; gated-mhsa, gated-mixer: default ${DEFAULT_SAHINER_GATES})`,
};

export const SEED_OPTION: ProgramOption = {
  field: 'seed', flag: '--seed <s>', min: 0,
  description: 'seed for what the program draws (the gated programs: the gates; kernel: the feature map)',
};
