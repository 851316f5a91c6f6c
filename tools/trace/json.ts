// `--format json`: JSON Lines, one event object per line, fields as in hw/trace.ts;
// 64-bit values (addresses, entries, results) as 0x-prefixed 16-digit hex strings.
import type { TraceEvent } from '../../hw/trace.ts';
import { toJson } from '../format.ts';

/** `cause`: why a TLB invalidation happened (tools/trace/causes.ts), added as a field. */
export function formatEventJson(e: TraceEvent, cause?: string): string {
  return toJson(cause === undefined ? e : { ...e, cause });
}
