// `pagewalk run PROG [ARGS...]`: run a T64 program on the simulated machine and kernel.
import { PagewalkError } from '../../hw/errors.ts';
import type { Command } from '../command.ts';
import { type RunOptions } from '../runner/index.ts';
import { extractRunExtras, runWithExtras, RUN_EXTRAS_HELP } from '../report/run-extras.ts';
import { formatStats } from '../runner/stats.ts';

const HELP_HEAD = `usage: pagewalk run [options] PROG [ARGS...]

Runs PROG (a T64 .s file, assembled on the fly, or a T64 ELF executable) as the first
process on a simulated x86-64 machine with a Linux-like kernel. Its standard output and
error are the host's. The exit status is the program's, or 128+N when signal N killed it
(then one line on stderr says which signal and why).

options:
  --mem SIZE          RAM (bytes, or with K/M/G suffix; default 256M)
  --aslr 0|1|2        randomize_va_space (default 2)
  --seed N            seed of every random choice (default 1)
  --stats             print a perf-stat-like summary on stderr at the end
  --max-cycles N      stop after N cycles
  --file HOST:GUEST   copy host file HOST into the guest as GUEST (repeatable; cold in the page cache)
  --cwd DIR           the program's working directory in the guest (default /root)
`;
const HELP = HELP_HEAD + RUN_EXTRAS_HELP + `

examples:
  pagewalk run userland/examples/01-first-touch.s
  pagewalk run --stats --aslr 0 prog.s arg1 arg2
  pagewalk run --file data.bin:/data/in.bin --cwd /data prog
  pagewalk run --explain-faults userland/examples/02-zero-page.s
  pagewalk run --report out.html userland/examples/03-fork-cow.s
`;

/** Parses a size with an optional K/M/G suffix. */
export function parseSize(s: string, opt: string): number {
  const m = /^(\d+)([kKmMgG]?)(i?[bB])?$/.exec(s);
  if (!m) throw new PagewalkError(`${opt}: '${s}' is not a size (e.g. 256M)`, 2);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  const v = Number(m[1]) * mult;
  if (v % 4096 !== 0 || v < 65536) throw new PagewalkError(`${opt}: ${s} must be a multiple of 4 KiB and at least 64K`, 2);
  return v;
}

function parseInt10(s: string | undefined, opt: string, min: number, max: number): number {
  if (s === undefined) throw new PagewalkError(`${opt}: missing value`, 2);
  const v = /^\d+$/.test(s) ? Number(s) : /^0x[0-9a-fA-F]+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new PagewalkError(`${opt}: '${s}' is not an integer in ${min}..${max}`, 2);
  return v;
}

export interface ParsedRunArgs {
  options: RunOptions;
  stats: boolean;
}

/** Parses `run`'s command line (options before PROG; everything after PROG is its argv). */
export function parseRunArgs(argv: string[]): ParsedRunArgs {
  const o: RunOptions = { program: '', args: [], files: [] };
  let stats = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) break;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const val = () => {
      if (inline !== undefined) return inline;
      i++;
      if (i >= argv.length) throw new PagewalkError(`${flag}: missing value`, 2);
      return argv[i];
    };
    switch (flag) {
      case '--mem': o.mem = parseSize(val(), '--mem'); break;
      case '--aslr': o.aslr = parseInt10(val(), '--aslr', 0, 2) as 0 | 1 | 2; break;
      case '--seed': o.seed = parseInt10(val(), '--seed', 0, 0xffffffff); break;
      case '--stats': stats = true; break;
      case '--max-cycles': o.maxCycles = parseInt10(val(), '--max-cycles', 1, Number.MAX_SAFE_INTEGER); break;
      case '--file': {
        const v = val();
        const c = v.lastIndexOf(':');
        if (c <= 0 || c === v.length - 1 || !v.slice(c + 1).startsWith('/'))
          throw new PagewalkError(`--file: '${v}' is not HOST:GUEST with an absolute GUEST path`, 2);
        o.files!.push({ host: v.slice(0, c), guest: v.slice(c + 1) });
        break;
      }
      case '--cwd': {
        const v = val();
        if (!v.startsWith('/')) throw new PagewalkError(`--cwd: '${v}' is not an absolute path`, 2);
        o.cwd = v;
        break;
      }
      case '--': i++; break;
      default: throw new PagewalkError(`run: unknown option '${flag}' (try 'pagewalk run --help')`, 2);
    }
    if (flag === '--') break;
  }
  if (i >= argv.length) throw new PagewalkError('run: missing PROG (try \'pagewalk run --help\')', 2);
  o.program = argv[i];
  o.args = argv.slice(i + 1);
  return { options: o, stats };
}

export const command: Command = {
  name: 'run',
  summary: 'run a T64 program (.s or ELF) on the simulated machine and kernel',
  help: HELP,
  run(argv, io) {
    const { argv: rest, extras } = extractRunExtras(argv);
    const { options, stats } = parseRunArgs(rest);
    options.stdout = (b) => io.stdout(b);
    options.stderr = (b) => io.stderr(b);
    options.stdin = io.readStdin();
    const r = runWithExtras(options, extras, io);
    if (r.reason === 'max-cycles')
      io.stderr(`pagewalk: stopped: the clock reached the --max-cycles limit of ${options.maxCycles!.toLocaleString('en-US')} (at ${r.kernel.clock.now.toLocaleString('en-US')} cycles, boot and exec included)\n`);
    else if (r.reason === 'deadlock') io.stderr('pagewalk: every process is blocked (deadlock)\n');
    if (r.killMessage !== null) io.stderr(`pagewalk: ${r.killMessage}\n`);
    if (stats) io.stderr(formatStats(r.stats, [options.program, ...(options.args ?? [])].join(' ')));
    if (r.reason === 'max-cycles') return 124;
    return r.exitCode < 0 ? 1 : r.exitCode;
  },
};
