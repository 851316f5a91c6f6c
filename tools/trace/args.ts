// Command-line parsing shared by trace, step, maps and stat: each takes its own options,
// then every option of `pagewalk run` (--mem, --aslr, --seed, --max-cycles, --file, --cwd),
// then PROG [ARGS...]. The run options are handed to run's own parser.
import { PagewalkError } from '../../hw/errors.ts';
import { parseRunArgs } from '../commands/run.ts';
import type { RunOptions } from '../runner/index.ts';

/** `run` options that take a value (passed through to its parser). */
const RUN_VALUE_FLAGS = new Set(['--mem', '--aslr', '--seed', '--max-cycles', '--file', '--cwd']);

export interface ParsedArgs {
  /** Values of this command's own options (flags without a value map to ''). Repeats accumulate. */
  own: Map<string, string[]>;
  run: RunOptions;
}

/**
 * `own` maps this command's option names to whether they take a value. Short aliases may be
 * given as `alias` (e.g. -o → --output).
 */
export function parseCommandArgs(cmd: string, argv: string[], own: Record<string, boolean>, alias: Record<string, string> = {}): ParsedArgs {
  const mine = new Map<string, string[]>();
  const pass: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    const eq = a.indexOf('=');
    let flag = eq > 0 ? a.slice(0, eq) : a;
    flag = alias[flag] ?? flag;
    const inline = eq > 0 ? a.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) throw new PagewalkError(`${cmd}: ${flag}: missing value`, 2);
      return argv[++i];
    };
    if (flag in own) {
      const v = own[flag] ? value() : '';
      if (!own[flag] && inline !== undefined) throw new PagewalkError(`${cmd}: ${flag} takes no value`, 2);
      mine.set(flag, [...(mine.get(flag) ?? []), v]);
    } else if (RUN_VALUE_FLAGS.has(flag)) {
      pass.push(flag, value());
    } else {
      throw new PagewalkError(`${cmd}: unknown option '${a}' (try 'pagewalk ${cmd} --help')`, 2);
    }
  }
  if (i >= argv.length) throw new PagewalkError(`${cmd}: missing PROG (try 'pagewalk ${cmd} --help')`, 2);
  pass.push('--', ...argv.slice(i));
  return { own: mine, run: parseRunArgs(pass).options };
}

/** The last value of an option, or undefined. */
export function last(p: ParsedArgs, flag: string): string | undefined {
  const v = p.own.get(flag);
  return v === undefined ? undefined : v[v.length - 1];
}

export function has(p: ParsedArgs, flag: string): boolean {
  return p.own.has(flag);
}

/** A non-negative integer option (thousands separators and 0x allowed). */
export function intOption(cmd: string, flag: string, s: string): number {
  const t = s.replace(/[,_]/g, '');
  const v = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(v)) throw new PagewalkError(`${cmd}: ${flag}: '${s}' is not a non-negative integer`, 2);
  return v;
}
