// The `--stats` summary: a perf-stat-like table of what the machine and the kernel counted.
import type { Kernel } from '../../kernel/kernel.ts';

export interface RunStats {
  cycles: number;
  instructions: number;
  ipc: number;
  pageFaults: number;
  minorFaults: number;
  majorFaults: number;
  itlbAccesses: number;
  itlbMisses: number;
  dtlbAccesses: number;
  dtlbMisses: number;
  stlbAccesses: number;
  stlbMisses: number;
  pageWalks: number;
  cowCopies: number;
  contextSwitches: number;
  syscalls: number;
}

export function collectStats(k: Kernel): RunStats {
  const m = k.mmu.stats;
  const cpu = k.cpu.counters;
  const cycles = k.clock.now;
  const instructions = cpu.instructions;
  const mm = k.mmg.faultTotals();
  return {
    cycles, instructions, ipc: cycles > 0 ? instructions / cycles : 0,
    pageFaults: k.stats.pageFaults, minorFaults: mm.minor, majorFaults: mm.major,
    itlbAccesses: m.l1i.hits + m.l1i.misses, itlbMisses: m.l1i.misses,
    dtlbAccesses: m.l1d.hits + m.l1d.misses, dtlbMisses: m.l1d.misses,
    stlbAccesses: m.l2.hits + m.l2.misses, stlbMisses: m.l2.misses,
    pageWalks: m.walks, cowCopies: mm.cowCopies, contextSwitches: k.stats.contextSwitches, syscalls: k.stats.syscalls,
  };
}

const n = (v: number) => Math.round(v).toLocaleString('en-US');
const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(2)}%` : '0.00%');

/** Formats the stats like `perf stat`: right-aligned counts with thousands separators. */
export function formatStats(s: RunStats, title: string): string {
  const rows: [string, string, string][] = [
    [n(s.cycles), 'cycles', ''],
    [n(s.instructions), 'instructions', `#  ${s.ipc.toFixed(2)}  insn per cycle`],
    [n(s.pageFaults), 'page-faults', ''],
    [n(s.minorFaults), 'minor-faults', ''],
    [n(s.majorFaults), 'major-faults', ''],
    [n(s.itlbAccesses), 'iTLB-loads', ''],
    [n(s.itlbMisses), 'iTLB-load-misses', `#  ${pct(s.itlbMisses, s.itlbAccesses)} of all iTLB accesses`],
    [n(s.dtlbAccesses), 'dTLB-loads', ''],
    [n(s.dtlbMisses), 'dTLB-load-misses', `#  ${pct(s.dtlbMisses, s.dtlbAccesses)} of all dTLB accesses`],
    [n(s.stlbAccesses), 'sTLB-loads', ''],
    [n(s.stlbMisses), 'sTLB-load-misses', `#  ${pct(s.stlbMisses, s.stlbAccesses)} of all sTLB accesses`],
    [n(s.pageWalks), 'page-walks', ''],
    [n(s.cowCopies), 'cow-copies', ''],
    [n(s.contextSwitches), 'context-switches', ''],
    [n(s.syscalls), 'syscalls', ''],
  ];
  const w = Math.max(...rows.map((r) => r[0].length), 15);
  const lines = [``, ` Performance counter stats for '${title}':`, ``];
  for (const [v, name, note] of rows) lines.push(`  ${v.padStart(w)}      ${name.padEnd(18)} ${note}`.trimEnd());
  lines.push('');
  return lines.join('\n') + '\n';
}
