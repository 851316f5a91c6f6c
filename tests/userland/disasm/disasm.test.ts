import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPCODES, encodeInsn } from '../../../hw/isa/opcodes.ts';
import { disassemble, disassembleRaw, formatInsn } from '../../../userland/disasm/index.ts';
import { readExecutable } from '../../../userland/elf/read.ts';
import { asm, section } from '../helpers.ts';

const FIX = join(import.meta.dirname, '../../fixtures/linux-mm');

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    // xorshift32
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

/** Loadable content of an ELF: entry and every segment's address, size, flags and bytes. */
function image(elf: Uint8Array) {
  const x = readExecutable(elf);
  return { entry: x.entry, segs: x.segments.map((s) => ({ vaddr: s.vaddr, memsz: s.memsz, flags: s.flags, data: Buffer.from(s.data).toString('hex') })) };
}

/** Raw words → disassembly → assembly: the .text bytes must come back. */
function rawRoundTrip(bytes: Uint8Array): string {
  const text = disassembleRaw(bytes);
  const r = asm(text, 'rt.s');
  expect(Buffer.from(section(r, '.text').bytes).toString('hex')).toBe(Buffer.from(bytes).toString('hex'));
  return text;
}

describe('disassembler', () => {
  it('prints each opcode in its operand form (registers, sp, signed immediates, memory operands, targets)', () => {
    const b = new Uint8Array(8);
    const show = (op: number, rd: number, rs: number, rt: number, imm: number, pc = 0x400000n) => {
      encodeInsn(b, 0, op, rd, rs, rt, imm);
      return formatInsn(b, 0, pc, (a) => (a === 0x400010n ? 'there' : undefined));
    };
    expect(show(0x01, 1, 2, 15, 0)).toBe('add   r1, r2, sp');
    expect(show(0x11, 1, 2, 0, -300)).toBe('addi  r1, r2, -0x12c');
    expect(show(0x20, 3, 0, 0, 42)).toBe('li    r3, 42');
    expect(show(0x33, 3, 4, 0, 0)).toBe('ld64  r3, [r4]');
    expect(show(0x33, 3, 4, 0, -8)).toBe('ld64  r3, [r4-8]');
    expect(show(0x37, 0, 4, 5, 0x1000)).toBe('st64  [r4+0x1000], r5');
    expect(show(0x39, 1, 2, 3, 16)).toBe('xadd  r1, [r2+16], r3');
    expect(show(0x48, 0, 1, 2, 16)).toBe('beq   r1, r2, there');
    expect(show(0x42, 0, 0, 0, -16)).toBe('call  0x3ffff0');
    expect(show(0x40, 0, 0, 0, -0x80000000, 0n)).toBe('jmp   0xffffffff80000000');
    expect(show(0x44, 0, 0, 0, 0)).toBe('ret');
    expect(show(0x50, 0, 7, 0, 0)).toBe('push  r7');
    expect(show(0x51, 7, 0, 0, 0)).toBe('pop   r7');
  });
  it('words without an assembly spelling have none: unknown opcode, reserved bits, unused fields', () => {
    const b = new Uint8Array(8);
    expect(formatInsn(b, 0, 0n)).toBeUndefined(); // opcode 0x00
    encodeInsn(b, 0, 0x01, 1, 2, 3, 0);
    b[2] |= 0x10; // rt byte bits 7:4
    expect(formatInsn(b, 0, 0n)).toBeUndefined();
    encodeInsn(b, 0, 0x01, 1, 2, 3, 0);
    b[3] = 1; // byte 3
    expect(formatInsn(b, 0, 0n)).toBeUndefined();
    encodeInsn(b, 0, 0x01, 1, 2, 3, 5); // add has no imm
    expect(formatInsn(b, 0, 0n)).toBeUndefined();
    encodeInsn(b, 0, 0x44, 1, 0, 0, 0); // ret has no rd
    expect(formatInsn(b, 0, 0n)).toBeUndefined();
    const t = disassembleRaw(Uint8Array.from([0x01, 0x21, 0x03, 0, 5, 0, 0, 0]), 0x400000, { addresses: false });
    expect(t).toContain('.quad 0x500032101');
  });
  it('round trip: every opcode with random register and immediate fields reassembles to the same bytes', () => {
    const rnd = prng(7);
    const bytes = new Uint8Array(OPCODES.length * 40 * 8);
    let o = 0;
    for (const info of OPCODES) {
      for (let k = 0; k < 40; k++, o += 8) {
        const u = info.uses;
        const imm = [0, 1, -1, 0x7fffffff, -0x80000000, rnd() | 0, (rnd() % 512) - 256][k % 7];
        encodeInsn(bytes, o, info.op, u.rd ? rnd() & 15 : 0, u.rs ? rnd() & 15 : 0, u.rt ? rnd() & 15 : 0, u.imm ? imm : 0);
      }
    }
    const text = rawRoundTrip(bytes);
    expect(text).not.toContain('.quad');
  });
  it('round trip: random 64-bit words (reserved and unused bits set, unknown opcodes) reassemble to the same bytes', () => {
    const rnd = prng(99);
    const bytes = new Uint8Array(4096 * 8);
    for (let i = 0; i < bytes.length; i++) bytes[i] = rnd() & 0xff;
    // Half of the words get a known opcode so that both paths are exercised.
    for (let o = 0; o < bytes.length; o += 16) bytes[o] = OPCODES[rnd() % OPCODES.length].op;
    const text = rawRoundTrip(bytes);
    expect(text).toContain('.quad');
  });
  it('round trip through the ELF: text, data with strings/escapes/zero runs, bss, labels at odd addresses', () => {
    const src = [
      ' .globl _start',
      '_start: li r1, 0x1122334455667788',
      ' la r2, msg',
      ' beq r1, r2, _start',
      'mid: .byte 1, 2, 3',
      'odd: .byte 4',
      ' .align 8',
      ' .quad 0xffffffffffffffff',
      ' bnez r1, mid + 5',
      ' .rodata',
      'msg: .asciz "hello \\"world\\"\\n\\t\\\\ \\001\\377"',
      ' .byte 0, 0, 0',
      'tbl: .quad _start, msg, 0',
      ' .zero 40',
      ' .ascii "abcd"',
      'end_ro:',
      ' .data',
      'd: .word 7',
      ' .equ ANSWER, 42',
      ' .bss',
      'b: .zero 10',
      'b2: .zero 4000',
      'b_end:',
    ].join('\n');
    const a = asm(src);
    const text = disassemble(a.elf, 't');
    const b = asm(text, 'rt.s');
    expect(image(b.elf)).toEqual(image(a.elf));
    for (const [k, v] of a.symbols) expect([k, b.symbols.get(k)]).toEqual([k, v]);
    expect([...b.globals]).toEqual(['_start']);
    expect(text).toContain('.equ  ANSWER, 0x2a');
  });
  it('labels come from the symbol table; unnamed branch targets get L<address> labels', () => {
    const a = asm('_start: beq r1, r2, fwd\n jmp 0x400008\nfwd: ret');
    expect(disassemble(a.elf, 't', { addresses: false })).toContain('beq   r1, r2, fwd');
    const raw = disassembleRaw(section(a, '.text').bytes, 0x400000, { addresses: false });
    expect(raw).toContain('beq   r1, r2, L400010');
    expect(raw).toContain('jmp   L400008');
    expect(raw).toMatch(/^L400010:$/m);
  });
  it('an ELF without symbols gets _start at its entry', () => {
    const a = asm('nop\n_start: ret');
    const e = a.elf.slice();
    // Drop the section headers (e_shoff = e_shnum = e_shstrndx = 0).
    e.fill(0, 40, 48); e.fill(0, 60, 64);
    const text = disassemble(e, 't');
    expect(image(asm(text).elf)).toEqual(image(a.elf));
  });
  it('every linux-mm fixture program round-trips: same segments, entry and symbols', () => {
    for (const f of readdirSync(FIX).filter((x) => x.endsWith('.s'))) {
      const a = asm(readFileSync(join(FIX, f), 'utf8'), f);
      const b = asm(disassemble(a.elf, f), 'rt.s');
      expect(image(b.elf), f).toEqual(image(a.elf));
      for (const [k, v] of a.symbols) expect(b.symbols.get(k), `${f}: ${k}`).toBe(v);
    }
  });
  it('a raw image at another base says how to reassemble it', () => {
    const t = disassembleRaw(Uint8Array.from([0x61, 0, 0, 0, 0, 0, 0, 0]), 0x500000);
    expect(t).toContain('--text-base 0x500000');
  });
});
