// Per-opcode lookup tables for the core, derived from the one opcode table (hw/isa/opcodes.ts).
// The core indexes these by opcode byte; nothing here restates the instruction set.
import { CYCLES_BY_CLASS, OP_BY_CODE, type InsnClass } from '../isa/opcodes.ts';

/** Memory-operand kinds (how the core forms the linear address of an instruction's data access). */
export const MEM_NONE = 0;
/** ld*, st*, xchg, xadd: rs + sext(imm). */
export const MEM_RS_IMM = 1;
/** push, call, callr: sp - 8 (a write). */
export const MEM_PUSH = 2;
/** pop, ret: sp (a read). */
export const MEM_POP = 3;

/** 1 where the opcode byte names an instruction, 0 where it raises #UD. */
export const OP_VALID = new Uint8Array(256);
/** Execute cycles of each opcode (CYCLES_BY_CLASS of its class). */
export const OP_CYCLES = new Uint8Array(256);
/** Bytes of the data access (0: none). */
export const OP_MEM_SIZE = new Uint8Array(256);
/** MEM_* kind of the data access. */
export const OP_MEM_KIND = new Uint8Array(256);
/** Access type of the data access: 0 read, 1 write (xchg/xadd are read-modify-write: a write). */
export const OP_MEM_WRITE = new Uint8Array(256);
/** 1 for a load (counted in `loads`), 2 for a store, 3 for a read-modify-write (both). */
export const OP_MEM_COUNT = new Uint8Array(256);

const STACK_PUSH = new Set(['push', 'call', 'callr']);
const STACK_POP = new Set(['pop', 'ret']);

for (let code = 0; code < 256; code++) {
  const info = OP_BY_CODE[code];
  if (info === undefined) continue;
  OP_VALID[code] = 1;
  OP_CYCLES[code] = CYCLES_BY_CLASS[info.cls as InsnClass];
  OP_MEM_SIZE[code] = info.memSize;
  if (info.memSize === 0) continue;
  if (STACK_PUSH.has(info.mnemonic)) {
    OP_MEM_KIND[code] = MEM_PUSH;
    OP_MEM_WRITE[code] = 1;
    OP_MEM_COUNT[code] = 2;
  } else if (STACK_POP.has(info.mnemonic)) {
    OP_MEM_KIND[code] = MEM_POP;
    OP_MEM_COUNT[code] = 1;
  } else {
    OP_MEM_KIND[code] = MEM_RS_IMM;
    const write = info.cls === 'store' || info.cls === 'atomic';
    OP_MEM_WRITE[code] = write ? 1 : 0;
    OP_MEM_COUNT[code] = info.cls === 'atomic' ? 3 : write ? 2 : 1;
  }
}

/** Bits of the first instruction word (bytes 0..3, little-endian) that must be zero: byte 2 bits 7:4, byte 3. */
export const RESERVED_MASK_W0 = 0xfff00000 | 0;
