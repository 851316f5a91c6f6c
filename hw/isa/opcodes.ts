// The T64 instruction set (docs/t64.md): the one table of opcodes.
// The assembler, the disassembler and the CPU core all derive from it; no other copy exists.
//
// Encoding (one little-endian 8-byte word): byte 0 opcode; byte 1 rd (3:0), rs (7:4);
// byte 2 rt (3:0), bits 7:4 must be 0; byte 3 must be 0; bytes 4..7 imm (signed 32-bit).

/**
 * Operand forms, as written in assembly:
 *  rrr      rd, rs, rt          rri    rd, rs, imm        ri   rd, imm
 *  rr       rd, rs              load   rd, [rs+imm]       store [rs+imm], rt
 *  amo      rd, [rs+imm], rt    label  label (imm = target - pc)
 *  rs       rs                  rd     rd                 none (no operands)
 *  rsrtlabel rs, rt, label      rslabel rs, label
 */
export type OperandForm =
  | 'rrr' | 'rri' | 'ri' | 'rr' | 'load' | 'store' | 'amo'
  | 'label' | 'rs' | 'rd' | 'none' | 'rsrtlabel' | 'rslabel';

/** Instruction classes: each has one cycle cost (see CYCLES_BY_CLASS). */
export type InsnClass =
  | 'alu' | 'mul' | 'div' | 'move' | 'load' | 'store' | 'atomic'
  | 'jump' | 'branch' | 'call' | 'ret' | 'stack' | 'system' | 'nop' | 'rdcycle';

export interface OpInfo {
  readonly op: number;
  readonly mnemonic: string;
  readonly form: OperandForm;
  readonly cls: InsnClass;
  /** Which encoding fields the instruction reads (others are ignored by the core). */
  readonly uses: { readonly rd: boolean; readonly rs: boolean; readonly rt: boolean; readonly imm: boolean };
  /** Bytes accessed in memory (0 for none): loads, stores, atomics, stack operations. */
  readonly memSize: number;
}

/**
 * Core cycles per instruction class, before any memory stall (the MMU's and the memory's
 * latencies are added by the core while it waits for them). Figures are the latency of the
 * corresponding x86-64 integer instruction on Intel Skylake from Agner Fog's
 * "Instruction tables" (reg-reg forms): ALU 1, IMUL r64 3, DIV r64 ~35-88 (we take 26,
 * the Ice Lake figure, as a round mid-range value), taken branch / call / ret 1-2,
 * SYSCALL ~ 70 cycles for the instruction alone (the kernel's own work is charged by
 * the kernel's cost model), RDTSC 25.
 */
export const CYCLES_BY_CLASS: Readonly<Record<InsnClass, number>> = {
  alu: 1, mul: 3, div: 26, move: 1, load: 1, store: 1, atomic: 3,
  jump: 1, branch: 1, call: 2, ret: 2, stack: 1, system: 70, nop: 1, rdcycle: 25,
};

const F = (rd: boolean, rs: boolean, rt: boolean, imm: boolean) => ({ rd, rs, rt, imm });
const USES: Readonly<Record<OperandForm, OpInfo['uses']>> = {
  rrr: F(true, true, true, false),
  rri: F(true, true, false, true),
  ri: F(true, false, false, true),
  rr: F(true, true, false, false),
  load: F(true, true, false, true),
  store: F(false, true, true, true),
  amo: F(true, true, true, true),
  label: F(false, false, false, true),
  rs: F(false, true, false, false),
  rd: F(true, false, false, false),
  none: F(false, false, false, false),
  rsrtlabel: F(false, true, true, true),
  rslabel: F(false, true, false, true),
};

function op(code: number, mnemonic: string, form: OperandForm, cls: InsnClass, memSize = 0): OpInfo {
  return Object.freeze({ op: code, mnemonic, form, cls, uses: USES[form], memSize });
}

export const OPCODES: readonly OpInfo[] = Object.freeze([
  op(0x01, 'add', 'rrr', 'alu'),
  op(0x02, 'sub', 'rrr', 'alu'),
  op(0x03, 'mul', 'rrr', 'mul'),
  op(0x04, 'divu', 'rrr', 'div'),
  op(0x05, 'remu', 'rrr', 'div'),
  op(0x06, 'and', 'rrr', 'alu'),
  op(0x07, 'or', 'rrr', 'alu'),
  op(0x08, 'xor', 'rrr', 'alu'),
  op(0x09, 'shl', 'rrr', 'alu'),
  op(0x0a, 'shr', 'rrr', 'alu'),
  op(0x0b, 'sar', 'rrr', 'alu'),
  op(0x0c, 'sltu', 'rrr', 'alu'),
  op(0x0d, 'slt', 'rrr', 'alu'),
  op(0x11, 'addi', 'rri', 'alu'),
  op(0x13, 'muli', 'rri', 'mul'),
  op(0x16, 'andi', 'rri', 'alu'),
  op(0x17, 'ori', 'rri', 'alu'),
  op(0x18, 'xori', 'rri', 'alu'),
  op(0x19, 'shli', 'rri', 'alu'),
  op(0x1a, 'shri', 'rri', 'alu'),
  op(0x1b, 'sari', 'rri', 'alu'),
  op(0x20, 'li', 'ri', 'move'),
  op(0x21, 'lih', 'ri', 'move'),
  op(0x22, 'mov', 'rr', 'move'),
  op(0x30, 'ld8', 'load', 'load', 1),
  op(0x31, 'ld16', 'load', 'load', 2),
  op(0x32, 'ld32', 'load', 'load', 4),
  op(0x33, 'ld64', 'load', 'load', 8),
  op(0x34, 'st8', 'store', 'store', 1),
  op(0x35, 'st16', 'store', 'store', 2),
  op(0x36, 'st32', 'store', 'store', 4),
  op(0x37, 'st64', 'store', 'store', 8),
  op(0x38, 'xchg', 'amo', 'atomic', 8),
  op(0x39, 'xadd', 'amo', 'atomic', 8),
  op(0x40, 'jmp', 'label', 'jump'),
  op(0x41, 'jr', 'rs', 'jump'),
  op(0x42, 'call', 'label', 'call', 8),
  op(0x43, 'callr', 'rs', 'call', 8),
  op(0x44, 'ret', 'none', 'ret', 8),
  op(0x48, 'beq', 'rsrtlabel', 'branch'),
  op(0x49, 'bne', 'rsrtlabel', 'branch'),
  op(0x4a, 'blt', 'rsrtlabel', 'branch'),
  op(0x4b, 'bge', 'rsrtlabel', 'branch'),
  op(0x4c, 'bltu', 'rsrtlabel', 'branch'),
  op(0x4d, 'bgeu', 'rsrtlabel', 'branch'),
  op(0x4e, 'beqz', 'rslabel', 'branch'),
  op(0x4f, 'bnez', 'rslabel', 'branch'),
  op(0x50, 'push', 'rs', 'stack', 8),
  op(0x51, 'pop', 'rd', 'stack', 8),
  op(0x60, 'syscall', 'none', 'system'),
  op(0x61, 'nop', 'none', 'nop'),
  op(0x62, 'rdcycle', 'rd', 'rdcycle'),
  op(0x63, 'trap', 'none', 'system'),
]);

/** Opcode byte → info (undefined: SIGILL ILL_ILLOPC). */
export const OP_BY_CODE: readonly (OpInfo | undefined)[] = (() => {
  const t: (OpInfo | undefined)[] = new Array(256).fill(undefined);
  for (const o of OPCODES) t[o.op] = o;
  return Object.freeze(t);
})();

/** Lower-case mnemonic → info. */
export const OP_BY_MNEMONIC: ReadonlyMap<string, OpInfo> = new Map(OPCODES.map((o) => [o.mnemonic, o]));

/** Opcode constants by mnemonic, for code that switches on opcodes (e.g. OP.add === 0x01). */
export const OP: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(OPCODES.map((o) => [o.mnemonic, o.op])),
);

export const INSN_SIZE = 8;

/** Encode one instruction word into `out` at `offset`. imm is a signed 32-bit value. */
export function encodeInsn(out: Uint8Array, offset: number, opcode: number, rd: number, rs: number, rt: number, imm: number): void {
  out[offset] = opcode;
  out[offset + 1] = (rd & 15) | ((rs & 15) << 4);
  out[offset + 2] = rt & 15;
  out[offset + 3] = 0;
  out[offset + 4] = imm;
  out[offset + 5] = imm >> 8;
  out[offset + 6] = imm >> 16;
  out[offset + 7] = imm >> 24;
}

/** Decoded fields of one instruction word (for tools; the core decodes inline). */
export interface DecodedInsn {
  opcode: number;
  rd: number;
  rs: number;
  rt: number;
  imm: number; // signed 32-bit
  /** True when the "must be 0" bits are all zero. */
  reservedOk: boolean;
  info: OpInfo | undefined;
}

export function decodeInsn(b: Uint8Array, offset: number): DecodedInsn {
  const opcode = b[offset];
  return {
    opcode,
    rd: b[offset + 1] & 15,
    rs: b[offset + 1] >> 4,
    rt: b[offset + 2] & 15,
    imm: b[offset + 4] | (b[offset + 5] << 8) | (b[offset + 6] << 16) | (b[offset + 7] << 24),
    reservedOk: (b[offset + 2] & 0xf0) === 0 && b[offset + 3] === 0,
    info: OP_BY_CODE[opcode],
  };
}
