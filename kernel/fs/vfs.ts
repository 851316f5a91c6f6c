// A tmpfs-like VFS: directories and regular files in one tree (fs/namei.c path walk, fs/open.c).
// A regular file's data lives in the mm's page cache (its AddressSpace): the VFS only names files
// and keeps i_size-independent metadata; reads and writes go through the `FileData` operations the
// kernel wires to kernel/mm.
import { ERRNO, O } from '../uapi/constants.ts';
import { NAME_MAX, PATH_MAX } from './path.ts';

export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;

/** The operations on a regular file's data (implemented over the mm's AddressSpace). */
export interface FileData {
  /** i_size in bytes. */
  size(): number;
}

/** Device number of the file system, as /proc/<pid>/maps prints it (major:minor). */
export interface DevNo { major: number; minor: number }

export class Inode {
  readonly children: Map<string, Inode> | null;
  parent: Inode;
  nlink = 1;
  constructor(
    readonly ino: number,
    readonly mode: number,
    readonly dev: DevNo,
    /** The page-cache object of a regular file (null for directories). */
    public data: unknown,
    parent: Inode | null,
    public name: string,
  ) {
    this.children = (mode & S_IFDIR) === S_IFDIR ? new Map() : null;
    this.parent = parent ?? this;
  }
  get isDir(): boolean {
    return this.children !== null;
  }
  /** The absolute path (d_path), " (deleted)" appended once unlinked. */
  path(): string {
    const parts: string[] = [];
    let n: Inode = this;
    while (n.parent !== n) {
      parts.push(n.name);
      n = n.parent;
    }
    const p = '/' + parts.reverse().join('/');
    return this.nlink === 0 ? p + ' (deleted)' : p;
  }
}

export type LookupResult = Inode | number; // a negative errno

export class Vfs {
  private nextIno = 2;
  readonly root: Inode;
  constructor(readonly dev: DevNo = { major: 0, minor: 0x1c }) {
    this.root = new Inode(this.nextIno++, S_IFDIR | 0o755, dev, null, null, '');
  }

  /** Looks up `path` relative to `cwd` (fs/namei.c: path_lookupat). Errors: ENOENT, ENOTDIR, ENAMETOOLONG. */
  lookup(cwd: Inode, path: string): LookupResult {
    const r = this.walkParent(cwd, path);
    if (typeof r === 'number') return r;
    const [dir, last] = r;
    if (last === '') return dir;
    if (last === '.') return dir;
    if (last === '..') return dir.parent;
    return dir.children!.get(last) ?? -ERRNO.ENOENT;
  }

  /**
   * Walks every component but the last: returns the directory and the last component
   * ('' when the path names a directory, e.g. "/" or "a/").
   */
  walkParent(cwd: Inode, path: string): [Inode, string] | number {
    if (path.length === 0) return -ERRNO.ENOENT;
    if (path.length >= PATH_MAX) return -ERRNO.ENAMETOOLONG;
    let dir = path.startsWith('/') ? this.root : cwd;
    const comps = path.split('/').filter((c) => c !== '');
    const trailingSlash = path.endsWith('/');
    for (const c of comps) if (c.length > NAME_MAX) return -ERRNO.ENAMETOOLONG;
    const n = comps.length;
    for (let i = 0; i < n - (trailingSlash ? 0 : 1); i++) {
      const c = comps[i];
      if (!dir.isDir) return -ERRNO.ENOTDIR;
      if (c === '.') continue;
      if (c === '..') {
        dir = dir.parent;
        continue;
      }
      const next = dir.children!.get(c);
      if (next === undefined) return -ERRNO.ENOENT;
      dir = next;
    }
    if (!dir.isDir) return -ERRNO.ENOTDIR;
    return [dir, trailingSlash || n === 0 ? '' : comps[n - 1]];
  }

  /** Creates a regular file `name` in `dir` with page-cache object `data`. */
  createFile(dir: Inode, name: string, data: unknown, mode = 0o644): Inode {
    const ino = new Inode(this.nextIno++, S_IFREG | (mode & 0o7777), this.dev, data, dir, name);
    dir.children!.set(name, ino);
    return ino;
  }

  /** mkdir -p: returns the directory at `path` (absolute), creating missing ones. */
  mkdirs(path: string): Inode {
    let dir = this.root;
    for (const c of path.split('/').filter((x) => x !== '' && x !== '.')) {
      let next = dir.children!.get(c);
      if (next === undefined) {
        next = new Inode(this.nextIno++, S_IFDIR | 0o755, this.dev, null, dir, c);
        dir.children!.set(c, next);
      }
      if (!next.isDir) throw new Error(`${path}: ${c} is not a directory`);
      dir = next;
    }
    return dir;
  }

  /** Removes a name (the inode lives on while open or mapped; its path then reads "(deleted)"). */
  unlink(dir: Inode, name: string): number {
    const ino = dir.children!.get(name);
    if (ino === undefined) return -ERRNO.ENOENT;
    if (ino.isDir) return -ERRNO.EISDIR;
    dir.children!.delete(name);
    ino.nlink = 0;
    return 0;
  }
}

/** open(2) access mode → FMODE_READ/FMODE_WRITE (fs/open.c: OPEN_FMODE). */
export const FMODE_READ = 1, FMODE_WRITE = 2;
export function openFmode(flags: number): number {
  const acc = flags & O.O_ACCMODE;
  return acc === O.O_RDONLY ? FMODE_READ : acc === O.O_WRONLY ? FMODE_WRITE : acc === O.O_RDWR ? FMODE_READ | FMODE_WRITE : 0;
}
