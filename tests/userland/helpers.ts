// Helpers shared by the toolchain tests.
import { decodeInsn } from '../../hw/isa/opcodes.ts';
import { assemble, AsmError, formatDiagnostic, type AsmResult, type Diagnostic } from '../../userland/asm/index.ts';

export function asm(src: string, file = 't.s'): AsmResult {
  return assemble(src, file);
}

/** Assembles `_start:` + body and returns the decoded words of .text. */
export function words(body: string): { op: string | undefined; rd: number; rs: number; rt: number; imm: number }[] {
  const r = asm('_start:\n' + body);
  const text = r.sections.find((s) => s.name === '.text')!;
  const out = [];
  for (let o = 0; o < text.bytes.length; o += 8) {
    const d = decodeInsn(text.bytes, o);
    out.push({ op: d.info?.mnemonic, rd: d.rd, rs: d.rs, rt: d.rt, imm: d.imm });
  }
  return out;
}

export function section(r: AsmResult, name: string): { addr: number; size: number; bytes: Uint8Array } {
  const s = r.sections.find((x) => x.name === name);
  if (!s) throw new Error(`no section ${name}`);
  return s;
}

/** The diagnostics of a source that must fail. */
export function errorsOf(src: string, file = 't.s'): Diagnostic[] {
  try {
    assemble(src, file);
  } catch (e) {
    if (e instanceof AsmError) return e.diagnostics;
    throw e;
  }
  throw new Error('assembled without error');
}

export const errorLines = (src: string, file = 't.s') =>
  errorsOf(src, file).map(formatDiagnostic);

export const u64le = (b: Uint8Array, o: number) => {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[o + i]);
  return v;
};
