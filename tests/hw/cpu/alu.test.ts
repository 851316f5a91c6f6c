// Every ALU/move instruction of docs/t64.md against BigInt reference semantics, executed by the
// core (fetched through the MMU from a mapped page), with random and edge-case operands.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Bare, encode, u64 } from '../../harness/bare.ts';
import { OPCODES } from '../../../hw/isa/opcodes.ts';
import { EXIT_NONE } from '../../../hw/cpu/cpu.ts';
import * as alu from '../../../hw/cpu/alu.ts';

const M = (1n << 64n) - 1n;
const wrap = (v: bigint) => BigInt.asUintN(64, v);
const signed = (v: bigint) => BigInt.asIntN(64, v);
const sext = (imm: number) => wrap(BigInt(imm | 0));

/** Reference: rd after `op rd, rs, rt/imm` (docs/t64.md), or undefined when not an ALU/move op. */
function reference(m: string, rd: bigint, a: bigint, b: bigint, imm: number): bigint | undefined {
  const i = sext(imm);
  switch (m) {
    case 'add': return wrap(a + b);
    case 'sub': return wrap(a - b);
    case 'mul': return wrap(a * b);
    case 'divu': return a / b;
    case 'remu': return a % b;
    case 'and': return a & b;
    case 'or': return a | b;
    case 'xor': return a ^ b;
    case 'shl': return wrap(a << (b & 63n));
    case 'shr': return a >> (b & 63n);
    case 'sar': return wrap(signed(a) >> (b & 63n));
    case 'sltu': return a < b ? 1n : 0n;
    case 'slt': return signed(a) < signed(b) ? 1n : 0n;
    case 'addi': return wrap(a + i);
    case 'muli': return wrap(a * i);
    case 'andi': return a & i;
    case 'ori': return a | i;
    case 'xori': return a ^ i;
    case 'shli': return wrap(a << BigInt(imm & 63));
    case 'shri': return a >> BigInt(imm & 63);
    case 'sari': return wrap(signed(a) >> BigInt(imm & 63));
    case 'li': return i;
    case 'lih': return (rd & 0xffffffffn) | (wrap(BigInt(imm >>> 0)) << 32n);
    case 'mov': return a;
    default: return undefined;
  }
}

const ALU_OPS = OPCODES.filter((o) => ['alu', 'mul', 'div', 'move'].includes(o.cls));

const edge = [0n, 1n, 2n, 63n, 64n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, M, M - 1n];
const u64Arb = fc.oneof(fc.bigInt({ min: 0n, max: M }), fc.constantFrom(...edge));
const immArb = fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.constantFrom(0, 1, -1, 31, 32, 63, 64, -64, 0x7fffffff, -0x80000000));

describe('ALU instructions match 64-bit wrap-around reference semantics', () => {
  const b = new Bare();
  const CODE = 0x400000n;
  b.mapRange(CODE, 4096n, { exec: true });
  b.setupStack();

  /** rd after executing the instruction, on the fast path and (checked equal) cycle by cycle. */
  function exec(m: string, rd: number, rs: number, rt: number, imm: number, vals: bigint[]): bigint {
    const info = ALU_OPS.find((o) => o.mnemonic === m)!;
    b.poke(CODE, encode([[info.op, rd, rs, rt, imm]]));
    const results: bigint[] = [];
    for (const stepped of [false, true]) {
      for (let r = 0; r < 16; r++) b.setReg(r, vals[r]);
      b.setPc(CODE);
      if (stepped) {
        do expect(b.cpu.stepCycle()).toBe(EXIT_NONE);
        while (!b.cpu.atBoundary);
      } else expect(b.cpu.stepInstruction()).toBe(EXIT_NONE);
      expect(b.pc).toBe(CODE + 8n);
      results.push(b.reg(rd));
    }
    expect(results[1]).toBe(results[0]);
    return results[0];
  }

  for (const info of ALU_OPS) {
    it(`${info.mnemonic}: rd = reference(rs, rt, imm) for random operands`, () => {
      fc.assert(
        fc.property(
          fc.array(u64Arb, { minLength: 16, maxLength: 16 }),
          fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 }), immArb,
          (vals, rd, rs, rt, imm) => {
            if (info.cls === 'div' && vals[rt] === 0n) vals[rt] = 3n;
            const expected = reference(info.mnemonic, vals[rd], vals[rs], vals[rt], imm)!;
            const others = vals.slice();
            expect(exec(info.mnemonic, rd, rs, rt, imm, vals)).toBe(expected);
            for (let r = 0; r < 16; r++) if (r !== rd) expect(b.reg(r)).toBe(others[r]);
          },
        ),
        { numRuns: 150 },
      );
    });
  }
});

describe('alu.ts helpers on halves', () => {
  const split = (v: bigint) => [Number(v & 0xffffffffn), Number(v >> 32n)] as const;
  const got = () => u64(alu.res[0], alu.res[1]);
  it('add64/sub64/mul64 wrap mod 2^64; shifts cross the halves; compares are exact', () => {
    fc.assert(
      fc.property(u64Arb, u64Arb, fc.integer({ min: 0, max: 63 }), (a, c, n) => {
        const [al, ah] = split(a), [cl, ch] = split(c);
        alu.add64(al, ah, cl, ch); expect(got()).toBe(wrap(a + c));
        alu.sub64(al, ah, cl, ch); expect(got()).toBe(wrap(a - c));
        alu.mul64(al, ah, cl, ch); expect(got()).toBe(wrap(a * c));
        alu.shl64(al, ah, n); expect(got()).toBe(wrap(a << BigInt(n)));
        alu.shr64(al, ah, n); expect(got()).toBe(a >> BigInt(n));
        alu.sar64(al, ah, n); expect(got()).toBe(wrap(signed(a) >> BigInt(n)));
        expect(alu.ltu64(al, ah, cl, ch)).toBe(a < c);
        expect(alu.lt64(al, ah, cl, ch)).toBe(signed(a) < signed(c));
        if (c !== 0n) {
          alu.divu64(al, ah, cl, ch); expect(got()).toBe(a / c);
          alu.remu64(al, ah, cl, ch); expect(got()).toBe(a % c);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
