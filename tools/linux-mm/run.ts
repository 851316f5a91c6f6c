// Runs one linux-mm scenario program as the README says: a fresh, empty working directory as its
// current directory, standard output collected (standard error unused), then normalized.
import { basename } from 'node:path';
import { runProgram, type RunResult } from '../runner/index.ts';
import { normalize } from './normalize.ts';

export interface ScenarioRun {
  raw: string;
  normalized: string;
  result: RunResult;
}

export function runLinuxMmScenario(
  program: string,
  opts: { aslr?: 0 | 1 | 2; seed?: number; maxCycles?: number; mem?: number } = {},
): ScenarioRun {
  const chunks: Uint8Array[] = [];
  const name = basename(program).replace(/\.s$/, '');
  const result = runProgram({
    program,
    cwd: `/tmp/linux-mm-${name}`,
    aslr: opts.aslr ?? 2,
    seed: opts.seed ?? 1,
    mem: opts.mem,
    maxCycles: opts.maxCycles ?? 20_000_000_000,
    stdout: (b) => chunks.push(b.slice()),
    stderr: () => {},
    log: () => {},
  });
  const raw = Buffer.concat(chunks).toString('utf8');
  return { raw, normalized: normalize(raw), result };
}
