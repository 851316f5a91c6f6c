import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandError, evalAddress, parseCommand } from '../../tools/stepper/commands.ts';
import { cli } from './cli-helper.ts';

const dir = mkdtempSync(join(tmpdir(), 'pw-step-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PROG = join(dir, 'touch.s');
writeFileSync(
  PROG,
  `        .text
        .globl _start
_start: li    r0, SYS_mmap
        li    r1, 0
        li    r2, PAGE_SIZE
        li    r3, PROT_READ|PROT_WRITE
        li    r4, MAP_PRIVATE|MAP_ANONYMOUS
        li    r5, -1
        li    r6, 0
        syscall
        mov   r12, r0
rd:     ld64  r1, [r12]
wr:     li    r2, 0x1122
        st64  [r12+8], r2
        li    r0, SYS_exit_group
        li    r1, 0
        syscall
`,
);

const step = (script: string, ...opts: string[]) => cli(['step', '--aslr', '0', ...opts, PROG], { stdin: script });

describe('stepper command language', () => {
  it('parses commands, aliases, counts and comments', () => {
    expect(parseCommand('si 3')).toEqual({ op: 'stepi', count: 3 });
    expect(parseCommand('  # a comment')).toBeNull();
    expect(parseCommand('x sp 16')).toEqual({ op: 'x', addr: 'sp', len: 16 });
    expect(parseCommand('tlb STLB')).toEqual({ op: 'tlb', which: 'stlb' });
    expect(parseCommand('advance 1,000')).toEqual({ op: 'advance', cycle: 1000 });
    expect(parseCommand('walks ON')).toEqual({ op: 'walks', on: true });
    expect(() => parseCommand('walks maybe')).toThrow("walks: 'maybe' is not on or off");
    expect(() => parseCommand('stepi 0')).toThrow("stepi: '0' is not a positive count");
    expect(() => parseCommand('regs now')).toThrow('regs: too many arguments');
    expect(() => parseCommand('pt')).toThrow('pt: missing ADDR (usage: pt ADDR)');
    expect(() => parseCommand('frobnicate')).toThrow(CommandError);
  });
  it('evaluates address expressions over symbols and registers', () => {
    const look = (n: string) => ({ buf: 0x1000n, sp: 0x7ff0n } as Record<string, bigint>)[n];
    expect(evalAddress('buf+0x10', look)).toBe(0x1010n);
    expect(evalAddress('sp-8', look)).toBe(0x7fe8n);
    expect(evalAddress('16', look)).toBe(16n);
    expect(() => evalAddress('nosuch+1', look)).toThrow("unknown symbol 'nosuch'");
  });
});

describe('pagewalk step (scripted)', () => {
  it('stops before the first instruction, runs to a breakpoint, and shows a fault and its page-table path', async () => {
    const r = await step(['break rd', 'continue', 'pt r12', 'stepi', 'pt r12', 'x r12 16', 'stepi', 'regs'].join('\n'));
    expect(r.status).toBe(0);
    const out = r.out.split('\n');
    expect(out[0]).toMatch(/^pagewalk step: .*touch\.s is loaded as pid \d+; 'help' lists the commands$/);
    expect(out[1]).toMatch(/^=> pid \d+ cycle [\d,]+ insn 0 {2}0x0000000000400000 <_start> {2}li +r0, 9 {3}\(page not mapped yet: the fetch will fault\)$/);
    expect(out).toContain('(pagewalk) break rd');
    expect(out).toContain('breakpoint 1 at 0x0000000000400048 <rd>');
    expect(out).toContain('breakpoint at 0x0000000000400048');
    const ptFirst = out.indexOf('(pagewalk) pt r12');
    expect(out[ptFirst + 1]).toMatch(/^page-table path of 0x00007f[0-9a-f]{10} \(cr3 table at 0x[0-9a-f]{13}\):$/);
    expect(out.slice(ptFirst + 1, ptFirst + 7).join('\n')).toContain('=> not mapped');
    // The load faults: the kernel maps the zero page; the instruction has not retired yet.
    const si = out.indexOf('(pagewalk) stepi');
    expect(out[si + 1]).toMatch(/pid \d+ {2}page fault at 0x00007f[0-9a-f]+ pc 0x0000000000400048 error 0x4 \(user read, page not present\) -> zero-page/);
    expect(out[si + 2]).toMatch(/^=> pid \d+ cycle [\d,]+ insn 9 {2}0x0000000000400048 <rd> {2}ld64 +r1, \[r12\]$/);
    const pt2 = out.indexOf('(pagewalk) pt r12', si);
    expect(out[pt2 + 5]).toMatch(/^ {2}pte\[0x[0-9a-f]{3}\] at 0x[0-9a-f]{13} = 0x8000000[0-9a-f]{9} \(P US A XD\) -> frame 0x[0-9a-f]{13}$/);
    expect(out[pt2 + 6]).toMatch(/^ {2}=> pa 0x[0-9a-f]{13} in a 4 KiB page$/);
    const x = out.indexOf('(pagewalk) x r12 16');
    expect(out[x + 1]).toMatch(/^0x00007f[0-9a-f]{10}: {2}(00 ){15}00 {2}\|\.{16}\|$/);
    expect(out).toContain(' pc 0x0000000000400050');
    expect(out.at(-2)).toBe('=> the program was killed at the end of the commands');
  });
  it('steps cycles inside an instruction and shows the walk in progress', async () => {
    const r = await step(['break rd', 'continue', 'cycle 3', 'walk', 'cycle 8', 'continue'].join('\n'));
    const out = r.out.split('\n');
    const c = out.indexOf('(pagewalk) cycle 3');
    expect(out[c + 1]).toMatch(/<rd> {2}ld64 +r1, \[r12\] \(in flight\)$/);
    expect(out[c + 2]).toMatch(/^translating 0x00007f[0-9a-f]{10}: phase l2-tlb, \d+ cycles? left in it$/);
    const c8 = out.indexOf('(pagewalk) cycle 8');
    expect(out[c8 + 2]).toMatch(/^translating 0x00007f[0-9a-f]{10}: phase walk, \d+ cycles? left in it$/);
    expect(out[c8 + 3]).toMatch(/^ {2}reading the p[a-z]+ \(level \d\) at 0x[0-9a-f]{13}: entry \d+ of the (page|PML4)[a-z -]*$/);
    expect(out.find((l) => l.startsWith('=> every process has exited'))).toBeDefined();
    expect(r.out).not.toContain('killed');
  });
  it('next-fault stops after each fault with the kernel decision; next-syscall after each call', async () => {
    const r = await step(['next-syscall', 'next-fault', 'next-fault', 'next-fault'].join('\n'));
    const out = r.out.split('\n');
    expect(out.some((l) => /mmap\(NULL, 4096, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0\) = 0x7f/.test(l))).toBe(true);
    const decisions = out.map((l) => / -> ([a-z-]+):/.exec(l)?.[1]).filter(Boolean);
    expect(decisions.slice(-2)).toEqual(['zero-page', 'cow-zero']);
  });
  it('prints the TLB sets and ways, the paging-structure caches, maps and the counters', async () => {
    const r = await step(['break wr', 'continue', 'tlb dtlb', 'psc', 'maps', 'stats'].join('\n'));
    expect(r.out).toMatch(/dtlb-4k: 16 sets x 4 ways, \d+ valid/);
    expect(r.out).toMatch(/ {4}way \d: 0x00007f[0-9a-f]{10} -> 0x[0-9a-f]{13} 4K pcid \d+ RO US XD/);
    expect(r.out).toMatch(/pde cache \(pde-cache\): 8 sets x 4 ways, \d+ valid/);
    expect(r.out).toMatch(/\n00400000-00401000 r-xp /);
    expect(r.out).toMatch(/ {2}[\d,]+ {6}instructions/);
  });
  it('ps lists the processes; maps PID prints another process\'s maps', async () => {
    const r = await cli(['step', '--aslr', '0', 'userland/examples/03-fork-cow.s'], { stdin: 'next-syscall\nps\nmaps 999\n' });
    const out = r.out.split('\n');
    const ps = out.indexOf('(pagewalk) ps');
    expect(out[ps + 1]).toBe('PID  STATE    NAME         PC');
    expect(out[ps + 2]).toMatch(/^\d+ +running +03-fork-cow +0x0000000000400[0-9a-f]{3}$/);
    expect(out).toContain('(no address space: pid 999 has exited)');
  });
  it('reports a bad command as one error line, goes on, and exits 1', async () => {
    const r = await step(['bogus', 'x', 'stepi'].join('\n'));
    expect(r.status).toBe(1);
    expect(r.out).toContain("error: <stdin>:1: unknown command 'bogus' (try 'help')");
    expect(r.out).toContain('error: <stdin>:2: x: missing ADDR (usage: x ADDR [LEN])');
    expect(r.out).toContain('(pagewalk) stepi');
  });
  it('never runs past --max-cycles (an endless program cannot hang a script)', async () => {
    const loop = join(dir, 'loop.s');
    writeFileSync(loop, '        .text\n        .globl _start\n_start: b _start\n');
    const r = await cli(['step', '--max-cycles', '400000', loop], { stdin: 'continue\nnext-fault\nstepi 3\n' });
    expect(r.status).toBe(0);
    expect(r.out.match(/=> stopped at the --max-cycles limit \(400,000 cycles\)/g)).toHaveLength(3);
  });
  it('reads the commands from -x FILE; usage errors exit 2', async () => {
    const f = join(dir, 'cmds.txt');
    writeFileSync(f, '# comment\ninfo\nquit\nregs\n');
    const r = await cli(['step', '-x', f, '--aslr', '0', PROG]);
    expect(r.out).toContain('(pagewalk) info');
    expect(r.out).not.toContain('(pagewalk) regs');
    expect((await cli(['step'])).status).toBe(2);
    expect((await cli(['step', '-x'])).err).toBe('pagewalk: step: --commands: missing value\n');
  });
});
