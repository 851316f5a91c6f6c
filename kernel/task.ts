// Tasks (struct task_struct): a thread of execution with its saved user registers, its mm, its
// files, its signal state. A process is a thread group (tgid); threads made by clone(CLONE_VM|
// CLONE_THREAD) share the mm, the files and the signal handlers.
import type { FdTable } from './fs/file.ts';
import type { Inode } from './fs/vfs.ts';

/** struct k_sigaction, as rt_sigaction takes it (t64.md: handler, flags, restorer, mask). */
export interface SigAction {
  handler: bigint; // SIG_DFL 0, SIG_IGN 1, or the handler's address
  flags: bigint;
  restorer: bigint;
  mask: bigint;
}

/** struct sighand_struct: shared by the threads of a process (CLONE_SIGHAND). */
export class SigHand {
  readonly action: SigAction[] = [];
  refs = 1;
  constructor() {
    for (let i = 0; i <= 64; i++) this.action.push({ handler: 0n, flags: 0n, restorer: 0n, mask: 0n });
  }
  clone(): SigHand {
    const s = new SigHand();
    for (let i = 0; i <= 64; i++) s.action[i] = { ...this.action[i] };
    return s;
  }
}

/** A pending signal with its siginfo (the fields t64.md defines). */
export interface PendingSignal {
  sig: number;
  code: number;
  addr: bigint;
  /** Synchronous fault signals (force_sig_fault): delivered first, never ignored while blocked. */
  forced: boolean;
  pid?: number;
}

export type TaskState = 'runnable' | 'blocked' | 'zombie' | 'dead';

/** Fault and resource counters (struct task_struct min_flt/maj_flt; struct signal_struct c*). */
export interface FaultAcct {
  minFlt: number;
  majFlt: number;
}

export class Task implements FaultAcct {
  readonly regLo = new Uint32Array(16);
  readonly regHi = new Uint32Array(16);
  pcLo = 0;
  pcHi = 0;
  state: TaskState = 'runnable';
  /** Fault counters (ru_minflt, ru_majflt of this thread). */
  minFlt = 0;
  majFlt = 0;
  /** Sum over reaped children (signal_struct cmin_flt/cmaj_flt, cmaxrss in KiB). */
  cminFlt = 0;
  cmajFlt = 0;
  cmaxrssKb = 0;
  /** Peak RSS of this process in KiB (mm hiwater_rss), kept at exit for the parent's rusage. */
  maxrssKb = 0;
  /** Cycles run in user mode and in the kernel on this task's behalf. */
  utime = 0;
  stime = 0;
  nvcsw = 0;
  nivcsw = 0;
  /** Blocked signals as a 64-bit mask. */
  blocked = 0n;
  pending: PendingSignal[] = [];
  /** wait status once a zombie. */
  exitStatus = 0;
  /** A system call that sleeps (wait4) is re-run when the task is woken. */
  restartSyscall = false;
  children: Task[] = [];
  /** Exit signal sent to the parent (clone flags & CSIGNAL; SIGCHLD for fork). */
  exitSignal = 17;
  /** The task's threads (the same array object for every thread of a group). */
  group: Task[];
  /** Next time slice end (cycles). */
  sliceEnd = 0;
  /** CLONE_CHILD_CLEARTID: the u32 zeroed at exit (set_child_tid / clear_child_tid), or 0. */
  clearChildTid = 0;

  constructor(
    readonly pid: number,
    /** Thread-group id (getpid()). */
    public tgid: number,
    public parent: Task | null,
    /** The address space (kernel/mm Mm); null once released at exit. */
    public mm: unknown,
    public files: FdTable,
    public sighand: SigHand,
    public cwd: Inode,
    /** comm: the executable's name, at most 15 bytes (TASK_COMM_LEN 16). */
    public comm: string,
    group?: Task[],
  ) {
    this.group = group ?? [];
    this.group.push(this);
  }

  get isLeader(): boolean {
    return this.pid === this.tgid;
  }

  get alive(): boolean {
    return this.state === 'runnable' || this.state === 'blocked';
  }
}
