// Small integer codes shared by the MMU's files: access types, phases of the translation state
// machine, where a translation was found, walk status. They are kept apart from the code that
// uses them for speed: V8 folds a module-local constant into optimized code, but loads an
// imported or exported binding from its module cell (with a hole check) at every use. So the
// hot files take local copies (`const { ACC_READ, ... } = codes;`) and re-export what their
// users import from them (`export { ACC_READ } from './codes.ts'`).

/** Access types (the `access` argument of translate). */
export const ACC_READ = 0;
export const ACC_WRITE = 1;
export const ACC_FETCH = 2;

/** Phases of the translation state machine (mmu.ts). */
export const PH_IDLE = 0;
export const PH_L1 = 1;
export const PH_L2 = 2;
export const PH_WALK = 3;
export const PH_DONE = 4;

/** Where the translation of a page was found. */
export const FOUND_L1 = 0;
export const FOUND_L2 = 1;
export const FOUND_WALK = 2;

/** Status of a walk (walk.ts). */
export const WALK_RUNNING = 0;
export const WALK_OK = 1;
export const WALK_FAULT = 2;

/** Why a walk faulted. */
export const WF_NONE = 0;
export const WF_NOT_PRESENT = 1;
export const WF_RESERVED = 2;
export const WF_RIGHTS = 3;
