import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandIO } from '../../../tools/command.ts';
import { command as asmCmd } from '../../../tools/commands/asm.ts';
import { command as disasmCmd } from '../../../tools/commands/disasm.ts';
import { PagewalkError } from '../../../hw/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'pagewalk-cmd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(stdin = '') {
  const out: (string | Uint8Array)[] = [];
  const err: string[] = [];
  const x: CommandIO = {
    stdout: (s) => void out.push(s), stderr: (s) => void err.push(String(s)), readStdin: () => new TextEncoder().encode(stdin),
    cwd: dir, isTTY: false, env: {},
  };
  return { x, out: () => out.map((s) => (typeof s === 'string' ? s : new TextDecoder().decode(s))).join(''), outBytes: () => out, err: () => err.join('') };
}

async function usage(f: () => Promise<number> | number): Promise<string> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(PagewalkError);
    expect((e as PagewalkError).exitCode).toBe(2);
    return (e as Error).message;
  }
  throw new Error('no usage error');
}

describe('pagewalk asm / disasm', () => {
  it('--help texts carry examples', () => {
    expect(asmCmd.help).toMatch(/examples:[\s\S]*pagewalk asm prog\.s -o prog/);
    expect(disasmCmd.help).toMatch(/examples:[\s\S]*pagewalk disasm prog/);
  });
  it('asm prog.s -o prog writes an executable ELF file; disasm prints it back', async () => {
    writeFileSync(join(dir, 'prog.s'), '_start: li r0, SYS_exit\n li r1, 0\n syscall\n');
    const a = io();
    expect(await asmCmd.run(['prog.s', '-o', 'prog'], a.x)).toBe(0);
    const elf = readFileSync(join(dir, 'prog'));
    expect([...elf.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(statSync(join(dir, 'prog')).mode & 0o111).not.toBe(0);
    const d = io();
    expect(await disasmCmd.run(['prog', '--no-addr'], d.x)).toBe(0);
    expect(d.out()).toContain('li    r0, 60\n        li    r1, 0\n        syscall');
  });
  it('the default output name is the input without .s', async () => {
    writeFileSync(join(dir, 'two.s'), '_start: ret\n');
    expect(await asmCmd.run(['two.s'], io().x)).toBe(0);
    expect(existsSync(join(dir, 'two'))).toBe(true);
  });
  it('assembly errors: every error as file:line:col on stderr, status 1, no output file', async () => {
    writeFileSync(join(dir, 'bad.s'), '_start: li r16, 1\n frob\n li r1, nosuch\n');
    const a = io();
    expect(await asmCmd.run(['bad.s', '-o', 'bad'], a.x)).toBe(1);
    expect(a.err()).toBe("bad.s:1:12: unknown register 'r16' (expected r0..r15 or sp)\nbad.s:2:2: unknown instruction 'frob'\nbad.s:3:9: undefined symbol 'nosuch'\n3 errors; no output written\n");
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });
  it('reads standard input with -', async () => {
    const a = io('_start: nop\n');
    expect(await asmCmd.run(['-', '-o', 'stdin.out'], a.x)).toBe(0);
    expect(existsSync(join(dir, 'stdin.out'))).toBe(true);
  });
  it('usage errors are PagewalkError with status 2', async () => {
    expect(await usage(() => asmCmd.run([], io().x))).toBe("asm: no input file (try 'pagewalk asm --help')");
    expect(await usage(() => asmCmd.run(['a.s', '--bogus'], io().x))).toBe("asm: unknown option '--bogus' (try 'pagewalk asm --help')");
    expect(await usage(() => asmCmd.run(['a.s', '-o'], io().x))).toBe('asm: -o needs a file name');
    expect(await usage(() => asmCmd.run(['a.s', 'b.s'], io().x))).toBe("asm: more than one input file ('a.s', 'b.s')");
    expect(await usage(() => asmCmd.run(['prog.s', '--text-base', '0x1234'], io().x))).toBe('text base 0x1234 must be a page-aligned user address');
    expect(await usage(() => disasmCmd.run([], io().x))).toBe("disasm: no input file (try 'pagewalk disasm --help')");
    expect(await usage(() => disasmCmd.run(['x', '--base', '0x400000'], io().x))).toBe('disasm: --base applies to --raw images only');
    expect(await usage(() => disasmCmd.run(['x', '--raw', '--base', 'zz'], io().x))).toBe("disasm: --base: expected an address, got 'zz'");
  });
  it('a missing file or a non-ELF input is a one-line error', async () => {
    await expect(async () => asmCmd.run(['nothere.s'], io().x)).rejects.toThrow("asm: cannot read 'nothere.s': no such file");
    await expect(async () => disasmCmd.run(['prog.s'], io().x)).rejects.toThrow('disasm: prog.s: not an ELF file (bad magic); use --raw for a raw image');
  });
  it('--text-base links .text elsewhere; disasm --raw --base reads it back', async () => {
    writeFileSync(join(dir, 'tb.s'), '_start: jmp _start\n');
    const a = io();
    expect(await asmCmd.run(['tb.s', '--text-base', '0x10000', '--symbols'], a.x)).toBe(0);
    expect(a.out()).toBe('0000000000010000 .text    l _start\n');
    writeFileSync(join(dir, 'raw.bin'), Uint8Array.from([0x40, 0, 0, 0, 0, 0, 0, 0]));
    const d = io();
    expect(await disasmCmd.run(['--raw', '--base', '0x10000', 'raw.bin', '--no-addr'], d.x)).toBe(0);
    expect(d.out()).toContain('_start:\n        jmp   _start\n');
  });
});
