// Processes, signals, wait status words, threads and the OOM killer, observed from T64 programs.
import { describe, expect, it } from 'vitest';
import { runAsm, s64 } from './helpers.ts';

describe('exit and wait4', () => {
  it('exit_group(code) ends the run with that code and the Linux status word', () => {
    const r = runAsm(`
        .text
        .globl _start
_start: li    r0, SYS_exit_group
        li    r1, 259
        syscall
`);
    expect(r.result.reason).toBe('exited');
    expect(r.result.status).toBe(0x300);
    expect(r.result.exitCode).toBe(3);
  });

  it('wait4 reports a child killed by SIGFPE as signal | core bit, then ECHILD; getppid is the parent', () => {
    const r = runAsm(`
        .text
        .globl _start
_start: li    r0, SYS_getpid
        syscall
        mov   r10, r0
        li    r0, SYS_fork
        syscall
        beqz  r0, child
        mov   r11, r0
        li    r0, SYS_wait4
        mov   r1, r11
        la    r2, st
        li    r3, 0
        la    r4, ru
        syscall
        mov   r1, r0
        call  out
        la    r2, st
        ld32  r1, [r2]
        call  out
        mov   r1, r11
        call  out
        li    r0, SYS_wait4
        li    r1, -1
        li    r2, 0
        li    r3, 0
        li    r4, 0
        syscall
        mov   r1, r0
        call  out
        call  exit0
child:  li    r0, SYS_getppid
        syscall
        bne   r0, r10, bad
        li    r1, 0
        li    r2, 1
        divu  r3, r2, r1
bad:    li    r0, SYS_exit_group
        li    r1, 9
        syscall
        .bss
st:     .zero 8
ru:     .zero 144
`);
    expect(r.result.exitCode).toBe(0);
    const [ret, status, pid, echild] = r.words;
    expect(ret).toBe(pid);
    expect(status).toBe(0x88n); // SIGFPE (8) with WCOREDUMP
    expect(s64(echild)).toBe(-10n);
  });

  it('WNOHANG returns 0 while the child runs; a blocked wait4 wakes when it exits with its code', () => {
    const r = runAsm(`
        .text
        .globl _start
_start: li    r0, SYS_fork
        syscall
        beqz  r0, child
        mov   r11, r0
        li    r0, SYS_wait4
        mov   r1, r11
        la    r2, st
        li    r3, WNOHANG
        li    r4, 0
        syscall
        mov   r1, r0
        call  out
        li    r0, SYS_wait4
        mov   r1, r11
        la    r2, st
        li    r3, 0
        li    r4, 0
        syscall
        la    r2, st
        ld32  r1, [r2]
        call  out
        call  exit0
child:  li    r10, 50
spin:   li    r0, SYS_sched_yield
        syscall
        addi  r10, r10, -1
        bnez  r10, spin
        li    r0, SYS_exit
        li    r1, 7
        syscall
        .bss
st:     .zero 8
`);
    expect(r.words).toEqual([0n, 0x700n]);
    // parent → child when the parent blocks, child → parent when it exits.
    expect(r.result.kernel.stats.contextSwitches).toBe(2);
  });
});

describe('signals', () => {
  const handlerProg = `
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
        mov   r1, r0
        call  out
        li    r5, 0x10
        li    r12, 0x1234
        ld64  r12, [r5]
        mov   r1, r12
        call  out
        li    r0, SYS_rt_sigaction
        li    r1, SIGKILL
        la    r2, act
        li    r3, 0
        li    r4, 8
        syscall
        mov   r1, r0
        call  out
        li    r0, SYS_rt_sigaction
        li    r1, SIGSEGV
        la    r2, act
        li    r3, 0
        li    r4, 4
        syscall
        mov   r1, r0
        call  out
        call  exit0
handler: mov  r10, r2
        mov   r11, r3
        ld32  r1, [r10]
        call  out
        ld32  r1, [r10+8]
        call  out
        ld64  r1, [r10+16]
        call  out
        ld64  r1, [r11+128]
        addi  r1, r1, 8
        st64  [r11+128], r1
        ret
restorer: li  r0, SYS_rt_sigreturn
        syscall
        .bss
act:    .zero 32
`;

  it('delivers SIGSEGV to a handler with siginfo, and rt_sigreturn resumes from the edited context', () => {
    const r = runAsm(handlerProg);
    expect(r.result.exitCode).toBe(0);
    expect(r.words.map(s64)).toEqual([0n, 11n, 1n, 0x10n, 0x1234n, -22n, -22n]);
  });

  it('a fault without a handler kills the process: 128+signal and a message naming si_code and address', () => {
    const r = runAsm(`
        .text
        .globl _start
_start: la    r1, _start
        st8   [r1], r1
`);
    expect(r.result.exitCode).toBe(128 + 11);
    expect(r.result.killMessage).toBe('pid 2 killed by SIGSEGV (SEGV_ACCERR at 0x0000000000400000)');
  });

  it('a user access to the kernel half is SEGV_MAPERR at the exact 64-bit address', () => {
    for (const addr of ['0xffff888000001000', '0xffffffffffffffea', '0x7ffffffff008']) {
      const r = runAsm(`
        .text
        .globl _start
_start: li    r1, ${addr}
        ld8   r2, [r1]
`);
      expect(r.result.killMessage).toBe(`pid 2 killed by SIGSEGV (SEGV_MAPERR at 0x${BigInt(addr).toString(16).padStart(16, '0')})`);
    }
  });

  it('SIGILL, SIGTRAP and SIGBUS (misaligned jump) carry their si_code', () => {
    const ill = runAsm(`
        .text
        .globl _start
_start: .quad 0
`);
    expect(ill.result.killMessage).toBe('pid 2 killed by SIGILL (ILL_ILLOPC at 0x0000000000400000)');
    const trap = runAsm(`
        .text
        .globl _start
_start: nop
        trap
`);
    expect(trap.result.killMessage).toBe('pid 2 killed by SIGTRAP (TRAP_BRKPT at 0x0000000000400008)');
    const bus = runAsm(`
        .text
        .globl _start
_start: li    r1, 0x400004
        jr    r1
`);
    expect(bus.result.killMessage).toBe('pid 2 killed by SIGBUS (BUS_ADRALN at 0x0000000000400004)');
  });

  it('kill() checks its arguments and a default-action signal terminates the target', () => {
    const r = runAsm(`
        .text
        .globl _start
_start: li    r0, SYS_getpid
        syscall
        mov   r12, r0
        li    r0, SYS_kill
        mov   r1, r12
        li    r2, 65
        syscall
        mov   r1, r0
        call  out
        li    r0, SYS_kill
        li    r1, 999
        li    r2, 0
        syscall
        mov   r1, r0
        call  out
        li    r0, SYS_kill
        mov   r1, r12
        li    r2, 0
        syscall
        mov   r1, r0
        call  out
        li    r0, SYS_getppid
        syscall
        mov   r1, r0
        call  out
        li    r0, SYS_kill
        mov   r1, r12
        li    r2, SIGTERM
        syscall
        li    r1, 0x99
        call  out
        call  exit0
`);
    // The signal is delivered on the way back to user mode: nothing after the kill() runs.
    expect(r.words.map(s64)).toEqual([-22n, -3n, 0n, 1n]);
    expect(r.result.exitCode).toBe(128 + 15);
    expect(r.result.status).toBe(15);
    expect(r.result.killMessage).toBe('pid 2 killed by SIGTERM (SI_USER)');
  });
});

describe('scheduler', () => {
  it('preempts a spinning child at the end of its time slice so the parent can SIGKILL it', () => {
    const r = runAsm(`
        .text
        .globl _start
_start: li    r0, SYS_fork
        syscall
        beqz  r0, spin
        mov   r11, r0
        li    r10, 20000
loop:   addi  r10, r10, -1
        bnez  r10, loop
        li    r0, SYS_kill
        mov   r1, r11
        li    r2, SIGKILL
        syscall
        mov   r1, r0
        call  out
        li    r0, SYS_wait4
        mov   r1, r11
        la    r2, st
        li    r3, 0
        li    r4, 0
        syscall
        la    r2, st
        ld32  r1, [r2]
        call  out
        call  exit0
spin:   b     spin
        .bss
st:     .zero 8
`, { timeSlice: 5000 });
    expect(r.words).toEqual([0n, 9n]);
    expect(r.result.kernel.stats.contextSwitches).toBeGreaterThanOrEqual(4);
  });
});

describe('threads', () => {
  it('clone(CLONE_VM|CLONE_THREAD|...) runs a thread in the same address space with its own tid', () => {
    const r = runAsm(`
        .text
        .globl _start
_start: li    r0, SYS_mmap
        li    r1, 0
        li    r2, 16384
        li    r3, PROT_READ|PROT_WRITE
        li    r4, MAP_PRIVATE|MAP_ANONYMOUS
        li    r5, -1
        li    r6, 0
        syscall
        mov   r12, r0
        li    r0, SYS_clone
        li    r1, CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD
        li    r9, 16384
        add   r2, r12, r9
        li    r3, 0
        li    r4, 0
        li    r5, 0
        syscall
        beqz  r0, thread
        mov   r11, r0
wait:   la    r9, flag
        ld64  r1, [r9]
        bnez  r1, done
        li    r0, SYS_sched_yield
        syscall
        b     wait
done:   call  out
        mov   r1, r11
        call  out
        li    r0, SYS_getpid
        syscall
        mov   r1, r0
        call  out
        call  exit0
thread: li    r0, SYS_gettid
        syscall
        la    r9, flag
        st64  [r9], r0
        li    r0, SYS_exit
        li    r1, 0
        syscall
        .bss
flag:   .zero 8
`);
    expect(r.result.exitCode).toBe(0);
    const [flag, tid, pid] = r.words;
    expect(flag).toBe(tid);
    expect(pid).toBe(2n);
    expect(tid).not.toBe(pid);
  });
});

describe('thread join through CLONE_CHILD_CLEARTID', () => {
  it('CLONE_PARENT_SETTID stores the tid and the thread\'s exit clears it', () => {
    const r = runAsm(`
        .text
        .globl _start
_start: li    r0, SYS_mmap
        li    r1, 0
        li    r2, 16384
        li    r3, PROT_READ|PROT_WRITE
        li    r4, MAP_PRIVATE|MAP_ANONYMOUS
        li    r5, -1
        li    r6, 0
        syscall
        mov   r12, r0
        li    r0, SYS_clone
        li    r1, CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID
        li    r9, 16384
        add   r2, r12, r9
        la    r3, tidw
        la    r4, tidw
        li    r5, 0
        syscall
        beqz  r0, thread
        mov   r11, r0
        la    r9, tidw
        ld32  r1, [r9]
        call  out
join:   la    r9, tidw
        ld32  r1, [r9]
        beqz  r1, joined
        li    r0, SYS_sched_yield
        syscall
        b     join
joined: la    r9, work
        ld64  r1, [r9]
        call  out
        call  exit0
thread: li    r10, 100
tl:     li    r0, SYS_sched_yield
        syscall
        addi  r10, r10, -1
        bnez  r10, tl
        la    r9, work
        li    r1, 0x77
        st64  [r9], r1
        li    r0, SYS_exit
        li    r1, 0
        syscall
        .bss
tidw:   .zero 8
work:   .zero 8
`);
    expect(r.result.exitCode).toBe(0);
    expect(r.words).toEqual([3n, 0x77n]);
  });
});

describe('OOM killer', () => {
  it('kills the process with the largest RSS with a Linux-like message; the parent keeps running', () => {
    const r = runAsm(`
        .text
        .globl _start
_start: li    r0, SYS_fork
        syscall
        beqz  r0, child
        mov   r11, r0
        li    r0, SYS_wait4
        mov   r1, r11
        la    r2, st
        li    r3, 0
        li    r4, 0
        syscall
        la    r2, st
        ld32  r1, [r2]
        call  out
        li    r1, 0x55
        call  out
        call  exit0
child:  li    r0, SYS_mmap
        li    r1, 0
        li    r2, 0x1000000
        li    r3, PROT_READ|PROT_WRITE
        li    r4, MAP_PRIVATE|MAP_ANONYMOUS
        li    r5, -1
        li    r6, 0
        syscall
        mov   r12, r0
        li    r10, 4096
        li    r9, 4096
loop:   st8   [r12], r10
        add   r12, r12, r9
        addi  r10, r10, -1
        bnez  r10, loop
        call  exit0
        .bss
st:     .zero 8
`, { mem: 8 * 1024 * 1024 });
    expect(r.words).toEqual([9n, 0x55n]);
    expect(r.log.length).toBe(1);
    expect(r.log[0]).toMatch(/^Out of memory: Killed process 3 \(test\) total-vm:\d+kB, anon-rss:\d+kB, file-rss:\d+kB, shmem-rss:\d+kB, UID:0 pgtables:\d+kB oom_score_adj:0$/);
    expect(r.result.exitCode).toBe(0);
  });
});

describe('run limits', () => {
  it('stops an endless loop at --max-cycles', () => {
    const r = runAsm(`
        .text
        .globl _start
_start: b     _start
`, { maxCycles: 100_000 });
    expect(r.result.reason).toBe('max-cycles');
    expect(r.result.exitCode).toBe(-1);
    expect(r.result.kernel.clock.now).toBeGreaterThanOrEqual(100_000);
  });
});
