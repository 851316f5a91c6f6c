// Signal numbers' default actions and the wait(2) status word, as Linux encodes them.
// kernel/signal.c: sig_kernel_coredump()/sig_kernel_ignore()/sig_kernel_stop(); include/linux/wait.h.
import { SIG } from './uapi/constants.ts';

export const NSIG = 64;

export type DefaultAction = 'term' | 'core' | 'ignore' | 'stop' | 'cont';

/** The default action of a signal (kernel/signal.c: SIG_KERNEL_*_MASK). */
export function defaultAction(sig: number): DefaultAction {
  switch (sig) {
    case SIG.SIGQUIT: case SIG.SIGILL: case SIG.SIGTRAP: case SIG.SIGABRT: case SIG.SIGBUS:
    case SIG.SIGFPE: case SIG.SIGSEGV: case SIG.SIGXCPU: case SIG.SIGXFSZ: case SIG.SIGSYS:
      return 'core';
    case SIG.SIGCHLD: case SIG.SIGURG: case SIG.SIGWINCH:
      return 'ignore';
    case SIG.SIGCONT:
      return 'cont';
    case SIG.SIGSTOP: case SIG.SIGTSTP: case SIG.SIGTTIN: case SIG.SIGTTOU:
      return 'stop';
    default:
      return 'term';
  }
}

/** Wait status of a normal exit: (code & 0xff) << 8 (kernel/exit.c: do_exit(code << 8)). */
export function exitStatus(code: number): number {
  return (code & 0xff) << 8;
}

/** Wait status of a death by signal: the signal number, plus 0x80 when a core was dumped (WCOREDUMP). */
export function signaledStatus(sig: number, core: boolean): number {
  return (sig & 0x7f) | (core ? 0x80 : 0);
}

/** Bit of `sig` in a 64-bit sigset held as two uint32 halves: [word, mask]. */
export function sigBit(sig: number): [number, number] {
  const b = sig - 1;
  return [b >>> 5, (1 << (b & 31)) >>> 0];
}
