// System calls with hostile arguments: huge, negative, unaligned and wrapping lengths, pointers into the
// kernel half, non-canonical and misaligned pointers, unknown flag bits (also above bit 31). Linux
// answers these with an errno; the model must too: no host exception, every process exits normally,
// and kernel/mm's invariants hold afterwards.
import { describe, expect, it } from 'vitest';
import { rng, runAsm } from './helpers.ts';
import { checkInvariants } from '../../kernel/mm/index.ts';

const ADDRS = ['0', '1', '0xfff', '0x1000', '0x200000000', '0x200000800', '0x200001000', '0x7ffffffff000', '0x7ffffffffff8',
  '0x800000000000', '0xffff800000000000', '0xfffffffffffff000', '0xffffffffffffffff', '0x8000000000000000', '0x00007fffffffe000',
  '0x1fffffffffffff', '0x20000000000000'];
const LENS = ['0', '1', '0xfff', '0x1000', '0x3000', '0x10000', '0x7ffffffff000', '0x800000000000', '0xfffffffffffff000',
  '0xfffffffffffff001', '0xffffffffffffffff', '0x8000000000000000', '0x1fffffffffffff', '0x20000000000001'];
const FLAGS = ['0', '1', '2', '3', '4', '7', '0x10', '0x22', '0x32', '0x122', '0x2022', '0x8022', '0x100022', '0x40022',
  '0x80003', '0xffffffff', '0x100000002', '0xffffffffffffffff', '0x1000004', '0x2000001', '0x3000007'];
const SMALL = ['0', '1', '3', '4', '8', '9', '10', '11', '18', '19', '22', '23', '25', '100', '0xffffffff', '0x100000004', '-1'];

function gen(seed: number, nOps: number): string {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const call = (nr: string, ...args: string[]) =>
    [`        li    r0, ${nr}`, ...args.map((a, i) => (/^r\d+$/.test(a) ? `        mov   r${i + 1}, ${a}` : `        li    r${i + 1}, ${a}`)), '        syscall'].join('\n');
  const A = () => pick(ADDRS);
  const L = () => pick(LENS);
  const F = () => pick(FLAGS);
  const ops: string[] = [];
  for (let i = 0; i < nOps; i++) {
    switch (Math.floor(r() * 22)) {
      case 0: case 1: ops.push(call('SYS_mmap', A(), L(), pick(['0', '1', '3', '7', '8', '0xffffffff', '0x100000003']), F(), pick(['-1', 'r14', '99', '0x100000000']), pick(['0', '0x1000', '0x7ffffffffffff000', '0xfffffffffffff000', '1']))); break;
      case 2: ops.push(call('SYS_mmap', '0x200000000', pick(['0x1000', '0x4000']), '3', pick(['0x32', '0x31', '0x12', '0x11']), pick(['-1', 'r14']), '0')); break;
      case 3: ops.push(call('SYS_munmap', A(), L())); break;
      case 4: ops.push(call('SYS_mprotect', A(), L(), pick(['0', '1', '3', '7', '8', '0x10', '0x01000001', '0x02000001', '0x03000001', '0x100000001', '0xffffffffffffffff']))); break;
      case 5: ops.push(call('SYS_mremap', A(), L(), L(), pick(['0', '1', '2', '3', '4', '5', '7', '8', '0x100000001']), A())); break;
      case 6: ops.push(call('SYS_madvise', A(), L(), pick(SMALL))); break;
      case 7: ops.push(call(pick(['SYS_mlock', 'SYS_munlock']), A(), L())); break;
      case 8: ops.push(call('SYS_msync', A(), L(), pick(SMALL))); break;
      case 9: ops.push(call('SYS_mincore', A(), L(), A())); break;
      case 10: ops.push(call('SYS_brk', pick([...ADDRS, 'r13']))); break;
      case 11: ops.push(call(pick(['SYS_read', 'SYS_write']), pick(['0', '1', 'r14', '-1', '0x7fffffff']), A(), L())); break;
      case 12: ops.push(call(pick(['SYS_pread64', 'SYS_pwrite64']), 'r14', A(), L(), pick(['0', '-1', '0x7fffffffffffffff', '0x1000']))); break;
      case 13: ops.push(call('SYS_lseek', 'r14', pick(['0', '-1', '0x7fffffffffffffff', '0x8000000000000000']), pick(['0', '1', '2', '3', '4', '-1']))); break;
      case 14: ops.push(call('SYS_open', A(), pick(['0', '2', '0x42', '-1']), '0644')); break;
      case 15: ops.push(call('SYS_ftruncate', 'r14', pick(['0', '-1', '0x1000', '0x7fffffffffffffff', '0x100000000000']))); break;
      case 16: ops.push(call('SYS_rt_sigaction', pick(['1', '11', '7', '9', '64', '65', '0', '-1']), A(), A(), pick(['8', '0', '16']))); break;
      case 17: ops.push(call('SYS_getrusage', pick(['0', '-1', '1', '-2']), A())); break;
      case 18: ops.push(call('SYS_wait4', pick(['-1', '0', '1', '12345']), A(), pick(['0', '1', '0xffffffff']), A())); break;
      case 19: ops.push(call('SYS_mlockall', pick(['0', '1', '2', '3', '4', '5', '7', '8', '0xffffffff']))); break;
      case 20: ops.push(call('SYS_munlockall')); break;
      default: ops.push(call('SYS_kill', pick(['0', '-1', '99999', '0x80000000']), pick(['0', '65', '-1', '0x100000000']))); break;
    }
  }
  return `
        .text
        .globl _start
_start: la    r1, fname
        li    r0, SYS_open
        li    r2, O_RDWR|O_CREAT|O_TRUNC
        li    r3, 0644
        syscall
        mov   r14, r0
        li    r0, SYS_brk
        li    r1, 0
        syscall
        mov   r13, r0
${ops.join('\n')}
        call  exit0
        .rodata
fname:  .asciz "fz"
`;
}

describe('system calls with hostile arguments', () => {
  for (let seed = 1; seed <= 12; seed++) {
    it(`seed ${seed}: every call returns (an errno or a result), the process exits normally, invariants hold`, () => {
      const src = gen(seed * 104729, 60);
      const r = runAsm(src, { aslr: (seed % 3) as 0 | 1 | 2, seed, mem: 64 * 1024 * 1024 });
      expect(r.result.reason, src).toBe('exited');
      expect(r.result.exitCode).toBe(0);
      expect(checkInvariants(r.result.kernel.mmg.kmm)).toEqual([]);
    });
  }
});
