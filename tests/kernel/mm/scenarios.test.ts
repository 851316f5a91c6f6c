// End-to-end mm behaviour in the linux-mm scenario language (compiled by tools/linux-mm/compile.ts and
// run on the whole machine): cases the fixtures do not cover, with transcripts derived from Linux 6.18's
// code paths (mm/gup.c populate, mm/vma.c is_mergeable_anon_vma, mm/vma.c unmapped_area_topdown).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileScenario } from '../../../tools/linux-mm/compile.ts';
import { runProgram } from '../../../tools/runner/index.ts';
import { normalize } from '../../../tools/linux-mm/normalize.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'scenarios');

describe('mm scenarios', () => {
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.scn')).sort()) {
    const name = f.slice(0, -4);
    it(readFileSync(join(dir, f), 'utf8').split('\n')[0].replace(/^# /, ''), () => {
      const src = compileScenario(readFileSync(join(dir, f), 'utf8'), f);
      const expected = readFileSync(join(dir, `${name}.expected`), 'utf8');
      for (const aslr of [2, 0] as const) {
        const out: Uint8Array[] = [];
        runProgram({ program: `${name}.s`, programText: src, cwd: `/tmp/mm-${name}`, aslr, seed: 3, stdout: (b) => out.push(b.slice()) });
        expect(normalize(Buffer.concat(out).toString('utf8')), `${name} aslr ${aslr}`).toBe(expected);
      }
    });
  }
});
