// runProgram(): boot a Kernel, copy files in, load a T64 program (a .s assembled on the fly, or an
// ELF), run it to completion and report how it ended. `pagewalk run` and the other commands
// (trace, step, maps, stat) and the linux-mm conformance test all go through here.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { PagewalkError } from '../../hw/errors.ts';
import type { TraceSink } from '../../hw/trace.ts';
import { Kernel, type KernelOptions } from '../../kernel/kernel.ts';
import type { Task } from '../../kernel/task.ts';
import { signalName } from '../../kernel/strace.ts';
import { assemble } from '../../userland/asm/index.ts';
import { checkT64Executable, parseElf } from '../../kernel/uapi/elf.ts';
import { collectStats, type RunStats } from './stats.ts';

export interface RunOptions {
  /** Host path of the program: a `.s` file (assembled here) or a T64 ELF executable. */
  program: string;
  /** The program's bytes or source instead of reading `program` from the host. */
  programText?: string | Uint8Array;
  /** argv[1..]; argv[0] is the program's name as given. */
  args?: string[];
  /** RAM in bytes (default 256 MiB). */
  mem?: number;
  aslr?: 0 | 1 | 2;
  seed?: number;
  /** Stop when the clock reaches this many cycles (result.reason 'max-cycles'). */
  maxCycles?: number;
  /** Host files copied into the guest file system (cold: not in the page cache). */
  files?: { host: string; guest: string; data?: Uint8Array }[];
  /** Guest working directory, created if missing (default /root). */
  cwd?: string;
  stdin?: Uint8Array;
  stdout?: (b: Uint8Array) => void;
  stderr?: (b: Uint8Array) => void;
  /** Kernel log lines (OOM killer messages). Default: stderr. */
  log?: (line: string) => void;
  tracer?: TraceSink | null;
  timeSlice?: number;
  machine?: KernelOptions['machine'];
  /** Called after boot and loading, before the first instruction (e.g. to attach probes). */
  onStart?: (k: Kernel) => void;
}

export interface RunResult {
  kernel: Kernel;
  /** How the run ended: every process exited, the cycle budget ran out, or nothing could run. */
  reason: 'exited' | 'max-cycles' | 'deadlock';
  /** The first process's wait status (Linux encoding), or -1 if it did not finish. */
  status: number;
  /** The exit code a shell would report: the exit status, 128 + signal, or -1. */
  exitCode: number;
  /** The signal that killed the first process, or 0. */
  signal: number;
  /** `pid 2 killed by SIGSEGV (SEGV_ACCERR at 0x00007f2a1c001000)`, or null. */
  killMessage: string | null;
  stats: RunStats;
}

const optionsSchema = z.object({
  program: z.string().min(1),
  args: z.array(z.string()).optional(),
  mem: z.number().int().positive().multipleOf(4096).optional(),
  aslr: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  maxCycles: z.number().int().positive().optional(),
  cwd: z.string().startsWith('/').optional(),
  timeSlice: z.number().int().positive().optional(),
}).passthrough();

const SI_CODE_NAMES: Record<number, Record<number, string>> = {
  11: { 1: 'SEGV_MAPERR', 2: 'SEGV_ACCERR', 3: 'SEGV_BNDERR', 4: 'SEGV_PKUERR', 0x80: 'SI_KERNEL', 0: 'SI_USER' },
  7: { 1: 'BUS_ADRALN', 2: 'BUS_ADRERR', 3: 'BUS_OBJERR', 0x80: 'SI_KERNEL', 0: 'SI_USER' },
  4: { 1: 'ILL_ILLOPC', 2: 'ILL_ILLOPN', 3: 'ILL_ILLADR', 0: 'SI_USER' },
  8: { 1: 'FPE_INTDIV', 2: 'FPE_INTOVF', 0: 'SI_USER' },
  5: { 1: 'TRAP_BRKPT', 2: 'TRAP_TRACE', 0x80: 'SI_KERNEL', 0: 'SI_USER' },
};

/** `SEGV_ACCERR at 0x00007f2a1c001000` for a fault signal, `SI_USER` for kill(). */
export function describeKill(sig: number, code: number, addr: bigint): string {
  const name = SI_CODE_NAMES[sig]?.[code] ?? (code === 0 ? 'SI_USER' : code === 0x80 ? 'SI_KERNEL' : `si_code ${code}`);
  const fault = (sig === 11 || sig === 7 || sig === 4 || sig === 8 || sig === 5) && code > 0 && code < 0x80;
  return fault ? `${name} at 0x${addr.toString(16).padStart(16, '0')}` : name;
}

/** Loads the program's bytes: assembles a `.s`, otherwise returns the file (an ELF). */
export function loadProgram(program: string, text?: string | Uint8Array): Uint8Array {
  let data: string | Uint8Array;
  if (text !== undefined) data = text;
  else {
    try {
      data = new Uint8Array(readFileSync(program));
    } catch (e) {
      throw new PagewalkError(`${program}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const isElf = typeof data !== 'string' && data.length >= 4 && data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46;
  if (isElf) {
    // Validate here so that an error names the host file (binfmt_elf would name the guest copy).
    checkT64Executable(parseElf(data as Uint8Array, program, { sections: false }), program);
    return data as Uint8Array;
  }
  if (program.endsWith('.s') || typeof data === 'string') {
    const src = typeof data === 'string' ? data : new TextDecoder().decode(data);
    return assemble(src, program).elf;
  }
  throw new PagewalkError(`${program}: not an ELF executable and not a .s file`);
}

/** A booted machine with the program loaded, not yet run (for commands that step or trace it). */
export interface BootedProgram {
  kernel: Kernel;
  /** The first process (pid 2). */
  init: Task;
  /** Runs until the first process has exited, or the clock reaches `untilCycle` ('max-cycles'). */
  runUntil(untilCycle: number): RunResult['reason'];
  /** How the run ended so far (status -1 while the first process lives). */
  result(reason: RunResult['reason']): RunResult;
}

/** Boots a kernel, copies the files in and loads the program as pid 2, ready to run. */
export function bootProgram(options: RunOptions): BootedProgram {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new PagewalkError(`run options: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const elf = loadProgram(options.program, options.programText);
  const stderr = options.stderr ?? (() => {});
  const enc = new TextEncoder();
  const k = new Kernel({
    memBytes: options.mem, aslr: options.aslr, seed: options.seed, timeSlice: options.timeSlice,
    stdout: options.stdout, stderr, stdin: options.stdin,
    log: options.log ?? ((l) => stderr(enc.encode(`[kernel] ${l}\n`))),
    tracer: options.tracer ?? null, machine: options.machine,
  });
  for (const f of options.files ?? []) {
    let data = f.data;
    if (data === undefined) {
      try {
        data = new Uint8Array(readFileSync(f.host));
      } catch (e) {
        throw new PagewalkError(`--file ${f.host}:${f.guest}: cannot read ${f.host} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    k.mmg.installFile(f.guest, data);
  }
  const name = basename(options.program).replace(/\.s$/, '');
  const exePath = `/usr/bin/${name}`;
  k.mmg.installFile(exePath, elf);
  const cwd = k.vfs.mkdirs(options.cwd ?? '/root');
  const init = k.spawn(exePath, [options.program, ...(options.args ?? [])], cwd);
  // Like a shell, a run ends when the first process has exited (orphans are not waited for).
  const done = () => !init.group.some((x) => x.alive);
  return {
    kernel: k,
    init,
    runUntil(untilCycle: number) {
      const why = k.run(untilCycle, done);
      return why === 'budget' ? 'max-cycles' : why;
    },
    result(reason) {
      let status = -1, exitCode = -1, signal = 0, killMessage: string | null = null;
      if (init.state === 'zombie' || init.state === 'dead') {
        status = init.exitStatus;
        const sig = status & 0x7f;
        if (sig === 0) exitCode = (status >> 8) & 0xff;
        else {
          signal = sig;
          exitCode = 128 + sig;
          const lk = k.lastKill !== null && k.lastKill.pid === init.tgid ? k.lastKill : null;
          killMessage = `pid ${init.tgid} killed by ${signalName(sig)}` + (lk ? ` (${describeKill(sig, lk.code, lk.addr)})` : '');
        }
      }
      return { kernel: k, reason, status, exitCode, signal, killMessage, stats: collectStats(k) };
    },
  };
}

/** Boots, runs to completion (or --max-cycles) and reports how the first process ended. */
export function runProgram(options: RunOptions): RunResult {
  const b = bootProgram(options);
  options.onStart?.(b.kernel);
  const reason = b.runUntil(options.maxCycles ?? Number.MAX_SAFE_INTEGER);
  return b.result(reason);
}
