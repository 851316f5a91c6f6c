// Trace events the kernel emits, and `pagewalk run` on the command line.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAsm } from './helpers.ts';
import { bootProgram, runProgram } from '../../tools/runner/index.ts';
import { main } from '../../tools/cli.ts';
import type { CommandIO } from '../../tools/command.ts';

const prog = `
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
        ld64  r2, [r0]
        st64  [r0], r2
        li    r0, SYS_fork
        syscall
        beqz  r0, child
        mov   r1, r0
        li    r0, SYS_wait4
        li    r2, 0
        li    r3, 0
        li    r4, 0
        syscall
        call  exit0
child:  li    r1, 0x10
        ld64  r1, [r1]
`;

describe('trace events', () => {
  it('renders system calls as strace does and reports page-fault decisions, switches and process events', () => {
    const r = runAsm(prog, { trace: true });
    const sys = r.events.filter((e) => e.kind === 'syscall').map((e) => (e.kind === 'syscall' ? e.text : ''));
    expect(sys.some((t) => /^mmap\(NULL, 16384, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0\) = 0x7[0-9a-f]+000$/.test(t))).toBe(true);
    expect(sys).toContain('fork() = 3');
    expect(sys).toContain('wait4(3, NULL, 0, NULL) = 3');
    const decisions = r.events.flatMap((e) => (e.kind === 'page-fault' ? [e.decision] : []));
    expect(decisions).toContain('zero-page');
    expect(decisions).toContain('sigsegv-maperr');
    expect(r.events.some((e) => e.kind === 'context-switch' && e.fromPid === 2 && e.toPid === 3)).toBe(true);
    expect(r.events.some((e) => e.kind === 'process' && e.what === 'fork' && e.pid === 3)).toBe(true);
    expect(r.events.some((e) => e.kind === 'process' && e.what === 'killed' && e.pid === 3)).toBe(true);
    expect(r.events.some((e) => e.kind === 'signal' && e.sig === 11 && e.addr === 0x10n)).toBe(true);
  });
});

describe('runner', () => {
  it('bootProgram run in slices of cycles ends exactly like one runProgram', () => {
    const src = prog + '\n        .text\nexit0:  li    r0, SYS_exit_group\n        li    r1, 0\n        syscall\n';
    const whole = runProgram({ program: 'p.s', programText: src, aslr: 0 });
    const b = bootProgram({ program: 'p.s', programText: src, aslr: 0 });
    let reason = b.runUntil(0);
    expect(reason).toBe('max-cycles');
    let slices = 0;
    for (let c = 10_000; reason === 'max-cycles'; c += 10_000, slices++) reason = b.runUntil(c);
    const r = b.result(reason);
    expect(slices).toBeGreaterThan(5);
    expect(r.status).toBe(whole.status);
    expect(r.stats.minorFaults).toBe(whole.stats.minorFaults);
    expect(r.stats.syscalls).toBe(whole.stats.syscalls);
  });
});

function io(): CommandIO & { out: string; err: string } {
  const o = {
    out: '', err: '',
    stdout: (s: string | Uint8Array) => { o.out += typeof s === 'string' ? s : Buffer.from(s).toString('utf8'); },
    stderr: (s: string | Uint8Array) => { o.err += typeof s === 'string' ? s : Buffer.from(s).toString('utf8'); },
    readStdin: () => new Uint8Array(0), cwd: process.cwd(), isTTY: false, env: {},
  };
  return o;
}

describe('pagewalk run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagewalk-run-'));

  it('passes argv, prints stdout and exits with the program\'s code; --stats goes to stderr', async () => {
    const file = join(dir, 'echo.s');
    writeFileSync(file, `
        .text
        .globl _start
_start: ld64  r9, [r2+8]
        mov   r10, r9
len:    ld8   r3, [r10]
        beqz  r3, done
        addi  r10, r10, 1
        b     len
done:   li    r0, SYS_write
        li    r1, 1
        mov   r2, r9
        sub   r3, r10, r9
        syscall
        li    r0, SYS_exit_group
        li    r1, 5
        syscall
`);
    const o = io();
    const code = await main(['run', '--stats', '--aslr', '0', file, 'hello'], o);
    expect(code).toBe(5);
    expect(o.out).toBe('hello');
    expect(o.err).toMatch(/Performance counter stats/);
    expect(o.err).toMatch(/\d{1,3}(,\d{3})+ +cycles/);
    expect(o.err).toMatch(/minor-faults/);
  });

  it('reports a death by signal on one stderr line and exits with 128+signal', async () => {
    const file = join(dir, 'segv.s');
    writeFileSync(file, `
        .text
        .globl _start
_start: li    r1, 0x7f2a1c001000
        ld8   r2, [r1]
`);
    const o = io();
    expect(await main(['run', file], o)).toBe(139);
    expect(o.err).toBe('pagewalk: pid 2 killed by SIGSEGV (SEGV_MAPERR at 0x00007f2a1c001000)\n');
  });

  it('copies --file into the guest and honours --cwd; bad options are usage errors', async () => {
    const data = join(dir, 'data.txt');
    writeFileSync(data, 'guest data\n');
    const file = join(dir, 'cat.s');
    writeFileSync(file, `
        .text
        .globl _start
_start: li    r0, SYS_open
        la    r1, path
        li    r2, 0
        syscall
        mov   r1, r0
        li    r0, SYS_read
        la    r2, buf
        li    r3, 100
        syscall
        mov   r3, r0
        li    r0, SYS_write
        li    r1, 1
        la    r2, buf
        syscall
        li    r0, SYS_exit_group
        li    r1, 0
        syscall
        .rodata
path:   .asciz "in.txt"
        .bss
buf:    .zero 100
`);
    const o = io();
    expect(await main(['run', '--file', `${data}:/data/in.txt`, '--cwd', '/data', file], o)).toBe(0);
    expect(o.out).toBe('guest data\n');
    const bad = io();
    expect(await main(['run', '--aslr', '7', file], bad)).toBe(2);
    expect(bad.err).toMatch(/^pagewalk: --aslr: '7' is not an integer in 0..2\n$/);
    const limit = io();
    const loop = join(dir, 'loop.s');
    writeFileSync(loop, '        .text\n        .globl _start\n_start: b _start\n');
    expect(await main(['run', '--max-cycles', '50000', loop], limit)).toBe(124);
    expect(limit.err).toMatch(/--max-cycles limit/);
  });
});
