// One process can never touch another's memory: after fork, memory either side creates or writes
// is its own (a private mapping at the same address in the other process reads its own bytes or
// zero), and the kernel half (the direct map of all physical memory) is out of a user's reach.
import { describe, expect, it } from 'vitest';
import { runAsm } from './helpers.ts';

describe('process isolation', () => {
  it('a mapping created by the parent after fork is invisible to the child at the same address', () => {
    const r = runAsm(`
        .text
        .globl _start
_start: li    r0, SYS_fork
        syscall
        bnez  r0, parent
        # child: wait for the parent to write its secret, then map the same address itself
        li    r5, 200
spin:   li    r0, SYS_sched_yield
        syscall
        addi  r5, r5, -1
        bnez  r5, spin
        li    r0, SYS_mmap
        li    r1, 0x200000000
        li    r2, 4096
        li    r3, PROT_READ|PROT_WRITE
        li    r4, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE
        li    r5, -1
        li    r6, 0
        syscall
        mov   r1, r0
        call  out                       # the child's mapping lands at 0x200000000 (no EEXIST)
        li    r9, 0x200000000
        ld64  r1, [r9]
        call  out                       # and reads 0, not the parent's secret
        call  exit0
parent: mov   r7, r0
        li    r0, SYS_mmap
        li    r1, 0x200000000
        li    r2, 4096
        li    r3, PROT_READ|PROT_WRITE
        li    r4, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED
        li    r5, -1
        li    r6, 0
        syscall
        li    r9, 0x200000000
        li    r1, 0x5ec2e7
        st64  [r9], r1
        li    r0, SYS_wait4
        mov   r1, r7
        li    r2, 0
        li    r3, 0
        li    r4, 0
        syscall
        ld64  r1, [r9]
        call  out                       # the parent's secret is intact
        call  exit0
`);
    expect(r.words).toEqual([0x200000000n, 0n, 0x5ec2e7n]);
  });

  it('a child writing its copy-on-write pages never changes the parent, page by page', () => {
    const r = runAsm(`
        .text
        .globl _start
_start: li    r0, SYS_mmap
        li    r1, 0
        li    r2, 4*4096
        li    r3, PROT_READ|PROT_WRITE
        li    r4, MAP_PRIVATE|MAP_ANONYMOUS
        li    r5, -1
        li    r6, 0
        syscall
        mov   r8, r0
        li    r1, 0x1111
        st64  [r8], r1
        st64  [r8+4096], r1
        st64  [r8+8192], r1
        li    r0, SYS_fork
        syscall
        bnez  r0, parent
        li    r1, 0x2222
        st64  [r8], r1
        st64  [r8+4096], r1
        st64  [r8+12288], r1
        call  exit0
parent: mov   r1, r0
        li    r0, SYS_wait4
        li    r2, 0
        li    r3, 0
        li    r4, 0
        syscall
        ld64  r1, [r8]
        call  out
        ld64  r1, [r8+4096]
        call  out
        ld64  r1, [r8+8192]
        call  out
        ld64  r1, [r8+12288]
        call  out
        call  exit0
`);
    expect(r.words).toEqual([0x1111n, 0x1111n, 0x1111n, 0n]);
  });

  it('the direct map of physical memory is supervisor-only: reads and writes there are SIGSEGV', () => {
    for (const op of ['ld64  r2, [r1]', 'st64  [r1], r1']) {
      const r = runAsm(`
        .text
        .globl _start
_start: li    r1, 0xffff888000100000
        ${op}
`);
      expect(r.result.signal).toBe(11);
    }
  });
});
