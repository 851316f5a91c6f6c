// `.include "FILE"` (a toolchain extension beyond docs/t64.md): textual inclusion resolved against
// the including file's folder; diagnostics name the included file and its line.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemble, AsmError } from '../../../userland/asm/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'pagewalk-inc-'));
const write = (name: string, text: string) => writeFileSync(join(dir, name), text);

function diagnostics(src: string, file: string): string[] {
  try {
    assemble(src, file);
  } catch (e) {
    if (e instanceof AsmError) return e.diagnostics.map((d) => `${d.file.replace(dir + '/', '')}:${d.line}:${d.col}: ${d.message}`);
    throw e;
  }
  return [];
}

describe('.include', () => {
  it('assembles exactly as if the file were pasted in place', () => {
    write('helper.inc', 'helper: li    r1, 42\n        ret\n');
    const inc = assemble('        .text\n        .globl _start\n_start: call  helper\n        .include "helper.inc"\n', join(dir, 'main.s'));
    const pasted = assemble('        .text\n        .globl _start\n_start: call  helper\nhelper: li    r1, 42\n        ret\n', join(dir, 'main.s'));
    expect(Buffer.from(inc.elf).equals(Buffer.from(pasted.elf))).toBe(true);
  });

  it('reports errors at their line in the included file, and the including line for a missing file', () => {
    write('bad.inc', 'nop\n        li    r16, 1\n');
    expect(diagnostics('        .text\n        .globl _start\n_start:\n        .include "bad.inc"\n        .include "nope.inc"\n', join(dir, 'p.s')))
      .toEqual(["bad.inc:2:15: unknown register 'r16' (expected r0..r15 or sp)", "p.s:5:9: .include: cannot read '" + join(dir, 'nope.inc') + "' (no such file)"]);
  });

  it('refuses a file that includes itself', () => {
    write('loop.inc', '        .include "loop.inc"\n');
    expect(diagnostics('        .text\n        .globl _start\n_start: nop\n        .include "loop.inc"\n', join(dir, 'q.s')))
      .toEqual(['loop.inc:1:9: .include "loop.inc" would include itself']);
  });

  it("names a duplicate symbol's first definition with its file", () => {
    write('dup.inc', 'here:   nop\n');
    expect(diagnostics('        .text\n        .globl _start\n_start: nop\nhere:   nop\n        .include "dup.inc"\n', join(dir, 'r.s')))
      .toEqual(["dup.inc:1:1: symbol 'here' is already defined on line 4 of " + join(dir, 'r.s')]);
  });
});
