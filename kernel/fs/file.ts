// Open file descriptions (struct file) and the per-process descriptor table (struct files_struct).
import { ERRNO } from '../uapi/constants.ts';
import type { Inode } from './vfs.ts';

/** What an open file refers to: a regular file/directory inode, a standard stream, or generated /proc text. */
export type FileKind =
  | { type: 'inode'; inode: Inode }
  | { type: 'stdin' }
  | { type: 'stdout'; fd: 1 | 2 }
  | { type: 'proc'; path: string; generate: () => Uint8Array; text: Uint8Array | null };

/** struct file: shared by descriptors that were dup'ed or inherited across fork. */
export class OpenFile {
  /** f_pos. */
  pos = 0;
  refs = 1;
  constructor(
    readonly kind: FileKind,
    /** open(2) flags (f_flags). */
    readonly flags: number,
    /** FMODE_READ | FMODE_WRITE. */
    readonly fmode: number,
  ) {}
}

/** RLIMIT_NOFILE soft limit (1024 on Debian). */
export const NR_OPEN_DEFAULT = 1024;

export class FdTable {
  readonly fds: (OpenFile | null)[] = [];
  refs = 1;

  get(fd: number): OpenFile | null {
    if (!Number.isInteger(fd) || fd < 0 || fd >= this.fds.length) return null;
    return this.fds[fd];
  }

  /** get_unused_fd_flags(): the lowest free descriptor, or -EMFILE. */
  install(f: OpenFile): number {
    let fd = this.fds.indexOf(null);
    if (fd < 0) fd = this.fds.length;
    if (fd >= NR_OPEN_DEFAULT) return -ERRNO.EMFILE;
    this.fds[fd] = f;
    return fd;
  }

  /** close_fd(): the file whose last reference went away, or null. Returns -EBADF if fd is not open. */
  close(fd: number): OpenFile | null | number {
    const f = this.get(fd);
    if (f === null) return -ERRNO.EBADF;
    this.fds[fd] = null;
    f.refs--;
    return f.refs === 0 ? f : null;
  }

  /** dup_fd(): a copy for fork (the descriptions are shared). */
  clone(): FdTable {
    const t = new FdTable();
    for (const f of this.fds) {
      if (f) f.refs++;
      t.fds.push(f);
    }
    return t;
  }

  /** Number of slots (FDSize in /proc/<pid>/status: a multiple of 64). */
  get size(): number {
    return Math.max(64, Math.ceil(this.fds.length / 64) * 64);
  }
}
