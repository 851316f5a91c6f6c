// Assembler expressions: 64-bit two's complement, C precedence, `/` `%` unsigned, `>>` logical
// (docs/t64.md "Assembly language"). Parsed once into a tree, evaluated in every layout pass.
import { SourceError, U64_MAX, describe, type Token } from './lexer.ts';

export type Expr =
  | { kind: 'num'; value: bigint; col: number }
  | { kind: 'sym'; name: string; col: number }
  | { kind: 'unary'; op: '-' | '~'; arg: Expr; col: number }
  | { kind: 'binary'; op: string; left: Expr; right: Expr; col: number };

/** Binary operators by C precedence (higher binds tighter). */
const PREC: Readonly<Record<string, number>> = {
  '*': 10, '/': 10, '%': 10,
  '+': 9, '-': 9,
  '<<': 8, '>>': 8,
  '&': 7,
  '^': 6,
  '|': 5,
};

/** True for the names r0..r15 and sp (any case). */
export function registerNumber(name: string): number | undefined {
  const l = name.toLowerCase();
  if (l === 'sp') return 15;
  const m = /^r([0-9]+)$/.exec(l);
  if (m && m[1].length <= 2 && Number(m[1]) <= 15 && !(m[1].length === 2 && m[1][0] === '0')) return Number(m[1]);
  return undefined;
}

/** Names that look like registers but are not (r16, r99, r01): reported as unknown registers. */
export function looksLikeRegister(name: string): boolean {
  return /^r[0-9]+$/i.test(name);
}

/** A cursor over the tokens of one line. */
export class Cursor {
  pos = 0;
  constructor(readonly toks: Token[], readonly endCol: number) {}
  peek(): Token | undefined {
    return this.toks[this.pos];
  }
  next(): Token | undefined {
    return this.toks[this.pos++];
  }
  atEnd(): boolean {
    return this.pos >= this.toks.length;
  }
  /** Column of the next token, or just past the end of the line. */
  col(): number {
    return this.peek()?.col ?? this.endCol;
  }
  isPunct(text: string): boolean {
    const t = this.peek();
    return t !== undefined && t.kind === 'punct' && t.text === text;
  }
  expectPunct(text: string, what = `'${text}'`): void {
    if (!this.isPunct(text)) throw new SourceError(this.col(), `expected ${what}, found ${describe(this.peek())}`);
    this.pos++;
  }
}

/** Parses an expression; `left`, when given, is an already parsed left operand (for `[reg+expr]`). */
export function parseExpr(c: Cursor, left?: Expr): Expr {
  return parseBinary(c, 0, left);
}

function parseBinary(c: Cursor, minPrec: number, seed?: Expr): Expr {
  let left = seed ?? parseUnary(c);
  for (;;) {
    const t = c.peek();
    if (t === undefined || t.kind !== 'punct') return left;
    const p = PREC[t.text];
    if (p === undefined || p <= minPrec) return left;
    c.next();
    const right = parseBinary(c, p);
    left = { kind: 'binary', op: t.text, left, right, col: t.col };
  }
}

function parseUnary(c: Cursor): Expr {
  const t = c.peek();
  if (t === undefined) throw new SourceError(c.col(), 'expected an expression, found end of line');
  if (t.kind === 'punct' && (t.text === '-' || t.text === '~')) {
    c.next();
    return { kind: 'unary', op: t.text, arg: parseUnary(c), col: t.col };
  }
  if (t.kind === 'punct' && t.text === '(') {
    c.next();
    const e = parseExpr(c);
    c.expectPunct(')', "')'");
    return e;
  }
  if (t.kind === 'num') {
    c.next();
    return { kind: 'num', value: t.value, col: t.col };
  }
  if (t.kind === 'ident') {
    if (registerNumber(t.text) !== undefined || looksLikeRegister(t.text))
      throw new SourceError(t.col, `expected an expression, found register '${t.text}'`);
    c.next();
    return { kind: 'sym', name: t.text, col: t.col };
  }
  throw new SourceError(t.col, `expected an expression, found ${describe(t)}`);
}

/** Symbol lookup used by evaluate: returns the value or throws a SourceError at `col`. */
export type Lookup = (name: string, col: number) => bigint;

const M = (v: bigint) => BigInt.asUintN(64, v);

/** Evaluates to an unsigned 64-bit value (0 .. 2^64 - 1). */
export function evaluate(e: Expr, lookup: Lookup): bigint {
  switch (e.kind) {
    case 'num':
      return e.value;
    case 'sym':
      return M(lookup(e.name, e.col));
    case 'unary': {
      const v = evaluate(e.arg, lookup);
      return e.op === '-' ? M(-v) : M(~v);
    }
    case 'binary': {
      const a = evaluate(e.left, lookup);
      const b = evaluate(e.right, lookup);
      switch (e.op) {
        case '+': return M(a + b);
        case '-': return M(a - b);
        case '*': return M(a * b);
        case '/':
        case '%':
          if (b === 0n) throw new SourceError(e.col, `division by zero in '${e.op}'`);
          return e.op === '/' ? a / b : a % b;
        // A shift by 64 or more shifts every bit out.
        case '<<': return b >= 64n ? 0n : M(a << b);
        case '>>': return b >= 64n ? 0n : a >> b;
        case '&': return a & b;
        case '|': return a | b;
        case '^': return a ^ b;
      }
      throw new Error(`unhandled operator ${e.op}`);
    }
  }
}

/** Symbols an expression refers to. */
export function symbolsOf(e: Expr, out: string[] = []): string[] {
  if (e.kind === 'sym') out.push(e.name);
  else if (e.kind === 'unary') symbolsOf(e.arg, out);
  else if (e.kind === 'binary') {
    symbolsOf(e.left, out);
    symbolsOf(e.right, out);
  }
  return out;
}

/** True when v (0 .. 2^64-1) fits a sign-extended 32-bit immediate. */
export function fitsImm32(v: bigint): boolean {
  return v <= 0x7fffffffn || v >= U64_MAX - 0x7fffffffn;
}

/** The signed 32-bit number of a value that fitsImm32. */
export function toImm32(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}
