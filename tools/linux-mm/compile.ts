// Compiles a linux-mm scenario (.scn, tests/fixtures/linux-mm/README.md "Scenario language") to a
// T64 program that prints the raw transcript, like the fixtures' NAME.s. Used to run variants of the
// scenarios (other sizes, offsets and orders) on the simulated kernel. The runtime helpers (p_str,
// pfaults, dump, mkfile, touch, the signal handler, fork helpers) are taken from a fixture program so
// that both print exactly the same transcript format.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PagewalkError } from '../../hw/errors.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'fixtures', 'linux-mm');

const MMAP_FLAGS: Record<string, number> = {
  shared: 0x1, private: 0x2, shared_validate: 0x3, fixed: 0x10, anon: 0x20, growsdown: 0x100, locked: 0x2000,
  noreserve: 0x4000, populate: 0x8000, fixed_noreplace: 0x100000, none: 0,
};
const ADVICE: Record<string, number> = {
  normal: 0, random: 1, sequential: 2, willneed: 3, dontneed: 4, free: 8, remove: 9, dontfork: 10, dofork: 11,
  populate_read: 22, populate_write: 23,
};
const MSYNC: Record<string, number> = { async: 1, invalidate: 2, sync: 4, none: 0 };

/** The runtime block of the fixture programs (from "# Runtime" to `text_end`). */
function runtime(): string {
  const src = readFileSync(join(FIXTURES, 'anon-first-touch.s'), 'utf8');
  const start = src.indexOf('# ---------------------------------------------------------------------------\n# Runtime.');
  const end = src.indexOf('text_end:');
  if (start < 0 || end < 0) throw new Error('fixture runtime not found');
  return src.slice(start, src.indexOf('\n', end) + 1);
}

interface Ctx {
  lines: string[];
  strings: Map<string, string>;
  vars: Set<string>;
  files: string[];
  label: number;
  file: string;
  lineNo: number;
}

const num = (c: Ctx, s: string): bigint => {
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(s)) throw new PagewalkError(`${c.file}:${c.lineNo}: '${s}' is not a number`);
  return BigInt(s);
};
const hex = (v: bigint) => '0x' + BigInt.asUintN(64, v).toString(16);

function str(c: Ctx, s: string): [string, number] {
  let name = c.strings.get(s);
  if (name === undefined) {
    name = `str_${c.strings.size + 100}`;
    c.strings.set(s, name);
  }
  return [name, Buffer.byteLength(s)];
}

/** Loads an address expression (`-`, number, name, sums/differences) into r1. */
function addr(c: Ctx, e: string): string[] {
  if (e === '-') return ['        li    r1, 0x0'];
  const terms = e.match(/[+-]?[^+-]+/g);
  if (!terms) throw new PagewalkError(`${c.file}:${c.lineNo}: bad address '${e}'`);
  const out: string[] = [];
  terms.forEach((t, i) => {
    const neg = t.startsWith('-');
    const body = t.replace(/^[+-]/, '');
    const isNum = /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(body);
    const reg = i === 0 ? 'r1' : 'r9';
    if (isNum) out.push(`        li    ${reg}, ${hex(BigInt(body))}`);
    else {
      if (!c.vars.has(body) && body !== 'brk0') throw new PagewalkError(`${c.file}:${c.lineNo}: unknown name '${body}'`);
      out.push(`        la    ${reg}, v_${body}`, `        ld64  ${reg}, [${reg}]`);
    }
    if (i === 0 && neg) out.push('        li    r9, 0', '        sub   r1, r9, r1');
    if (i > 0) out.push(`        ${neg ? 'sub' : 'add'}   r1, r1, r9`);
  });
  return out;
}

function flags(c: Ctx, s: string, table: Record<string, number>): number {
  let v = 0;
  for (const f of s.split(',')) {
    if (f in table) v |= table[f];
    else if (/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(f)) v |= Number(f);
    else throw new PagewalkError(`${c.file}:${c.lineNo}: unknown flag '${f}'`);
  }
  return v >>> 0;
}

function prot(c: Ctx, s: string): number {
  if (/^[r-][w-][x-]$/.test(s)) return (s[0] === 'r' ? 1 : 0) | (s[1] === 'w' ? 2 : 0) | (s[2] === 'x' ? 4 : 0);
  return Number(num(c, s));
}

function pRes(c: Ctx, tag: string): string[] {
  const [s, n] = str(c, tag);
  return ['        mov   r3, r0', `        la    r1, ${s}`, `        li    r2, ${n}`, '        call  p_res'];
}

function pLine(c: Ctx, text: string): string[] {
  const [s, n] = str(c, text);
  return [`        la    r1, ${s}`, `        li    r2, ${n}`, '        call  p_line'];
}

function dump(c: Ctx, what: 'maps' | 'smaps' | 'status'): string[] {
  const tag = what.toUpperCase();
  return [...pLine(c, `${tag}-BEGIN`), `        la    r1, path_${what}`, '        call  dump', ...pLine(c, `${tag}-END`)];
}

function fdOf(c: Ctx, name: string): string[] {
  if (name === '-') return ['li    r5, -1'];
  if (name.startsWith('fd=')) return [`li    r5, ${Number(name.slice(3))}`];
  if (!c.files.includes(name)) throw new PagewalkError(`${c.file}:${c.lineNo}: unknown file '${name}'`);
  return [`la    r5, fd_${name}`, 'ld64  r5, [r5]'];
}

function step(c: Ctx, w: string[]): void {
  const L = c.lines;
  const k = w[0];
  switch (k) {
    case 'file': {
      const [, name, size, ...opt] = w;
      c.files.push(name);
      c.vars.add(`fd_${name}`);
      const pattern = opt.includes('zero') ? 0n : BigInt(0xf000 + c.files.length) << 48n;
      const [p] = str(c, `\0PATH${name}`);
      L.push(`        la    r1, ${p}`, `        li    r2, ${hex(num(c, size))}`, `        li    r3, ${hex(pattern)}`,
        `        li    r4, ${opt.includes('rdonly') ? 1 : 0}`, '        call  mkfile', `        la    r9, fd_${name}`, '        st64  [r9], r0');
      const l = c.label++;
      L.push('        li    r9, 0', `        bge   r0, r9, C${l}_ok`, '        mov   r3, r0', `        b     C${l}_done`, `C${l}_ok: li    r3, 0`);
      const [s, n] = str(c, `FILE ${name} `);
      L.push(`C${l}_done: la    r1, ${s}`, `        li    r2, ${n}`, '        call  p_res');
      return;
    }
    case 'truncate': {
      const [, name, size] = w;
      L.push(`        la    r1, fd_${name}`, '        ld64  r1, [r1]', `        li    r2, ${hex(num(c, size))}`, '        li    r0, 77', '        syscall', ...pRes(c, 'RET truncate '));
      return;
    }
    case 'map': {
      const [, name, a, len, pr, fl, file, off] = w;
      L.push(...addr(c, a), `        li    r2, ${hex(num(c, len))}`, `        li    r3, ${hex(BigInt(prot(c, pr)))}`, `        li    r4, ${hex(BigInt(flags(c, fl, MMAP_FLAGS)))}`);
      L.push(...(file === undefined ? ['li    r5, -1'] : fdOf(c, file)).map((x) => '        ' + x));
      L.push(`        li    r6, ${off === undefined ? '0x0' : hex(num(c, off))}`, '        li    r0, 9', '        syscall');
      c.vars.add(name);
      L.push(`        la    r9, v_${name}`, '        st64  [r9], r0', ...pRes(c, `MAP ${name} ${hex(num(c, len))} `));
      return;
    }
    case 'remap': {
      const [, name, old, oldLen, newLen, ...rest] = w;
      let f = 0;
      let newAddr: string[] = ['        li    r1, 0x0'];
      for (let i = 0; i < rest.length; i++) {
        if (rest[i] === 'maymove') f |= 1;
        else if (rest[i] === 'dontunmap') f |= 4;
        else if (rest[i] === 'fixed') {
          f |= 2;
          newAddr = addr(c, rest[++i]);
        } else throw new PagewalkError(`${c.file}:${c.lineNo}: unknown remap option '${rest[i]}'`);
      }
      L.push(...newAddr, '        mov   r5, r1', ...addr(c, old), `        li    r2, ${hex(num(c, oldLen))}`, `        li    r3, ${hex(num(c, newLen))}`,
        `        li    r4, ${f}`, '        li    r0, 25', '        syscall');
      c.vars.add(name);
      L.push(`        la    r9, v_${name}`, '        st64  [r9], r0', ...pRes(c, `REMAP ${name} ${hex(num(c, newLen))} `));
      return;
    }
    case 'unmap': case 'lock': case 'unlock': {
      const nr = { unmap: 11, lock: 149, unlock: 150 }[k];
      L.push(...addr(c, w[1]), `        li    r2, ${hex(num(c, w[2]))}`, `        li    r0, ${nr}`, '        syscall', ...pRes(c, `RET ${k} `));
      return;
    }
    case 'protect':
      L.push(...addr(c, w[1]), `        li    r2, ${hex(num(c, w[2]))}`, `        li    r3, ${prot(c, w[3])}`, '        li    r0, 10', '        syscall', ...pRes(c, 'RET protect '));
      return;
    case 'advise':
      L.push(...addr(c, w[1]), `        li    r2, ${hex(num(c, w[2]))}`, `        li    r3, ${flags(c, w[3], ADVICE)}`, '        li    r0, 28', '        syscall', ...pRes(c, 'RET advise '));
      return;
    case 'sync':
      L.push(...addr(c, w[1]), `        li    r2, ${hex(num(c, w[2]))}`, `        li    r3, ${flags(c, w[3] ?? 'sync', MSYNC)}`, '        li    r0, 26', '        syscall', ...pRes(c, 'RET sync '));
      return;
    case 'brk': {
      const a = w[1];
      if (a === 'query') L.push('        li    r1, 0x0');
      else {
        const m = /^([+-])(0x[0-9a-fA-F]+|[0-9]+)$/.exec(a);
        if (!m) throw new PagewalkError(`${c.file}:${c.lineNo}: bad brk '${a}'`);
        L.push('        la    r1, v_brk0', '        ld64  r1, [r1]', `        li    r9, ${hex(BigInt(m[2]))}`, `        ${m[1] === '+' ? 'add' : 'sub'}   r1, r1, r9`);
      }
      const [s, n] = str(c, 'BRK ');
      L.push('        li    r0, 12', '        syscall', '        mov   r10, r0', `        la    r1, ${s}`, `        li    r2, ${n}`, '        call  p_str',
        '        mov   r1, r10', '        call  p_hex', '        call  p_nl');
      return;
    }
    case 'read': {
      const size = Number(w[2]);
      const op = { 1: 'ld8', 2: 'ld16', 4: 'ld32', 8: 'ld64' }[size];
      if (!op) throw new PagewalkError(`${c.file}:${c.lineNo}: bad size ${w[2]}`);
      const [s, n] = str(c, 'VAL ');
      L.push(...addr(c, w[1]), `        ${op.padEnd(5)} r10, [r1]`, `        la    r1, ${s}`, `        li    r2, ${n}`, '        call  p_str', '        mov   r1, r10', '        call  p_hex', '        call  p_nl');
      return;
    }
    case 'write': {
      const size = Number(w[2]);
      const op = { 1: 'st8', 2: 'st16', 4: 'st32', 8: 'st64' }[size];
      if (!op) throw new PagewalkError(`${c.file}:${c.lineNo}: bad size ${w[2]}`);
      L.push(...addr(c, w[1]), `        li    r2, ${hex(num(c, w[3]))}`, `        ${op.padEnd(5)} [r1], r2`, ...pLine(c, 'WROTE'));
      return;
    }
    case 'touch': {
      const [s, n] = str(c, 'TOUCH ');
      L.push(...addr(c, w[1]), `        li    r2, ${hex(num(c, w[2]))}`, `        li    r3, ${w[3] === 'w' ? 1 : 0}`, '        call  touch', '        mov   r10, r0',
        `        la    r1, ${s}`, `        li    r2, ${n}`, '        call  p_str', '        mov   r1, r10', '        call  p_hex', '        call  p_nl');
      return;
    }
    case 'fileread': case 'filewrite': {
      const [, name, off, size, value] = w;
      L.push(`        la    r1, fd_${name}`, '        ld64  r1, [r1]', `        li    r2, ${hex(num(c, off))}`, '        li    r3, 0x0', '        li    r0, 8', '        syscall');
      L.push('        la    r9, fbuf', `        li    r1, ${k === 'fileread' ? 0 : hex(num(c, value))}`, '        st64  [r9], r1');
      L.push(`        la    r1, fd_${name}`, '        ld64  r1, [r1]', '        la    r2, fbuf', `        li    r3, ${hex(num(c, size))}`, `        li    r0, ${k === 'fileread' ? 0 : 1}`, '        syscall', '        mov   r10, r0');
      const [s, n] = str(c, k === 'fileread' ? 'FREAD ' : 'FWRITE ');
      L.push(`        la    r1, ${s}`, `        li    r2, ${n}`, '        call  p_str', '        mov   r1, r10', '        call  p_ret');
      if (k === 'fileread') L.push('        li    r2, 32', '        call  p_ch', '        la    r1, fbuf', '        ld64  r1, [r1]', '        call  p_hex');
      L.push('        call  p_nl');
      return;
    }
    case 'maps': case 'smaps': case 'status':
      L.push(...dump(c, k));
      return;
    case 'faults':
      L.push('        la    r1, str_faults', '        li    r2, 6', '        call  pfaults');
      return;
    default:
      throw new PagewalkError(`${c.file}:${c.lineNo}: unknown step '${k}'`);
  }
}

/** Compiles scenario text to T64 assembly. */
export function compileScenario(text: string, file = 'scenario.scn'): string {
  const c: Ctx = { lines: [], strings: new Map(), vars: new Set(), files: [], label: 1, file, lineNo: 0 };
  const src = text.split('\n');
  // Parse into steps with nested blocks.
  type Step = { w: string[]; line: number; body: Step[] | null };
  const stack: Step[][] = [[]];
  src.forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    c.lineNo = i + 1;
    if (line === '}') {
      if (stack.length < 2) throw new PagewalkError(`${file}:${i + 1}: '}' without a block`);
      stack.pop();
      return;
    }
    const w = line.split(/\s+/);
    const block = w[w.length - 1] === '{';
    if (block) w.pop();
    const s: Step = { w, line: i + 1, body: block ? [] : null };
    stack[stack.length - 1].push(s);
    if (block) stack.push(s.body!);
  });
  const emit = (steps: Step[]) => {
    for (const s of steps) {
      c.lineNo = s.line;
      c.lines.push('', `# line ${s.line}: ${s.w.join(' ')}`);
      if (s.body !== null) {
        // Flatten nested steps through `step` with pre-split bodies.
        const l = c.label++;
        c.lines.push('        li    r0, 57', '        syscall', `        bnez  r0, F${l}_parent`, '        call  child_begin');
        if (s.w[0] === 'expect-signal') c.lines.push('        call  inst_sig');
        emit(s.body);
        c.lines.push('        call  child_end', `F${l}_parent: mov   r1, r0`, '        call  after_fork');
      } else step(c, s.w);
    }
  };
  const [b0, b0n] = str(c, 'BRK0 ');
  c.lines.push('        .text', '        .globl _start', '_start: call  prefault', '        li    r1, 0x0', '        li    r0, 12', '        syscall',
    '        la    r9, v_brk0', '        st64  [r9], r0', `        la    r1, ${b0}`, `        li    r2, ${b0n}`, '        call  p_str',
    '        la    r1, v_brk0', '        ld64  r1, [r1]', '        call  p_hex', '        call  p_nl', '        call  base');
  emit(stack[0]);
  c.lines.push(...pLine(c, 'END'), '        li    r1, 0x0', '        li    r0, 231', '        syscall', '');
  const rodata = ['        .rodata', 'hexdig: .ascii "0123456789abcdef"', 'str_faults_base: .ascii "FAULTS-BASE"', 'str_faults: .ascii "FAULTS"',
    'str_status_base_begin: .ascii "STATUS-BASE-BEGIN"', 'str_status_base_end: .ascii "STATUS-BASE-END"', 'str_sig: .ascii "SIG "',
    'str_child_begin: .ascii "CHILD-BEGIN"', 'str_child_end: .ascii "CHILD-END"', 'str_ret_fork: .ascii "RET fork "', 'str_wait: .ascii "WAIT "',
    'path_status: .asciz "/proc/self/status"', 'path_maps: .asciz "/proc/self/maps"', 'path_smaps: .asciz "/proc/self/smaps"'];
  for (const [s, name] of c.strings) {
    if (s.startsWith('\0PATH')) rodata.push(`${name}: .asciz ${JSON.stringify(s.slice(5))}`);
    else rodata.push(`${name}: .ascii ${JSON.stringify(s)}`);
  }
  rodata.push('rodata_end: .byte 0');
  const bss = ['        .bss', 'rbuf:   .zero 65536', 'lbuf:   .zero 512', 'lbn:    .zero 8', 'fbuf:   .zero 8', 'ru:     .zero 144', 'sigact: .zero 32',
    'wst:    .zero 8', 'v_brk0: .zero 8'];
  for (const v of c.vars) bss.push(v.startsWith('fd_') ? `${v}: .zero 8` : `v_${v}: .zero 8`);
  bss.push('bss_end: .zero 8');
  return [...c.lines, runtime(), ...rodata, '', ...bss, ''].join('\n');
}
