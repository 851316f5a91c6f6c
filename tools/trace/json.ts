// `--format json`: JSON Lines, one event object per line, fields as in hw/trace.ts;
// 64-bit values (addresses, entries, results) as 0x-prefixed 16-digit hex strings.
import type { TraceEvent } from '../../hw/trace.ts';
import { toJson } from '../format.ts';

export function formatEventJson(e: TraceEvent): string {
  return toJson(e);
}
