// File system calls: fs/open.c (open, close, ftruncate), fs/read_write.c (read, write, lseek, pread64,
// pwrite64), fs/sync.c (fsync). Regular-file data goes through the page cache (kernel/mm AddressSpace):
// filemap_read() / generic_perform_write() copy one page at a time, so a fault on the user buffer
// is demand-paged (or ends the copy with a short count / EFAULT).
import type { Kernel } from '../kernel.ts';
import type { Task } from '../task.ts';
import type { SysArgs } from './args.ts';
import type { SyscallResult } from './table.ts';
import { ERRNO, O, SEEK } from '../uapi/constants.ts';
import { OpenFile } from '../fs/file.ts';
import { FMODE_READ, FMODE_WRITE, openFmode, type Inode } from '../fs/vfs.ts';
import { PATH_MAX } from '../fs/path.ts';
import { openProc } from '../fs/procfs.ts';

const PAGE = 4096;
/** MAX_RW_COUNT: INT_MAX & PAGE_MASK. */
const MAX_RW_COUNT = 0x7ffff000;
/** MAX_LFS_FILESIZE on 64-bit. */
const MAX_LFS_FILESIZE = Number.MAX_SAFE_INTEGER;

/** getname(): the path argument, or -errno. */
export function getname(k: Kernel, addr: number): string | number {
  const r = k.strncpyFromUser(addr, PATH_MAX - 1);
  if (r === null) return -ERRNO.EFAULT;
  if (r === 'toolong') return -ERRNO.ENAMETOOLONG;
  const s = new TextDecoder().decode(r);
  if (s.length === 0) return -ERRNO.ENOENT;
  return s;
}

/** open(path, flags, mode): do_sys_open(). */
export function sysOpen(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  const path = getname(k, a.u(0));
  if (typeof path === 'number') return path;
  if (k.straceData) k.straceData.arg![0] = path;
  const flags = a.i32(1);
  const mode = a.u32(2);
  const fmode = openFmode(flags);
  // The access mode 3 (ioctl-only) is not supported here.
  if ((flags & O.O_ACCMODE) === 3) return -ERRNO.EINVAL;
  const proc = openProc(k, t, path, flags);
  if (proc !== null) {
    if (typeof proc === 'number') return proc;
    return t.files.install(proc);
  }
  const r = k.vfs.walkParent(t.cwd, path);
  if (typeof r === 'number') {
    // open_last_lookups(): O_CREAT of a missing name written with a trailing slash is EISDIR.
    if (r === -ERRNO.ENOENT && flags & O.O_CREAT && path.endsWith('/')) {
      const parent = k.vfs.walkParent(t.cwd, path.replace(/\/+$/, ''));
      if (typeof parent !== 'number') return -ERRNO.EISDIR;
    }
    return r;
  }
  const [dir, last] = r;
  let inode: Inode | undefined;
  if (last === '' || last === '.' || last === '..') inode = last === '..' ? dir.parent : dir;
  else inode = dir.children!.get(last);
  if (inode === undefined) {
    if (!(flags & O.O_CREAT)) return -ERRNO.ENOENT;
    if (flags & O.O_DIRECTORY) return -ERRNO.EINVAL;
    inode = k.vfs.createFile(dir, last, null, mode & ~0o022);
    inode.data = k.mmg.newFileMapping(null, inode.ino);
  } else {
    if (flags & O.O_CREAT && flags & O.O_EXCL) return -ERRNO.EEXIST;
    if (inode.isDir) {
      if (fmode & FMODE_WRITE || flags & O.O_CREAT) return -ERRNO.EISDIR;
    } else {
      if (flags & O.O_DIRECTORY) return -ERRNO.ENOTDIR;
      // build_open_flags(): O_TRUNC implies a write-permission check (root passes), then
      // handle_truncate() — even with O_RDONLY, as Linux does.
      if (flags & O.O_TRUNC) k.mmg.truncate(inode.data, 0);
    }
  }
  const f = new OpenFile({ type: 'inode', inode }, flags, fmode);
  return t.files.install(f);
}

export function sysClose(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  const r = t.files.close(a.i32(0));
  return typeof r === 'number' ? r : 0;
}

/** Reads from a file at `pos` into user memory (filemap_read). Returns bytes read or -errno. */
function readAt(k: Kernel, f: OpenFile, addr: number, count: number, pos: number): number {
  if (count === 0) return 0;
  const kind = f.kind;
  if (kind.type === 'stdout') return -ERRNO.EBADF;
  let src: (pos: number, n: number) => Uint8Array;
  let size: number;
  if (kind.type === 'stdin') {
    const all = k.options.stdin;
    size = all.length;
    src = (p, n) => all.subarray(p, p + n);
  } else if (kind.type === 'proc') {
    if (kind.text === null || pos === 0) kind.text = kind.generate();
    const text = kind.text;
    size = text.length;
    src = (p, n) => text.subarray(p, p + n);
  } else {
    if (kind.inode.isDir) return -ERRNO.EISDIR;
    const data = kind.inode.data;
    size = k.mmg.fileSize(data);
    src = (p, n) => k.mmg.fileRead(data, p, n);
  }
  if (pos >= size) {
    if (k.straceData) k.straceData.arg![1] = new Uint8Array(0); // read(3, "", 4096) = 0
    return 0;
  }
  const total = Math.min(count, size - pos, MAX_RW_COUNT);
  let done = 0;
  let traced: Uint8Array | null = null;
  while (done < total) {
    const p = pos + done;
    const n = Math.min(total - done, PAGE - (p % PAGE));
    const bytes = src(p, n);
    const copied = k.copyToUser(addr + done, bytes);
    if (k.straceData && traced === null) traced = bytes.slice(0, 64);
    done += copied;
    if (copied < n) break;
  }
  if (k.straceData && traced) k.straceData.arg![1] = traced;
  return done === 0 ? -ERRNO.EFAULT : done;
}

/** Writes user memory to a file at `pos` (generic_perform_write). Returns bytes written or -errno. */
function writeAt(k: Kernel, f: OpenFile, addr: number, count: number, pos: number): number {
  const kind = f.kind;
  if (count === 0) return 0;
  const total = Math.min(count, MAX_RW_COUNT);
  if (kind.type === 'stdout') {
    const out = kind.fd === 1 ? k.options.stdout : k.options.stderr;
    let done = 0;
    while (done < total) {
      const n = Math.min(total - done, PAGE - ((addr + done) % PAGE));
      const b = k.copyFromUser(addr + done, n);
      if (b === null) {
        // A short copy within the page: take what could be read byte by byte is not needed; stop here.
        break;
      }
      if (k.straceData && done === 0) k.straceData.arg![1] = b.slice(0, 64);
      out(b);
      done += n;
    }
    return done === 0 ? -ERRNO.EFAULT : done;
  }
  if (kind.type !== 'inode') return -ERRNO.EBADF;
  if (kind.inode.isDir) return -ERRNO.EISDIR;
  if (pos + total > MAX_LFS_FILESIZE) return -ERRNO.EFBIG;
  const data = kind.inode.data;
  let done = 0;
  while (done < total) {
    const p = pos + done;
    const n = Math.min(total - done, PAGE - (p % PAGE));
    const b = k.copyFromUser(addr + done, n);
    if (b === null) break;
    if (k.straceData && done === 0) k.straceData.arg![1] = b.slice(0, 64);
    k.mmg.fileWrite(data, p, b);
    done += n;
  }
  return done === 0 ? -ERRNO.EFAULT : done;
}

/** read(fd, buf, count): ksys_read(). */
export function sysRead(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  const f = t.files.get(a.i32(0));
  if (f === null || !(f.fmode & FMODE_READ)) return -ERRNO.EBADF;
  const addr = a.u(1), count = a.u(2);
  if (count > 0 && !k.accessOk(addr, Math.min(count, MAX_RW_COUNT))) return -ERRNO.EFAULT;
  const r = readAt(k, f, addr, count, f.pos);
  if (r > 0) f.pos += r;
  return r;
}

/** write(fd, buf, count): ksys_write(). */
export function sysWrite(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  const f = t.files.get(a.i32(0));
  if (f === null || !(f.fmode & FMODE_WRITE)) return -ERRNO.EBADF;
  const addr = a.u(1), count = a.u(2);
  if (count > 0 && !k.accessOk(addr, Math.min(count, MAX_RW_COUNT))) return -ERRNO.EFAULT;
  let pos = f.pos;
  if (f.kind.type === 'inode' && f.flags & O.O_APPEND) pos = k.mmg.fileSize(f.kind.inode.data);
  const r = writeAt(k, f, addr, count, pos);
  if (r > 0 && f.kind.type === 'inode') f.pos = pos + r;
  return r;
}

function isSeekable(f: OpenFile): boolean {
  return f.kind.type === 'inode' || f.kind.type === 'proc';
}

/** pread64(fd, buf, count, pos). */
export function sysPread64(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  const f = t.files.get(a.i32(0));
  const pos = a.s(3);
  if (pos < 0) return -ERRNO.EINVAL;
  if (f === null || !(f.fmode & FMODE_READ)) return -ERRNO.EBADF;
  if (!isSeekable(f)) return -ERRNO.ESPIPE;
  const addr = a.u(1), count = a.u(2);
  if (count > 0 && !k.accessOk(addr, Math.min(count, MAX_RW_COUNT))) return -ERRNO.EFAULT;
  return readAt(k, f, addr, count, pos);
}

/** pwrite64(fd, buf, count, pos). */
export function sysPwrite64(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  const f = t.files.get(a.i32(0));
  const pos = a.s(3);
  if (pos < 0) return -ERRNO.EINVAL;
  if (f === null || !(f.fmode & FMODE_WRITE)) return -ERRNO.EBADF;
  if (!isSeekable(f)) return -ERRNO.ESPIPE;
  const addr = a.u(1), count = a.u(2);
  if (count > 0 && !k.accessOk(addr, Math.min(count, MAX_RW_COUNT))) return -ERRNO.EFAULT;
  return writeAt(k, f, addr, count, pos);
}

/** lseek(fd, offset, whence): generic_file_llseek(). */
export function sysLseek(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  const f = t.files.get(a.i32(0));
  if (f === null) return -ERRNO.EBADF;
  if (!isSeekable(f)) return -ERRNO.ESPIPE;
  const off = a.s(1);
  const whence = a.u32(2);
  // seq_lseek(): /proc files seek only with SEEK_SET and SEEK_CUR.
  if (f.kind.type === 'proc' && whence !== SEEK.SEEK_SET && whence !== SEEK.SEEK_CUR) return -ERRNO.EINVAL;
  const size = f.kind.type === 'inode' && !f.kind.inode.isDir ? k.mmg.fileSize(f.kind.inode.data) : 0;
  let pos: number;
  switch (whence) {
    case SEEK.SEEK_SET: pos = off; break;
    case SEEK.SEEK_CUR: pos = f.pos + off; break;
    case SEEK.SEEK_END: pos = size + off; break;
    case SEEK.SEEK_DATA:
      if (off < 0 || off >= size) return -ERRNO.ENXIO;
      pos = off;
      break;
    case SEEK.SEEK_HOLE:
      if (off < 0 || off >= size) return -ERRNO.ENXIO;
      pos = size;
      break;
    default: return -ERRNO.EINVAL;
  }
  if (pos < 0 || pos > MAX_LFS_FILESIZE) return -ERRNO.EINVAL;
  f.pos = pos;
  return pos;
}

/** ftruncate(fd, length): do_sys_ftruncate(). */
export function sysFtruncate(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  const length = a.s(1);
  if (length < 0) return -ERRNO.EINVAL;
  const f = t.files.get(a.i32(0));
  if (f === null) return -ERRNO.EBADF;
  if (f.kind.type !== 'inode' || f.kind.inode.isDir || !(f.fmode & FMODE_WRITE)) return -ERRNO.EINVAL;
  if (f.flags & O.O_APPEND) return -ERRNO.EPERM;
  if (length > MAX_LFS_FILESIZE) return -ERRNO.EFBIG;
  k.mmg.truncate(f.kind.inode.data, length);
  return 0;
}

/** fsync(fd): vfs_fsync() writes back the file's dirty pages. */
export function sysFsync(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  const f = t.files.get(a.i32(0));
  if (f === null) return -ERRNO.EBADF;
  if (f.kind.type !== 'inode') return -ERRNO.EINVAL;
  if (!f.kind.inode.isDir) k.mmg.fsync(f.kind.inode.data);
  return 0;
}
