// /proc/<pid>/status: fs/proc/array.c: proc_pid_status() in Linux 6.x order. The memory lines
// (VmPeak .. HugetlbPages) come from the mm's task_mem() text (kernel/mm); the rest is the task's.

export interface StatusTaskInfo {
  comm: string;
  state: string; // "R (running)", "S (sleeping)", "Z (zombie)"
  tgid: number;
  pid: number;
  ppid: number;
  /** Process group and session (the first program's pid). */
  pgid: number;
  threads: number;
  /** 64-bit signal sets as two uint32 halves [lo, hi]. */
  sigPnd: [number, number];
  shdPnd: [number, number];
  sigBlk: [number, number];
  sigIgn: [number, number];
  sigCgt: [number, number];
  fdSize: number;
  voluntaryCtxt: number;
  nonvoluntaryCtxt: number;
  /** task_mem(): the memory lines, each ending with a newline (empty for a task without an mm). */
  memLines: string;
  thpEnabled: boolean;
}

const sigset = (s: [number, number]) => s[1].toString(16).padStart(8, '0') + s[0].toString(16).padStart(8, '0');

/** fs/proc/array.c: tast_name, task_state, task_mem, task_sig, task_cap, task_seccomp, cpus. */
export function procPidStatus(t: StatusTaskInfo): string {
  let s = '';
  s += `Name:\t${t.comm}\n`;
  s += 'Umask:\t0022\n';
  s += `State:\t${t.state}\n`;
  s += `Tgid:\t${t.tgid}\n`;
  s += 'Ngid:\t0\n';
  s += `Pid:\t${t.pid}\n`;
  s += `PPid:\t${t.ppid}\n`;
  s += 'TracerPid:\t0\n';
  s += 'Uid:\t0\t0\t0\t0\n';
  s += 'Gid:\t0\t0\t0\t0\n';
  s += `FDSize:\t${t.fdSize}\n`;
  s += 'Groups:\t0 \n';
  s += `NStgid:\t${t.tgid}\n`;
  s += `NSpid:\t${t.pid}\n`;
  s += `NSpgid:\t${t.pgid}\n`;
  s += `NSsid:\t${t.pgid}\n`;
  s += 'Kthread:\t0\n';
  s += t.memLines;
  s += 'CoreDumping:\t0\n';
  s += `THP_enabled:\t${t.thpEnabled ? 1 : 0}\n`;
  s += 'untag_mask:\t0xffffffffffffffff\n';
  s += `Threads:\t${t.threads}\n`;
  s += 'SigQ:\t0/31366\n';
  s += `SigPnd:\t${sigset(t.sigPnd)}\n`;
  s += `ShdPnd:\t${sigset(t.shdPnd)}\n`;
  s += `SigBlk:\t${sigset(t.sigBlk)}\n`;
  s += `SigIgn:\t${sigset(t.sigIgn)}\n`;
  s += `SigCgt:\t${sigset(t.sigCgt)}\n`;
  s += 'CapInh:\t0000000000000000\n';
  s += 'CapPrm:\t000001ffffffffff\n';
  s += 'CapEff:\t000001ffffffffff\n';
  s += 'CapBnd:\t000001ffffffffff\n';
  s += 'CapAmb:\t0000000000000000\n';
  s += 'NoNewPrivs:\t0\n';
  s += 'Seccomp:\t0\n';
  s += 'Seccomp_filters:\t0\n';
  s += 'Speculation_Store_Bypass:\tthread vulnerable\n';
  s += 'SpeculationIndirectBranch:\tconditional enabled\n';
  s += 'Cpus_allowed:\t1\n';
  s += 'Cpus_allowed_list:\t0\n';
  s += 'Mems_allowed:\t00000000,00000001\n';
  s += 'Mems_allowed_list:\t0\n';
  s += `voluntary_ctxt_switches:\t${t.voluntaryCtxt}\n`;
  s += `nonvoluntary_ctxt_switches:\t${t.nonvoluntaryCtxt}\n`;
  s += 'x86_Thread_features:\t\n';
  s += 'x86_Thread_features_locked:\t\n';
  return s;
}
