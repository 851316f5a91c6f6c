// The linux-mm conformance: every scenario of tests/fixtures/linux-mm runs through the runner in a
// fresh, empty working directory; its normalized stdout must equal NAME.expected exactly.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLinuxMmScenario } from '../../tools/linux-mm/run.ts';
import { checkInvariants } from '../../kernel/mm/index.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'linux-mm');
const names = readdirSync(dir).filter((f) => f.endsWith('.scn')).map((f) => f.slice(0, -4)).sort();

describe('linux-mm conformance (Linux 6.18 transcripts)', () => {
  for (const name of names) {
    it(name, () => {
      const expected = readFileSync(join(dir, `${name}.expected`), 'utf8');
      for (const aslr of [2, 0] as const) {
        const { normalized, result } = runLinuxMmScenario(join(dir, `${name}.s`), { aslr, seed: 1 + name.length });
        expect(normalized, `${name} (aslr ${aslr})`).toBe(expected);
        // After every process exited: refcounts equal users, no frame leaked, no PTE outside a VMA.
        expect(result.kernel.mmg.kmm.mms.size, 'every mm was torn down').toBe(0);
        expect(checkInvariants(result.kernel.mmg.kmm), 'mm invariants').toEqual([]);
      }
    });
  }
});
