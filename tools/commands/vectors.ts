// `pagewalk vectors`: runs a file of paging vectors (schema paging-vectors/1) on the MMU.
import { resolve } from 'node:path';
import { PagewalkError } from '../../hw/errors.ts';
import type { AdPolicy } from '../../hw/mmu/config.ts';
import { loadVectors } from '../vectors/load.ts';
import { runVectors } from '../vectors/run.ts';
import type { Command } from '../command.ts';

const help = `usage: pagewalk vectors <file.json> [--ad-policy eager|lazy] [--failures N] [--family NAME] [--json]

Runs every x86-64 translation vector of the file (schema paging-vectors/1,
tests/fixtures/CONFORMANCE.md) on a fresh MMU each: applies the registers and
memory, performs the access, and compares the outcome, physical address,
exception vector, #PF error code, CR2 and the paging-structure qwords read back.
Prints passed/failed per family, the first failures with the field that
differs and the decoded walk, and ends with 'N passed, M failed'.
Exit status 0 only when every vector passes.

options:
  --ad-policy eager|lazy  accessed/dirty flags left by a faulting walk
                          (default eager, QEMU's; lazy compares memory_lazy)
  --failures N            failures to print in full (default 10)
  --family NAME           run only the vectors of this family
  --json                  print the tallies and every failure as JSON

examples:
  pagewalk vectors tests/fixtures/paging-vectors.json
  pagewalk vectors tests/fixtures/paging-vectors.json --ad-policy lazy --family straddle
`;

export const command: Command = {
  name: 'vectors',
  summary: 'run x86-64 paging conformance vectors on the MMU',
  help,
  run(argv, io) {
    let file: string | undefined;
    let policy: AdPolicy = 'eager';
    let showFailures = 10;
    let family: string | undefined;
    let json = false;
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      const value = () => {
        const v = argv[++i];
        if (v === undefined) throw new PagewalkError(`vectors: ${a} needs a value`, 2);
        return v;
      };
      if (a === '--ad-policy') {
        const v = value();
        if (v !== 'eager' && v !== 'lazy') throw new PagewalkError(`vectors: --ad-policy: expected eager or lazy, got '${v}'`, 2);
        policy = v;
      } else if (a === '--failures') {
        const v = value();
        if (!/^\d+$/.test(v)) throw new PagewalkError(`vectors: --failures: expected a number, got '${v}'`, 2);
        showFailures = Number(v);
      } else if (a === '--family') {
        family = value();
      } else if (a === '--json') {
        json = true;
      } else if (a.startsWith('-')) {
        throw new PagewalkError(`vectors: unknown option '${a}' (try 'pagewalk vectors --help')`, 2);
      } else if (file === undefined) {
        file = a;
      } else {
        throw new PagewalkError(`vectors: more than one file ('${file}', '${a}')`, 2);
      }
    }
    if (file === undefined) throw new PagewalkError("vectors: no vectors file given (try 'pagewalk vectors --help')", 2);
    const data = loadVectors(resolve(io.cwd, file), file);
    if (family !== undefined) {
      data.vectors = data.vectors.filter((v) => v.family === family);
      if (data.vectors.length === 0) throw new PagewalkError(`vectors: no vectors of family '${family}' in ${file}`, 2);
    }
    const { results, families } = runVectors(data, policy);
    const failed = results.filter((r) => !r.passed);
    if (json) {
      const report = {
        adPolicy: policy,
        passed: results.length - failed.length,
        failed: failed.length,
        families,
        failures: failed.map((r) => ({ id: r.id, mismatches: r.mismatches, explanation: r.explanation })),
      };
      io.stdout(JSON.stringify(report, null, 2) + '\n');
      return failed.length === 0 ? 0 : 1;
    }
    const out: string[] = [];
    if (failed.length > 0 && showFailures > 0) {
      for (const r of failed.slice(0, showFailures)) {
        out.push(`FAIL ${r.id}`);
        for (const m of r.mismatches) out.push(`  ${m}`);
        if (r.explanation) out.push(...r.explanation.split('\n').map((l) => `  | ${l}`));
        out.push('');
      }
      if (failed.length > showFailures) out.push(`(${failed.length - showFailures} more failures not shown)`, '');
    }
    const w = Math.max(6, ...families.map((f) => f.family.length));
    out.push(`ad policy: ${policy}`, `${'family'.padEnd(w)}  ${'passed'.padStart(6)}  ${'failed'.padStart(6)}`);
    const n = (x: number) => x.toLocaleString('en-US').padStart(6);
    for (const f of families) out.push(`${f.family.padEnd(w)}  ${n(f.passed)}  ${n(f.failed)}`);
    // The closing line stays plain digits: test-report readers parse 'N passed, M failed'.
    out.push(`${results.length - failed.length} passed, ${failed.length} failed`);
    io.stdout(out.join('\n') + '\n');
    return failed.length === 0 ? 0 : 1;
  },
};
