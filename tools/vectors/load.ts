// Loads and validates a vectors file. Every problem is one PagewalkError line naming the
// file and the field (or line:col for a JSON syntax error); nothing is run on bad input.
import { vectorsFileSchema, type VectorsFile } from './schema.ts';
import { parseUserJson, readUserFile } from '../scenario/json.ts';

/** Schema errors name the field but not its line: locating it in a 6 MB file costs more than it helps. */
export function parseVectors(text: string, name: string): VectorsFile {
  return parseUserJson(vectorsFileSchema, text, name, false);
}

/** Reads and validates `path`; errors name the file as `displayName` (default: the path as given). */
export function loadVectors(path: string, displayName = path): VectorsFile {
  return parseVectors(readUserFile(path, displayName), displayName);
}
