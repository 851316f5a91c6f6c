import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helper.ts';

const LAB2 = 'userland/examples/02-zero-page.s';

describe('pagewalk trace', () => {
  it('--help shows the options and examples', async () => {
    const r = await cli(['trace', '--help']);
    expect(r.status).toBe(0);
    expect(r.out).toContain('--only LIST');
    expect(r.out).toContain('examples:');
  });
  it.each([
    [['trace'], "pagewalk: trace: missing PROG (try 'pagewalk trace --help')"],
    [['trace', '--format', 'xml', LAB2], 'pagewalk: trace: --format: \'xml\' is not one of text, json, chrome'],
    [['trace', '--only', 'bogus', LAB2], 'pagewalk: --only: unknown category \'bogus\' (choose from faults, syscalls, walks, tlb, sched, process, signals, insns)'],
    [['trace', '--cycles', '5:1', LAB2], "pagewalk: --cycles: '5:1' ends before it starts"],
    [['trace', '--bogus', LAB2], "pagewalk: trace: unknown option '--bogus' (try 'pagewalk trace --help')"],
    [['trace', '--only'], 'pagewalk: trace: --only: missing value'],
  ])('usage error %j exits 2 with one line', async (args, line) => {
    const r = await cli(args);
    expect(r.status).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(line + '\n');
  });
  it('renders system calls as strace does, between the program\'s own output lines', async () => {
    const r = await cli(['trace', '--only', 'syscalls', '--aslr', '0', LAB2]);
    expect(r.status).toBe(0);
    const lines = r.out.split('\n');
    const mmap = lines.findIndex((l) => /pid \d+ {2}mmap\(NULL, 4096, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0\) = 0x7f[0-9a-f]+$/.test(l));
    expect(mmap).toBeGreaterThan(0);
    expect(lines[mmap + 1]).toMatch(/^ +[\d,]+ {2}pid \d+ {2}open\("\/proc\/self\/status", O_RDONLY\) = 3$/);
    expect(lines).toContain('after mmap of 1 page: RSS +0 kB, minor faults +0, major faults +0');
    expect(lines.at(-2)).toMatch(/exit_group\(0\) += \?$/);
  });
  it('walks: every translation names the TLB level, a miss is followed by its walk steps', async () => {
    const r = await cli(['trace', '--only', 'walks', '--format', 'json', '--aslr', '0', LAB2]);
    const ev = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(new Set(ev.map((e) => e.kind))).toEqual(new Set(['translate', 'walk-step']));
    expect(ev.filter((e) => e.kind === 'translate').every((e) => ['l1', 'l2', 'miss'].includes(e.tlb))).toBe(true);
    // A walk's steps come before the translation they serve, and only misses walk.
    for (let i = 1; i < ev.length; i++) if (ev[i - 1].kind === 'walk-step' && ev[i].kind === 'translate') expect(ev[i].tlb).toBe('miss');
  });
  it('a cycle range and an instruction range keep only the events inside them', async () => {
    const all = (await cli(['trace', '--only', 'faults', '--format', 'json', '--aslr', '0', LAB2])).out.trim().split('\n').map((l) => JSON.parse(l));
    const mid = all[Math.floor(all.length / 2)].cycle;
    const some = (await cli(['trace', '--only', 'faults', '--format', 'json', '--cycles', `${mid}:`, '--aslr', '0', LAB2])).out.trim().split('\n').map((l) => JSON.parse(l));
    expect(some).toEqual(all.filter((e) => e.cycle >= mid));
    const first = (await cli(['trace', '--only', 'faults', '--format', 'json', '--insns', ':1', '--aslr', '0', LAB2])).out.trim().split('\n').filter(Boolean);
    // Before the first instruction retires: the faults of exec (argv on the stack) and of the first fetch.
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(all.length);
  });
  it('chrome writes the Trace Event Format to -o FILE, the program output stays on stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-trace-'));
    try {
      const f = join(dir, 't.json');
      const r = await cli(['trace', '--format', 'chrome', '-o', f, '--aslr', '0', LAB2]);
      expect(r.status).toBe(0);
      expect(r.out).toContain('after the first write: RSS +4 kB');
      const doc = JSON.parse(readFileSync(f, 'utf8'));
      const names = doc.traceEvents.filter((e: { ph: string }) => e.ph === 'M').map((e: { args: { name: string } }) => e.args.name);
      expect(names).toEqual(expect.arrayContaining(['machine', 'cpu0', 'page walker']));
      expect(doc.traceEvents.some((e: { name: string }) => e.name === 'page fault: cow-zero')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('json and chrome on stdout send the program output to stderr', async () => {
    const r = await cli(['trace', '--only', 'process', '--format', 'json', '--aslr', '0', LAB2]);
    expect(r.err).toContain('after the first write');
    expect(r.out.trim().split('\n').every((l) => JSON.parse(l).kind === 'process')).toBe(true);
  });
  it('insns: one event per retired instruction, disassembled, as many as the core counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-insn-'));
    try {
      const prog = join(dir, 'p.s');
      writeFileSync(prog, '        .text\n        .globl _start\n_start: li r1, 3\nloop:   addi r1, r1, -1\n        bnez r1, loop\n        li r0, SYS_exit_group\n        syscall\n');
      const r = await cli(['trace', '--only', 'insns', prog]);
      const lines = r.out.trimEnd().split('\n').map((l) => l.replace(/^ +[\d,]+ {2}cpu0 {3}pid \d+ /, ''));
      expect(lines).toEqual([
        '0x0000000000400000  li    r1, 3',
        ...[0, 1, 2].flatMap(() => ['0x0000000000400008  addi  r1, r1, -1', '0x0000000000400010  bnez  r1, 0x400008']),
        '0x0000000000400018  li    r0, 231',
        '0x0000000000400020  syscall',
      ]);
      const stat = JSON.parse((await cli(['stat', '--json', prog])).out);
      expect(lines).toHaveLength(stat.instructions);
      const second = (await cli(['trace', '--only', 'insns', '--insns', '1:3', prog])).out.trim().split('\n');
      expect(second.map((l) => l.slice(-16))).toEqual(['addi  r1, r1, -1', 'bnez  r1, 0x400008'].map((t) => t.slice(-16)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('colours text only on a terminal without NO_COLOR', async () => {
    const args = ['trace', '--only', 'faults', '--aslr', '0', LAB2];
    expect((await cli(args, { tty: true, env: {} })).out).toContain('\x1b[31mpage fault\x1b[0m');
    expect((await cli(args, { tty: true, env: { NO_COLOR: '1' } })).out).not.toContain('\x1b[');
    expect((await cli(args, { tty: false, env: {} })).out).not.toContain('\x1b[');
  });
});
