// Tokens of one line of T64 assembly (docs/t64.md "Assembly language").
// `#` and `;` start a comment outside string and character literals.

export type Token =
  | { kind: 'ident'; text: string; col: number }
  | { kind: 'num'; value: bigint; text: string; col: number }
  | { kind: 'str'; bytes: Uint8Array; col: number }
  | { kind: 'punct'; text: string; col: number };

/** An error at a column of the current line (1-based). */
export class SourceError extends Error {
  constructor(readonly col: number, message: string) {
    super(message);
  }
}

export const U64_MAX = (1n << 64n) - 1n;

const isIdentStart = (c: string) => /[A-Za-z_.$]/.test(c);
const isIdentChar = (c: string) => /[A-Za-z0-9_.$]/.test(c);
const PUNCT2 = new Set(['<<', '>>']);
const PUNCT1 = new Set([',', ':', '[', ']', '(', ')', '+', '-', '*', '/', '%', '&', '|', '^', '~']);

/** Parses an integer literal: decimal, 0x hex, 0b binary; up to 2^64 - 1. */
export function parseIntLiteral(text: string, col: number): bigint {
  let digits = text, radix = 10, re = /^[0-9]+$/;
  if (/^0[xX]/.test(text)) [digits, radix, re] = [text.slice(2), 16, /^[0-9a-fA-F]+$/];
  else if (/^0[bB]/.test(text)) [digits, radix, re] = [text.slice(2), 2, /^[01]+$/];
  if (!re.test(digits)) {
    const what = radix === 16 ? 'hexadecimal' : radix === 2 ? 'binary' : 'decimal';
    throw new SourceError(col, `invalid ${what} number '${text}'`);
  }
  const prefix = radix === 16 ? '0x' : radix === 2 ? '0b' : '';
  const v = BigInt(prefix + digits);
  if (v > U64_MAX) throw new SourceError(col, `number '${text}' does not fit in 64 bits`);
  return v;
}

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 0x5c, "'": 0x27, '"': 0x22, '?': 0x3f,
};

/**
 * Reads a C-escaped literal body starting after the opening quote at `start`; returns the
 * bytes and the index just past the closing quote.
 */
function readQuoted(line: string, start: number, quote: string): { bytes: number[]; end: number } {
  const bytes: number[] = [];
  let i = start + 1;
  const enc = new TextEncoder();
  for (;;) {
    if (i >= line.length) {
      throw new SourceError(start + 1, quote === '"' ? 'unterminated string (expected a closing ")' : "unterminated character literal (expected a closing ')");
    }
    const c = line[i];
    if (c === quote) return { bytes, end: i + 1 };
    if (c !== '\\') {
      const cp = line.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      for (const b of enc.encode(s)) bytes.push(b);
      i += s.length;
      continue;
    }
    const escCol = i + 1;
    const e = line[i + 1];
    if (e === undefined) throw new SourceError(escCol, 'unterminated escape sequence');
    if (e in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[e]);
      i += 2;
    } else if (/[0-7]/.test(e)) {
      let j = i + 1, v = 0;
      while (j < i + 4 && j < line.length && /[0-7]/.test(line[j])) v = v * 8 + Number(line[j++]);
      if (v > 0xff) throw new SourceError(escCol, `octal escape '${line.slice(i, j)}' is larger than 0xff`);
      bytes.push(v);
      i = j;
    } else if (e === 'x') {
      let j = i + 2;
      while (j < line.length && /[0-9a-fA-F]/.test(line[j])) j++;
      if (j === i + 2) throw new SourceError(escCol, "expected hexadecimal digits after '\\x'");
      const v = Number(BigInt('0x' + line.slice(i + 2, j)));
      if (v > 0xff) throw new SourceError(escCol, `hexadecimal escape '${line.slice(i, j)}' is larger than 0xff`);
      bytes.push(v);
      i = j;
    } else {
      throw new SourceError(escCol, `unknown escape sequence '\\${e}'`);
    }
  }
}

/** Splits one source line into tokens; stops at a comment. */
export function tokenize(line: string): Token[] {
  return tokenizeLine(line).toks;
}

/** Tokens, and the column just past the last token (where "end of line" is reported). */
export function tokenizeLine(line: string): { toks: Token[]; endCol: number } {
  const out: Token[] = [];
  let i = 0;
  let endCol = 1;
  while (i < line.length) {
    const c = line[i];
    const col = i + 1;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    } else if (c === '#' || c === ';') {
      break;
    } else if (isIdentStart(c)) {
      let j = i + 1;
      while (j < line.length && isIdentChar(line[j])) j++;
      out.push({ kind: 'ident', text: line.slice(i, j), col });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < line.length && /[0-9A-Za-z_]/.test(line[j])) j++;
      const text = line.slice(i, j);
      out.push({ kind: 'num', value: parseIntLiteral(text, col), text, col });
      i = j;
    } else if (c === '"') {
      const { bytes, end } = readQuoted(line, i, '"');
      out.push({ kind: 'str', bytes: Uint8Array.from(bytes), col });
      i = end;
    } else if (c === "'") {
      const { bytes, end } = readQuoted(line, i, "'");
      if (bytes.length === 0) throw new SourceError(col, 'empty character literal');
      if (bytes.length > 1) throw new SourceError(col, 'character literal must be a single byte');
      out.push({ kind: 'num', value: BigInt(bytes[0]), text: line.slice(i, end), col });
      i = end;
    } else if (PUNCT2.has(line.slice(i, i + 2))) {
      out.push({ kind: 'punct', text: line.slice(i, i + 2), col });
      i += 2;
    } else if (PUNCT1.has(c)) {
      out.push({ kind: 'punct', text: c, col });
      i++;
    } else {
      const cp = line.codePointAt(i)!;
      const shown = cp < 0x20 || cp === 0x7f ? `\\x${cp.toString(16).padStart(2, '0')}` : String.fromCodePoint(cp);
      throw new SourceError(col, `unexpected character '${shown}'`);
    }
    endCol = i + 1;
  }
  return { toks: out, endCol };
}

/** How a token is named in an error message. */
export function describe(t: Token | undefined): string {
  if (t === undefined) return 'end of line';
  switch (t.kind) {
    case 'ident':
      return `'${t.text}'`;
    case 'num':
      return `'${t.text}'`;
    case 'str':
      return 'a string';
    case 'punct':
      return `'${t.text}'`;
  }
}
