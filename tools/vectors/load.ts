// Loads and validates a vectors file. Every problem is one PagewalkError line naming the
// file and the field (or line:col for a JSON syntax error); nothing is run on bad input.
import { readFileSync } from 'node:fs';
import { PagewalkError } from '../../hw/errors.ts';
import { vectorsFileSchema, type VectorsFile } from './schema.ts';
import { parseJsonWithPosition, zodIssuePath } from '../scenario/json.ts';

export function parseVectors(text: string, name: string): VectorsFile {
  const raw = parseJsonWithPosition(text, name);
  const r = vectorsFileSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new PagewalkError(`${name}: ${zodIssuePath(i.path)}: ${i.message}`);
  }
  return r.data;
}

/** Reads and validates `path`; errors name the file as `displayName` (default: the path as given). */
export function loadVectors(path: string, displayName = path): VectorsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PagewalkError(`${displayName}: cannot read (${code === 'ENOENT' ? 'no such file' : code ?? 'error'})`);
  }
  return parseVectors(text, displayName);
}
