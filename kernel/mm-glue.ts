// The Kernel's side of the kernel/mm interface: where tasks, files and system-call arguments meet
// the mm code (KernelMm, Mm, AddressSpace, handleMmFault, the do_* calls, /proc text).
import {
  KernelMm, AddressSpace, handleMmFault, dupMmap, exitMmap, switchMm, ksysMmap, doMunmap, doMprotect,
  doMremap, doMadvise, doMlock, doMunlock, doMlockall, doMunlockall, doMsync, doMincore, doBrk,
  showMaps, showSmaps, showSmapsRollup, taskMemStatus, MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES,
  type Mm, type VmFile,
} from './mm/index.ts';
import { COST_SYSCALL } from './cost.ts';
import type { Kernel } from './kernel.ts';
import type { Task } from './task.ts';
import type { SysArgs } from './syscalls/args.ts';
import { OpenFile } from './fs/file.ts';
import { FMODE_READ, FMODE_WRITE } from './fs/vfs.ts';
import { ERRNO, O } from './uapi/constants.ts';
import { loadElfBinary } from './binfmt-elf.ts';

const PFEC_U = 1 << 2;
const SIGSEGV = 11, SIGKILL = 9;

/** The VmFile of an open file description (one per struct file, so VMAs of one file merge as on Linux). */
const vmFiles = new WeakMap<OpenFile, VmFile>();

export class MmGlue {
  readonly kmm: KernelMm;

  constructor(private readonly k: Kernel) {
    const m = k.machine;
    this.kmm = new KernelMm({
      phys: m.phys,
      memoryBytes: k.options.memBytes,
      mmus: [m.mmu],
      seed: k.options.seed,
      randomizeVaSpace: k.options.aslr,
      charge: (c) => {
        m.clock.now += c;
      },
      oomKill: () => k.oomKill(),
    });
  }

  /** switch_mm(): CR3 with the mm's PCID (NOFLUSH unless its TLB entries went stale). */
  switchMm(mm: unknown): void {
    switchMm(this.kmm, 0, mm as Mm);
  }

  chargeSyscall(): void {
    this.kmm.charge(COST_SYSCALL);
  }

  /**
   * A #PF at `la` for task t (user: from user mode; else a uaccess fault). Returns null when
   * resolved, else the signal to deliver (for a kernel access: the copy fails with EFAULT).
   */
  fault(t: Task, la: number, errorCode: number, user: boolean): { sig: number; code: number } | null {
    const mm = t.mm as Mm | null;
    if (mm === null) return { sig: SIGSEGV, code: 1 };
    const ec = user ? errorCode | PFEC_U : errorCode;
    const sig = handleMmFault(this.kmm, mm, la, ec, t);
    const info = this.kmm.fault;
    const tr = this.k.tracer;
    if (tr !== null) {
      const cpu = this.k.cpu;
      tr.event({
        kind: 'page-fault', cycle: this.k.clock.now, pid: t.pid, la: BigInt(la), errorCode: ec,
        pc: (BigInt(cpu.pcHi) << 32n) | BigInt(cpu.pcLo), decision: info.decision,
        detail: `${user ? 'user' : 'kernel (uaccess)'} ${ec & 2 ? 'write' : ec & 16 ? 'fetch' : 'read'}${info.major ? ', major' : ''}`,
      });
    }
    if (sig === 0) return null;
    if (sig === SIGKILL) {
      // Out of memory: the OOM killer may have picked this very task.
      return { sig: SIGKILL, code: 0x80 };
    }
    return { sig, code: info.siCode };
  }

  /** The 'page-fault' trace event of a user access to the kernel half (never reaches the mm). */
  traceKernelSpaceFault(t: Task, la: bigint, errorCode: number): void {
    const tr = this.k.tracer;
    if (tr === null) return;
    const cpu = this.k.cpu;
    tr.event({
      kind: 'page-fault', cycle: this.k.clock.now, pid: t.pid, la, errorCode: errorCode | PFEC_U,
      pc: (BigInt(cpu.pcHi) << 32n) | BigInt(cpu.pcLo), decision: 'sigsegv-maperr', detail: 'user access to kernel space',
    });
  }

  exec(t: Task, path: string, argv: string[]): string | null {
    return loadElfBinary(this.k, this, t, path, argv);
  }

  dupMmap(mm: unknown): unknown {
    return dupMmap(this.kmm, mm as Mm);
  }

  exitMmap(mm: unknown): void {
    exitMmap(this.kmm, mm as Mm);
  }

  hiwaterRssKb(mm: unknown): number {
    const m = mm as Mm;
    return Math.max(m.hiwaterRss, m.rssPages()) * 4;
  }

  rssPages(mm: unknown): number {
    return (mm as Mm).rssPages();
  }

  oomCounters(mm: unknown): { totalVmKb: number; anonKb: number; fileKb: number; shmemKb: number; pgtablesKb: number } {
    const m = mm as Mm;
    return {
      totalVmKb: m.totalVm * 4, anonKb: m.rss[MM_ANONPAGES] * 4, fileKb: m.rss[MM_FILEPAGES] * 4,
      shmemKb: m.rss[MM_SHMEMPAGES] * 4, pgtablesKb: Math.floor(m.pgtablesBytes / 1024),
    };
  }

  faultTotals(): { minor: number; major: number; cowCopies: number } {
    const s = this.kmm.stats;
    return { minor: s.minorFaults, major: s.majorFaults, cowCopies: s.cowCopies };
  }

  // ---- files --------------------------------------------------------------------------------

  /** A page cache object for a new regular file (inode number `ino`), with device contents `data`. */
  newFileMapping(data: Uint8Array | null, ino = 0): AddressSpace {
    return new AddressSpace(this.kmm, { ino, data: data ?? undefined, devMajor: this.k.vfs.dev.major, devMinor: this.k.vfs.dev.minor });
  }

  /** Puts a file into the guest file system with `data` on the device (cold in the page cache). */
  installFile(guestPath: string, data: Uint8Array): void {
    const slash = guestPath.lastIndexOf('/');
    const dir = this.k.vfs.mkdirs(guestPath.slice(0, slash) || '/');
    const name = guestPath.slice(slash + 1);
    const old = dir.children!.get(name);
    if (old !== undefined) this.k.vfs.unlink(dir, name);
    const ino = this.k.vfs.createFile(dir, name, null, 0o755);
    ino.data = this.newFileMapping(data, ino.ino);
  }

  fileSize(data: unknown): number {
    return (data as AddressSpace).size;
  }

  fileRead(data: unknown, pos: number, len: number): Uint8Array {
    return (data as AddressSpace).read(pos, len, true);
  }

  fileWrite(data: unknown, pos: number, bytes: Uint8Array): number {
    return (data as AddressSpace).write(pos, bytes);
  }

  truncate(data: unknown, size: number): void {
    (data as AddressSpace).truncate(size);
  }

  fsync(data: unknown): void {
    (data as AddressSpace).fsync();
  }

  /** The VmFile mmap sees for an open file description. */
  vmFile(f: OpenFile): VmFile | null {
    if (f.kind.type !== 'inode' || f.kind.inode.isDir) return null;
    let v = vmFiles.get(f);
    if (v === undefined) {
      const inode = f.kind.inode;
      v = {
        mapping: inode.data as AddressSpace,
        get path() {
          return inode.path();
        },
        readable: (f.fmode & FMODE_READ) !== 0,
        writable: (f.fmode & FMODE_WRITE) !== 0,
        append: (f.flags & O.O_APPEND) !== 0,
      };
      vmFiles.set(f, v);
    }
    return v;
  }

  // ---- memory system calls ----------------------------------------------------------------

  mmap(t: Task, addr: number, len: number, prot: number, flags: number, fd: number, off: number): number {
    const mm = t.mm as Mm;
    // fget(): a descriptor that is not open is EBADF (a stream or directory cannot be mapped either).
    const getFile = (n: number): VmFile | null => {
      const f = t.files.get(n);
      return f === null ? null : this.vmFile(f);
    };
    return ksysMmap(this.kmm, mm, addr, len, prot, flags, fd, off, getFile, t);
  }

  call(t: Task, name: string, a: SysArgs): number {
    const kmm = this.kmm;
    const mm = t.mm as Mm;
    switch (name) {
      case 'munmap': return doMunmap(kmm, mm, a.u(0), a.u(1));
      case 'mprotect': return doMprotect(kmm, mm, a.u(0), a.u(1), a.u(2), t);
      case 'brk': return doBrk(kmm, mm, a.u(0), t);
      case 'mremap': return doMremap(kmm, mm, a.u(0), a.u(1), a.u(2), a.u(3), a.u(4), t);
      case 'msync': return doMsync(kmm, mm, a.u(0), a.u(1), a.u32(2));
      case 'mincore': return doMincore(kmm, mm, a.u(0), a.u(1), a.u(2), (addr: number, bytes: Uint8Array) => this.k.copyToUser(addr, bytes) === bytes.length);
      case 'madvise': return doMadvise(kmm, mm, a.u(0), a.u(1), a.i32(2), t);
      case 'mlock': return doMlock(kmm, mm, a.u(0), a.u(1), 0, t);
      case 'munlock': return doMunlock(kmm, mm, a.u(0), a.u(1));
      case 'mlockall': return doMlockall(kmm, mm, a.u32(0), t);
      case 'munlockall': return doMunlockall(kmm, mm);
      default: return -ERRNO.ENOSYS;
    }
  }

  // ---- /proc -----------------------------------------------------------------------------------

  showMaps(mm: unknown, _t: Task): string {
    return showMaps(this.kmm, mm as Mm);
  }

  showSmaps(mm: unknown, _t: Task): string {
    return showSmaps(this.kmm, mm as Mm);
  }

  showSmapsRollup(mm: unknown, _t: Task): string {
    return showSmapsRollup(this.kmm, mm as Mm);
  }

  taskMemStatus(mm: unknown): string {
    return taskMemStatus(this.kmm, mm as Mm);
  }
}
