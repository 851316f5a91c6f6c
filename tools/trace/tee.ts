// Several trace sinks behind one (the kernel and the MMU take a single tracer).
import type { TraceEvent, TraceSink } from '../../hw/trace.ts';

export function teeSinks(...sinks: (TraceSink | null | undefined)[]): TraceSink | null {
  const list = sinks.filter((s): s is TraceSink => s !== null && s !== undefined);
  if (list.length === 0) return null;
  if (list.length === 1) return list[0];
  return {
    event(e: TraceEvent) {
      for (const s of list) s.event(e);
    },
  };
}
