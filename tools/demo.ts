// `npm start`: a short tour. Part 1 builds 4-level page tables for a few mappings, translates
// addresses through the MMU and prints each walk and then the TLB and paging-structure-cache
// state. Part 2 runs a T64 program (fork and copy-on-write) on the kernel with --stats.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACC_FETCH, ACC_READ, ACC_WRITE } from '../hw/mmu/access.ts';
import { explainTranslation } from '../hw/mmu/explain.ts';
import { buildScenario } from './scenario/build.ts';
import { parseScenario } from './scenario/load.ts';
import { formatPsc, formatTlbLevel } from './stepper/inspect.ts';
import { main } from './cli.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const scenario = parseScenario(
  JSON.stringify({
    schema: 'pagewalk-explain/1',
    levels: 4,
    registers: { cpl: 3, wp: true, nxe: true, smep: true, smap: true },
    mappings: [
      { la: '0x400000', pa: '0x200000', writable: false, note: 'code' },
      { la: '0x601000', pa: '0x205000', nx: true, note: 'data' },
      { la: '0x7f0000000000', pa: '0x40000000', size: '2M', nx: true, note: 'a 2 MiB page' },
    ],
    steps: [],
  }),
  'demo',
);

const accesses: [string, bigint, number, string][] = [
  ['fetch an instruction (cold TLBs: a full walk)', 0x400010n, ACC_FETCH, 'fetch'],
  ['the next instruction (L1 iTLB hit)', 0x400018n, ACC_FETCH, 'fetch'],
  ['write the data page (walk; sets A and D)', 0x601ff0n, ACC_WRITE, 'write'],
  ['write the read-only code page', 0x400020n, ACC_WRITE, 'write'],
  ['read inside the 2 MiB page', 0x7f00001234a8n, ACC_READ, 'read'],
];

function out(s: string): void {
  process.stdout.write(s + '\n');
}

out('pagewalk demo, part 1: the MMU alone (Intel SDM Vol. 3A ch. 4)');
out('Page tables for: 0x400000 code (r-x), 0x601000 data (rw-, XD), 0x7f0000000000 a 2 MiB page (rw-, XD)\n');
const m = buildScenario(scenario);
for (const [what, la, kind] of accesses) {
  out(`── ${what} `.padEnd(72, '─'));
  out(explainTranslation(m.mmu, Number(la & 0xffffffffn), Number(la >> 32n), kind, 8).text);
  out('');
}
out('── TLB state after these accesses '.padEnd(72, '─'));
out('(the #PF on 0x400020 invalidated every TLB and paging-structure-cache entry for its page,');
out(' the iTLB entry of the code page included: SDM 4.10.4.1)');
for (const level of [m.mmu.l1i, m.mmu.l1d, m.mmu.l2]) {
  for (const line of formatTlbLevel(level)) out(line);
}
for (const line of formatPsc(m.mmu)) out(line);

out('\npagewalk demo, part 2: a T64 program on the kernel (fork and copy-on-write)');
out('$ pagewalk run --stats userland/examples/03-fork-cow.s\n');
process.chdir(root);
process.exitCode = await main(['run', '--stats', 'userland/examples/03-fork-cow.s']);
out('\nNext: docs/tutorial.md (the labs), `npx pagewalk --help`, `npm test`.');
