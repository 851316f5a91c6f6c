// JSON helpers shared by the file loaders: syntax errors with line:col, zod paths as text.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { PagewalkError } from '../../hw/errors.ts';

/** JSON.parse, turning a syntax error into `name:line:col: invalid JSON: message`. */
export function parseJsonWithPosition(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).replace(/ (in JSON )?at position \d+.*$/s, '').replace(/,? ".*"(\.\.\.)? is not valid JSON$/s, '');
    const pos = jsonErrorOffset(text);
    const before = text.slice(0, pos).split('\n');
    throw new PagewalkError(`${name}:${before.length}:${before[before.length - 1].length + 1}: invalid JSON: ${msg}`);
  }
}

/** Offset of the first syntax error in `text` (a small recursive-descent scanner). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const lit = (w: string) => {
    if (text.startsWith(w, i)) i += w.length;
    else fail();
  };
  const str = () => {
    if (text[i] !== '"') fail();
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    } else if (c === '"') str();
    else if (c === 't') lit('true');
    else if (c === 'f') lit('false');
    else if (c === 'n') lit('null');
    else {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (!m) fail();
      i += m![0].length;
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
  } catch (pos) {
    if (typeof pos === 'number') return Math.min(pos, text.length);
    throw pos;
  }
  return text.length;
}

/**
 * Offset of the value at `path` (object keys and array indexes) in JSON `text`, or of the
 * deepest enclosing value that exists; -1 if the text does not parse.
 */
export function jsonPathOffset(text: string, path: ReadonlyArray<PropertyKey>): number {
  let i = 0;
  let best = -1;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const skipString = () => {
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
  };
  // Returns after the value at i; records `best` when the value lies on `path` at `depth`.
  const value = (depth: number, onPath: boolean): void => {
    ws();
    if (onPath) best = i;
    const want = onPath && depth < path.length ? path[depth] : undefined;
    const c = text[i];
    if (c === '{') {
      i++;
      for (;;) {
        ws();
        if (text[i] === '}') return void i++;
        const ks = i;
        skipString();
        const key = JSON.parse(text.slice(ks, i)) as string;
        ws();
        i++; // ':'
        value(depth + 1, want !== undefined && key === want);
        ws();
        if (text[i] === ',') i++;
      }
    } else if (c === '[') {
      i++;
      for (let n = 0; ; n++) {
        ws();
        if (text[i] === ']') return void i++;
        value(depth + 1, want !== undefined && n === want);
        ws();
        if (text[i] === ',') i++;
      }
    } else if (c === '"') skipString();
    else while (i < text.length && !',]} \t\n\r'.includes(text[i])) i++;
  };
  try {
    JSON.parse(text);
    value(0, true);
  } catch {
    return -1;
  }
  return best;
}

/** `line:col` (1-based) of an offset in text. */
export function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

/** A zod issue path as `vectors[12].state.cr3`. */
export function zodIssuePath(path: ReadonlyArray<PropertyKey>): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s === '' ? '(top level)' : s;
}

/** Reads a user's file as text; a failure is one PagewalkError line naming it. */
export function readUserFile(path: string, displayName = path): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PagewalkError(`${displayName}: cannot read (${code === 'ENOENT' ? 'no such file' : code ?? 'error'})`);
  }
}

/**
 * Parses and validates a user's JSON file with a zod schema. The first problem becomes one
 * PagewalkError line `file[:line:col]: field: message`; `position` locates schema errors in the
 * text (skip it for very large files, where a JSON syntax error still gets its line:col).
 */
export function parseUserJson<T>(schema: z.ZodType<T>, text: string, name: string, position = true): T {
  const raw = parseJsonWithPosition(text, name);
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  const off = position ? jsonPathOffset(text, i.path) : -1;
  const where = off >= 0 ? `${name}:${lineCol(text, off)}` : name;
  throw new PagewalkError(`${where}: ${zodIssuePath(i.path)}: ${i.message}`);
}
