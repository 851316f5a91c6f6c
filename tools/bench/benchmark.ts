// `npm run bench`: runs every tools/bench/*.bench.ts suite with benchmark.js and prints
// one line per case (ops/s, and a derived figure where the suite defines one).
// Usage: npm run bench [-- FILTER]   (FILTER: substring of a suite file name)
import Benchmark from 'benchmark';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchCase {
  name: string;
  /** One iteration of the measured work. */
  fn: () => void;
  /** Work units per iteration (e.g. translations per call), to report units/s. */
  unitsPerOp?: number;
  unit?: string;
  /** Target in units/s, printed beside the figure. */
  target?: number;
  setup?: () => void;
}
export interface BenchSuite {
  name: string;
  cases: () => BenchCase[];
  /** Extra measurements that are not throughput (e.g. "fork of 64 MiB: 12.3 ms"). */
  extra?: () => string[];
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function runSuite(s: BenchSuite): Promise<void> {
  console.log(`\n## ${s.name}`);
  for (const c of s.cases()) {
    c.setup?.();
    const b = new Benchmark(c.name, c.fn, { minSamples: 10, maxTime: 2 });
    b.run();
    const units = b.hz * (c.unitsPerOp ?? 1);
    const unit = c.unit ?? 'ops';
    const tgt = c.target ? ` (target ≥ ${fmt(c.target)}: ${units >= c.target ? 'met' : 'NOT met'})` : '';
    console.log(`${c.name.padEnd(52)} ${fmt(units).padStart(14)} ${unit}/s ±${b.stats.rme.toFixed(1)}%${tgt}`);
  }
  for (const line of s.extra?.() ?? []) console.log(line);
}

async function main(): Promise<void> {
  const dir = dirname(fileURLToPath(import.meta.url));
  const filter = process.argv[2] ?? '';
  const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts') && f.includes(filter)).sort();
  console.log(`pagewalk benchmarks — node ${process.version}, ${new Date().toISOString()}`);
  for (const f of files) {
    const mod = (await import(join(dir, f))) as { suite: BenchSuite };
    await runSuite(mod.suite);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
