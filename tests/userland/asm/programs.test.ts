import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeInsn } from '../../../hw/isa/opcodes.ts';
import { parseElf } from '../../../kernel/uapi/elf.ts';
import { readExecutable } from '../../../userland/elf/read.ts';
import { asm, section, u64le } from '../helpers.ts';

const FIX = join(import.meta.dirname, '../../fixtures/linux-mm');
const SPEC = join(import.meta.dirname, '../../../docs/t64.md');
const fixtures = readdirSync(FIX).filter((f) => f.endsWith('.s')).sort();
const tmp = mkdtempSync(join(tmpdir(), 'pagewalk-asm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const hasReadelf = spawnSync('readelf', ['--version']).status === 0;

/** readelf -h -l -S -s -W: stdout, and stderr (which holds any warning). */
function readelf(elf: Uint8Array, name: string): { out: string; err: string } {
  const p = join(tmp, name);
  writeFileSync(p, elf);
  const r = spawnSync('readelf', ['-h', '-l', '-S', '-s', '-W', p], { encoding: 'utf8' });
  return { out: r.stdout, err: r.stderr };
}

/** The example program of docs/t64.md "Assembly language". */
function specExample(): string {
  const md = readFileSync(SPEC, 'utf8');
  const start = md.indexOf('## Assembly language');
  const block = /```\n([\s\S]*?)```/.exec(md.slice(start));
  return block![1];
}

describe('the linux-mm fixture programs', () => {
  it('there are fixture programs', () => expect(fixtures.length).toBeGreaterThanOrEqual(30));
  for (const f of fixtures) {
    it(`${f} assembles; entry is _start; text r-x, rodata r--, bss rw- without file bytes`, () => {
      const r = asm(readFileSync(join(FIX, f), 'utf8'), f);
      const exe = readExecutable(r.elf, f);
      expect(BigInt(exe.entry)).toBe(r.symbols.get('_start'));
      expect(exe.segments.map((s) => s.perms)).toEqual(r.sections.map((s) => s.perms));
      expect(exe.segments[0]).toMatchObject({ vaddr: 0x400000, perms: 'r-x' });
      const bss = exe.segments.find((s) => s.vaddr === Number(r.symbols.get('rbuf')))!;
      expect([bss.perms, bss.data.length, bss.memsz >= 65536]).toEqual(['rw-', 0, true]);
      if (hasReadelf) {
        const { out, err } = readelf(r.elf, f);
        expect(err).toBe('');
        expect(out).not.toMatch(/readelf: (warning|error)/i);
        expect(out).toMatch(/Type:\s+EXEC/);
        expect(out).toMatch(/Machine:\s+<unknown>: 0x5436/);
      }
    });
  }
});

describe('the example program of docs/t64.md', () => {
  // The example calls `helper` without defining it; the test supplies one.
  const src = specExample() + '        .text\nhelper: ret\n';
  it('assembles with the layout and encodings the spec describes', () => {
    const r = asm(src, 'example.s');
    const text = section(r, '.text').bytes;
    const w = (i: number) => decodeInsn(text, i * 8);
    expect(r.entry).toBe(0x400000n);
    expect([w(0).info?.mnemonic, w(0).rd, w(0).imm]).toEqual(['li', 1, 42]);
    expect([w(1).info?.mnemonic, w(1).rd, w(1).imm]).toEqual(['li', 2, 0x401000]); // la r2, msg
    expect([w(2).info?.mnemonic, w(2).rd, w(2).rs, w(2).imm]).toEqual(['ld64', 3, 2, 8]);
    expect([w(3).info?.mnemonic, w(3).rs, w(3).rt, w(3).imm]).toEqual(['st8', 2, 1, 0]);
    expect([w(4).info?.mnemonic, w(4).rs, w(4).rt, w(4).imm]).toEqual(['beq', 1, 3, 16]);
    expect([w(6).info?.mnemonic, w(6).imm]).toEqual(['li', 60]); // SYS_exit
    expect(r.symbols.get('LEN')).toBe(6n);
    expect([...section(r, '.rodata').bytes]).toEqual([...Buffer.from('hello\n\0')]);
    const data = section(r, '.data');
    expect([data.addr, u64le(data.bytes, 0), u64le(data.bytes, 8), u64le(data.bytes, 16)]).toEqual([0x402000, 1n, 2n, 0x10n]);
    expect(section(r, '.bss')).toMatchObject({ addr: 0x403000, size: 4096 });
  });
  it.runIf(hasReadelf)('readelf reads it without complaint', () => {
    const { out, err } = readelf(asm(src, 'example.s').elf, 'example');
    expect(err).toBe('');
    expect(out).toMatch(/LOAD\s+0x0*1000 0x0*400000 0x0*400000 0x0*\w+ 0x0*\w+ R E 0x1000/);
    expect(out).toMatch(/LOAD\s+0x\w+ 0x0*403000 0x0*403000 0x0*0 0x0*1000 RW\s+0x1000/);
    expect(out).toMatch(/\.bss\s+NOBITS/);
  });
});

describe('readelf accepts every section combination', () => {
  const parts = [' .text\n nop', ' .rodata\n .byte 1', ' .data\n .quad 2', ' .bss\n .zero 5000'];
  it.runIf(hasReadelf)('each subset of .text/.rodata/.data/.bss, with and without a page-sized .text', () => {
    expect(execFileSync('readelf', ['--version'], { encoding: 'utf8' })).toMatch(/readelf/);
    for (let mask = 0; mask < 16; mask++) {
      for (const big of [false, true]) {
        const body = parts.filter((_, i) => mask & (1 << i)).join('\n');
        const src = `_start:\n${big ? ' .zero 4096\n' : ''}${body}\n`;
        const r = asm(src);
        const { out, err } = readelf(r.elf, `combo${mask}${big}`);
        expect(err, src).toBe('');
        expect(out).not.toMatch(/readelf: (warning|error)/i);
        expect(parseElf(r.elf).loads.length).toBe(r.sections.length);
      }
    }
  });
});
