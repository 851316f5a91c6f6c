// Renders a system call the way strace(1) prints it, for the 'syscall' trace event:
//   mmap(NULL, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f3c2a400000
// Only used when a tracer is attached (bigint is fine here).
import { CLONE, ERRNO, MADV, MAP, MCL, MREMAP, MS, O, PROT, SA, SEEK, SIG, SYSCALLS, WAIT } from './uapi/constants.ts';

export const SYSCALL_NAMES: string[] = [];
for (const [name, nr] of Object.entries(SYSCALLS)) SYSCALL_NAMES[nr] = name;

const ERRNO_NAME: string[] = [];
for (const [name, v] of Object.entries(ERRNO)) if (ERRNO_NAME[v] === undefined) ERRNO_NAME[v] = name;

/** strerror() texts (glibc) of the errno values the kernel returns. */
const STRERROR: Record<number, string> = {
  1: 'Operation not permitted', 2: 'No such file or directory', 3: 'No such process', 4: 'Interrupted system call',
  5: 'Input/output error', 7: 'Argument list too long', 8: 'Exec format error', 9: 'Bad file descriptor',
  10: 'No child processes', 11: 'Resource temporarily unavailable', 12: 'Cannot allocate memory',
  13: 'Permission denied', 14: 'Bad address', 16: 'Device or resource busy', 17: 'File exists',
  19: 'No such device', 20: 'Not a directory', 21: 'Is a directory', 22: 'Invalid argument',
  23: 'Too many open files in system', 24: 'Too many open files', 25: 'Inappropriate ioctl for device',
  26: 'Text file busy', 27: 'File too large', 28: 'No space left on device', 29: 'Illegal seek',
  30: 'Read-only file system', 36: 'File name too long', 38: 'Function not implemented',
  39: 'Directory not empty', 40: 'Too many levels of symbolic links', 75: 'Value too large for defined data type',
  95: 'Operation not supported',
};

export function errnoName(e: number): string {
  return ERRNO_NAME[e] ?? `E${e}`;
}

const SIG_NAME: string[] = [];
for (const [name, v] of Object.entries(SIG)) if (name.startsWith('SIG') && !name.startsWith('SIG_') && SIG_NAME[v] === undefined && v > 0 && v < 32) SIG_NAME[v] = name;

export function signalName(sig: number): string {
  if (sig >= 32 && sig <= 64) return sig === 32 ? 'SIGRTMIN' : `SIGRT_${sig - 32}`;
  return SIG_NAME[sig] ?? `${sig}`;
}

const hex = (v: bigint) => '0x' + v.toString(16);
const s64 = (v: bigint) => BigInt.asIntN(64, v);
const s32 = (v: bigint) => BigInt.asIntN(32, v);
const ptr = (v: bigint) => (v === 0n ? 'NULL' : hex(v));

/** Flag set rendering: names of the set bits joined by '|', leftover bits in hex; 0 → zeroName. */
function flags(v: bigint, table: Record<string, number>, zeroName: string, exclude: string[] = []): string {
  if (v === 0n) return zeroName;
  const parts: string[] = [];
  let rest = v;
  for (const [name, bit] of Object.entries(table)) {
    if (exclude.includes(name) || bit === 0) continue;
    const b = BigInt(bit >>> 0);
    if ((b & (b - 1n)) !== 0n) continue; // only single bits here
    if ((rest & b) === b) {
      parts.push(name);
      rest &= ~b;
    }
  }
  if (rest !== 0n) parts.push(hex(rest));
  return parts.join('|');
}

function protStr(v: bigint): string {
  return flags(v, PROT, 'PROT_NONE', ['PROT_SEM']);
}

function mapFlags(v: bigint): string {
  const type = v & 0xfn;
  const typeName = type === 1n ? 'MAP_SHARED' : type === 2n ? 'MAP_PRIVATE' : type === 3n ? 'MAP_SHARED_VALIDATE' : hex(type);
  const rest = flags(v & ~0xfn, MAP, '', ['MAP_SHARED', 'MAP_PRIVATE', 'MAP_SHARED_VALIDATE', 'MAP_TYPE', 'MAP_ANON', 'MAP_FAILED']);
  return rest ? `${typeName}|${rest}` : typeName;
}

function openFlags(v: bigint): string {
  const acc = v & 3n;
  const accName = acc === 0n ? 'O_RDONLY' : acc === 1n ? 'O_WRONLY' : acc === 2n ? 'O_RDWR' : '0x3';
  const rest = flags(v & ~3n, O, '', ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE', 'O_SYNC', 'O_TMPFILE', 'O_LARGEFILE']);
  return rest ? `${accName}|${rest}` : accName;
}

function enumName(v: bigint, table: Record<string, number>, prefix = ''): string {
  for (const [name, val] of Object.entries(table)) if (BigInt(val) === v && name.startsWith(prefix)) return name;
  return `${s64(v)}`;
}

/** A C string literal as strace prints it (at most 32 bytes, then "..."). */
export function quote(bytes: Uint8Array, max = 32): string {
  let s = '"';
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c === 0x0a) s += '\\n';
    else if (c === 0x09) s += '\\t';
    else if (c === 0x0d) s += '\\r';
    else if (c === 0x22) s += '\\"';
    else if (c === 0x5c) s += '\\\\';
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += '\\' + c.toString(8);
  }
  s += '"';
  if (bytes.length > max) s += '...';
  return s;
}

/** What the system call handler recorded for the renderer: user strings and buffers it copied. */
export interface StraceData {
  /** Per argument index: a path string, or the bytes of a buffer (write: before; read: after). */
  arg?: Record<number, string | Uint8Array>;
  /** Per argument index: the argument already rendered (structures such as struct sigaction). */
  text?: Record<number, string>;
}

function waitStatus(s: number): string {
  const sig = s & 0x7f;
  if (sig === 0) return `[{WIFEXITED(s) && WEXITSTATUS(s) == ${(s >> 8) & 0xff}}]`;
  if (sig === 0x7f) return `[{WIFSTOPPED(s) && WSTOPSIG(s) == ${signalName((s >> 8) & 0xff)}}]`;
  return `[{WIFSIGNALED(s) && WTERMSIG(s) == ${signalName(sig)}${s & 0x80 ? ' && WCOREDUMP(s)' : ''}}]`;
}

/** The return value as strace prints it: `= 0x...` for addresses, `= -1 ENOMEM (Cannot allocate memory)`. */
export function renderReturn(nr: number, ret: bigint | null): string {
  if (ret === null) return '?';
  const r = s64(ret);
  if (r < 0n && r >= -4095n) {
    const e = Number(-r);
    return `-1 ${errnoName(e)} (${STRERROR[e] ?? `Unknown error ${e}`})`;
  }
  if (nr === SYSCALLS.mmap || nr === SYSCALLS.mremap || nr === SYSCALLS.brk) return hex(ret);
  return `${r}`;
}

/** Renders `name(args) = ret` for system call `nr` with raw 64-bit arguments `a`. */
export function renderSyscall(nr: number, a: bigint[], ret: bigint | null, data: StraceData = {}): string {
  const name = SYSCALL_NAMES[nr] ?? `syscall_${nr}`;
  const d = data.arg ?? {};
  const buf = (i: number) => {
    const v = d[i];
    return v === undefined ? hex(a[i]) : typeof v === 'string' ? JSON.stringify(v) : quote(v);
  };
  const fd = (i: number) => `${s32(a[i])}`;
  const u = (i: number) => `${a[i]}`;
  const i64 = (i: number) => `${s64(a[i])}`;
  let args: string[];
  switch (nr) {
    case SYSCALLS.read: case SYSCALLS.write: args = [fd(0), buf(1), u(2)]; break;
    case SYSCALLS.pread64: case SYSCALLS.pwrite64: args = [fd(0), buf(1), u(2), i64(3)]; break;
    case SYSCALLS.open:
      args = [buf(0), openFlags(a[1])];
      if (a[1] & BigInt(O.O_CREAT)) args.push('0' + (a[2] & 0o7777n).toString(8).padStart(3, '0'));
      break;
    case SYSCALLS.close: case SYSCALLS.fsync: args = [fd(0)]; break;
    case SYSCALLS.lseek: args = [fd(0), i64(1), enumName(a[2], SEEK)]; break;
    case SYSCALLS.mmap:
      args = [ptr(a[0]), u(1), protStr(a[2]), mapFlags(a[3]), fd(4), hex(a[5]) === '0x0' ? '0' : hex(a[5])];
      break;
    case SYSCALLS.mprotect: args = [ptr(a[0]), u(1), protStr(a[2])]; break;
    case SYSCALLS.munmap: case SYSCALLS.mlock: case SYSCALLS.munlock: args = [ptr(a[0]), u(1)]; break;
    case SYSCALLS.brk: args = [ptr(a[0])]; break;
    case SYSCALLS.rt_sigaction: args = [signalName(Number(a[0])), ptr(a[1]), ptr(a[2]), u(3)]; break;
    case SYSCALLS.mremap: {
      args = [ptr(a[0]), u(1), u(2), flags(a[3], MREMAP, '0')];
      if (a[3] & BigInt(MREMAP.MREMAP_FIXED)) args.push(ptr(a[4]));
      break;
    }
    case SYSCALLS.msync: args = [ptr(a[0]), u(1), flags(a[2], MS, '0')]; break;
    case SYSCALLS.mincore: args = [ptr(a[0]), u(1), ptr(a[2])]; break;
    case SYSCALLS.madvise: args = [ptr(a[0]), u(1), enumName(a[2], MADV)]; break;
    case SYSCALLS.clone: args = [`child_stack=${ptr(a[1])}`, `flags=${flags(a[0] & ~0xffn, CLONE, '0', ['CSIGNAL'])}${a[0] & 0xffn ? '|' + signalName(Number(a[0] & 0xffn)) : ''}`]; break;
    case SYSCALLS.exit: case SYSCALLS.exit_group: args = [`${s32(a[0])}`]; break;
    case SYSCALLS.wait4: {
      const st = d[1];
      const stText = a[1] === 0n ? 'NULL' : st instanceof Uint8Array && st.length >= 4
        ? waitStatus((st[0] | (st[1] << 8) | (st[2] << 16) | (st[3] << 24)) >>> 0) : hex(a[1]);
      args = [`${s32(a[0])}`, stText, flags(a[2], WAIT, '0'), ptr(a[3])];
      break;
    }
    case SYSCALLS.kill: args = [`${s32(a[0])}`, signalName(Number(a[1]))]; break;
    case SYSCALLS.ftruncate: args = [fd(0), i64(1)]; break;
    case SYSCALLS.getrusage: args = [s32(a[0]) === 0n ? 'RUSAGE_SELF' : s32(a[0]) === -1n ? 'RUSAGE_CHILDREN' : s32(a[0]) === 1n ? 'RUSAGE_THREAD' : `${s32(a[0])}`, ptr(a[1])]; break;
    case SYSCALLS.mlockall: args = [flags(a[0], MCL, '0')]; break;
    case SYSCALLS.rt_sigreturn: args = ['{mask=[]}']; break;
    case SYSCALLS.getpid: case SYSCALLS.getppid: case SYSCALLS.gettid: case SYSCALLS.fork:
    case SYSCALLS.sched_yield: case SYSCALLS.munlockall: args = []; break;
    default: args = a.slice(0, 6).map(hex);
  }
  for (const [i, v] of Object.entries(data.text ?? {})) if (Number(i) < args.length) args[Number(i)] = v;
  return `${name}(${args.join(', ')}) = ${renderReturn(nr, ret)}`;
}

/** struct sigaction as strace prints it: {sa_handler=..., sa_mask=[...], sa_flags=..., sa_restorer=...}. */
export function renderSigaction(handler: bigint, flags: bigint, restorer: bigint, mask: bigint): string {
  const h = handler === 0n ? 'SIG_DFL' : handler === 1n ? 'SIG_IGN' : hex(handler);
  const sigs: string[] = [];
  for (let i = 1; i <= 64; i++) if (mask & (1n << BigInt(i - 1))) sigs.push(signalName(i).replace(/^SIG/, ''));
  const r = flags & BigInt(SA.SA_RESTORER) ? `, sa_restorer=${hex(restorer)}` : '';
  return `{sa_handler=${h}, sa_mask=[${sigs.join(' ')}], sa_flags=${saFlags(flags)}${r}}`;
}

/** strace's xlat order of sa_flags (SA_RESTORER first). */
const SA_ORDER: Record<string, number> = {
  SA_RESTORER: SA.SA_RESTORER, SA_ONSTACK: SA.SA_ONSTACK, SA_RESTART: SA.SA_RESTART, SA_NODEFER: SA.SA_NODEFER,
  SA_RESETHAND: SA.SA_RESETHAND, SA_SIGINFO: SA.SA_SIGINFO, SA_NOCLDSTOP: SA.SA_NOCLDSTOP, SA_NOCLDWAIT: SA.SA_NOCLDWAIT,
};

/** sa_flags as strace prints them (SA_RESTORER|SA_SIGINFO). */
export function saFlags(v: bigint): string {
  return flags(v, SA_ORDER, '0');
}
