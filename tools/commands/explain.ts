// `pagewalk explain`: explains, step by step, how the MMU translates the accesses of a scenario.
import { resolve } from 'node:path';
import { PagewalkError } from '../../hw/errors.ts';
import { ACC_FETCH, ACC_READ, ACC_WRITE } from '../../hw/mmu/access.ts';
import { explainTranslation } from '../../hw/mmu/explain.ts';
import { RFLAGS_AC } from '../../hw/mmu/regs.ts';
import { applyMapping, buildScenario } from '../scenario/build.ts';
import { loadScenario } from '../scenario/load.ts';
import type { Command } from '../command.ts';

const help = `usage: pagewalk explain <scenario.json> [--la ADDR --access read|write|fetch [--size N] [--cpl N]]
                        [--ad-policy eager|lazy] [--json]

Builds the page tables of a scenario file (registers, mappings; format in
docs/mmu.md) and explains each of its steps as the MMU performs it: the L1 and
STLB lookups, paging-structure-cache hits, every paging-structure entry read
(address, raw value, decoded bits), the access-rights checks of SDM 4.6 and the
outcome: the physical address, or the exception with its error code and reason.
Steps between accesses (remapping without INVLPG, INVLPG, CR3 reloads) show
what the TLBs keep.

options:
  --la ADDR             explain this access instead of the scenario's steps
  --access KIND         read, write or fetch (with --la; default read)
  --size N              access size in bytes, 1..4096 (default 8)
  --cpl N               privilege level of the access, 0..3 (default: the scenario's)
  --ad-policy P         accessed/dirty flags after a fault: eager (QEMU) or lazy
  --json                print the structured steps as JSON

examples:
  pagewalk explain tests/fixtures/explain/user-pages.json
  pagewalk explain tests/fixtures/explain/user-pages.json --la 0x400010 --access write --cpl 3
`;

const KIND: Record<string, number> = { read: ACC_READ, write: ACC_WRITE, fetch: ACC_FETCH };

function parseAddr(s: string, opt: string): bigint {
  if (!/^(0x[0-9a-f]{1,16}|[0-9]{1,20})$/i.test(s)) throw new PagewalkError(`explain: ${opt}: expected an address like 0x7f0000001000, got '${s}'`, 2);
  const v = BigInt(s);
  if (v >= 1n << 64n) throw new PagewalkError(`explain: ${opt}: ${s} does not fit in 64 bits`, 2);
  return v;
}

export const command: Command = {
  name: 'explain',
  summary: 'explain how the MMU translates an address, step by step',
  help,
  run(argv, io) {
    let file: string | undefined;
    let la: bigint | undefined;
    let access: string | undefined;
    let size: number | undefined;
    let cpl: number | undefined;
    let adPolicy: 'eager' | 'lazy' | undefined;
    let json = false;
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      const value = () => {
        const v = argv[++i];
        if (v === undefined) throw new PagewalkError(`explain: ${a} needs a value`, 2);
        return v;
      };
      if (a === '--la') la = parseAddr(value(), a);
      else if (a === '--access') {
        access = value();
        if (!(access in KIND)) throw new PagewalkError(`explain: --access: expected read, write or fetch, got '${access}'`, 2);
      } else if (a === '--size') {
        const v = value();
        size = Number(v);
        if (!/^\d+$/.test(v) || size < 1 || size > 4096) throw new PagewalkError(`explain: --size: expected 1..4096, got '${v}'`, 2);
      } else if (a === '--cpl') {
        const v = value();
        if (!/^[0-3]$/.test(v)) throw new PagewalkError(`explain: --cpl: expected 0..3, got '${v}'`, 2);
        cpl = Number(v);
      } else if (a === '--ad-policy') {
        const v = value();
        if (v !== 'eager' && v !== 'lazy') throw new PagewalkError(`explain: --ad-policy: expected eager or lazy, got '${v}'`, 2);
        adPolicy = v;
      } else if (a === '--json') json = true;
      else if (a.startsWith('-')) throw new PagewalkError(`explain: unknown option '${a}' (try 'pagewalk explain --help')`, 2);
      else if (file === undefined) file = a;
      else throw new PagewalkError(`explain: more than one scenario file ('${file}', '${a}')`, 2);
    }
    if (file === undefined) throw new PagewalkError("explain: no scenario file given (try 'pagewalk explain --help')", 2);
    if (la === undefined && (access !== undefined || size !== undefined)) throw new PagewalkError('explain: --access and --size go with --la', 2);
    const scenario = loadScenario(resolve(io.cwd, file), file);
    const m = buildScenario(scenario, { adPolicy });
    const steps = la !== undefined
      ? [{ op: 'access' as const, la: '0x' + la.toString(16), access: (access ?? 'read') as 'read', size: size ?? 8, cpl, note: undefined, ac: undefined }]
      : scenario.steps;
    if (steps.length === 0) throw new PagewalkError(`explain: ${file} has no steps; give one with --la ADDR --access KIND`, 2);
    const out: string[] = [];
    const records: unknown[] = [];
    if (scenario.description && !json) out.push(scenario.description, '');
    const r = m.mmu.regs;
    const baseCpl = r.cpl;
    const baseFlags = r.rflags;
    steps.forEach((st, n) => {
      const head = `── step ${n + 1}${st.note ? `: ${st.note}` : ''} `;
      switch (st.op) {
        case 'access': {
          r.cpl = st.cpl ?? cpl ?? baseCpl;
          r.rflags = st.ac === undefined ? baseFlags : st.ac ? baseFlags | RFLAGS_AC : baseFlags & ~RFLAGS_AC;
          const v = BigInt(st.la);
          const e = explainTranslation(m.mmu, Number(v & 0xffffffffn), Number(v >> 32n), KIND[st.access], st.size);
          out.push(head.padEnd(72, '─'), e.text, '');
          records.push({ step: n + 1, op: 'access', ...e, la: '0x' + e.la.toString(16), text: undefined,
            steps: e.steps.map((s) => ('entry' in s ? { ...s, entry: '0x' + s.entry.toString(16) } : s)) });
          break;
        }
        case 'map':
          applyMapping(m, st.mapping, `steps[${n}].mapping`);
          out.push(head.padEnd(72, '─'), `page-table write: ${st.mapping.la} → ${st.mapping.pa} (${st.mapping.size}); no invalidation, so a cached translation stays in use`, '');
          records.push({ step: n + 1, op: 'map' });
          break;
        case 'invlpg': {
          const v = BigInt(st.la);
          m.mmu.invlpg(Number(v & 0xffffffffn), Number(v >> 32n));
          out.push(head.padEnd(72, '─'), `INVLPG ${st.la}: TLB entries for the page (global ones too) and this PCID's paging-structure caches invalidated`, '');
          records.push({ step: n + 1, op: 'invlpg' });
          break;
        }
        case 'mov-cr3': {
          if (st.pcid !== undefined && st.pcid !== 0 && !scenario.registers.pcide)
            throw new PagewalkError(`${file}: steps[${n}].pcid: PCIDs need "registers": { "pcide": true }`);
          const pcid = st.pcid ?? m.mmu.currentPcid;
          const ok = m.mmu.movToCr3((m.pt.root | pcid) >>> 0, st.noflush ? 0x80000000 : 0);
          if (!ok) throw new PagewalkError(`explain: steps[${n}]: MOV to CR3 would #GP (PCID ${pcid} needs CR4.PCIDE)`);
          out.push(head.padEnd(72, '─'), `MOV to CR3 (PCID ${m.mmu.currentPcid}${st.noflush ? ', bit 63 set: nothing invalidated' : ': non-global entries of this PCID invalidated'})`, '');
          records.push({ step: n + 1, op: 'mov-cr3' });
          break;
        }
        case 'flush':
          m.mmu.flushAll();
          out.push(head.padEnd(72, '─'), 'every TLB and paging-structure-cache entry invalidated', '');
          records.push({ step: n + 1, op: 'flush' });
          break;
      }
    });
    if (json) io.stdout(JSON.stringify(records, (_k, v) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v), 2) + '\n');
    else io.stdout(out.join('\n'));
    return 0;
  },
};
