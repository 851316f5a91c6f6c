import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AsmError, assemble } from '../../../userland/asm/index.ts';

const FIX = join(import.meta.dirname, '../../fixtures/linux-mm/anon-first-touch.s');

/** Assembles; the only acceptable failure is an AsmError whose diagnostics point into the file. */
function check(src: string): void {
  const nLines = src.split(/\r?\n/).length;
  try {
    assemble(src, 'fuzz.s');
  } catch (e) {
    if (!(e instanceof AsmError)) throw e;
    expect(e.diagnostics.length).toBeGreaterThan(0);
    for (const d of e.diagnostics) {
      expect(d.line).toBeGreaterThanOrEqual(0);
      expect(d.line).toBeLessThanOrEqual(nLines);
      if (d.line > 0) expect(d.col).toBeGreaterThanOrEqual(1);
      expect(d.message).not.toMatch(/\n/);
      expect(e.message.split('\n')).toHaveLength(e.diagnostics.length);
    }
  }
}

const TOKENS = ['li', 'la', 'add', 'ld64', 'st8', 'beq', 'jmp', 'b', 'neg', 'not', '.byte', '.quad', '.ascii', '.asciz', '.zero', '.align', '.equ',
  '.globl', '.text', '.data', '.rodata', '.bss', 'r1', 'r15', 'sp', 'r16', '_start', 'x', 'y', ':', ',', '[', ']', '(', ')', '+', '-', '*', '/', '%',
  '<<', '>>', '&', '|', '^', '~', '0', '1', '0x7fffffff', '0xffffffffffffffff', '18446744073709551616', "'a'", "'\\x41'", '"s\\n"', '"', "'", '#', ';',
  '\\', '\t', ' ', 'é', '\u0000', 'PAGE_SIZE', 'SYS_mmap', '8', '4096', '.align 8'];

describe('garbage input never crashes the assembler', () => {
  it('random token soup: either assembles or reports positioned errors', () => {
    const line = fc.array(fc.constantFrom(...TOKENS), { maxLength: 12 }).map((t) => t.join(' '));
    fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), (lines) => check(['_start:', ...lines].join('\n'))), { numRuns: 600, seed: 42 });
  });
  it('random strings of any characters', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => check(s)), { numRuns: 600, seed: 7 });
  });
  it('a real program with one line mutated', () => {
    const lines = readFileSync(FIX, 'utf8').split('\n');
    fc.assert(
      fc.property(fc.nat(lines.length - 1), fc.nat(200), fc.constantFrom(...TOKENS), (i, at, tok) => {
        const copy = lines.slice();
        const l = copy[i];
        const p = Math.min(at, l.length);
        copy[i] = l.slice(0, p) + tok + l.slice(p);
        check(copy.join('\n'));
      }),
      { numRuns: 150, seed: 3 },
    );
  });
  it('layout corner cases: counts that depend on labels, huge alignments and sizes', () => {
    for (const src of [
      '_start: .zero end - _start\nend: nop',
      '_start: .zero 8 - (end - _start)\nend: nop',
      '_start: .align 0x100000000\n nop',
      '_start: nop\n .bss\n .zero 0xffffffffffffffff',
      '_start: nop\n .data\n .zero 0x7fffffffffff\n .zero 0x7fffffffffff',
      '_start: li r1, X\n .equ X, Y\n .equ Y, X',
      '_start: .quad _start / 0',
    ]) check(src);
  });
});
