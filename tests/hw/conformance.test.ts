// Conformance: every vector of tests/fixtures/paging-vectors.json (QEMU TCG -cpu max, see
// tests/fixtures/CONFORMANCE.md) under both accessed/dirty policies.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadVectors } from '../../tools/vectors/load.ts';
import { runVector, runVectors } from '../../tools/vectors/run.ts';

const file = loadVectors(fileURLToPath(new URL('../fixtures/paging-vectors.json', import.meta.url)));

describe('paging-vectors.json', () => {
  it('holds the 6,120 vectors of schema paging-vectors/1 with MAXPHYADDR 40', () => {
    expect(file.vectors.length).toBe(6120);
    expect(file.maxphyaddr).toBe(40);
  });

  for (const policy of ['eager', 'lazy'] as const) {
    it(`every vector passes with adPolicy '${policy}'`, () => {
      const { results } = runVectors(file, policy);
      const failed = results.filter((r) => !r.passed);
      const report = failed.slice(0, 5).map((r) => `${r.id}: ${r.mismatches.join('; ')}\n${r.explanation}`).join('\n\n');
      expect(failed.length, report).toBe(0);
      expect(results.length).toBe(6120);
    });
  }

  it('the two policies differ exactly on the ad-on-fault vectors (the runner compares memory_lazy under lazy)', () => {
    // Run the ad-on-fault vectors against the other policy's expected memory: each must fail on memory only.
    const adOnFault = file.vectors.filter((v) => v.implementation_defined?.includes('ad-on-fault'));
    expect(adOnFault.length).toBe(2550);
    for (const v of adOnFault.slice(0, 200)) {
      const swapped = structuredClone(v);
      swapped.result.memory = v.result.memory_lazy!;
      const r = runVector(swapped, file.maxphyaddr, 'eager');
      expect(r.passed, v.id).toBe(false);
      expect(r.mismatches.every((m) => m.startsWith('memory[')), r.mismatches.join('; ')).toBe(true);
    }
  });

  it('a mismatch names the field that differs and shows the decoded walk', () => {
    const v = structuredClone(file.vectors.find((x) => x.id === 'sanity-0')!);
    v.result.error_code = '0x5';
    const r = runVector(v, file.maxphyaddr, 'eager');
    expect(r.passed).toBe(false);
    expect(r.mismatches).toEqual(['error_code: expected 0x5, got 0x7']);
    expect(r.explanation).toMatch(/PTE\s+at 0x130dff8 = 0x000000008072f065/);
    expect(r.explanation).toMatch(/write to a read-only page \(R\/W=0\): denied/);
  });

  it('a wrong physical address or CR2 is reported as such', () => {
    const ok = structuredClone(file.vectors.find((x) => x.result.outcome === 'ok')!);
    ok.result.pa = '0x1';
    expect(runVector(ok, file.maxphyaddr, 'lazy').mismatches[0]).toMatch(/^pa: expected 0x1, got 0x/);
    const pf = structuredClone(file.vectors.find((x) => x.result.vector === 14)!);
    pf.result.cr2 = '0x0';
    expect(runVector(pf, file.maxphyaddr, 'lazy').mismatches[0]).toMatch(/^cr2: expected 0x0, got 0x/);
  });
});
