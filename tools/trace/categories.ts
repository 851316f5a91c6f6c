// The categories `--only` selects, and the event kinds in each.
import { PagewalkError } from '../../hw/errors.ts';
import type { TraceEvent } from '../../hw/trace.ts';

export const CATEGORIES = {
  /** Page faults with the kernel's decision, and the signals they raise. */
  faults: ['page-fault', 'signal'],
  /** System calls, strace-rendered. */
  syscalls: ['syscall'],
  /** Translations (TLB level hit or missed) and the steps of their page walks. */
  walks: ['translate', 'walk-step'],
  /** TLB and paging-structure-cache invalidations and why. */
  tlb: ['tlb-invalidate'],
  /** Context switches. */
  sched: ['context-switch'],
  /** fork, exec, exit, kill. */
  process: ['process'],
  /** Signals delivered. */
  signals: ['signal'],
  /** Every instruction retired, disassembled (the run is then stepped: slower). */
  insns: ['insn'],
} as const satisfies Record<string, readonly TraceEvent['kind'][]>;

export type Category = keyof typeof CATEGORIES;

/** What `trace` shows without --only: everything but the instructions. */
export const DEFAULT_CATEGORIES: Category[] = ['faults', 'syscalls', 'walks', 'tlb', 'sched', 'process', 'signals'];

export type KindSet = ReadonlySet<TraceEvent['kind']>;

/** Parses "faults,syscalls" into the set of event kinds to keep. */
export function parseOnly(spec: string | undefined): KindSet {
  const cats: string[] = spec === undefined ? DEFAULT_CATEGORIES : spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (cats.length === 0) throw new PagewalkError(`--only: empty list (choose from ${Object.keys(CATEGORIES).join(', ')})`, 2);
  const kinds = new Set<TraceEvent['kind']>();
  for (const c of cats) {
    const ks = (CATEGORIES as Record<string, readonly TraceEvent['kind'][]>)[c];
    if (!ks) throw new PagewalkError(`--only: unknown category '${c}' (choose from ${Object.keys(CATEGORIES).join(', ')})`, 2);
    for (const k of ks) kinds.add(k);
  }
  return kinds;
}
