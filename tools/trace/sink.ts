// The sink `pagewalk trace` attaches: keeps the selected kinds inside the cycle and
// instruction ranges, and writes them in the chosen format as they come.
import { PagewalkError } from '../../hw/errors.ts';
import type { TraceEvent, TraceSink } from '../../hw/trace.ts';
import { PLAIN, type Style } from '../format.ts';
import type { KindSet } from './categories.ts';
import { CauseTracker } from './causes.ts';
import { ChromeTraceWriter } from './chrome.ts';
import { formatEventJson } from './json.ts';
import { formatEventText } from './text.ts';

export type TraceFormat = 'text' | 'json' | 'chrome';
export const TRACE_FORMATS: TraceFormat[] = ['text', 'json', 'chrome'];

/** Half-open range [from, to); `to` undefined is unbounded. */
export interface Range {
  from: number;
  to: number | undefined;
}

/** Parses "A:B", "A:", ":B" or "A" (= A:A+1) with optional thousands separators or 0x. */
export function parseRange(option: string, spec: string): Range {
  const n = (s: string): number | undefined => {
    if (s === '') return undefined;
    const t = s.replace(/[,_]/g, '');
    const v = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
    if (!Number.isSafeInteger(v)) throw new PagewalkError(`${option}: '${spec}' is not a range (FROM:TO, FROM: or :TO)`, 2);
    return v;
  };
  const parts = spec.split(':');
  if (parts.length === 1) {
    const a = n(parts[0]);
    if (a === undefined) throw new PagewalkError(`${option}: empty range`, 2);
    return { from: a, to: a + 1 };
  }
  if (parts.length !== 2) throw new PagewalkError(`${option}: '${spec}' is not a range (FROM:TO, FROM: or :TO)`, 2);
  const r = { from: n(parts[0]) ?? 0, to: n(parts[1]) };
  if (r.to !== undefined && r.to < r.from) throw new PagewalkError(`${option}: '${spec}' ends before it starts`, 2);
  return r;
}

export interface TraceSinkOptions {
  format: TraceFormat;
  kinds: KindSet;
  cycles?: Range;
  insns?: Range;
  style?: Style;
  /** Instructions retired so far (for the instruction range), read at each event. */
  instructions?: () => number;
}

export interface FinishingSink extends TraceSink {
  finish(): void;
  /** Events written. */
  readonly count: number;
}

const inRange = (r: Range | undefined, v: number) => r === undefined || (v >= r.from && (r.to === undefined || v < r.to));

export function makeTraceSink(write: (s: string) => void, o: TraceSinkOptions): FinishingSink {
  const style = o.style ?? PLAIN;
  const chrome = o.format === 'chrome' ? new ChromeTraceWriter(write) : null;
  let count = 0;
  // An 'insn' event is reported once its instruction retired: its own index is one less.
  const inRanges = (e: TraceEvent) =>
    o.kinds.has(e.kind) && inRange(o.cycles, e.cycle) &&
    (!o.insns || !o.instructions || inRange(o.insns, o.instructions() - (e.kind === 'insn' ? 1 : 0)));
  // The instruction range is judged when an event happens, not when a held one is written.
  const judged = new WeakSet<TraceEvent>();
  const causes = new CauseTracker((e, cause) => {
    if (!judged.has(e)) return;
    count++;
    if (chrome) chrome.event(e, cause);
    else write((o.format === 'json' ? formatEventJson(e, cause) : formatEventText(e, style, cause)) + '\n');
  });
  return {
    get count() {
      return count;
    },
    event(e: TraceEvent) {
      if (inRanges(e)) judged.add(e);
      causes.event(e);
    },
    finish() {
      causes.finish();
      chrome?.finish();
    },
  };
}
