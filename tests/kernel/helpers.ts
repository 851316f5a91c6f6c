import { checkInvariants } from '../../kernel/mm/index.ts';
// Test helpers: run a T64 assembly program on a fresh kernel and decode what it wrote.
import { runProgram, type RunOptions, type RunResult } from '../../tools/runner/index.ts';
import type { TraceEvent } from '../../hw/trace.ts';

/** Appended to every test program: `out` writes r1 as 8 raw little-endian bytes to stdout (registers preserved). */
const RUNTIME = `
        .text
out:    push  r0
        push  r1
        push  r2
        push  r3
        push  r9
        la    r9, obuf
        st64  [r9], r1
        li    r0, SYS_write
        li    r1, 1
        mov   r2, r9
        li    r3, 8
        syscall
        pop   r9
        pop   r3
        pop   r2
        pop   r1
        pop   r0
        ret
exit0:  li    r0, SYS_exit_group
        li    r1, 0
        syscall
        .bss
obuf:   .zero 8
`;

export interface AsmRun {
  result: RunResult;
  /** stdout as 64-bit words (what `out` wrote). */
  words: bigint[];
  stdout: Uint8Array;
  stderr: string;
  log: string[];
  events: TraceEvent[];
}

export function runAsm(src: string, opts: Partial<RunOptions> & { trace?: boolean } = {}): AsmRun {
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const log: string[] = [];
  const events: TraceEvent[] = [];
  const result = runProgram({
    program: 'test.s',
    programText: src + RUNTIME,
    aslr: 0,
    maxCycles: 200_000_000,
    stdout: (b) => out.push(b.slice()),
    stderr: (b) => err.push(b.slice()),
    log: (l) => log.push(l),
    tracer: opts.trace ? { event: (e) => events.push(e) } : null,
    ...opts,
  });
  // Invariants after every run: refcounts equal users, no leaked frame, every present PTE in a VMA.
  const violations = checkInvariants(result.kernel.mmg.kmm);
  if (violations.length > 0) throw new Error(`mm invariants violated after the run:\n${violations.slice(0, 10).join('\n')}`);
  const stdout = new Uint8Array(Buffer.concat(out));
  const words: bigint[] = [];
  const dv = new DataView(stdout.buffer, stdout.byteOffset, stdout.byteLength);
  for (let i = 0; i + 8 <= stdout.length; i += 8) words.push(dv.getBigUint64(i, true));
  return { result, words, stdout, stderr: Buffer.concat(err).toString('utf8'), log, events };
}

/** A signed view of a 64-bit word (-errno results). */
export const s64 = (v: bigint) => BigInt.asIntN(64, v);

/** A seeded xorshift32 generator in [0, 1): reproducible fuzz programs. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}
