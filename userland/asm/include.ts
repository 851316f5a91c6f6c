// `.include "FILE"`: textual inclusion, as GNU as does it (a toolchain extension beyond
// docs/t64.md). FILE is resolved against the including file's folder. The expansion keeps,
// for every line, the file and line it came from, so diagnostics name the included file.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface SourceLine {
  text: string;
  file: string;
  line: number;
}

/** Reads an included file; throws a message (not a stack) when it cannot. */
export type IncludeReader = (path: string) => string;

export const readIncludeFromDisk: IncludeReader = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot read '${path}' (${code === 'ENOENT' ? 'no such file' : code ?? 'error'})`);
  }
};

const INCLUDE = /^\s*\.include\s+"([^"\\]+)"\s*(?:[#;].*)?$/i;
const MAX_DEPTH = 16;

/**
 * The source's lines with every `.include` line replaced by the included file's lines.
 * A failed include is reported through `err` (file, line, col of the directive) and skipped.
 */
export function expandIncludes(source: string, fileName: string, read: IncludeReader,
  err: (file: string, line: number, col: number, message: string) => void): SourceLine[] {
  const out: SourceLine[] = [];
  const walk = (text: string, file: string, stack: string[]): void => {
    const lines = text.split(/\r?\n/);
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    lines.forEach((l, i) => {
      const m = INCLUDE.exec(l);
      if (m === null) {
        out.push({ text: l, file, line: i + 1 });
        return;
      }
      const col = l.indexOf('.') + 1;
      const path = resolve(dirname(file), m[1]);
      if (stack.includes(path) || stack.length >= MAX_DEPTH) {
        err(file, i + 1, col, `.include "${m[1]}" would include itself`);
        return;
      }
      let inc: string;
      try {
        inc = read(path);
      } catch (e) {
        err(file, i + 1, col, `.include: ${(e as Error).message}`);
        return;
      }
      walk(inc, path, [...stack, path]);
    });
  };
  walk(source, fileName, [resolve(fileName)]);
  return out;
}
