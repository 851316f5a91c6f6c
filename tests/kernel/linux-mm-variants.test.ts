// Variants of the linux-mm themes (other sizes, offsets and orders, and the steps the fixtures do not
// use: truncate, filewrite, nested fork). Each scenario is compiled with tools/linux-mm/compile.ts;
// the expected transcripts were derived by hand from Linux 6.x's code paths (mm/filemap.c, mm/gup.c,
// mm/mlock.c, mm/msync.c, mm/mremap.c, mm/madvise.c, mm/shmem.c, fs/proc/task_mmu.c), not recorded
// from a real machine: see each scenario's first line for the behaviour it pins down.
// The compiler itself is checked first: the fixtures' own .scn files must reproduce NAME.expected.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileScenario } from '../../tools/linux-mm/compile.ts';
import { runProgram } from '../../tools/runner/index.ts';
import { normalize } from '../../tools/linux-mm/normalize.ts';
import { checkInvariants } from '../../kernel/mm/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'fixtures', 'linux-mm');
const variants = join(here, 'linux-mm-variants');

function run(scn: string, name: string, aslr: 0 | 1 | 2): string {
  const src = compileScenario(readFileSync(scn, 'utf8'), scn);
  const out: Uint8Array[] = [];
  const r = runProgram({ program: `${name}.s`, programText: src, cwd: `/tmp/${name}`, aslr, seed: 11, stdout: (b) => out.push(b.slice()) });
  // After every process exited: refcounts equal users, no frame leaked, no PTE outside a VMA.
  expect(checkInvariants(r.kernel.mmg.kmm), `${name}: mm invariants`).toEqual([]);
  return normalize(Buffer.concat(out).toString('utf8'));
}

describe('scenario compiler reproduces the fixture transcripts', () => {
  for (const name of ['anon-first-touch', 'sigbus-file-eof', 'fork-cow-private', 'mremap-move', 'brk-grow-shrink', 'mmap-errors']) {
    it(name, () => {
      expect(run(join(fixtures, `${name}.scn`), name, 2)).toBe(readFileSync(join(fixtures, `${name}.expected`), 'utf8'));
    });
  }
});

describe('linux-mm variants', () => {
  for (const f of readdirSync(variants).filter((x) => x.endsWith('.scn')).sort()) {
    const name = f.slice(0, -4);
    it(name, () => {
      const expected = readFileSync(join(variants, `${name}.expected`), 'utf8');
      for (const aslr of [2, 0] as const) expect(run(join(variants, f), name, aslr), `aslr ${aslr}`).toBe(expected);
    });
  }
});
