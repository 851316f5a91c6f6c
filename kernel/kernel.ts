// The Kernel: boots a Machine, runs tasks on the core, services system calls and exceptions.
// arch/x86/entry (the syscall and exception entry), kernel/sched (round-robin here), kernel/signal.c,
// kernel/exit.c, kernel/fork.c. The memory-management half lives in kernel/mm.
import { Machine, type MachineOptions } from '../hw/machine.ts';
import { EXIT_BUDGET, EXIT_EXCEPTION, EXIT_SYSCALL, VEC_AC, VEC_BP, VEC_DE, VEC_GP, VEC_PF, VEC_UD } from '../hw/cpu/cpu.ts';
import {
  CR0_PG, CR0_WP, CR4_PAE, CR4_PCIDE, CR4_PGE, CR4_SMAP, CR4_SMEP, EFER_LMA, EFER_LME, EFER_NXE,
} from '../hw/mmu/regs.ts';
import type { TraceSink } from '../hw/trace.ts';
import { PagewalkError } from '../hw/errors.ts';
import { SIG, SI_CODES } from './uapi/constants.ts';
import { FdTable, OpenFile } from './fs/file.ts';
import { Vfs, FMODE_READ, FMODE_WRITE, type Inode } from './fs/vfs.ts';
import { SigHand, Task } from './task.ts';
import { SysArgs } from './syscalls/args.ts';
import { SYSCALL_TABLE, type SyscallResult } from './syscalls/table.ts';
import { renderSyscall, signalName, SYSCALL_NAMES, type StraceData } from './strace.ts';
import { accessOk, copyFromUser, copyToUser, strncpyFromUser, TASK_SIZE_MAX, type UaccessEnv } from './uaccess.ts';
import { defaultAction, exitStatus, signaledStatus } from './signal-defs.ts';
import { buildSigframe, sigframeAddress } from './signal-frame.ts';
import { MmGlue } from './mm-glue.ts';
import { COST_CONTEXT_SWITCH, COST_EXCEPTION } from './cost.ts';

export interface KernelOptions {
  /** RAM in bytes (default 256 MiB). */
  memBytes: number;
  /** /proc/sys/kernel/randomize_va_space (default 2). */
  aslr: 0 | 1 | 2;
  /** Seed of every random choice (ASLR). */
  seed: number;
  /** Round-robin time slice in cycles (default 1,000,000: ~0.3 ms at 3 GHz). */
  timeSlice: number;
  stdout: (b: Uint8Array) => void;
  stderr: (b: Uint8Array) => void;
  stdin: Uint8Array;
  /** Kernel log (dmesg): OOM-killer messages. */
  log: (line: string) => void;
  tracer: TraceSink | null;
  machine: Partial<MachineOptions>;
}

const PAGE = 4096;
const SIGBIT = (sig: number) => 1n << BigInt(sig - 1);
const UNBLOCKABLE = SIGBIT(SIG.SIGKILL) | SIGBIT(SIG.SIGSTOP);

export class Kernel implements UaccessEnv {
  readonly machine: Machine;
  readonly options: KernelOptions;
  readonly vfs = new Vfs();
  readonly mmg: MmGlue;
  readonly tasks = new Map<number, Task>();
  /** Round-robin run queue (runnable tasks, current first). */
  readonly runQueue: Task[] = [];
  current: Task | null = null;
  /** The task whose registers are in the core and whose mm is in CR3. */
  private loaded: Task | null = null;
  private loadedMm: unknown = null;
  /** pid 1 is the (notional) init that adopts orphans; the first program is pid 2, as under a shell. */
  private nextPid = 2;
  readonly args = new SysArgs();
  tracer: TraceSink | null;
  /** Data the current system call recorded for its strace rendering (only when tracing). */
  straceData: StraceData | null = null;
  /** Statistics for `--stats` (pageFaults: every #PF taken, from user mode or in uaccess, like perf's page-faults). */
  readonly stats = { contextSwitches: 0, syscalls: 0, pageFaults: 0, signals: 0 };
  readonly kernelLog: string[] = [];
  /** The first process (what `pagewalk run` started); its exit ends the run. */
  init: Task | null = null;

  constructor(options: Partial<KernelOptions> = {}) {
    this.options = {
      memBytes: options.memBytes ?? 256 * 1024 * 1024,
      aslr: options.aslr ?? 2,
      seed: options.seed ?? 1,
      timeSlice: options.timeSlice ?? 1_000_000,
      stdout: options.stdout ?? (() => {}),
      stderr: options.stderr ?? (() => {}),
      stdin: options.stdin ?? new Uint8Array(0),
      log: options.log ?? (() => {}),
      tracer: options.tracer ?? null,
      machine: options.machine ?? {},
    };
    if (this.options.memBytes % PAGE !== 0 || this.options.memBytes < 16 * PAGE)
      throw new PagewalkError(`--mem: ${this.options.memBytes} is not a multiple of 4 KiB of at least 64 KiB`);
    this.machine = new Machine({ ...this.options.machine, memoryBytes: this.options.memBytes });
    this.tracer = this.options.tracer;
    // Long mode with paging: CR0.PG|WP, CR4.PAE|PGE|PCIDE|SMEP|SMAP, EFER.LME|LMA|NXE (arch/x86/kernel/head_64.S, cpu/common.c).
    const mmu = this.machine.mmu;
    mmu.regs.efer = EFER_LME | EFER_LMA | EFER_NXE;
    mmu.movToCr4(CR4_PAE | CR4_PGE);
    this.mmg = new MmGlue(this);
    mmu.movToCr0((CR0_PG | CR0_WP | 1) >>> 0);
    mmu.movToCr4(CR4_PAE | CR4_PGE | CR4_PCIDE | CR4_SMEP | CR4_SMAP);
    mmu.regs.cpl = 0;
    mmu.tracer = this.tracer;
  }

  get mmu() {
    return this.machine.mmu;
  }
  get phys() {
    return this.machine.phys;
  }
  get cpu() {
    return this.machine.cpu;
  }
  get clock() {
    return this.machine.clock;
  }

  // ---- uaccess environment --------------------------------------------------------------

  /** Resolves a #PF taken by a kernel access to user memory of the current task. */
  fixup(la: number, errorCode: number): boolean {
    const t = this.current;
    if (t === null || t.mm === null) return false;
    this.stats.pageFaults++;
    return this.mmg.fault(t, la, errorCode, false) === null;
  }

  // ---- processes ---------------------------------------------------------------------------

  allocPid(): number {
    return this.nextPid++;
  }

  /** Creates the first process from an executable in the VFS and makes it runnable. */
  spawn(path: string, argv: string[], cwd: Inode): Task {
    const files = new FdTable();
    files.install(new OpenFile({ type: 'stdin' }, 0, FMODE_READ));
    files.install(new OpenFile({ type: 'stdout', fd: 1 }, 1, FMODE_WRITE));
    files.install(new OpenFile({ type: 'stdout', fd: 2 }, 1, FMODE_WRITE));
    const pid = this.allocPid();
    const t = new Task(pid, pid, null, null, files, new SigHand(), cwd, '');
    this.tasks.set(pid, t);
    // exec runs in the new task's context (its uaccess faults are its own).
    const prev = this.current;
    this.current = t;
    const r = this.mmg.exec(t, path, argv);
    this.current = prev;
    if (typeof r === 'string') throw new PagewalkError(r);
    this.runQueue.push(t);
    if (this.init === null) this.init = t;
    this.traceProcess(t, 'exec', `${path} ${JSON.stringify(argv)}`);
    return t;
  }

  traceProcess(t: Task, what: 'fork' | 'exec' | 'exit' | 'killed', detail: string): void {
    this.tracer?.event({ kind: 'process', cycle: this.clock.now, pid: t.tgid, what, detail });
  }

  // ---- the run loop ------------------------------------------------------------------------

  /**
   * Runs until every task has exited or `stop()` says so ('exited'), the clock reaches
   * `untilCycle` ('budget'), or no task can run ('deadlock').
   */
  run(untilCycle = Number.MAX_SAFE_INTEGER, stop: (() => boolean) | null = null): 'exited' | 'budget' | 'deadlock' {
    const cpu = this.cpu;
    for (;;) {
      if (stop !== null && stop()) return 'exited';
      const t = this.pickNext();
      if (t === null) return this.runQueue.length === 0 && this.blockedCount() === 0 ? 'exited' : 'deadlock';
      if (this.clock.now >= untilCycle) return 'budget';
      this.switchTo(t);
      if (t.restartSyscall) {
        t.restartSyscall = false;
        this.doSyscall(t);
        if (!this.isCurrentRunnable(t)) continue;
      }
      this.deliverSignals(t);
      if (!this.isCurrentRunnable(t)) continue;
      // Return to user mode.
      this.loadRegs(t);
      this.mmu.regs.cpl = 3;
      const until = Math.min(t.sliceEnd, untilCycle);
      const start = this.clock.now;
      const why = cpu.run(until);
      t.utime += this.clock.now - start;
      this.mmu.regs.cpl = 0;
      this.saveRegs(t);
      const kstart = this.clock.now;
      if (why === EXIT_SYSCALL) this.doSyscall(t);
      else if (why === EXIT_EXCEPTION) this.doException(t);
      else if (why === EXIT_BUDGET && this.clock.now >= t.sliceEnd && this.current === t) this.preempt(t);
      t.stime += this.clock.now - kstart;
    }
  }

  private isCurrentRunnable(t: Task): boolean {
    return t.state === 'runnable' && this.current === t;
  }

  private blockedCount(): number {
    let n = 0;
    for (const t of this.tasks.values()) if (t.state === 'blocked') n++;
    return n;
  }

  private pickNext(): Task | null {
    while (this.runQueue.length > 0 && this.runQueue[0].state !== 'runnable') this.runQueue.shift();
    return this.runQueue.length > 0 ? this.runQueue[0] : null;
  }

  /** The time slice is used up: move the task to the back of the run queue. */
  private preempt(t: Task): void {
    if (this.runQueue[0] === t) this.runQueue.shift();
    // Alone on the run queue the tick does not switch (no involuntary context switch is counted).
    if (this.runQueue.some((x) => x.state === 'runnable')) t.nivcsw++;
    if (t.state === 'runnable') this.runQueue.push(t);
    this.current = null;
  }

  /** sched_yield() and blocking: give up the CPU. */
  yield(t: Task, voluntary = true): void {
    const i = this.runQueue.indexOf(t);
    if (i >= 0) this.runQueue.splice(i, 1);
    if (t.state === 'runnable') this.runQueue.push(t);
    if (voluntary) t.nvcsw++;
    if (this.current === t) this.current = null;
  }

  wake(t: Task): void {
    if (t.state !== 'blocked') return;
    t.state = 'runnable';
    this.runQueue.push(t);
  }

  /** context_switch(): switch_mm_irqs_off() loads CR3 with the mm's PCID (no flush unless the mm asks). */
  private switchTo(t: Task): void {
    if (this.current === t) return;
    const prev = this.loaded;
    this.current = t;
    t.sliceEnd = this.clock.now + this.options.timeSlice;
    if (prev !== t) {
      this.stats.contextSwitches += prev === null ? 0 : 1;
      if (prev !== null) this.mmg.kmm.charge(COST_CONTEXT_SWITCH);
      this.tracer?.event({
        kind: 'context-switch', cycle: this.clock.now, cpu: 0, fromPid: prev?.pid ?? 0, toPid: t.pid,
        detail: prev !== null && prev.mm === t.mm ? 'same mm: CR3 kept' : 'CR3 switch',
      });
    }
    this.loaded = t;
    if (t.mm !== null && t.mm !== this.loadedMm) {
      this.loadCr3(t.mm);
    }
  }

  /** Loads CR3 for `mm`: its PGD and PCID, without a flush unless its entries went stale (switch_mm). */
  loadCr3(mm: unknown): void {
    this.mmg.switchMm(mm);
    this.loadedMm = mm;
  }

  /** The mm whose page tables are in CR3. */
  get cr3Mm(): unknown {
    return this.loadedMm;
  }

  private loadRegs(t: Task): void {
    const cpu = this.cpu;
    cpu.regLo.set(t.regLo);
    cpu.regHi.set(t.regHi);
    cpu.pcLo = t.pcLo;
    cpu.pcHi = t.pcHi;
  }

  private saveRegs(t: Task): void {
    const cpu = this.cpu;
    t.regLo.set(cpu.regLo);
    t.regHi.set(cpu.regHi);
    t.pcLo = cpu.pcLo;
    t.pcHi = cpu.pcHi;
  }

  // ---- system calls ------------------------------------------------------------------------

  private doSyscall(t: Task): void {
    const nrLo = t.regLo[0], nrHi = t.regHi[0];
    const a = this.args;
    a.load(t.regLo, t.regHi);
    this.stats.syscalls++;
    this.mmg.chargeSyscall();
    const handler = nrHi === 0 ? SYSCALL_TABLE[nrLo] : undefined;
    const tracing = this.tracer !== null;
    if (tracing) this.straceData = { arg: {} };
    const r: SyscallResult = handler === undefined ? -38 /* ENOSYS */ : handler(this, t, a);
    if (r === 'block') {
      // The call sleeps (wait4): re-run it when woken.
      t.restartSyscall = true;
      t.state = 'blocked';
      this.yield(t);
      return;
    }
    if (r === 'noreturn') {
      if (tracing) this.traceSyscall(t, nrLo, null);
      return;
    }
    if (r === 'keep') {
      if (tracing) this.traceSyscall(t, nrLo, BigInt(t.regLo[0]) | (BigInt(t.regHi[0]) << 32n));
      return;
    }
    let lo: number, hi: number;
    if (typeof r === 'bigint') {
      const v = BigInt.asUintN(64, r);
      lo = Number(v & 0xffffffffn);
      hi = Number(v >> 32n);
    } else {
      lo = r >>> 0;
      hi = r < 0 ? (Math.floor(r / 0x100000000) >>> 0) : Math.floor(r / 0x100000000);
    }
    t.regLo[0] = lo;
    t.regHi[0] = hi;
    if (tracing) this.traceSyscall(t, nrLo, (BigInt(hi) << 32n) | BigInt(lo));
  }

  private traceSyscall(t: Task, nr: number, ret: bigint | null): void {
    const text = renderSyscall(nr, this.args.all(), ret, this.straceData ?? {});
    this.tracer!.event({
      kind: 'syscall', cycle: this.clock.now, pid: t.pid, nr, name: SYSCALL_NAMES[nr] ?? `syscall_${nr}`, text,
      ret: ret === null ? 0n : BigInt.asIntN(64, ret),
    });
    this.straceData = null;
  }

  // ---- exceptions --------------------------------------------------------------------------

  private doException(t: Task): void {
    const e = this.cpu.exc;
    this.mmg.kmm.charge(COST_EXCEPTION);
    const pc = (BigInt(e.pcHi) << 32n) | BigInt(e.pcLo);
    switch (e.vector) {
      case VEC_PF: {
        this.stats.pageFaults++;
        const cr2 = (BigInt(e.cr2Hi) << 32n) | BigInt(e.cr2Lo);
        // fault_in_kernel_space(): at or above TASK_SIZE_MAX a user-mode fault is bad_area_nosemaphore(),
        // SEGV_MAPERR, without asking the mm.
        if (e.cr2Hi >= 0x8000 || e.cr2Hi * 0x100000000 + e.cr2Lo >= TASK_SIZE_MAX) {
          this.mmg.traceKernelSpaceFault(t, cr2, e.errorCode);
          return this.forceSig(t, SIG.SIGSEGV, SI_CODES.SEGV_MAPERR, cr2);
        }
        const sig = this.mmg.fault(t, e.cr2Hi * 0x100000000 + e.cr2Lo, e.errorCode, true);
        if (sig !== null) this.forceSig(t, sig.sig, sig.code, cr2);
        return;
      }
      case VEC_DE: return this.forceSig(t, SIG.SIGFPE, SI_CODES.FPE_INTDIV, pc);
      case VEC_BP: return this.forceSig(t, SIG.SIGTRAP, SI_CODES.TRAP_BRKPT, pc);
      case VEC_UD: return this.forceSig(t, SIG.SIGILL, SI_CODES.ILL_ILLOPC, pc);
      // do_general_protection(): SIGSEGV, SI_KERNEL, address 0.
      case VEC_GP: return this.forceSig(t, SIG.SIGSEGV, SI_CODES.SI_KERNEL, 0n);
      case VEC_AC: return this.forceSig(t, SIG.SIGBUS, SI_CODES.BUS_ADRALN, (BigInt(e.cr2Hi) << 32n) | BigInt(e.cr2Lo));
      default: return this.forceSig(t, SIG.SIGSEGV, SI_CODES.SI_KERNEL, 0n);
    }
  }

  // ---- signals -----------------------------------------------------------------------------

  /**
   * force_sig_fault(): a synchronous signal. If the task blocks or ignores it, the handler is
   * reset to SIG_DFL and the signal unblocked (kernel/signal.c: force_sig_info_to_task).
   */
  forceSig(t: Task, sig: number, code: number, addr: bigint): void {
    const act = t.sighand.action[sig];
    const bit = SIGBIT(sig);
    if (act.handler === 1n || (t.blocked & bit) !== 0n) {
      act.handler = 0n;
      t.blocked &= ~bit;
    }
    t.pending.unshift({ sig, code, addr, forced: true });
    this.tracer?.event({ kind: 'signal', cycle: this.clock.now, pid: t.pid, sig, code, addr, detail: `${signalName(sig)} forced` });
  }

  /** send_signal(): queue a signal to a process (any thread that does not block it takes it). */
  sendSignal(target: Task, sig: number, code: number, fromPid: number): void {
    if (!target.alive) return;
    const act = target.sighand.action[sig];
    // Ignored signals are dropped at generation (sig_ignored()), except SIGKILL.
    if (sig !== SIG.SIGKILL && (act.handler === 1n || (act.handler === 0n && defaultAction(sig) === 'ignore'))) return;
    const threads = target.group.filter((x) => x.alive);
    const taker = threads.find((x) => (x.blocked & SIGBIT(sig)) === 0n) ?? threads[0];
    if (taker === undefined) return;
    if (!taker.pending.some((p) => p.sig === sig)) taker.pending.push({ sig, code, addr: 0n, forced: false, pid: fromPid });
    this.tracer?.event({ kind: 'signal', cycle: this.clock.now, pid: taker.pid, sig, code, addr: 0n, detail: `${signalName(sig)} from pid ${fromPid}` });
    if (sig === SIG.SIGKILL) {
      for (const th of threads) {
        if (th.state === 'blocked') {
          th.restartSyscall = false;
          this.wake(th);
        }
      }
      return;
    }
    if (taker.state === 'blocked') {
      // A sleeping wait4 is interrupted only by a signal with a handler (then EINTR, not restarted).
      if (act.handler > 1n || defaultAction(sig) !== 'ignore') {
        taker.restartSyscall = false;
        taker.regLo[0] = (-4) >>> 0; // -EINTR
        taker.regHi[0] = 0xffffffff;
        this.wake(taker);
      }
    }
  }

  /** get_signal() + handle_signal() on the way back to user mode. */
  private deliverSignals(t: Task): void {
    while (t.pending.length > 0 && t.state === 'runnable') {
      const idx = t.pending.findIndex((p) => p.forced || p.sig === SIG.SIGKILL || (t.blocked & SIGBIT(p.sig)) === 0n);
      if (idx < 0) return;
      const p = t.pending.splice(idx, 1)[0];
      this.stats.signals++;
      const act = t.sighand.action[p.sig];
      if (p.sig === SIG.SIGKILL || act.handler === 0n) {
        const d = defaultAction(p.sig);
        if (d === 'ignore' || d === 'cont' || d === 'stop') continue;
        this.killProcess(t, p.sig, d === 'core', p.code, p.addr);
        return;
      }
      if (act.handler === 1n) continue;
      if (!this.setupFrame(t, p.sig, p.code, p.addr, act)) {
        // Could not write the frame: force_sigsegv().
        t.sighand.action[SIG.SIGSEGV].handler = 0n;
        this.killProcess(t, SIG.SIGSEGV, true, SI_CODES.SI_KERNEL, 0n);
        return;
      }
      if (act.flags & BigInt(0x80000000)) act.handler = 0n; // SA_RESETHAND
      return;
    }
  }

  /** x64_setup_rt_frame(): pushes the frame and redirects the task to the handler. */
  private setupFrame(t: Task, sig: number, code: number, addr: bigint, act: { handler: bigint; flags: bigint; restorer: bigint; mask: bigint }): boolean {
    // x64_setup_rt_frame(): without SA_RESTORER there is no return path: -EFAULT → force_sigsegv.
    if ((act.flags & 0x04000000n) === 0n) return false;
    const sp = t.regHi[15] * 0x100000000 + t.regLo[15];
    const frame = sigframeAddress(sp);
    if (frame < 0) return false;
    const bytes = buildSigframe(t, act.restorer, t.blocked, sig, code, addr);
    if (copyToUser(this, frame, bytes) !== bytes.length) return false;
    const set = (r: number, v: number) => {
      t.regLo[r] = v >>> 0;
      t.regHi[r] = Math.floor(v / 0x100000000) >>> 0;
    };
    set(1, sig);
    set(2, frame + 152);
    set(3, frame + 8);
    set(15, frame);
    const h = BigInt.asUintN(64, act.handler);
    t.pcLo = Number(h & 0xffffffffn);
    t.pcHi = Number(h >> 32n);
    let blocked = t.blocked | act.mask;
    if ((act.flags & BigInt(0x40000000)) === 0n) blocked |= SIGBIT(sig); // !SA_NODEFER
    t.blocked = blocked & ~UNBLOCKABLE;
    this.tracer?.event({ kind: 'signal', cycle: this.clock.now, pid: t.pid, sig, code, addr, detail: `handler 0x${h.toString(16)} frame 0x${frame.toString(16)}` });
    return true;
  }

  // ---- exit --------------------------------------------------------------------------------

  /** Death by a signal: the whole thread group exits with the signal's wait status. */
  killProcess(t: Task, sig: number, core: boolean, code: number, addr: bigint): void {
    const status = signaledStatus(sig, core);
    this.tracer?.event({ kind: 'process', cycle: this.clock.now, pid: t.tgid, what: 'killed', detail: `${signalName(sig)} code ${code} addr 0x${addr.toString(16)}` });
    this.lastKill = { pid: t.tgid, sig, code, addr };
    this.doGroupExit(t, status);
  }

  /** The signal that killed the last process killed by one (for `pagewalk run`'s message). */
  lastKill: { pid: number; sig: number; code: number; addr: bigint } | null = null;

  /** do_group_exit(): every thread of t's group exits; the group's wait status is `status`. */
  doGroupExit(t: Task, status: number): void {
    for (const th of [...t.group]) if (th !== t && th.alive) this.doExit(th, status);
    this.doExit(t, status);
  }

  /** exit_group(code) as a syscall. */
  exitGroup(t: Task, code: number): void {
    this.doGroupExit(t, exitStatus(code));
  }

  /** do_exit(): release the task's resources; the leader becomes a zombie once the group is gone. */
  doExit(t: Task, status: number): void {
    if (!t.alive) return;
    // mm_release(): CLONE_CHILD_CLEARTID zeroes the thread id word (what a joining thread watches),
    // from the exiting thread's own context.
    if (t.clearChildTid !== 0 && t.mm !== null && this.current === t && this.cr3Mm === t.mm) {
      this.copyToUser(t.clearChildTid, new Uint8Array(4));
    }
    t.state = 'dead';
    t.pending = [];
    t.restartSyscall = false;
    const i = this.runQueue.indexOf(t);
    if (i >= 0) this.runQueue.splice(i, 1);
    if (this.current === t) this.current = null;
    // exit_mm(): the last user of the mm tears it down.
    if (t.mm !== null) {
      const mm = t.mm;
      t.maxrssKb = Math.max(t.maxrssKb, this.mmg.hiwaterRssKb(mm));
      for (const other of t.group) if (other !== t && other.mm === mm) other.maxrssKb = Math.max(other.maxrssKb, t.maxrssKb);
      t.mm = null;
      if (!this.mmInUse(mm)) {
        if (this.loadedMm === mm) this.loadedMm = null;
        this.mmg.exitMmap(mm);
      }
    }
    // exit_files()
    t.files.refs--;
    if (t.files.refs === 0) for (let fd = 0; fd < t.files.fds.length; fd++) if (t.files.fds[fd]) t.files.close(fd);
    t.sighand.refs--;
    const group = t.group;
    const leader = group.find((x) => x.isLeader) ?? t;
    if (group.some((x) => x.alive)) {
      // A non-last thread: gone (its fault counts go to the group).
      if (t !== leader) {
        leader.minFlt += t.minFlt;
        leader.majFlt += t.majFlt;
        this.tasks.delete(t.pid);
      }
      return;
    }
    // The last thread: the process is a zombie (or released at once when nobody will wait).
    for (const th of group) if (th !== leader) {
      leader.minFlt += th.minFlt;
      leader.majFlt += th.majFlt;
      leader.maxrssKb = Math.max(leader.maxrssKb, th.maxrssKb);
      if (th.state !== 'zombie') this.tasks.delete(th.pid);
    }
    leader.exitStatus = status;
    leader.state = 'zombie';
    this.traceProcess(leader, 'exit', `status 0x${status.toString(16)}`);
    // forget_original_parent(): children are reparented to init (here: released when they exit).
    for (const c of leader.children) c.parent = null;
    for (const c of [...leader.children]) if (c.state === 'zombie') this.release(c);
    leader.children = [];
    const parent = leader.parent;
    if (parent === null || !parent.alive) {
      this.release(leader);
      return;
    }
    // exit_notify(): SIGCHLD to the parent; wake a sleeping wait4.
    const chld = parent.sighand.action[SIG.SIGCHLD];
    if (leader.exitSignal === SIG.SIGCHLD && (chld.handler === 1n || (chld.flags & 2n) !== 0n)) {
      // SIG_IGN or SA_NOCLDWAIT: the child is reaped at once.
      this.release(leader);
      for (const th of parent.group) this.wakeWaiter(th);
      return;
    }
    if (leader.exitSignal > 0) this.sendSignal(parent, leader.exitSignal, 1 /* CLD_EXITED */, leader.pid);
    for (const th of parent.group) this.wakeWaiter(th);
  }

  private wakeWaiter(t: Task): void {
    if (t.state === 'blocked' && t.restartSyscall) this.wake(t);
  }

  /** release_task(): the zombie's pid is freed. */
  release(t: Task): void {
    t.state = 'dead';
    this.tasks.delete(t.pid);
    for (const th of t.group) this.tasks.delete(th.pid);
    if (t.parent) {
      const i = t.parent.children.indexOf(t);
      if (i >= 0) t.parent.children.splice(i, 1);
    }
  }

  private mmInUse(mm: unknown): boolean {
    for (const x of this.tasks.values()) if (x.mm === mm && x.alive) return true;
    return false;
  }

  /** OOM killer (mm/oom_kill.c: out_of_memory → oom_kill_process): kills the process with the largest RSS. */
  oomKill(): boolean {
    let victim: Task | null = null;
    let best = -1;
    for (const t of this.tasks.values()) {
      if (!t.alive || !t.isLeader || t.mm === null) continue;
      const rss = this.mmg.rssPages(t.mm);
      if (rss > best) {
        best = rss;
        victim = t;
      }
    }
    if (victim === null) return false;
    const c = this.mmg.oomCounters(victim.mm);
    const line = `Out of memory: Killed process ${victim.tgid} (${victim.comm}) total-vm:${c.totalVmKb}kB, anon-rss:${c.anonKb}kB, file-rss:${c.fileKb}kB, shmem-rss:${c.shmemKb}kB, UID:0 pgtables:${c.pgtablesKb}kB oom_score_adj:0`;
    this.kernelLog.push(line);
    this.options.log(line);
    this.sendSignal(victim, SIG.SIGKILL, SI_CODES.SI_KERNEL, 0);
    // The victim cannot run again: take its memory back now (the OOM reaper).
    this.killProcess(victim, SIG.SIGKILL, false, SI_CODES.SI_KERNEL, 0n);
    return true;
  }

  /** Copies to the current task's user memory; the number of bytes copied. */
  copyToUser(addr: number, bytes: Uint8Array): number {
    return copyToUser(this, addr, bytes);
  }

  copyFromUser(addr: number, len: number): Uint8Array | null {
    const b = new Uint8Array(len);
    return copyFromUser(this, b, addr) === len ? b : null;
  }

  strncpyFromUser(addr: number, max: number): Uint8Array | null | 'toolong' {
    return strncpyFromUser(this, addr, max);
  }

  accessOk(addr: number, len: number): boolean {
    return accessOk(addr, len);
  }
}
