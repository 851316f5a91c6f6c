// Trace output throughput: events formatted per second by each --format, and the cost of a
// traced run against an untraced one (npx tsx tools/bench/benchmark.ts trace).
import type { TraceEvent } from '../../hw/trace.ts';
import { runProgram } from '../runner/index.ts';
import { parseOnly } from '../trace/categories.ts';
import { makeTraceSink } from '../trace/sink.ts';
import type { BenchSuite } from './benchmark.ts';

const N = 1000;
const events: TraceEvent[] = [];
for (let i = 0; i < N; i++) {
  const la = 0x7f0000000000n + BigInt(i) * 4096n;
  if (i % 4 === 0)
    events.push({ kind: 'walk-step', cycle: i * 10, cpu: 0, la, level: 1, entryAddr: 0x1000 + 8 * (i & 511), entry: 0x8000000000123067n, pscHit: false, note: '' });
  events.push({ kind: 'translate', cycle: i * 10 + 5, cpu: 0, la, access: 'read', size: 8, cpl: 3, tlb: i % 4 === 0 ? 'miss' : 'l1', pa: 0x123000 + (i & 0xfff), cycles: i % 4 === 0 ? 22 : 1 });
}
const kinds = parseOnly(undefined);
const sinkFor = (format: 'text' | 'json' | 'chrome') => {
  let bytes = 0;
  const s = makeTraceSink((t) => (bytes += t.length), { format, kinds });
  return { s, bytes: () => bytes };
};

const LAB = 'userland/examples/01-first-touch.s';
const timeRun = (traced: boolean): number => {
  const t0 = performance.now();
  const sink = traced ? makeTraceSink(() => {}, { format: 'text', kinds }) : null;
  runProgram({ program: LAB, aslr: 0, tracer: sink, stdout: () => {} });
  return performance.now() - t0;
};

export const suite: BenchSuite = {
  name: 'trace output (tools/trace)',
  cases: () =>
    (['text', 'json', 'chrome'] as const).map((format) => ({
      name: `format ${format} (translate + walk-step events)`,
      fn: () => {
        const { s } = sinkFor(format);
        for (const e of events) s.event(e);
        s.finish();
      },
      unitsPerOp: events.length,
      unit: 'events',
    })),
  extra: () => {
    timeRun(false);
    const plain = Math.min(timeRun(false), timeRun(false));
    const traced = Math.min(timeRun(true), timeRun(true));
    return [`run of ${LAB}: ${plain.toFixed(1)} ms untraced, ${traced.toFixed(1)} ms with a full text trace (${(traced / plain).toFixed(1)}x)`];
  },
};
