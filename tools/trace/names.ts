// Names of signals and si_code values as Linux spells them (uapi asm-generic/siginfo.h).
import { SI_CODES, SIG } from '../../kernel/uapi/constants.ts';

const SIG_NAMES: string[] = [];
for (const [name, v] of Object.entries(SIG))
  if (name.startsWith('SIG') && !name.startsWith('SIG_') && v > 0 && v < 32 && SIG_NAMES[v] === undefined) SIG_NAMES[v] = name;

export function signalName(sig: number): string {
  return SIG_NAMES[sig] ?? `signal ${sig}`;
}

const PREFIX: Record<number, string> = { [SIG.SIGSEGV]: 'SEGV_', [SIG.SIGBUS]: 'BUS_', [SIG.SIGILL]: 'ILL_', [SIG.SIGFPE]: 'FPE_', [SIG.SIGTRAP]: 'TRAP_' };

/** si_code's name for a signal: SEGV_ACCERR, BUS_ADRERR, SI_USER ... */
export function siCodeName(sig: number, code: number): string {
  if (code === SI_CODES.SI_USER) return 'SI_USER';
  if (code === SI_CODES.SI_KERNEL) return 'SI_KERNEL';
  const prefix = PREFIX[sig];
  if (prefix) for (const [name, v] of Object.entries(SI_CODES)) if (name.startsWith(prefix) && v === code) return name;
  return `si_code ${code}`;
}
