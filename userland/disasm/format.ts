// One T64 instruction word → assembly text, derived from the opcode table (hw/isa/opcodes.ts).
import { decodeInsn } from '../../hw/isa/opcodes.ts';

export const regName = (r: number) => (r === 15 ? 'sp' : `r${r}`);

/** An immediate as it is best read: small values in decimal, others in hex. */
export function fmtImm(n: number | bigint): string {
  const v = BigInt(n);
  const a = v < 0n ? -v : v;
  if (a < 256n) return v.toString();
  return (v < 0n ? '-0x' : '0x') + a.toString(16);
}

/** `0x...` of an address or 64-bit value. */
export const fmtHex = (v: number | bigint) => '0x' + BigInt(v).toString(16);

function memOperand(rs: number, imm: number): string {
  if (imm === 0) return `[${regName(rs)}]`;
  return imm < 0 ? `[${regName(rs)}-${fmtImm(-imm)}]` : `[${regName(rs)}+${fmtImm(imm)}]`;
}

/** The branch/call target of a word at `pc` with offset `imm` (mod 2^64). */
export function targetOf(pc: bigint, imm: number): bigint {
  return BigInt.asUintN(64, pc + BigInt(imm));
}

/**
 * The assembly spelling of the word at `b[off]`, or undefined when it has none: an unknown
 * opcode, non-zero "must be 0" bits, or a non-zero field the instruction does not use.
 * `label(addr)` names a branch target (or returns undefined for a number).
 */
export function formatInsn(b: Uint8Array, off: number, pc: bigint, label: (addr: bigint) => string | undefined = () => undefined): string | undefined {
  const d = decodeInsn(b, off);
  const info = d.info;
  if (info === undefined || !d.reservedOk) return undefined;
  const u = info.uses;
  if ((!u.rd && d.rd !== 0) || (!u.rs && d.rs !== 0) || (!u.rt && d.rt !== 0) || (!u.imm && d.imm !== 0)) return undefined;
  const target = () => {
    const t = targetOf(pc, d.imm);
    return label(t) ?? fmtHex(t);
  };
  const [rd, rs, rt, imm] = [regName(d.rd), regName(d.rs), regName(d.rt), fmtImm(d.imm)];
  let ops: string;
  switch (info.form) {
    case 'rrr': ops = `${rd}, ${rs}, ${rt}`; break;
    case 'rri': ops = `${rd}, ${rs}, ${imm}`; break;
    case 'ri': ops = `${rd}, ${imm}`; break;
    case 'rr': ops = `${rd}, ${rs}`; break;
    case 'load': ops = `${rd}, ${memOperand(d.rs, d.imm)}`; break;
    case 'store': ops = `${memOperand(d.rs, d.imm)}, ${rt}`; break;
    case 'amo': ops = `${rd}, ${memOperand(d.rs, d.imm)}, ${rt}`; break;
    case 'label': ops = target(); break;
    case 'rs': ops = rs; break;
    case 'rd': ops = rd; break;
    case 'none': ops = ''; break;
    case 'rsrtlabel': ops = `${rs}, ${rt}, ${target()}`; break;
    case 'rslabel': ops = `${rs}, ${target()}`; break;
  }
  return ops === '' ? info.mnemonic : `${info.mnemonic.padEnd(5)} ${ops}`;
}

/** True when the word's opcode branches or calls to pc + imm. */
export function isRelative(b: Uint8Array, off: number): boolean {
  const f = decodeInsn(b, off).info?.form;
  return f === 'label' || f === 'rsrtlabel' || f === 'rslabel';
}
