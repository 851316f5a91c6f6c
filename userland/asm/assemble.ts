// The T64 assembler: source text → sections, symbols, ELF executable (docs/t64.md, docs/toolchain.md).
//
// Layout is iterated to a fixed point: a pass sizes every statement with the symbol values of
// the previous pass (an `li`/`la` is one or two words depending on its value; `.zero` and
// `.align` counts may use symbols too) until no label moves. The bytes are then emitted with
// the final values, so an `li` is sized by the value it finally encodes.
import { PagewalkError } from '../../hw/errors.ts';
import { INSN_SIZE, OP, encodeInsn } from '../../hw/isa/opcodes.ts';
import { PF_R, PF_W, PF_X, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE } from '../../kernel/uapi/elf.ts';
import { predefinedSymbols } from '../../kernel/uapi/constants.ts';
import { writeElf, type ElfOutSection, type ElfOutSymbol } from '../elf/write.ts';
import { evaluate, fitsImm32, toImm32, type Expr } from './expr.ts';
import { SourceError, U64_MAX } from './lexer.ts';
import { expandIncludes, readIncludeFromDisk, type IncludeReader } from './include.ts';
import { SECTION_ORDER, parseLine, salvageLabels, type Insn, type Line, type SectionName } from './parse.ts';

export interface Diagnostic {
  file: string;
  /** 1-based; 0 when the error has no position in the file. */
  line: number;
  col: number;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return d.line > 0 ? `${d.file}:${d.line}:${d.col}: ${d.message}` : `${d.file}: ${d.message}`;
}

/** Assembly failed: `diagnostics` lists every error, the message joins them one per line. */
export class AsmError extends PagewalkError {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'AsmError';
  }
}

export interface AsmOptions {
  /** Link address of .text (page-aligned); default 0x400000. */
  textBase?: number;
  /** Reads the files of `.include` directives (default: the host file system). */
  readInclude?: IncludeReader;
}

export interface AsmSection {
  name: '.text' | '.rodata' | '.data' | '.bss';
  addr: number;
  /** Size in memory (for .bss the only size: it has no bytes). */
  size: number;
  /** The bytes (empty for .bss, which is all zero). */
  bytes: Uint8Array;
  /** "r-x", "r--", "rw-". */
  perms: string;
}

export interface AsmResult {
  /** The ELF executable. */
  elf: Uint8Array;
  entry: bigint;
  /** Every non-empty section, in address order. */
  sections: AsmSection[];
  /** Program symbols (labels and .equ), not the predefined ones. */
  symbols: Map<string, bigint>;
  /** Labels only, with their section. */
  labels: Map<string, { section: SectionName; addr: number }>;
  globals: Set<string>;
  /** Address of every emitted instruction word → source line. */
  lineOf: Map<number, number>;
}

export const DEFAULT_TEXT_BASE = 0x400000;
const PAGE = 4096;
/** User space ends here (4-level paging, TASK_SIZE_MAX rounded): the image must fit below it. */
const USER_END = 0x8000_0000_0000;
/** Limit on the file bytes of the image (a runaway `.zero` must not exhaust the host). */
const MAX_FILE_BYTES = 256 * 1024 * 1024;
const MAX_ALIGN = 2 ** 32;

const SECTION_INFO: Record<SectionName, { name: AsmSection['name']; pflags: number; shflags: number; perms: string }> = {
  text: { name: '.text', pflags: PF_R | PF_X, shflags: SHF_ALLOC | SHF_EXECINSTR, perms: 'r-x' },
  rodata: { name: '.rodata', pflags: PF_R, shflags: SHF_ALLOC, perms: 'r--' },
  data: { name: '.data', pflags: PF_R | PF_W, shflags: SHF_ALLOC | SHF_WRITE, perms: 'rw-' },
  bss: { name: '.bss', pflags: PF_R | PF_W, shflags: SHF_ALLOC | SHF_WRITE, perms: 'rw-' },
};

/** A label used before the layout placed it (first pass only). */
class Pending extends Error {}

/** Error at a (line, col) of the file. */
class LineError extends SourceError {
  constructor(readonly line: number, col: number, message: string) {
    super(col, message);
  }
}

const hex = (v: bigint | number) => (v < 0 ? '-0x' + (-BigInt(v)).toString(16) : '0x' + v.toString(16));
const alignUp = (v: number, a: number) => Math.ceil(v / a) * a;

interface Defs {
  labels: Map<string, Line>;
  equs: Map<string, { line: Line; value: Expr; col: number }>;
  globals: Map<string, { line: number; col: number }>;
}

/** Growable byte buffer of one section. */
class Sink {
  buf = new Uint8Array(256);
  len = 0;
  reserve(n: number): number {
    const at = this.len;
    if (at + n > this.buf.length) {
      let cap = this.buf.length;
      while (cap < at + n) cap *= 2;
      const b = new Uint8Array(cap);
      b.set(this.buf.subarray(0, this.len));
      this.buf = b;
    }
    this.len += n;
    return at;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

interface PassResult {
  size: Record<SectionName, number>;
  base: Record<SectionName, number>;
  labels: Map<string, number>;
  labelSec: Map<string, SectionName>;
  /** Words of each li/la by line index (for sticky sizing). */
  liWords: Map<number, number>;
  /** Bytes of each .zero/.align by line index (to name the culprit of a layout that does not converge). */
  fill: Map<number, number>;
}

export function assemble(source: string, fileName = 'input.s', options: AsmOptions = {}): AsmResult {
  const diags: Diagnostic[] = [];
  // Lines are numbered through the expanded source; `origin` maps them back to file and line.
  const origin: { file: string; line: number }[] = [];
  const at = (line: number) => origin[line - 1] ?? { file: fileName, line: 0 };
  const err = (line: number, col: number, message: string) => diags.push({ ...at(line), col, message });
  const textBase = options.textBase ?? DEFAULT_TEXT_BASE;
  if (!Number.isInteger(textBase) || textBase < 0 || textBase % PAGE !== 0 || textBase >= USER_END)
    throw new PagewalkError(`text base ${hex(textBase)} must be a page-aligned user address`, 2);

  // ---- parse ------------------------------------------------------------------------
  const lines: Line[] = [];
  const srcLines = expandIncludes(source, fileName, options.readInclude ?? readIncludeFromDisk,
    (file, line, col, message) => diags.push({ file, line, col, message }));
  for (const l of srcLines) origin.push({ file: l.file, line: l.line });
  srcLines.forEach(({ text }, i) => {
    try {
      lines.push(parseLine(text, i + 1));
    } catch (e) {
      if (!(e instanceof SourceError)) throw e;
      err(i + 1, e.col, e.message);
      lines.push({ line: i + 1, labels: salvageLabels(text), stmt: undefined, col: 0 });
    }
  });

  // ---- symbol definitions -------------------------------------------------------------
  const predefined = predefinedSymbols();
  const defs: Defs = { labels: new Map(), equs: new Map(), globals: new Map() };
  const definedAt = new Map<string, number>();
  const define = (name: string, line: number, col: number): boolean => {
    if (predefined.has(name)) {
      err(line, col, `'${name}' is a predefined symbol and cannot be redefined`);
      return false;
    }
    const prev = definedAt.get(name);
    if (prev !== undefined) {
      const p = at(prev);
      err(line, col, `symbol '${name}' is already defined on line ${p.line}${p.file === at(line).file ? '' : ` of ${p.file}`}`);
      return false;
    }
    definedAt.set(name, line);
    return true;
  };
  for (const l of lines) {
    for (const lab of l.labels) if (define(lab.name, l.line, lab.col)) defs.labels.set(lab.name, l);
    const s = l.stmt;
    if (s?.kind === 'equ' && define(s.name, l.line, s.nameCol)) defs.equs.set(s.name, { line: l, value: s.value, col: s.nameCol });
    if (s?.kind === 'globl') for (const g of s.names) if (!defs.globals.has(g.name)) defs.globals.set(g.name, { line: l.line, col: g.col });
  }

  // ---- symbol lookup for one pass -------------------------------------------------------
  const makeLookup = (labels: Map<string, number> | null) => {
    const memo = new Map<string, bigint>();
    const busy = new Set<string>();
    const lookup = (name: string, col: number): bigint => {
      const p = predefined.get(name);
      if (p !== undefined) return p;
      if (defs.labels.has(name)) {
        const v = labels?.get(name);
        if (v === undefined) throw new Pending();
        return BigInt(v);
      }
      const eq = defs.equs.get(name);
      if (eq === undefined) throw new SourceError(col, `undefined symbol '${name}'`);
      const known = memo.get(name);
      if (known !== undefined) return known;
      if (busy.has(name)) throw new LineError(eq.line.line, eq.col, `circular definition of '${name}'`);
      busy.add(name);
      try {
        const v = evaluate(eq.value, lookup);
        memo.set(name, v);
        return v;
      } catch (e) {
        // An error inside the .equ's own expression is reported at the .equ.
        if (e instanceof SourceError && !(e instanceof LineError)) throw new LineError(eq.line.line, e.col, e.message);
        throw e;
      } finally {
        busy.delete(name);
      }
    };
    return lookup;
  };

  /** Evaluates; returns undefined when not yet known, or on error when `report` is false. */
  const tryEval = (e: Expr, lookup: ReturnType<typeof makeLookup>, line: number, report: boolean): bigint | undefined => {
    try {
      return evaluate(e, lookup);
    } catch (x) {
      if (x instanceof Pending) return undefined;
      if (x instanceof SourceError) {
        if (report) err(x instanceof LineError ? x.line : line, x.col, x.message);
        return undefined;
      }
      throw x;
    }
  };

  // ---- one layout pass (and, when `sinks` is given, emission) ---------------------------
  const runPass = (
    labelsIn: Map<string, number> | null,
    baseIn: Record<SectionName, number>,
    sticky: Map<number, number> | null,
    sinks: Record<SectionName, Sink> | null,
    lineOf: Map<number, number> | null,
  ): PassResult => {
    const lookup = makeLookup(labelsIn);
    const report = sinks !== null;
    const off: Record<SectionName, number> = { text: 0, rodata: 0, data: 0, bss: 0 };
    const labelPos: [string, SectionName, number][] = [];
    const liWords = new Map<number, number>();
    const fill = new Map<number, number>();
    let cur: SectionName = 'text';
    let inMisalignedRun = false;

    const put = (n: number): number => {
      // Advances the section by n bytes; returns the offset they start at (also the sink offset).
      const at = off[cur];
      off[cur] += n;
      if (sinks && cur !== 'bss') sinks[cur].reserve(n);
      return at;
    };
    const noBss = (l: Line, what: string): boolean => {
      if (cur !== 'bss') return true;
      if (report) err(l.line, l.col, `${what} in .bss: .bss holds no bytes (use .zero to reserve space)`);
      return false;
    };

    lines.forEach((l, idx) => {
      for (const lab of l.labels) if (defs.labels.get(lab.name) === l) labelPos.push([lab.name, cur, off[cur]]);
      const s = l.stmt;
      if (s === undefined) return;
      switch (s.kind) {
        case 'section':
          cur = s.name;
          return;
        case 'equ':
          if (report) tryEval(s.value, lookup, l.line, true); // report errors once, at the .equ
          return;
        case 'globl':
          return;
        case 'bytes': {
          if (!noBss(l, 'initialized data')) {
            off[cur] += s.bytes.length;
            return;
          }
          const at = put(s.bytes.length);
          if (sinks) sinks[cur].buf.set(s.bytes, at);
          return;
        }
        case 'data': {
          const ok = noBss(l, 'initialized data');
          if (!ok) {
            off[cur] += s.width * s.values.length;
            return;
          }
          for (const e of s.values) {
            const at = put(s.width);
            if (!sinks) continue;
            const v = tryEval(e, lookup, l.line, true);
            if (v === undefined) continue;
            const bits = BigInt(s.width * 8);
            const fits = s.width === 8 || v < 1n << bits || v > U64_MAX - (1n << (bits - 1n));
            if (!fits) {
              err(l.line, e.col, `value ${hex(v)} does not fit in ${s.name} (${s.width * 8} bits)`);
              continue;
            }
            for (let i = 0; i < s.width; i++) sinks[cur].buf[at + i] = Number((v >> BigInt(8 * i)) & 0xffn);
          }
          return;
        }
        case 'zero': {
          const v = tryEval(s.count, lookup, l.line, report);
          if (v === undefined) return;
          if (v >= BigInt(USER_END)) {
            if (report) err(l.line, s.count.col, `.zero count ${hex(v)} is too large (expected a byte count below ${hex(USER_END)})`);
            return;
          }
          fill.set(idx, Number(v));
          put(Number(v));
          return;
        }
        case 'align': {
          const v = tryEval(s.n, lookup, l.line, report);
          if (v === undefined) return;
          if (v === 0n || (v & (v - 1n)) !== 0n || v > BigInt(MAX_ALIGN)) {
            if (report) err(l.line, s.n.col, `.align ${hex(v)}: expected a power of two between 1 and 0x100000000 (bytes)`);
            return;
          }
          const a = Number(v);
          const addr = baseIn[cur] + off[cur];
          const pad = alignUp(addr, a) - addr;
          fill.set(idx, pad);
          if (cur === 'bss') off.bss += pad;
          else put(pad);
          return;
        }
        case 'insn': {
          emitInsn(l, s, idx);
          return;
        }
      }
    });

    function emitInsn(l: Line, s: Insn, idx: number): void {
      // Size: li/la take one word, or two when the value does not fit sign-extended 32 bits.
      let words = s.mnemonic === 'neg' ? 2 : 1;
      let value: bigint | undefined;
      if (s.mnemonic === 'li' || s.mnemonic === 'la') {
        value = tryEval(s.imm!, lookup, l.line, report);
        words = value !== undefined && !fitsImm32(value) ? 2 : 1;
        const prev = sticky?.get(idx);
        if (prev !== undefined && prev > words) words = prev;
        liWords.set(idx, words);
      }
      const inBss = !noBss(l, 'an instruction');
      const misaligned = off[cur] % INSN_SIZE !== 0 && !inBss;
      if (misaligned) {
        // One error per run of misaligned instructions, not one per line.
        if (report && !inMisalignedRun) err(l.line, l.col, `instruction at ${SECTION_INFO[cur].name}+${hex(off[cur])} is not 8-byte aligned (use .align 8)`);
        inMisalignedRun = true;
      } else inMisalignedRun = false;
      if (inBss) {
        off.bss += words * INSN_SIZE;
        return;
      }
      const pc = baseIn[cur] + off[cur];
      const at = put(words * INSN_SIZE);
      if (!sinks) return;
      lineOf?.set(pc, l.line);
      const out = sinks[cur].buf;
      const immOf = (what: string): number | undefined => {
        const v = value ?? tryEval(s.imm!, lookup, l.line, true);
        if (v === undefined) return undefined;
        if (!fitsImm32(v)) {
          err(l.line, s.immCol, `${what} ${hex(v)} does not fit in 32 bits signed (expected -0x80000000..0x7fffffff, or a 64-bit value whose upper 33 bits are all ones)`);
          return undefined;
        }
        return toImm32(v);
      };
      const relOf = (): number | undefined => {
        const target = tryEval(s.imm!, lookup, l.line, true);
        if (target === undefined) return undefined;
        const rel = BigInt.asUintN(64, target - BigInt(pc));
        if (!fitsImm32(rel)) {
          err(l.line, s.immCol, `target ${hex(target)} is out of range: offset ${hex(BigInt.asIntN(64, rel))} from ${hex(pc)} does not fit in 32 bits signed`);
          return undefined;
        }
        return toImm32(rel);
      };
      switch (s.mnemonic) {
        case 'li':
        case 'la': {
          if (value === undefined) return; // error already reported
          encodeInsn(out, at, OP.li, s.rd, 0, 0, toImm32(value & 0xffffffffn));
          if (words === 2) encodeInsn(out, at + 8, OP.lih, s.rd, 0, 0, toImm32(value >> 32n));
          return;
        }
        case 'b': {
          const rel = relOf();
          if (rel !== undefined) encodeInsn(out, at, OP.jmp, 0, 0, 0, rel);
          return;
        }
        case 'not':
          encodeInsn(out, at, OP.xori, s.rd, s.rs, 0, -1);
          return;
        case 'neg':
          encodeInsn(out, at, OP.xori, s.rd, s.rs, 0, -1);
          encodeInsn(out, at + 8, OP.addi, s.rd, s.rd, 0, 1);
          return;
      }
      const info = s.info!;
      let imm = 0;
      if (info.uses.imm) {
        const isRel = info.form === 'label' || info.form === 'rsrtlabel' || info.form === 'rslabel';
        const v = isRel ? relOf() : immOf(info.form === 'load' || info.form === 'store' || info.form === 'amo' ? 'offset' : 'immediate');
        if (v === undefined) return;
        imm = v;
      }
      encodeInsn(out, at, info.op, s.rd, s.rs, s.rt, imm);
    }

    // Sections start on a new page each, in order; an empty one takes no space.
    const base = { text: 0, rodata: 0, data: 0, bss: 0 } as Record<SectionName, number>;
    let addr = textBase;
    for (const sec of SECTION_ORDER) {
      base[sec] = addr;
      addr = alignUp(addr + off[sec], PAGE);
    }
    const labels = new Map<string, number>();
    const labelSec = new Map<string, SectionName>();
    for (const [name, sec, o] of labelPos) {
      labels.set(name, base[sec] + o);
      labelSec.set(name, sec);
    }
    return { size: off, base, labels, labelSec, liWords, fill };
  };

  // ---- iterate the layout to a fixed point ----------------------------------------------
  const sameLabels = (a: Map<string, number>, b: Map<string, number>) => {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (b.get(k) !== v) return false;
    return true;
  };
  let prev: PassResult = runPass(null, { text: textBase, rodata: 0, data: 0, bss: 0 }, null, null, null);
  let converged = false;
  let sticky: Map<number, number> | null = null;
  let older = prev;
  for (let pass = 1; pass <= 64; pass++) {
    // After 16 passes stop shrinking li/la (an oscillating layout then settles).
    if (pass > 16) sticky = prev.liWords;
    const next = runPass(prev.labels, prev.base, sticky, null, null);
    const stable = sameLabels(prev.labels, next.labels) && SECTION_ORDER.every((s) => prev.base[s] === next.base[s] && prev.size[s] === next.size[s]);
    older = prev;
    prev = next;
    if (stable) {
      converged = true;
      break;
    }
  }
  if (!converged) {
    const idx = [...prev.fill.keys()].find((i) => prev.fill.get(i) !== older.fill.get(i));
    const l = idx === undefined ? undefined : lines[idx];
    err(l?.line ?? 0, l?.col ?? 0, 'the layout does not converge: this count depends on a label that it moves');
  }

  const end = prev.base.bss + prev.size.bss;
  const fileBytes = prev.size.text + prev.size.rodata + prev.size.data;
  if (end > USER_END) err(0, 0, `the program does not fit below ${hex(USER_END)} (it ends at ${hex(end)})`);
  if (fileBytes > MAX_FILE_BYTES) err(0, 0, `the program is too large (${hex(fileBytes)} file bytes, limit ${hex(MAX_FILE_BYTES)})`);
  if (end > USER_END || fileBytes > MAX_FILE_BYTES) throw new AsmError(sortDiags(diags));

  // ---- emit ------------------------------------------------------------------------------
  const sinks = { text: new Sink(), rodata: new Sink(), data: new Sink(), bss: new Sink() };
  const lineOf = new Map<number, number>();
  const final = runPass(prev.labels, prev.base, sticky, sinks, lineOf);
  if (diags.length === 0 && !sameLabels(final.labels, prev.labels)) throw new Error('assembler: emission pass moved a label');

  // Symbols, entry point, .globl
  const lookup = makeLookup(final.labels);
  const symbols = new Map<string, bigint>();
  for (const name of definedAt.keys()) {
    try {
      symbols.set(name, lookup(name, 0));
    } catch {
      /* reported at its definition */
    }
  }
  for (const [name, at] of defs.globals) if (!definedAt.has(name)) err(at.line, at.col, `'.globl ${name}': symbol '${name}' is never defined`);
  const entry = symbols.get('_start');
  if (!definedAt.has('_start')) err(0, 0, "no entry point: '_start' is not defined");
  if (diags.length > 0 || entry === undefined) throw new AsmError(sortDiags(diags));

  const sections: AsmSection[] = [];
  const outSections: ElfOutSection[] = [];
  for (const sec of SECTION_ORDER) {
    const size = final.size[sec];
    if (size === 0) continue;
    const info = SECTION_INFO[sec];
    const bytes = sec === 'bss' ? new Uint8Array(0) : sinks[sec].bytes();
    sections.push({ name: info.name, addr: final.base[sec], size, bytes, perms: info.perms });
    outSections.push({ name: info.name, addr: final.base[sec], data: bytes, size, pflags: info.pflags, shflags: info.shflags, nobits: sec === 'bss' });
  }
  const labels = new Map<string, { section: SectionName; addr: number }>();
  const elfSymbols: ElfOutSymbol[] = [];
  for (const name of definedAt.keys()) {
    const v = symbols.get(name)!;
    const sec = final.labelSec.get(name);
    let section: string | null = null;
    if (sec !== undefined) {
      labels.set(name, { section: sec, addr: Number(v) });
      // A label of an empty section (which has no section header) is absolute.
      if (final.size[sec] > 0) section = SECTION_INFO[sec].name;
    }
    elfSymbols.push({ name, value: v, section, global: defs.globals.has(name) });
  }
  const elf = writeElf({ entry, sections: outSections, symbols: elfSymbols, sourceName: fileName.split(/[\\/]/).pop() });
  return { elf, entry, sections, symbols, labels, globals: new Set(defs.globals.keys()), lineOf };
}

function sortDiags(d: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique = d.filter((x) => {
    const k = formatDiagnostic(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return unique.sort((a, b) => (a.line === 0 ? 1e9 : a.line) - (b.line === 0 ? 1e9 : b.line) || a.col - b.col);
}
