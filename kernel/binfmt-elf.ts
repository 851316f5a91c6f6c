// binfmt_elf for T64 executables (fs/binfmt_elf.c: load_elf_binary, elf_load, create_elf_tables;
// fs/exec.c: bprm_mm_init, setup_arg_pages). The image's PT_LOAD segments are mapped MAP_PRIVATE
// from the file with their p_flags as protections, the bss past the file bytes is anonymous
// (padzero + vm_brk_flags), the break starts after the last segment (randomized when
// randomize_va_space is 2), and the [stack] VMA holds argv below the top of the address space.
import { checkT64Executable, parseElf, PF_R, PF_W, PF_X, ElfError } from './uapi/elf.ts';
import { MAP, PROT } from './uapi/constants.ts';
import {
  vmMmap, vmBrkFlags, archPickMmapLayout, randomizeStackTop, archAlignStack, archRandomizeBrk, setupArgPages,
  STACK_TOP, PAGE_SIZE, type Mm, type VmFile,
} from './mm/index.ts';
import type { Kernel } from './kernel.ts';
import type { MmGlue } from './mm-glue.ts';
import type { Task } from './task.ts';
import { OpenFile } from './fs/file.ts';
import { FMODE_READ } from './fs/vfs.ts';
import { le64 } from './uaccess.ts';

const pageStart = (a: number) => a - (a % PAGE_SIZE);
const pageOffset = (a: number) => a % PAGE_SIZE;
const pageAlign = (a: number) => Math.ceil(a / PAGE_SIZE) * PAGE_SIZE;
const isErr = (v: number) => v < 0 && v >= -4095;
/** AT_* auxiliary vector entries T64 programs get (only the terminator and the page size). */
const AT_NULL = 0, AT_PAGESZ = 6, AT_ENTRY = 9;

/** TASK_COMM_LEN - 1 bytes of the file name (__set_task_comm). */
export function commOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1).slice(0, 15);
}

/**
 * Replaces t's address space with the program at `path` (in the guest VFS). Returns null on
 * success or a one-line error (the runner turns it into a PagewalkError).
 */
export function loadElfBinary(k: Kernel, g: MmGlue, t: Task, path: string, argv: string[]): string | null {
  const inode = k.vfs.lookup(t.cwd, path);
  if (typeof inode === 'number' || inode.isDir) return `${path}: no such file in the guest file system`;
  const mapping = inode.data as VmFile['mapping'];
  // prepare_binprm() reads the first BINPRM_BUF_SIZE bytes and load_elf_phdrs() the program headers
  // through the page cache; the rest of the file stays on the device until it is faulted in.
  const bytes = new Uint8Array(mapping.size);
  bytes.set(mapping.read(0, 256));
  if (bytes.length >= 64) {
    const phoff = Number(new DataView(bytes.buffer).getBigUint64(32, true));
    const phnum = bytes[56] | (bytes[57] << 8);
    if (phoff > 0 && phoff < bytes.length) bytes.set(mapping.read(phoff, Math.min(phnum * 56, bytes.length - phoff)), phoff);
  }
  let elf;
  try {
    elf = parseElf(bytes, path, { sections: false });
    checkT64Executable(elf, path);
  } catch (e) {
    if (e instanceof ElfError) return e.message;
    throw e;
  }
  const kmm = g.kmm;
  // bprm_mm_init() / exec_mmap(): a fresh mm.
  const mm = kmm.newMm();
  if (mm === null) return `${path}: out of memory creating the address space`;
  const old = t.mm as Mm | null;
  t.mm = mm;
  t.comm = commOf(path);
  if (old !== null) g.exitMmap(old);
  k.loadCr3(mm);
  // The executable is mapped through an open file description (bprm->file), read-only.
  const file = new OpenFile({ type: 'inode', inode }, 0, FMODE_READ);
  const vmFile = g.vmFile(file)!;
  // setup_new_exec(): arch_pick_mmap_layout().
  archPickMmapLayout(kmm, mm);

  // setup_arg_pages(): the [stack] VMA at the (randomized) stack top, argv strings and pointers on it.
  const stackTop = randomizeStackTop(kmm, STACK_TOP);
  const strings = argv.map((s) => new TextEncoder().encode(s + '\0'));
  const fname = new TextEncoder().encode(path + '\0');
  const stringsLen = strings.reduce((n, s) => n + s.length, 0) + fname.length;
  // bprm->p: the strings sit at the top, below an 8-byte NULL marker (STACK_TOP - sizeof(void *)).
  let p = stackTop - 8 - stringsLen;
  const r = setupArgPages(kmm, mm, stackTop, p, t);
  if (isErr(r)) return `${path}: cannot set up the stack (${-r})`;
  // Copy the strings: argv, then the file name (fs/exec.c copy_string_kernel order: filename is first, highest).
  const strAddr: number[] = [];
  let q = p;
  for (const s of strings) {
    strAddr.push(q);
    if (k.copyToUser(q, s) !== s.length) return `${path}: cannot write the arguments`;
    q += s.length;
  }
  if (k.copyToUser(q, fname) !== fname.length) return `${path}: cannot write the file name`;
  // create_elf_tables(): arch_align_stack, then argc, argv[], NULL, envp NULL, auxv; sp 16-byte aligned.
  p = archAlignStack(kmm, p);
  const auxv = [[AT_PAGESZ, PAGE_SIZE], [AT_ENTRY, elf.header.entry], [AT_NULL, 0]];
  const words = 1 + argv.length + 1 + 1 + auxv.length * 2;
  let sp = p - words * 8;
  sp -= sp % 16;
  const tbl = new Uint8Array(words * 8);
  let w = 0;
  le64(tbl, w++ * 8, argv.length);
  for (const a of strAddr) le64(tbl, w++ * 8, a);
  le64(tbl, w++ * 8, 0);
  le64(tbl, w++ * 8, 0);
  for (const [key, val] of auxv) {
    le64(tbl, w++ * 8, key);
    le64(tbl, w++ * 8, val);
  }
  if (k.copyToUser(sp, tbl) !== tbl.length) return `${path}: cannot write the initial stack`;
  mm.startStack = sp;
  mm.argStart = strAddr.length > 0 ? strAddr[0] : q;
  mm.argEnd = q;
  mm.envStart = mm.envEnd = q;

  // The segments (elf_load for each PT_LOAD; ET_EXEC: load_bias 0, MAP_FIXED_NOREPLACE).
  let startCode = Infinity, endCode = 0, startData = 0, endData = 0, elfBrk = 0;
  for (const ph of elf.loads) {
    const prot = (ph.flags & PF_R ? PROT.PROT_READ : 0) | (ph.flags & PF_W ? PROT.PROT_WRITE : 0) | (ph.flags & PF_X ? PROT.PROT_EXEC : 0);
    const flags = MAP.MAP_PRIVATE | MAP.MAP_FIXED_NOREPLACE;
    let zeroStart: number, zeroEnd: number;
    if (ph.filesz > 0) {
      const mapAddr = vmMmap(kmm, mm, vmFile, pageStart(ph.vaddr), ph.filesz + pageOffset(ph.vaddr), prot, flags, ph.offset - pageOffset(ph.vaddr), t);
      if (isErr(mapAddr)) return `${path}: cannot map segment at 0x${ph.vaddr.toString(16)} (errno ${-mapAddr})`;
      zeroStart = mapAddr + pageOffset(ph.vaddr) + ph.filesz;
      zeroEnd = mapAddr + pageOffset(ph.vaddr) + ph.memsz;
      if (ph.memsz > ph.filesz && pageOffset(zeroStart) !== 0) {
        // padzero(): clear the rest of the last file page (a COW fault in a writable segment).
        const n = PAGE_SIZE - pageOffset(zeroStart);
        if (k.copyToUser(zeroStart, new Uint8Array(n)) !== n && prot & PROT.PROT_WRITE) return `${path}: cannot clear the bss`;
      }
    } else {
      zeroStart = pageStart(ph.vaddr);
      zeroEnd = zeroStart + pageOffset(ph.vaddr) + ph.memsz;
    }
    if (ph.memsz > ph.filesz) {
      const zs = pageAlign(zeroStart), ze = pageAlign(zeroEnd);
      const e = vmBrkFlags(kmm, mm, zs, ze - zs, prot & PROT.PROT_EXEC ? 0x4 /* VM_EXEC */ : 0);
      if (isErr(e)) return `${path}: cannot map the bss at 0x${zs.toString(16)} (errno ${-e})`;
    }
    if (ph.flags & PF_X && ph.vaddr < startCode) startCode = ph.vaddr;
    if (ph.flags & PF_X) endCode = Math.max(endCode, ph.vaddr + ph.filesz);
    if (ph.flags & PF_W) {
      if (startData === 0 || ph.vaddr < startData) startData = ph.vaddr;
      endData = Math.max(endData, ph.vaddr + ph.filesz);
    }
    elfBrk = Math.max(elfBrk, ph.vaddr + ph.memsz);
  }
  mm.startCode = startCode === Infinity ? 0 : startCode;
  mm.endCode = endCode;
  mm.startData = startData;
  mm.endData = endData;
  // The program break: the first page after the last segment (+ a random offset with randomize_va_space 2).
  mm.startBrk = mm.brk = pageAlign(elfBrk);
  if (kmm.randomizeVaSpace > 1) mm.startBrk = mm.brk = archRandomizeBrk(kmm, mm);

  // start_thread(): pc = entry, sp, r1 = argc, r2 = argv; everything else 0.
  t.regLo.fill(0);
  t.regHi.fill(0);
  const set = (r: number, v: number) => {
    t.regLo[r] = v >>> 0;
    t.regHi[r] = Math.floor(v / 0x100000000) >>> 0;
  };
  set(15, sp);
  set(1, argv.length);
  set(2, sp + 8);
  t.pcLo = elf.header.entry >>> 0;
  t.pcHi = Math.floor(elf.header.entry / 0x100000000) >>> 0;
  return null;
}
