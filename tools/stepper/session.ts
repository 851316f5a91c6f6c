// Executes stepper commands against a StepTarget and writes what a student should see.
import type { TraceEvent } from '../../hw/trace.ts';
import { hexLa, num, paint, PLAIN, table, type Style } from '../format.ts';
import { formatStats } from '../runner/stats.ts';
import { formatEventText } from '../trace/text.ts';
import { CommandError, evalAddress, helpText, parseCommand, type StepCommand } from './commands.ts';
import {
  formatMemory, formatPageTablePath, formatPsc, formatRegs, formatTlbLevel, formatWalk, insnAt, pcOf, reg64,
} from './inspect.ts';
import type { StepOutcome, StepTarget } from './target.ts';

/** Kernel events a stepper shows as they happen. */
const SHOWN: ReadonlySet<TraceEvent['kind']> = new Set(['syscall', 'page-fault', 'signal', 'process', 'context-switch', 'tlb-invalidate']);
/** ... and with `walks on`, the MMU's translations and walk steps. */
const SHOWN_WALKS: ReadonlySet<TraceEvent['kind']> = new Set([...SHOWN, 'translate', 'walk-step']);

export interface SessionOptions {
  out: (s: string) => void;
  style?: Style;
  /** Echo each command after a prompt (for transcripts of scripted sessions). */
  echo?: boolean;
}

export class StepSession {
  readonly breakpoints = new Set<bigint>();
  errors = 0;
  quit = false;
  private readonly style: Style;

  constructor(readonly t: StepTarget, private readonly o: SessionOptions) {
    this.style = o.style ?? PLAIN;
  }

  private say(...lines: string[]): void {
    for (const l of lines) this.o.out(l + '\n');
  }

  /** Runs one line of input; errors are reported as one line (prefixed by `where`, e.g. "cmds.txt:3") and counted. */
  line(text: string, where?: string): void {
    if (this.o.echo && text.trim() !== '' && !text.trim().startsWith('#')) this.say(`(pagewalk) ${text.trim()}`);
    try {
      const cmd = parseCommand(text);
      if (cmd) this.execute(cmd);
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      this.errors++;
      this.say(paint(this.style, 'red', `error: ${where ? `${where}: ` : ''}${e.message}`));
    }
  }

  private addr(expr: string): bigint {
    const cpu = this.t.regs();
    return evalAddress(expr, (name) => {
      const r = /^r(\d|1[0-5])$/.exec(name);
      if (r) return reg64(cpu, Number(r[1]));
      if (name === 'sp') return reg64(cpu, 15);
      if (name === 'pc') return pcOf(cpu);
      return this.t.symbol(name);
    });
  }

  private walks = false;

  private showEvents(o: StepOutcome, kinds: ReadonlySet<TraceEvent['kind']> = this.walks ? SHOWN_WALKS : SHOWN): void {
    for (const e of o.events) if (kinds.has(e.kind)) this.say(formatEventText(e, this.style));
    if (o.note) this.say(`(${o.note})`);
  }

  /** "=> pid 2 cycle 1,234 insn 56  0x0000000000400010 <touch+0x8>  ld64 r1, [r1]" */
  where(): void {
    if (!this.t.finished() && this.t.cycle >= this.t.limit) this.say(`=> stopped at the --max-cycles limit (${num(this.t.limit)} cycles)`);
    if (this.t.finished()) {
      this.say(`=> every process has exited (cycle ${num(this.t.cycle)}, ${num(this.t.instructions)} instructions)`);
      return;
    }
    const pc = pcOf(this.t.regs());
    const lab = this.t.label(pc);
    const insn = insnAt(this.t.phys, this.t.root(), pc, (a) => this.t.label(a), (a, n) => this.t.image(a, n));
    const mid = this.t.cpu.atBoundary ? '' : ' (in flight)';
    this.say(
      `=> pid ${this.t.currentPid()} cycle ${num(this.t.cycle)} insn ${num(this.t.instructions)}  ${hexLa(pc)}${lab ? ` <${lab}>` : ''}  ${insn}${mid}`,
    );
  }

  private atBreakpoint(): boolean {
    return this.t.cpu.atBoundary && this.breakpoints.has(pcOf(this.t.regs()));
  }

  /**
   * Steps instructions until `stop` says so (checked after each), a breakpoint or the end.
   * As in gdb, page faults are invisible to breakpoints: an instruction restarted after a
   * fault the kernel resolved does not stop again at the breakpoint on it.
   */
  private runUntil(stop: (o: StepOutcome) => boolean, show: ReadonlySet<TraceEvent['kind']>): void {
    let insns = this.t.instructions;
    for (;;) {
      if (this.t.finished() || this.t.cycle >= this.t.limit) break;
      const o = this.t.stepInstruction();
      this.showEvents(o, show);
      if (stop(o)) break;
      if (this.t.instructions !== insns && this.atBreakpoint()) {
        this.say(`breakpoint at ${hexLa(pcOf(this.t.regs()))}`);
        break;
      }
      insns = this.t.instructions;
    }
    this.where();
  }

  execute(c: StepCommand): void {
    const t = this.t;
    switch (c.op) {
      case 'stepi':
        for (let i = 0; i < c.count && !t.finished() && t.cycle < t.limit; i++) {
          this.showEvents(t.stepInstruction());
          if (i < c.count - 1 && this.atBreakpoint()) {
            this.say(`breakpoint at ${hexLa(pcOf(t.regs()))}`);
            break;
          }
        }
        this.where();
        return;
      case 'cycle':
        for (let i = 0; i < c.count && !t.finished() && t.cycle < t.limit; i++) this.showEvents(t.stepCycle());
        this.where();
        if (!t.finished()) this.say(...formatWalk(t.mmu, t.cpu));
        return;
      case 'advance':
        this.showEvents(t.runTo(c.cycle), new Set(['signal', 'process']));
        this.where();
        return;
      case 'next-fault':
        return this.runUntil((o) => o.events.some((e) => e.kind === 'page-fault'), new Set(['page-fault', 'signal', 'process']));
      case 'next-syscall':
        return this.runUntil((o) => o.events.some((e) => e.kind === 'syscall'), new Set(['syscall', 'signal', 'process']));
      case 'continue':
        if (this.breakpoints.size === 0) {
          this.showEvents(t.runTo(Number.MAX_SAFE_INTEGER), new Set(['signal', 'process']));
          this.where();
          return;
        }
        return this.runUntil(() => false, new Set(['signal', 'process']));
      case 'break': {
        const a = this.addr(c.addr);
        this.breakpoints.add(a);
        const lab = t.label(a);
        this.say(`breakpoint ${this.breakpoints.size} at ${hexLa(a)}${lab ? ` <${lab}>` : ''}`);
        return;
      }
      case 'delete':
        if (c.addr === null) this.breakpoints.clear();
        else if (!this.breakpoints.delete(this.addr(c.addr))) throw new CommandError(`delete: no breakpoint at ${c.addr}`);
        return;
      case 'regs':
        this.say(...formatRegs(t.regs()));
        return;
      case 'walk':
        this.say(...formatWalk(t.mmu, t.cpu));
        return;
      case 'tlb': {
        const levels = c.which === 'all' ? [t.mmu.l1i, t.mmu.l1d, t.mmu.l2] : [{ itlb: t.mmu.l1i, dtlb: t.mmu.l1d, stlb: t.mmu.l2 }[c.which]];
        for (const l of levels) this.say(...formatTlbLevel(l));
        return;
      }
      case 'psc':
        this.say(...formatPsc(t.mmu));
        return;
      case 'maps':
      case 'smaps': {
        const text = t.procFile(c.op, c.pid ?? undefined);
        this.o.out(text === '' ? `(no address space: ${c.pid === null ? 'the process has' : `pid ${c.pid} has`} exited)\n` : text);
        return;
      }
      case 'walks':
        this.walks = c.on;
        t.traceWalks(c.on);
        this.say(c.on ? 'translations and page walks will be shown' : 'translations and page walks will not be shown');
        return;
      case 'ps':
        this.say(...table([['PID', 'STATE', 'NAME', 'PC'], ...t.processes().map((p) => [String(p.pid), p.state, p.comm, hexLa(p.pc)])]));
        return;
      case 'pt':
        this.say(...formatPageTablePath(t.phys, t.root(), this.addr(c.addr)));
        return;
      case 'x':
        this.say(...formatMemory(t.phys, t.root(), this.addr(c.addr), c.len));
        return;
      case 'info':
        this.where();
        if (!t.finished()) this.say(...formatWalk(t.mmu, t.cpu));
        return;
      case 'stats':
        this.o.out(formatStats(t.stats(), 'pagewalk step'));
        return;
      case 'help':
        this.say('commands:', ...helpText());
        return;
      case 'quit':
        this.quit = true;
        return;
    }
  }
}
