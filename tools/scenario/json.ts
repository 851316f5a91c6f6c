// JSON helpers shared by the file loaders: syntax errors with line:col, zod paths as text.
import { PagewalkError } from '../../hw/errors.ts';

/** JSON.parse, turning a syntax error into `name:line:col: message`. */
export function parseJsonWithPosition(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const m = /position (\d+)/.exec(msg);
    if (m) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos).split('\n');
      const line = before.length;
      const col = before[before.length - 1].length + 1;
      throw new PagewalkError(`${name}:${line}:${col}: invalid JSON: ${msg.replace(/ in JSON at position \d+.*$/, '')}`);
    }
    throw new PagewalkError(`${name}: invalid JSON: ${msg}`);
  }
}

/** A zod issue path as `vectors[12].state.cr3`. */
export function zodIssuePath(path: ReadonlyArray<PropertyKey>): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s === '' ? '(top level)' : s;
}
