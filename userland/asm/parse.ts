// Parses lines of T64 assembly into statements (docs/t64.md "Assembly language").
// Operand shapes come from the opcode table's forms (hw/isa/opcodes.ts); pseudo-instructions
// borrow a form too.
import { OP_BY_MNEMONIC, type OpInfo, type OperandForm } from '../../hw/isa/opcodes.ts';
import { Cursor, looksLikeRegister, parseExpr, registerNumber, type Expr } from './expr.ts';
import { SourceError, describe, tokenizeLine } from './lexer.ts';

export type SectionName = 'text' | 'rodata' | 'data' | 'bss';
export const SECTION_ORDER: readonly SectionName[] = ['text', 'rodata', 'data', 'bss'];

/** Pseudo-instructions (docs/t64.md) and the operand form each is written with. */
export const PSEUDOS: ReadonlyMap<string, OperandForm> = new Map<string, OperandForm>([
  ['li', 'ri'], // li rd, imm64: li, or li + lih
  ['la', 'ri'], // la rd, symbol: li of the address
  ['b', 'label'], // jmp
  ['not', 'rr'], // xori rd, rs, -1
  ['neg', 'rr'], // xori rd, rs, -1; addi rd, rd, 1
]);

export interface Insn {
  kind: 'insn';
  mnemonic: string;
  /** The table entry, or undefined for a pseudo-instruction other than li. */
  info: OpInfo | undefined;
  pseudo: boolean;
  rd: number;
  rs: number;
  rt: number;
  imm: Expr | undefined;
  /** Column of the immediate / target operand. */
  immCol: number;
}

export type Directive =
  | { kind: 'section'; name: SectionName }
  | { kind: 'data'; width: 1 | 2 | 4 | 8; name: string; values: Expr[] }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'zero'; count: Expr }
  | { kind: 'align'; n: Expr }
  | { kind: 'equ'; name: string; nameCol: number; value: Expr }
  | { kind: 'globl'; names: { name: string; col: number }[] };

export type Statement = Insn | Directive;

export interface Line {
  line: number;
  labels: { name: string; col: number }[];
  stmt: Statement | undefined;
  /** Column of the mnemonic or directive. */
  col: number;
}

const DATA_WIDTH: Readonly<Record<string, 1 | 2 | 4 | 8>> = { '.byte': 1, '.half': 2, '.word': 4, '.quad': 8 };
const SECTIONS: Readonly<Record<string, SectionName>> = { '.text': 'text', '.rodata': 'rodata', '.data': 'data', '.bss': 'bss' };

function reg(c: Cursor, role: string): number {
  const t = c.peek();
  if (t?.kind === 'ident') {
    const n = registerNumber(t.text);
    if (n !== undefined) {
      c.next();
      return n;
    }
    if (looksLikeRegister(t.text)) throw new SourceError(t.col, `unknown register '${t.text}' (expected r0..r15 or sp)`);
  }
  throw new SourceError(c.col(), `expected a register (r0..r15 or sp) for ${role}, found ${describe(t)}`);
}

function comma(c: Cursor): void {
  c.expectPunct(',', "','");
}

/** `[rs]`, `[rs+expr]`, `[rs-expr]`: returns the base register and the offset expression. */
function mem(c: Cursor): { rs: number; imm: Expr; col: number } {
  const col = c.col();
  c.expectPunct('[', "a memory operand '[reg+offset]'");
  const rs = reg(c, 'the base');
  let imm: Expr = { kind: 'num', value: 0n, col };
  if (c.isPunct('+') || c.isPunct('-')) imm = parseExpr(c, imm);
  c.expectPunct(']', "'+', '-' or ']'");
  return { rs, imm, col };
}

function symbolName(c: Cursor, what: string): { name: string; col: number } {
  const t = c.peek();
  if (t?.kind !== 'ident') throw new SourceError(c.col(), `expected ${what}, found ${describe(t)}`);
  if (registerNumber(t.text) !== undefined || looksLikeRegister(t.text)) throw new SourceError(t.col, `'${t.text}' is a register name, not a symbol`);
  c.next();
  return { name: t.text, col: t.col };
}

function parseInsn(c: Cursor, mnemonic: string, form: OperandForm, info: OpInfo | undefined, pseudo: boolean): Insn {
  const insn: Insn = { kind: 'insn', mnemonic, info, pseudo, rd: 0, rs: 0, rt: 0, imm: undefined, immCol: 0 };
  const imm = () => {
    insn.immCol = c.col();
    insn.imm = parseExpr(c);
  };
  switch (form) {
    case 'rrr':
      insn.rd = reg(c, 'rd'); comma(c); insn.rs = reg(c, 'rs'); comma(c); insn.rt = reg(c, 'rt');
      break;
    case 'rri':
      insn.rd = reg(c, 'rd'); comma(c); insn.rs = reg(c, 'rs'); comma(c); imm();
      break;
    case 'ri':
      insn.rd = reg(c, 'rd'); comma(c); imm();
      break;
    case 'rr':
      insn.rd = reg(c, 'rd'); comma(c); insn.rs = reg(c, 'rs');
      break;
    case 'load': {
      insn.rd = reg(c, 'rd'); comma(c);
      const m = mem(c);
      [insn.rs, insn.imm, insn.immCol] = [m.rs, m.imm, m.col];
      break;
    }
    case 'store': {
      const m = mem(c);
      [insn.rs, insn.imm, insn.immCol] = [m.rs, m.imm, m.col];
      comma(c); insn.rt = reg(c, 'rt');
      break;
    }
    case 'amo': {
      insn.rd = reg(c, 'rd'); comma(c);
      const m = mem(c);
      [insn.rs, insn.imm, insn.immCol] = [m.rs, m.imm, m.col];
      comma(c); insn.rt = reg(c, 'rt');
      break;
    }
    case 'label':
      imm();
      break;
    case 'rs':
      insn.rs = reg(c, 'rs');
      break;
    case 'rd':
      insn.rd = reg(c, 'rd');
      break;
    case 'none':
      break;
    case 'rsrtlabel':
      insn.rs = reg(c, 'rs'); comma(c); insn.rt = reg(c, 'rt'); comma(c); imm();
      break;
    case 'rslabel':
      insn.rs = reg(c, 'rs'); comma(c); imm();
      break;
  }
  return insn;
}

function exprList(c: Cursor): Expr[] {
  const out = [parseExpr(c)];
  while (c.isPunct(',')) {
    c.next();
    out.push(parseExpr(c));
  }
  return out;
}

function parseDirective(c: Cursor, name: string, col: number): Directive {
  const lower = name.toLowerCase();
  if (lower in SECTIONS) return { kind: 'section', name: SECTIONS[lower] };
  if (lower in DATA_WIDTH) return { kind: 'data', width: DATA_WIDTH[lower], name: lower, values: exprList(c) };
  switch (lower) {
    case '.ascii':
    case '.asciz': {
      const parts: Uint8Array[] = [];
      for (;;) {
        const t = c.peek();
        if (t?.kind !== 'str') throw new SourceError(c.col(), `expected a string ("..."), found ${describe(t)}`);
        c.next();
        parts.push(t.bytes);
        if (lower === '.asciz') parts.push(new Uint8Array(1));
        if (!c.isPunct(',')) break;
        c.next();
      }
      const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) {
        bytes.set(p, o);
        o += p.length;
      }
      return { kind: 'bytes', bytes };
    }
    case '.zero':
      return { kind: 'zero', count: parseExpr(c) };
    case '.align':
      return { kind: 'align', n: parseExpr(c) };
    case '.equ': {
      const { name: sym, col: nameCol } = symbolName(c, 'a symbol name');
      comma(c);
      return { kind: 'equ', name: sym, nameCol, value: parseExpr(c) };
    }
    case '.globl': {
      const names = [symbolName(c, 'a symbol name')];
      while (c.isPunct(',')) {
        c.next();
        names.push(symbolName(c, 'a symbol name'));
      }
      return { kind: 'globl', names };
    }
  }
  throw new SourceError(col, `unknown directive '${name}'`);
}

/** Parses one source line. Throws SourceError (column on this line) on a syntax error. */
export function parseLine(text: string, lineNo: number): Line {
  const { toks, endCol } = tokenizeLine(text);
  const c = new Cursor(toks, endCol);
  const line: Line = { line: lineNo, labels: [], stmt: undefined, col: 0 };
  // Labels: `name:` (several may precede one statement).
  while (c.toks[c.pos]?.kind === 'ident' && c.toks[c.pos + 1]?.kind === 'punct' && (c.toks[c.pos + 1] as { text: string }).text === ':') {
    line.labels.push(symbolName(c, 'a label'));
    c.next();
  }
  const t = c.next();
  if (t === undefined) return line;
  if (t.kind !== 'ident') throw new SourceError(t.col, `expected an instruction, a directive or a label, found ${describe(t)}`);
  line.col = t.col;
  if (t.text.startsWith('.')) {
    line.stmt = parseDirective(c, t.text, t.col);
  } else {
    const m = t.text.toLowerCase();
    const pseudoForm = PSEUDOS.get(m);
    const info = OP_BY_MNEMONIC.get(m);
    if (pseudoForm !== undefined) line.stmt = parseInsn(c, m, pseudoForm, info, true);
    else if (info !== undefined) line.stmt = parseInsn(c, m, info.form, info, false);
    else throw new SourceError(t.col, `unknown instruction '${t.text}'`);
  }
  if (!c.atEnd()) throw new SourceError(c.col(), `expected end of line, found ${describe(c.peek())}`);
  return line;
}

/**
 * The leading `name:` labels of a line that failed to parse, so that one bad statement does
 * not also make every use of its labels an "undefined symbol" error.
 */
export function salvageLabels(text: string): { name: string; col: number }[] {
  const out: { name: string; col: number }[] = [];
  const re = /\s*([A-Za-z_.$][A-Za-z0-9_.$]*)\s*:/y;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const name = m[1];
    if (registerNumber(name) !== undefined || looksLikeRegister(name)) break;
    out.push({ name, col: m.index + m[0].indexOf(name) + 1 });
  }
  return out;
}
