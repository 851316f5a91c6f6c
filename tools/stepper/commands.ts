// The stepper's command language: one command per line, gdb-like names and short aliases.
// Blank lines and lines starting with '#' are ignored (so a lab's command file can explain
// itself). Addresses are expressions: numbers (decimal or 0x), symbols of the program,
// registers (r0..r15, sp, pc), joined with + and -.

export type StepCommand =
  | { op: 'stepi'; count: number }
  | { op: 'cycle'; count: number }
  | { op: 'advance'; cycle: number }
  | { op: 'next-fault' }
  | { op: 'next-syscall' }
  | { op: 'continue' }
  | { op: 'break'; addr: string }
  | { op: 'delete'; addr: string | null }
  | { op: 'regs' }
  | { op: 'walk' }
  | { op: 'tlb'; which: 'itlb' | 'dtlb' | 'stlb' | 'all' }
  | { op: 'psc' }
  | { op: 'maps'; pid: number | null }
  | { op: 'smaps'; pid: number | null }
  | { op: 'ps' }
  | { op: 'walks'; on: boolean }
  | { op: 'pt'; addr: string }
  | { op: 'x'; addr: string; len: number }
  | { op: 'info' }
  | { op: 'stats' }
  | { op: 'help' }
  | { op: 'quit' };

export interface CommandHelp {
  names: string[];
  args: string;
  text: string;
}

export const COMMAND_HELP: CommandHelp[] = [
  { names: ['stepi', 'si'], args: '[N]', text: 'execute N instructions (default 1), with the kernel work they cause' },
  { names: ['cycle', 'c1'], args: '[N]', text: 'advance N clock cycles (default 1): stops inside an instruction, e.g. mid-walk' },
  { names: ['advance'], args: 'CYCLE', text: 'run until the clock reaches CYCLE' },
  { names: ['next-fault', 'nf'], args: '', text: 'run until the next page fault has been handled; show the kernel decision' },
  { names: ['next-syscall', 'ns'], args: '', text: 'run until the next system call has returned; show it as strace does' },
  { names: ['continue', 'c'], args: '', text: 'run until a breakpoint or the end of the program' },
  { names: ['break', 'b'], args: 'ADDR', text: 'stop before the instruction at ADDR (a label, a number, pc+8 ...)' },
  { names: ['delete', 'd'], args: '[ADDR]', text: 'remove a breakpoint (all without ADDR)' },
  { names: ['walks'], args: 'on|off', text: 'also print every translation and page-walk step of the following steps' },
  { names: ['regs', 'info-registers', 'ir'], args: '', text: 'print r0..r15 and pc' },
  { names: ['walk', 'w'], args: '', text: 'print the translation in progress (phase, level, entry being read)' },
  { names: ['tlb'], args: '[itlb|dtlb|stlb]', text: 'print the TLB sets and ways (valid entries)' },
  { names: ['psc'], args: '', text: 'print the paging-structure caches' },
  { names: ['maps'], args: '[PID]', text: 'print /proc/<pid>/maps of the current process (or of PID)' },
  { names: ['smaps'], args: '[PID]', text: 'print /proc/<pid>/smaps of the current process (or of PID)' },
  { names: ['ps'], args: '', text: 'list the processes: pid, state, name, pc' },
  { names: ['pt', 'path'], args: 'ADDR', text: 'print the page-table path of ADDR (pml4e, pdpte, pde, pte)' },
  { names: ['x', 'mem'], args: 'ADDR [LEN]', text: 'print LEN bytes of memory at ADDR (default 64), translated without side effects' },
  { names: ['info', 'i'], args: '', text: 'where the machine is: cycle, instructions, pid, pc and its instruction' },
  { names: ['stats'], args: '', text: 'the counters so far (as pagewalk stat prints them)' },
  { names: ['help', 'h', '?'], args: '', text: 'this list' },
  { names: ['quit', 'q', 'exit'], args: '', text: 'stop (the program is killed)' },
];

export class CommandError extends Error {}

function count(arg: string | undefined, name: string): number {
  if (arg === undefined) return 1;
  const t = arg.replace(/[,_]/g, '');
  const v = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(v) || v < 1) throw new CommandError(`${name}: '${arg}' is not a positive count`);
  return v;
}

/** Parses one line; null for a blank or comment line. Throws CommandError with a one-line message. */
export function parseCommand(line: string): StepCommand | null {
  const text = line.trim();
  if (text === '' || text.startsWith('#')) return null;
  const [word, ...args] = text.split(/\s+/);
  const w = word.toLowerCase();
  const help = COMMAND_HELP.find((h) => h.names.includes(w));
  if (!help) throw new CommandError(`unknown command '${word}' (try 'help')`);
  const name = help.names[0];
  const max = help.args === '' ? 0 : help.args.split(' ').length;
  if (args.length > max) throw new CommandError(`${name}: too many arguments (usage: ${name} ${help.args})`.trimEnd());
  const need = (what: string): string => {
    if (args[0] === undefined) throw new CommandError(`${name}: missing ${what} (usage: ${name} ${help.args})`);
    return args[0];
  };
  switch (name) {
    case 'stepi': return { op: 'stepi', count: count(args[0], name) };
    case 'cycle': return { op: 'cycle', count: count(args[0], name) };
    case 'advance': return { op: 'advance', cycle: count(need('CYCLE'), name) };
    case 'next-fault': return { op: 'next-fault' };
    case 'next-syscall': return { op: 'next-syscall' };
    case 'continue': return { op: 'continue' };
    case 'break': return { op: 'break', addr: need('ADDR') };
    case 'delete': return { op: 'delete', addr: args[0] ?? null };
    case 'regs': return { op: 'regs' };
    case 'walk': return { op: 'walk' };
    case 'tlb': {
      const which = (args[0] ?? 'all').toLowerCase();
      if (which !== 'itlb' && which !== 'dtlb' && which !== 'stlb' && which !== 'all') throw new CommandError(`tlb: '${args[0]}' is not itlb, dtlb or stlb`);
      return { op: 'tlb', which };
    }
    case 'psc': return { op: 'psc' };
    case 'maps':
    case 'smaps': return { op: name, pid: args[0] === undefined ? null : count(args[0], name) };
    case 'ps': return { op: 'ps' };
    case 'walks': {
      const v = need('on or off').toLowerCase();
      if (v !== 'on' && v !== 'off') throw new CommandError(`walks: '${args[0]}' is not on or off`);
      return { op: 'walks', on: v === 'on' };
    }
    case 'pt': return { op: 'pt', addr: need('ADDR') };
    case 'x': {
      const len = args[1] === undefined ? 64 : count(args[1], name);
      if (len > 4096) throw new CommandError('x: at most 4096 bytes at a time');
      return { op: 'x', addr: need('ADDR'), len };
    }
    case 'info': return { op: 'info' };
    case 'stats': return { op: 'stats' };
    case 'help': return { op: 'help' };
    default: return { op: 'quit' };
  }
}

/**
 * Evaluates an address expression: terms joined by + and -, each a number, a symbol or a
 * register. `lookup` returns a symbol's or register's value, or undefined.
 */
export function evalAddress(expr: string, lookup: (name: string) => bigint | undefined): bigint {
  const terms = expr.replace(/\s+/g, '').match(/[+-]?[^+-]+/g);
  if (!terms || terms.join('') !== expr.replace(/\s+/g, '')) throw new CommandError(`'${expr}' is not an address`);
  let v = 0n;
  for (const t of terms) {
    const neg = t.startsWith('-');
    const body = t.replace(/^[+-]/, '');
    let x: bigint | undefined;
    if (/^0x[0-9a-f]+$/i.test(body)) x = BigInt(body);
    else if (/^\d+$/.test(body)) x = BigInt(body);
    else x = lookup(body);
    if (x === undefined) throw new CommandError(`unknown symbol '${body}' in '${expr}'`);
    v = neg ? v - x : v + x;
  }
  return BigInt.asUintN(64, v);
}

export function helpText(): string[] {
  const rows = COMMAND_HELP.map((h) => [`${h.names.join(', ')} ${h.args}`.trimEnd(), h.text]);
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`);
}
