// Library API of the T64 assembler (docs/toolchain.md).
//   assemble(source, fileName) → { elf, entry, sections, symbols, ... } or throws AsmError
//   tryAssemble(...)           → the same, or the list of diagnostics
export { assemble, AsmError, DEFAULT_TEXT_BASE, formatDiagnostic } from './assemble.ts';
export type { AsmOptions, AsmResult, AsmSection, Diagnostic } from './assemble.ts';
import { assemble, AsmError, type AsmOptions, type AsmResult, type Diagnostic } from './assemble.ts';

export function tryAssemble(source: string, fileName = 'input.s', options: AsmOptions = {}):
  { ok: true; result: AsmResult } | { ok: false; diagnostics: Diagnostic[] } {
  try {
    return { ok: true, result: assemble(source, fileName, options) };
  } catch (e) {
    if (e instanceof AsmError) return { ok: false, diagnostics: e.diagnostics };
    throw e;
  }
}
