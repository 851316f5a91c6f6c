// Loads an explain scenario: JSON syntax errors and schema errors become one line
// `file:line:col: field: message` (PagewalkError).
import { readFileSync } from 'node:fs';
import { PagewalkError } from '../../hw/errors.ts';
import { jsonPathOffset, lineCol, parseJsonWithPosition, zodIssuePath } from './json.ts';
import { scenarioSchema, type Scenario } from './schema.ts';

export function parseScenario(text: string, name: string): Scenario {
  const raw = parseJsonWithPosition(text, name);
  const r = scenarioSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    const off = jsonPathOffset(text, i.path);
    const where = off >= 0 ? `${name}:${lineCol(text, off)}` : name;
    throw new PagewalkError(`${where}: ${zodIssuePath(i.path)}: ${i.message}`);
  }
  return r.data;
}

export function loadScenario(path: string, displayName = path): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PagewalkError(`${displayName}: cannot read (${code === 'ENOENT' ? 'no such file' : code ?? 'error'})`);
  }
  return parseScenario(text, displayName);
}
