// Random T64 programs hammering the memory system calls, faults (caught by a handler that skips the
// faulting instruction), fork, /proc reads and file I/O. Whatever they do, the kernel must not
// crash, every process must exit normally, and kernel/mm's invariants must hold afterwards (every
// frame's refcount equals its users, nothing leaked once all processes are gone).
import { describe, expect, it } from 'vitest';
import { rng, runAsm } from './helpers.ts';
import { checkInvariants } from '../../kernel/mm/index.ts';

const ARENA = 0x200000000;
const PAGES = 48;

function gen(seed: number, nOps: number): string {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: T[]) => xs[int(xs.length)];
  const addr = () => ARENA + int(PAGES) * 4096;
  const len = () => (1 + int(8)) * 4096;
  let label = 0;
  const call = (nr: string, ...args: (number | string)[]) =>
    [`        li    r0, ${nr}`, ...args.map((a, i) => (typeof a === 'string' && !/^[-0-9]/.test(a) ? `        mov   r${i + 1}, ${a}` : `        li    r${i + 1}, ${a}`)), '        syscall'].join('\n');
  const op = (depth: number): string => {
    switch (int(depth > 0 ? 16 : 17)) {
      case 0: case 1: {
        const type = pick([1, 2, 2]);
        const anon = r() < 0.6;
        let flags = type | (anon ? 0x20 : 0);
        const fixed = r();
        const a = fixed < 0.6 ? addr() : 0;
        if (a !== 0) flags |= fixed < 0.45 ? 0x10 : 0x100000;
        if (r() < 0.15) flags |= 0x8000;
        if (r() < 0.1) flags |= 0x2000;
        if (anon && type === 2 && r() < 0.1) flags |= 0x100;
        return call('SYS_mmap', a, len(), int(8), flags, anon ? -1 : 'r14', anon ? 0 : int(8) * 4096);
      }
      case 2: return call('SYS_munmap', addr(), len());
      case 3: return call('SYS_mprotect', addr(), len(), int(8));
      case 4: {
        const f = pick([0, 1, 1, 3, 5]);
        return call('SYS_mremap', addr(), len(), len(), f, f & 2 ? addr() : 0);
      }
      case 5: return call('SYS_madvise', addr(), len(), pick([0, 1, 2, 3, 4, 4, 8, 9, 10, 11, 22, 23, 99]));
      case 6: return call(pick(['SYS_mlock', 'SYS_munlock']), addr(), len());
      case 7: return call('SYS_msync', addr(), len(), pick([1, 4, 6, 0, 3]));
      case 8: return [`        la    r3, vec`, call('SYS_mincore', addr(), len(), 'r3')].join('\n');
      case 9: case 10: case 11: {
        const a = addr() + int(4096);
        return r() < 0.5 ? `        li    r5, ${a}\n        ld8   r6, [r5]` : `        li    r5, ${a}\n        li    r6, ${int(256)}\n        st64  [r5], r6`;
      }
      case 12: {
        const path = pick(['p_maps', 'p_smaps', 'p_status', 'p_rollup']);
        return [`        la    r1, ${path}`, call('SYS_open', 'r1', 0, 0), '        mov   r7, r0', '        la    r2, rbuf',
          call('SYS_read', 'r7', 'r2', 65536), call('SYS_close', 'r7')].join('\n');
      }
      case 13: return call('SYS_ftruncate', 'r14', int(10) * 4096 + int(4096));
      case 14: return ['        la    r2, vec', call('SYS_pwrite64', 'r14', 'r2', 8, int(12) * 4096)].join('\n');
      case 15: {
        const l = label++;
        return [call('SYS_brk', 0), `        li    r9, ${(int(5) - 1) * 4096}`, '        add   r1, r0, r9', '        li    r0, SYS_brk', '        syscall',
          `        beqz  r0, brk_${l}`, `brk_${l}: nop`].join('\n');
      }
      default: {
        const l = label++;
        const body: string[] = [];
        for (let i = 0; i < 6; i++) body.push(op(depth + 1));
        return [call('SYS_fork'), `        bnez  r0, parent_${l}`, ...body, call('SYS_exit_group', 0),
          `parent_${l}: mov r1, r0`, '        li    r0, SYS_wait4', '        li    r2, 0', '        li    r3, 0', '        li    r4, 0', '        syscall'].join('\n');
      }
    }
  };
  const ops: string[] = [];
  for (let i = 0; i < nOps; i++) ops.push(op(0));
  return `
        .text
        .globl _start
_start: la    r9, act
        la    r1, handler
        st64  [r9], r1
        li    r1, 0x04000004
        st64  [r9+8], r1
        la    r1, restorer
        st64  [r9+16], r1
        li    r0, SYS_rt_sigaction
        li    r1, SIGSEGV
        la    r2, act
        li    r3, 0
        li    r4, 8
        syscall
        li    r0, SYS_rt_sigaction
        li    r1, SIGBUS
        la    r2, act
        li    r3, 0
        li    r4, 8
        syscall
        la    r1, fname
        li    r0, SYS_open
        li    r2, O_RDWR|O_CREAT|O_TRUNC
        li    r3, 0644
        syscall
        mov   r14, r0
        li    r0, SYS_ftruncate
        mov   r1, r14
        li    r2, 0x6000
        syscall
${ops.join('\n')}
        call  exit0
handler: ld64 r1, [r3+128]
        addi  r1, r1, 8
        st64  [r3+128], r1
        ret
restorer: li  r0, SYS_rt_sigreturn
        syscall
        .rodata
fname:  .asciz "fz"
p_maps: .asciz "/proc/self/maps"
p_smaps: .asciz "/proc/self/smaps"
p_status: .asciz "/proc/self/status"
p_rollup: .asciz "/proc/self/smaps_rollup"
        .bss
act:    .zero 32
vec:    .zero 64
rbuf:   .zero 65536
`;
}

describe('random memory-system-call programs', () => {
  for (let seed = 1; seed <= 24; seed++) {
    it(`seed ${seed}: every process exits normally and the mm invariants hold`, () => {
      const src = gen(seed * 7919, 40);
      const r = runAsm(src, { aslr: (seed % 3) as 0 | 1 | 2, seed, mem: 64 * 1024 * 1024 });
      expect(r.result.reason, src).toBe('exited');
      expect(r.result.exitCode).toBe(0);
      expect(checkInvariants(r.result.kernel.mmg.kmm)).toEqual([]);
    });
  }
});
