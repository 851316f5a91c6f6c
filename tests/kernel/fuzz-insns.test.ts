// Random instruction streams run as user programs on the kernel: arbitrary loads, stores, jumps,
// stack operations, traps and system calls with whatever the registers hold (forks, signal
// handlers and rt_sigreturn on garbage frames included). Whatever a program does, the model must
// not throw a host exception: the program runs, exits or is killed by a signal, and kernel/mm's
// invariants hold afterwards.
import { describe, expect, it } from 'vitest';
import { rng } from './helpers.ts';
import { encodeInsn, OPCODES } from '../../hw/isa/opcodes.ts';
import { SYSCALLS } from '../../kernel/uapi/constants.ts';
import { checkInvariants } from '../../kernel/mm/index.ts';
import { runProgram } from '../../tools/runner/index.ts';

const NRS = Object.values(SYSCALLS);
const IMMS = [0, 8, -8, 16, 4096, -4096, 0x1000000, 0x7fffffff, -0x80000000, 1, 3, 63];

/**
 * The prologue installs one handler for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGTRAP that skips the
 * faulting instruction (saved pc += 8, then rt_sigreturn), so a stream keeps going past its faults,
 * and points some registers at memory: r8 at .bss, r9 at a fresh mapping, r10 at the stack.
 */
const PROLOGUE = `
        .text
        .globl _start
_start: la    r1, act
        la    r2, skip
        st64  [r1], r2
        li    r2, SA_RESTORER|SA_SIGINFO|SA_NODEFER
        st64  [r1+8], r2
        la    r2, restorer
        st64  [r1+16], r2
        li    r5, SIGSEGV
        call  sigact
        li    r5, SIGBUS
        call  sigact
        li    r5, SIGILL
        call  sigact
        li    r5, SIGFPE
        call  sigact
        li    r5, SIGTRAP
        call  sigact
        li    r0, SYS_mmap
        li    r1, 0
        li    r2, 0x10000
        li    r3, PROT_READ|PROT_WRITE
        li    r4, MAP_PRIVATE|MAP_ANONYMOUS
        li    r5, -1
        li    r6, 0
        syscall
        mov   r9, r0
        la    r8, buf
        mov   r10, sp
        b     body
sigact: li    r0, SYS_rt_sigaction
        mov   r1, r5
        la    r2, act
        li    r3, 0
        li    r4, 8
        syscall
        ret
skip:   ld64  r4, [r3+128]
        addi  r4, r4, 8
        st64  [r3+128], r4
        ret
restorer: li  r0, SYS_rt_sigreturn
        syscall
        .bss
act:    .zero 32
buf:    .zero 65536
        .text
body:
`;

/** A program of `n` instruction words: mostly valid opcodes, sometimes a `li r0, nr; syscall` pair. */
function program(seed: number, n: number): string {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const words = new Uint8Array(n * 8);
  for (let i = 0; i < n; i++) {
    const roll = r();
    let op: number;
    let imm = r() < 0.5 ? pick(IMMS) : (r() * 0x100000000) | 0;
    if (roll < 0.08 && i + 1 < n) {
      // li r0, <syscall number>; syscall
      encodeInsn(words, i * 8, 0x20, 0, 0, 0, r() < 0.9 ? pick(NRS) : Math.floor(r() * 400));
      i++;
      op = 0x60;
    } else if (roll < 0.1) op = Math.floor(r() * 256); // anything, reserved encodings too
    else {
      op = pick(OPCODES).op;
      if (op >= 0x40 && op <= 0x4f) imm = (Math.floor(r() * 16) - 8) * 8; // branches stay nearby
    }
    encodeInsn(words, i * 8, op, Math.floor(r() * 16), Math.floor(r() * 16), Math.floor(r() * 16), imm);
    if (r() < 0.02) words[i * 8 + 3] = 1; // a "must be 0" byte set
  }
  const dv = new DataView(words.buffer);
  const body: string[] = [];
  for (let i = 0; i < n; i++) body.push(`        .quad 0x${dv.getBigUint64(i * 8, true).toString(16)}`);
  return PROLOGUE + body.join('\n') + '\n        li    r0, SYS_exit_group\n        li    r1, 0\n        syscall\n';
}

describe('random instruction streams never crash the model', () => {
  for (let seed = 1; seed <= 40; seed++) {
    it(`seed ${seed}`, () => {
      const r = runProgram({
        program: `fuzz-${seed}.s`, programText: program(seed * 7919, 300), aslr: 2, seed,
        maxCycles: 3_000_000, mem: 64 * 1024 * 1024,
        stdout: () => {}, stderr: () => {}, log: () => {},
      });
      expect(['exited', 'max-cycles', 'deadlock']).toContain(r.reason);
      expect(checkInvariants(r.kernel.mmg.kmm)).toEqual([]);
    });
  }
});
