// The T64 disassembler: an ELF executable or a raw image → assembly that reassembles to the
// same bytes (docs/toolchain.md). Words without an assembly spelling become `.quad 0x...`.
import { INSN_SIZE, decodeInsn } from '../../hw/isa/opcodes.ts';
import { predefinedSymbols } from '../../kernel/uapi/constants.ts';
import {
  PF_W, PF_X, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHN_ABS, SHT_NOBITS, STT_FILE, STT_SECTION,
  checkT64Executable, parseElf,
} from '../../kernel/uapi/elf.ts';
import { registerNumber, looksLikeRegister } from '../asm/expr.ts';
import { fmtHex, formatInsn, isRelative, targetOf } from './format.ts';

export interface DisasmOptions {
  /** Append `# address: bytes` comments (default true). */
  addresses?: boolean;
}

type Kind = 'text' | 'rodata' | 'data' | 'bss';
interface Region {
  kind: Kind;
  addr: number;
  size: number;
  /** File bytes (empty for bss). */
  bytes: Uint8Array;
  /** ELF section index, when the region is a section. */
  shndx?: number;
}

interface Sym {
  name: string;
  value: bigint;
  global: boolean;
  shndx: number;
}

const DIRECTIVE: Record<Kind, string> = { text: '.text', rodata: '.rodata', data: '.data', bss: '.bss' };
const KIND_ORDER: Kind[] = ['text', 'rodata', 'data', 'bss'];
const IDENT = /^[A-Za-z_.$][A-Za-z0-9_.$]*$/;
const I = '        ';

/** Disassembles an ELF executable (validated with kernel/uapi/elf.ts). */
export function disassembleElf(bytes: Uint8Array, fileName = 'ELF file', options: DisasmOptions = {}): string {
  const elf = parseElf(bytes, fileName);
  checkT64Executable(elf, fileName);
  const regions: Region[] = [];
  const allocSections = elf.sections.map((s, i) => ({ s, i })).filter(({ s }) => (s.flags & SHF_ALLOC) !== 0 && s.size > 0);
  if (allocSections.length > 0) {
    for (const { s, i } of allocSections) {
      const kind: Kind = s.name === '.text' || s.name === '.rodata' || s.name === '.data' || s.name === '.bss'
        ? (s.name.slice(1) as Kind)
        : s.type === SHT_NOBITS ? 'bss' : s.flags & SHF_EXECINSTR ? 'text' : s.flags & SHF_WRITE ? 'data' : 'rodata';
      const data = s.type === SHT_NOBITS ? new Uint8Array(0) : bytes.slice(s.offset, s.offset + s.size);
      regions.push({ kind, addr: s.addr, size: s.size, bytes: data, shndx: i });
    }
  } else {
    // No section headers: the segments say what is where.
    for (const p of elf.loads) {
      const kind: Kind = p.flags & PF_X ? 'text' : p.flags & PF_W ? 'data' : 'rodata';
      if (p.filesz > 0) regions.push({ kind, addr: p.vaddr, size: p.filesz, bytes: bytes.slice(p.offset, p.offset + p.filesz) });
      if (p.memsz > p.filesz) regions.push({ kind: 'bss', addr: p.vaddr + p.filesz, size: p.memsz - p.filesz, bytes: new Uint8Array(0) });
    }
  }
  const syms: Sym[] = elf.symbols
    .filter((s) => s.type !== STT_FILE && s.type !== STT_SECTION && s.name !== '')
    .map((s) => ({ name: s.name, value: s.value, global: s.bind !== 0, shndx: s.shndx }));
  const header = `# ${fileName}: ELF64 T64 executable, entry ${fmtHex(elf.header.entry)}`;
  return render(header, regions, syms, BigInt(elf.header.entry), options);
}

/** Disassembles a raw image of instruction words loaded at `base` (its first word is `_start`). */
export function disassembleRaw(bytes: Uint8Array, base = 0x400000, options: DisasmOptions = {}): string {
  const header = `# raw image, ${bytes.length} bytes at ${fmtHex(base)}` + (base !== 0x400000 ? ` (reassemble with --text-base ${fmtHex(base)})` : '');
  return render(header, [{ kind: 'text', addr: base, size: bytes.length, bytes }], [], BigInt(base), options);
}

function render(header: string, regions: Region[], symsIn: Sym[], entry: bigint, options: DisasmOptions): string {
  const withAddr = options.addresses ?? true;
  const predefined = predefinedSymbols();
  const out: string[] = [header];

  // Usable symbol names: identifiers the assembler takes, each once.
  const used = new Set<string>();
  const syms: Sym[] = [];
  for (const s of symsIn) {
    if (!IDENT.test(s.name) || registerNumber(s.name) !== undefined || looksLikeRegister(s.name) || predefined.has(s.name) || used.has(s.name)) continue;
    used.add(s.name);
    syms.push(s);
  }
  const regionOf = (s: Sym): Region | undefined => {
    const v = s.value;
    const byIndex = regions.find((r) => r.shndx !== undefined && r.shndx === s.shndx && v >= BigInt(r.addr) && v <= BigInt(r.addr + r.size));
    if (byIndex) return byIndex;
    if (s.shndx === SHN_ABS) return undefined;
    return regions.find((r) => v >= BigInt(r.addr) && v < BigInt(r.addr + r.size)) ?? regions.find((r) => v === BigInt(r.addr + r.size));
  };
  // The entry point must be `_start`.
  const start = syms.find((s) => s.name === '_start');
  if (start === undefined) {
    const inRegion = regions.some((r) => entry >= BigInt(r.addr) && entry < BigInt(r.addr + r.size));
    syms.push({ name: '_start', value: entry, global: true, shndx: inRegion ? -1 : SHN_ABS });
    used.add('_start');
  }

  // Labels by region and address.
  const labels = new Map<Region, Map<number, Sym[]>>();
  const labelAt = (r: Region, a: number, s: Sym) => {
    let m = labels.get(r);
    if (!m) labels.set(r, (m = new Map()));
    const l = m.get(a) ?? [];
    l.push(s);
    m.set(a, l);
  };
  const absolute: Sym[] = [];
  for (const s of syms) {
    const r = s.shndx === SHN_ABS ? undefined : regionOf(s);
    if (r === undefined) absolute.push(s);
    else labelAt(r, Number(s.value), s);
  }
  // Branch targets inside .text get a label when they have none.
  for (const r of regions) {
    if (r.kind !== 'text') continue;
    for (let o = 0; o + INSN_SIZE <= r.bytes.length; o += INSN_SIZE) {
      if ((r.addr + o) % INSN_SIZE !== 0 || !isRelative(r.bytes, o) || formatInsn(r.bytes, o, BigInt(r.addr + o)) === undefined) continue;
      const t = targetOf(BigInt(r.addr + o), decodeInsn(r.bytes, o).imm);
      if (t < BigInt(r.addr) || t > BigInt(r.addr + r.size) || t % BigInt(INSN_SIZE) !== 0n) continue;
      const a = Number(t);
      if (labels.get(r)?.has(a)) continue;
      let name = `L${a.toString(16)}`;
      while (used.has(name)) name += '_';
      used.add(name);
      labelAt(r, a, { name, value: t, global: false, shndx: -1 });
    }
  }
  const nameAt = new Map<bigint, string>();
  for (const m of labels.values()) for (const [a, l] of m) if (!nameAt.has(BigInt(a))) nameAt.set(BigInt(a), l[0].name);

  for (const s of absolute) {
    if (s.global) out.push(`${I}.globl ${s.name}`);
    out.push(`${I}.equ  ${s.name}, ${fmtHex(s.value)}`);
  }
  const sorted = [...regions].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.addr - b.addr);
  for (const r of sorted) {
    out.push('', `${I}${DIRECTIVE[r.kind]}`);
    const m = labels.get(r) ?? new Map<number, Sym[]>();
    const stops = [...m.keys()].sort((a, b) => a - b);
    const emitLabels = (a: number) => {
      for (const s of m.get(a) ?? []) {
        if (s.global) out.push(`${I}.globl ${s.name}`);
        out.push(`${s.name}:`);
      }
    };
    let si = 0;
    let a = r.addr;
    const end = r.addr + r.size;
    while (a < end) {
      while (si < stops.length && stops[si] < a) si++;
      if (stops[si] === a) {
        emitLabels(a);
        si++;
      }
      const next = Math.min(end, si < stops.length ? stops[si] : end);
      if (r.kind === 'bss') {
        out.push(`${I}.zero ${next - a}`);
        a = next;
      } else if (r.kind === 'text') a = textChunk(r, a, next, nameAt, out, withAddr);
      else a = dataChunk(r, a, next, out, withAddr);
    }
    for (; si < stops.length; si++) if (stops[si] >= end) emitLabels(stops[si]);
  }
  return out.join('\n') + '\n';
}

const hexBytes = (b: Uint8Array, from: number, to: number) => Array.from(b.subarray(from, to), (x) => x.toString(16).padStart(2, '0')).join(' ');
const comment = (line: string, addr: number, b: Uint8Array, from: number, to: number, on: boolean) =>
  on ? `${line.padEnd(40)}# ${addr.toString(16)}: ${hexBytes(b, from, to)}` : line;

/** Instructions from `a` up to `next`; returns where it stopped. */
function textChunk(r: Region, a: number, next: number, nameAt: Map<bigint, string>, out: string[], withAddr: boolean): number {
  while (a < next) {
    const o = a - r.addr;
    if (a % INSN_SIZE === 0 && a + INSN_SIZE <= next) {
      const text = formatInsn(r.bytes, o, BigInt(a), (t) => nameAt.get(t));
      const line = text ?? `.quad ${fmtHex(readU64(r.bytes, o))}`;
      out.push(comment(I + line, a, r.bytes, o, o + INSN_SIZE, withAddr));
      a += INSN_SIZE;
    } else {
      const stop = Math.min(next, Math.ceil((a + 1) / INSN_SIZE) * INSN_SIZE);
      out.push(comment(`${I}.byte ${Array.from(r.bytes.subarray(o, stop - r.addr), (x) => fmtHex(x)).join(', ')}`, a, r.bytes, o, stop - r.addr, withAddr));
      a = stop;
    }
  }
  return a;
}

const printable = (c: number) => (c >= 0x20 && c < 0x7f) || c === 10 || c === 9;

function escapeAscii(b: Uint8Array): string {
  let s = '';
  for (const c of b) {
    if (c === 0x22) s += '\\"';
    else if (c === 0x5c) s += '\\\\';
    else if (c === 10) s += '\\n';
    else if (c === 9) s += '\\t';
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += '\\' + c.toString(8).padStart(3, '0');
  }
  return s;
}

/** Data from `a` up to `next`: strings as .ascii/.asciz, zero runs as .zero, the rest as .byte. */
function dataChunk(r: Region, a: number, next: number, out: string[], withAddr: boolean): number {
  const b = r.bytes;
  let o = a - r.addr;
  const end = next - r.addr;
  while (o < end) {
    let j = o;
    while (j < end && printable(b[j])) j++;
    if (j - o >= 4) {
      const n = Math.min(j - o, 64);
      const z = n === j - o && j < end && b[j] === 0;
      const len = n + (z ? 1 : 0);
      out.push(comment(`${I}${z ? '.asciz' : '.ascii'} "${escapeAscii(b.subarray(o, o + n))}"`, r.addr + o, b, o, Math.min(o + len, o + 8), withAddr));
      o += len;
      continue;
    }
    j = o;
    while (j < end && b[j] === 0) j++;
    if (j - o >= 16) {
      out.push(comment(`${I}.zero ${j - o}`, r.addr + o, b, o, o, false));
      o = j;
      continue;
    }
    // Bytes up to 16, stopping before a string or a long zero run.
    let k = o;
    while (k < end && k - o < 16) {
      if (k > o) {
        let p = k;
        while (p < end && printable(b[p])) p++;
        if (p - k >= 4) break;
        let zz = k;
        while (zz < end && b[zz] === 0) zz++;
        if (zz - k >= 16) break;
      }
      k++;
    }
    out.push(comment(`${I}.byte ${Array.from(b.subarray(o, k), (x) => fmtHex(x)).join(', ')}`, r.addr + o, b, o, k, withAddr));
    o = k;
  }
  return next;
}

function readU64(b: Uint8Array, o: number): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[o + i]);
  return v;
}
