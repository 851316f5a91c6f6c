// explain(): the steps and the reason it gives, and the scenario files that drive it.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { PagewalkError } from '../../../hw/errors.ts';
import { decodeEntry, describeErrorCode, explainTranslation } from '../../../hw/mmu/explain.ts';
import { ACC_FETCH, ACC_READ, ACC_WRITE } from '../../../hw/mmu/mmu.ts';
import { CR4_SMAP } from '../../../hw/mmu/regs.ts';
import { PTE_P, PTE_US } from '../../../hw/pte.ts';
import { buildScenario } from '../../../tools/scenario/build.ts';
import { loadScenario, parseScenario } from '../../../tools/scenario/load.ts';
import { machine } from './machine.ts';

const LA = 0x00007f1234567000n;
const ex = (t: ReturnType<typeof machine>, la: bigint, access: number, size = 8) =>
  explainTranslation(t.mmu, Number(la & 0xffffffffn), Number(la >> 32n), access, size);

describe('explainTranslation', () => {
  it('lists the TLB lookups and each entry read with its address, raw value, decoded bits and cycles', () => {
    const t = machine();
    const pte = t.map(LA, 0x345000);
    const e = ex(t, LA + 0x10n, ACC_READ);
    expect(e.ok).toBe(true);
    expect(e.pa).toBe(0x345010);
    const kinds = e.steps.map((s) => (s.kind === 'entry' ? s.levelName : s.kind === 'tlb' ? `${s.structure}:${s.hit}` : s.kind));
    expect(kinds.slice(0, 6)).toEqual(['L1 dTLB:false', 'STLB:false', 'pml4e', 'pdpte', 'pde', 'pte']);
    const leaf = e.steps.find((s) => s.kind === 'entry' && s.level === 1);
    expect(leaf).toMatchObject({ entryAddr: pte, bits: { P: 1, 'R/W': 1, 'U/S': 1, A: 0, D: 0, XD: 0 }, cycles: 5 });
    expect(e.cycles).toBe(t.mmu.lastCycles);
    expect(e.text).toMatch(/→ physical address 0x345010/);
  });
  it('gives the reason: "write to a read-only page at CPL3 → #PF error 0x7"', () => {
    const t = machine();
    t.map(LA, 0x345000, BigInt(PTE_P | PTE_US));
    const e = ex(t, LA, ACC_WRITE);
    expect(e.reason).toBe('write to a read-only page at CPL3 → #PF error 0x7');
    expect(e.text).toContain('error code 0x7 (P=1 W/R=1 U/S=1 RSVD=0 I/D=0 PK=0)');
  });
  it('names the level that is not present, and SMAP with RFLAGS.AC', () => {
    const t = machine({ cpl: 0 });
    expect(ex(t, LA, ACC_READ).reason).toBe('read at CPL0: the PML4E is not present → #PF error 0x0');
    t.map(LA, 0x345000);
    t.mmu.regs.cr4 |= CR4_SMAP;
    expect(ex(t, LA, ACC_READ).reason).toBe('read of a user-mode page at CPL0 with SMAP on and RFLAGS.AC=0 → #PF error 0x1');
  });
  it('shows a TLB hit and a paging-structure-cache hit', () => {
    const t = machine();
    t.map(LA, 0x345000);
    t.map(LA + 0x1000n, 0x346000);
    ex(t, LA, ACC_FETCH);
    expect(ex(t, LA, ACC_FETCH).steps[0]).toMatchObject({ kind: 'tlb', structure: 'L1 iTLB', hit: true, cycles: 1 });
    const e = ex(t, LA + 0x1000n, ACC_READ);
    expect(e.steps.some((s) => s.kind === 'psc' && s.text.startsWith('PDE cache hit'))).toBe(true);
    expect(e.steps.filter((s) => s.kind === 'entry').length).toBe(1);
  });
  it('leaves the tracer as it found it', () => {
    const t = machine();
    const sink = { event: () => {} };
    t.mmu.tracer = sink;
    ex(t, LA, ACC_READ);
    expect(t.mmu.tracer).toBe(sink);
  });
  it('decodes entries by level and error codes bit by bit', () => {
    expect(decodeEntry(2, 0x400000e7, 0x80000000).text).toBe(
      'P=1 R/W=1 U/S=1 PWT=0 PCD=0 A=1 D=1 PS=1 G=0 PAT=0 PK=0 XD=1 → 2 MiB page at 0x40000000');
    expect(decodeEntry(4, 0, 0).text).toMatch(/^P=0/);
    expect(describeErrorCode(0x25)).toBe('P=1 W/R=0 U/S=1 RSVD=0 I/D=0 PK=1');
  });
});

describe('explain scenarios', () => {
  const fixture = (n: string) => fileURLToPath(new URL(`../../fixtures/explain/${n}`, import.meta.url));
  it('the example scenarios load and build', () => {
    for (const f of ['user-pages.json', 'large-pages-pku.json']) {
      const s = loadScenario(fixture(f), f);
      expect(s.steps.length).toBeGreaterThan(3);
      const m = buildScenario(s);
      expect(m.mmu.levels).toBe(s.levels);
    }
  });
  it('a bad field is reported as file:line:col: path: message', () => {
    const text = '{\n  "schema": "pagewalk-explain/1",\n  "mappings": [\n    { "la": "0x1000", "pa": 4096 }\n  ]\n}';
    expect(() => parseScenario(text, 's.json')).toThrow(PagewalkError);
    expect(() => parseScenario(text, 's.json')).toThrow('s.json:4:29: mappings[0].pa: expected a hex string');
  });
  it('a JSON syntax error is reported with line and column', () => {
    expect(() => parseScenario('{\n  "schema": "pagewalk-explain/1",\n  "levels": 4,,\n}', 's.json')).toThrow(/^s\.json:3:15: invalid JSON/);
  });
  it('misaligned and non-canonical mappings are refused with the field named', () => {
    const base = { schema: 'pagewalk-explain/1' };
    const bad = (m: object) => () => buildScenario(parseScenario(JSON.stringify({ ...base, mappings: [m] }), 's.json'));
    expect(bad({ la: '0x1001', pa: '0x2000' })).toThrow('mappings[0].la: 0x1001 is not aligned to a 4K page');
    expect(bad({ la: '0x200000', pa: '0x1000', size: '2M' })).toThrow('mappings[0].pa: 0x1000 is not aligned to a 2M page');
    expect(bad({ la: '0x0000800000000000', pa: '0x2000' })).toThrow('not canonical');
    expect(bad({ la: '0x1000', pa: '0x1000000' })).toThrow('overlaps the page tables');
  });
  it('table flags on the path combine with the leaf (U/S=0 in the PDPTE → supervisor page)', () => {
    const s = parseScenario(JSON.stringify({
      schema: 'pagewalk-explain/1',
      mappings: [{ la: '0x40000000', pa: '0x5000', tables: { pdpte: { user: false } } }],
    }), 's.json');
    const m = buildScenario(s);
    expect(m.mmu.translate(0x40000000, 0, ACC_READ, 8)).toBe(-1);
    expect(m.mmu.faultErrorCode).toBe(0x5);
  });
});
