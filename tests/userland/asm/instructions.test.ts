import { describe, expect, it } from 'vitest';
import { OPCODES, encodeInsn } from '../../../hw/isa/opcodes.ts';
import { asm, errorLines, section, words } from '../helpers.ts';

// Operand text for each form, with rd=3, rs=5, rt=7 and imm -8 / a target 16 bytes ahead.
const SYNTAX: Record<string, string> = {
  rrr: 'r3, r5, r7', rri: 'r3, r5, -8', ri: 'r3, -8', rr: 'r3, r5', load: 'r3, [r5-8]', store: '[r5-8], r7',
  amo: 'r3, [r5-8], r7', label: 'L', rs: 'r5', rd: 'r3', none: '', rsrtlabel: 'r5, r7, L', rslabel: 'r5, L',
};

describe('instructions: every opcode of hw/isa/opcodes.ts in its operand form', () => {
  for (const info of OPCODES) {
    it(`${info.mnemonic} (${info.form}) encodes opcode 0x${info.op.toString(16)} and only the fields it uses`, () => {
      const r = asm(`_start: ${info.mnemonic} ${SYNTAX[info.form]}\n nop\nL: nop\n`);
      const text = section(r, '.text').bytes;
      const want = new Uint8Array(8);
      const rel = info.form === 'label' || info.form === 'rsrtlabel' || info.form === 'rslabel';
      encodeInsn(want, 0, info.op, info.uses.rd ? 3 : 0, info.uses.rs ? 5 : 0, info.uses.rt ? 7 : 0, info.uses.imm ? (rel ? 16 : -8) : 0);
      expect([...text.subarray(0, 8)]).toEqual([...want]);
    });
  }
  it('mnemonics and register names are case-insensitive; sp is r15', () => {
    expect(words('ADD R1, Sp, r2\n  Ld64 SP, [SP+8]')).toEqual([
      { op: 'add', rd: 1, rs: 15, rt: 2, imm: 0 },
      { op: 'ld64', rd: 15, rs: 15, rt: 0, imm: 8 },
    ]);
  });
  it('memory operands: [reg], [reg+expr], [reg-expr] with the rest of the expression following C rules', () => {
    const w = words('ld8 r1, [r2]\n ld8 r1, [r2+8]\n ld8 r1, [r2-8]\n ld8 r1, [r2 - 8 + 4]\n ld8 r1, [r2+2*3]\n st8 [r2+(1<<4)], r1');
    expect(w.map((x) => x.imm)).toEqual([0, 8, -8, -4, 6, 16]);
  });
  it('branch and call targets are encoded relative to the instruction: target = pc + imm', () => {
    const w = words('back: nop\n beq r1, r2, back\n bnez r3, fwd\n call back\n jmp fwd\n nop\nfwd: ret');
    expect(w.slice(1, 5).map((x) => [x.op, x.imm])).toEqual([['beq', -8], ['bnez', 32], ['call', -24], ['jmp', 16]]);
  });
  it('a branch target may be an expression or an absolute address', () => {
    const w = words('nop\n jmp _start+16\n jmp 0x400000\n nop');
    expect(w.slice(1, 3).map((x) => x.imm)).toEqual([8, -16]);
  });
  it('an immediate takes 32-bit signed values and 64-bit values whose upper 33 bits are all ones', () => {
    expect(words('addi r1, r1, 0x7fffffff\n addi r1, r1, -0x80000000\n addi r1, r1, 0xffffffff80000000\n andi r1, r1, 0xffffffffffffffff').map((x) => x.imm))
      .toEqual([0x7fffffff, -0x80000000, -0x80000000, -1]);
    expect(errorLines('_start: addi r1, r1, 0x80000000\n ori r1, r1, 0xffffffff\n lih r1, 0x7fffffff80000000\n ld8 r1, [r2+0x80000000]')).toEqual([
      't.s:1:22: immediate 0x80000000 does not fit in 32 bits signed (expected -0x80000000..0x7fffffff, or a 64-bit value whose upper 33 bits are all ones)',
      't.s:2:14: immediate 0xffffffff does not fit in 32 bits signed (expected -0x80000000..0x7fffffff, or a 64-bit value whose upper 33 bits are all ones)',
      't.s:3:10: immediate 0x7fffffff80000000 does not fit in 32 bits signed (expected -0x80000000..0x7fffffff, or a 64-bit value whose upper 33 bits are all ones)',
      't.s:4:10: offset 0x80000000 does not fit in 32 bits signed (expected -0x80000000..0x7fffffff, or a 64-bit value whose upper 33 bits are all ones)',
    ]);
  });
  it('instructions are 8-byte words at 8-byte aligned addresses', () => {
    expect(errorLines('_start: .byte 1\n nop\n nop\n .align 8\n nop')).toEqual(['t.s:2:2: instruction at .text+0x1 is not 8-byte aligned (use .align 8)']);
  });
  it('a branch whose offset does not fit 32 bits is an error', () => {
    expect(errorLines('_start: jmp 0x100000000\n call _start + 0x80000008')).toEqual([
      't.s:1:13: target 0x100000000 is out of range: offset 0xffc00000 from 0x400000 does not fit in 32 bits signed',
      't.s:2:7: target 0x80400008 is out of range: offset 0x80000000 from 0x400008 does not fit in 32 bits signed',
    ]);
  });
});

describe('pseudo-instructions', () => {
  it('li of a value that fits a sign-extended 32-bit immediate is one li', () => {
    expect(words('li r1, 42\n li r2, -1\n li r3, 0xffffffff80000000\n li r4, 0x7fffffff')).toEqual([
      { op: 'li', rd: 1, rs: 0, rt: 0, imm: 42 },
      { op: 'li', rd: 2, rs: 0, rt: 0, imm: -1 },
      { op: 'li', rd: 3, rs: 0, rt: 0, imm: -0x80000000 },
      { op: 'li', rd: 4, rs: 0, rt: 0, imm: 0x7fffffff },
    ]);
  });
  it('li of any other 64-bit value is li (low half) + lih (high half)', () => {
    expect(words('li r1, 0x1122334455667788\n li r2, 0x80000000\n li r3, 0xffffffff\n li r4, 0x8000000000000000')).toEqual([
      { op: 'li', rd: 1, rs: 0, rt: 0, imm: 0x55667788 },
      { op: 'lih', rd: 1, rs: 0, rt: 0, imm: 0x11223344 },
      { op: 'li', rd: 2, rs: 0, rt: 0, imm: -0x80000000 },
      { op: 'lih', rd: 2, rs: 0, rt: 0, imm: 0 },
      { op: 'li', rd: 3, rs: 0, rt: 0, imm: -1 },
      { op: 'lih', rd: 3, rs: 0, rt: 0, imm: 0 },
      { op: 'li', rd: 4, rs: 0, rt: 0, imm: 0 },
      { op: 'lih', rd: 4, rs: 0, rt: 0, imm: -0x80000000 },
    ]);
  });
  it('la loads the address of a label (as li), including labels defined later', () => {
    const r = asm('_start: la r2, msg\n la r3, far\n .rodata\nmsg: .asciz "hi"\n .bss\n .zero 0x100000000\nfar: .zero 8');
    const t = section(r, '.text').bytes;
    expect(t.length).toBe(24);
    expect(r.symbols.get('msg')).toBe(0x401000n);
    expect(r.symbols.get('far')).toBe(0x402000n + 0x100000000n);
    expect([t[0], t[4] | (t[5] << 8) | (t[6] << 16)]).toEqual([0x20, 0x401000]);
    expect([t[8], t[16], t[12], t[20]]).toEqual([0x20, 0x21, 0x00, 0x01]); // li low 0x402000, lih 1
  });
  it('b is jmp; not is xori rd, rs, -1; neg is xori rd, rs, -1 then addi rd, rd, 1', () => {
    expect(words('b _start\n not r1, r2\n neg r3, r4')).toEqual([
      { op: 'jmp', rd: 0, rs: 0, rt: 0, imm: 0 },
      { op: 'xori', rd: 1, rs: 2, rt: 0, imm: -1 },
      { op: 'xori', rd: 3, rs: 4, rt: 0, imm: -1 },
      { op: 'addi', rd: 3, rs: 3, rt: 0, imm: 1 },
    ]);
  });
  it('li sized by a forward .equ: the two-word form moves the labels after it', () => {
    const r = asm('_start: li r1, BIG\nafter: nop\n .equ BIG, 0x100000000');
    expect(r.symbols.get('after')).toBe(0x400010n);
  });
  it('li of a label difference is sized by its final value (layout iterated to a fixed point)', () => {
    // One word: X = 0x7ffffff0 + 8 fits, so one word is consistent and must be chosen.
    const r = asm('_start: li r1, X\nafter: nop\n .equ X, after - _start + 0x7ffffff0');
    expect(section(r, '.text').size).toBe(16);
    // X shrinks as li grows: no fixed point exists; the two-word form (which is exact) is kept.
    const w = words('li r1, X\nafter: nop\n .equ X, 0x80000008 - (after - _start)');
    expect(w.map((x) => [x.op, x.imm])).toEqual([['li', 0x7ffffff8], ['lih', 0], ['nop', 0]]);
  });
});
