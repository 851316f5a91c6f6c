// /proc/<pid>/maps, smaps, smaps_rollup and the memory part of status, in the exact format of
// Linux 6.x fs/proc/task_mmu.c (show_map_vma, show_smap, show_smaps_rollup, task_mem).
import { PTE_P as PTE_P_, PTE_A as PTE_A_, PTE_D as PTE_D_ } from '../../hw/pte.ts';
import type { KernelMm } from './kmm.ts';
import { MM_ANONPAGES as MM_ANONPAGES_, MM_FILEPAGES as MM_FILEPAGES_, MM_SHMEMPAGES as MM_SHMEMPAGES_, MM_SWAPENTS as MM_SWAPENTS_, type Mm } from './mm.ts';
import { type Vma, VM_READ as VM_READ_, VM_WRITE as VM_WRITE_, VM_EXEC as VM_EXEC_, VM_MAYSHARE as VM_MAYSHARE_, VM_LOCKED as VM_LOCKED_, VM_FLAG_MNEMONICS as VM_FLAG_MNEMONICS_, PAGE_SIZE as PAGE_SIZE_ } from './vma.ts';
import { PTE_PROTNONE as PTE_PROTNONE_, PTE_SPECIAL as PTE_SPECIAL_, walkToPmd as walkToPmd_, entryPfn as entryPfn_ } from './pgtable.ts';
import { PG_ANON as PG_ANON_, PG_SWAPBACKED as PG_SWAPBACKED_, PG_DIRTY as PG_DIRTY_, PG_REFERENCED as PG_REFERENCED_ } from './frames.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const walkToPmd = walkToPmd_;
const entryPfn = entryPfn_;
const PTE_P = PTE_P_;
const PTE_A = PTE_A_;
const PTE_D = PTE_D_;
const MM_ANONPAGES = MM_ANONPAGES_;
const MM_FILEPAGES = MM_FILEPAGES_;
const MM_SHMEMPAGES = MM_SHMEMPAGES_;
const MM_SWAPENTS = MM_SWAPENTS_;
const VM_READ = VM_READ_;
const VM_WRITE = VM_WRITE_;
const VM_EXEC = VM_EXEC_;
const VM_MAYSHARE = VM_MAYSHARE_;
const VM_LOCKED = VM_LOCKED_;
const VM_FLAG_MNEMONICS = VM_FLAG_MNEMONICS_;
const PAGE_SIZE = PAGE_SIZE_;
const PTE_PROTNONE = PTE_PROTNONE_;
const PTE_SPECIAL = PTE_SPECIAL_;
const PG_ANON = PG_ANON_;
const PG_SWAPBACKED = PG_SWAPBACKED_;
const PG_DIRTY = PG_DIRTY_;
const PG_REFERENCED = PG_REFERENCED_;

const hex = (v: number, width: number): string => v.toString(16).padStart(width, '0');
/** seq_put_decimal_ull_width(): right-aligned in `width`. */
const dec = (v: number, width: number): string => String(v).padStart(width, ' ');
/** Width of the maps header before the name column: 25 + sizeof(void *) * 6 - 1. */
const MAPS_PAD = 72;

/** show_vma_header_prefix(). */
function headerPrefix(start: number, end: number, flags: number, pgoffBytes: number, major: number, minor: number, ino: number): string {
  return `${hex(start, 8)}-${hex(end, 8)} ${flags & VM_READ ? 'r' : '-'}${flags & VM_WRITE ? 'w' : '-'}${flags & VM_EXEC ? 'x' : '-'}${flags & VM_MAYSHARE ? 's' : 'p'} ${hex(pgoffBytes, 8)} ${hex(major, 2)}:${hex(minor, 2)} ${ino} `;
}

/** get_vma_name(): the path or [heap]/[stack]/special name, or null. */
function vmaName(vma: Vma): string | null {
  if (vma.file !== null) return vma.file.path;
  if (vma.special !== null) return vma.special;
  const mm = vma.mm;
  // vma_is_initial_heap() / vma_is_initial_stack()
  if (vma.start < mm.brk && vma.end > mm.startBrk) return '[heap]';
  if (vma.start <= mm.startStack && vma.end >= mm.startStack) return '[stack]';
  return null;
}

/** show_map_vma(): one line of /proc/<pid>/maps. */
export function showMapVma(vma: Vma): string {
  let line: string;
  if (vma.file !== null) {
    const as = vma.file.mapping;
    line = headerPrefix(vma.start, vma.end, vma.flags, vma.pgoff * PAGE_SIZE, as.devMajor, as.devMinor, as.ino);
  } else line = headerPrefix(vma.start, vma.end, vma.flags, 0, 0, 0, 0);
  const name = vmaName(vma);
  if (name !== null) line = line.padEnd(MAPS_PAD, ' ') + ' ' + name;
  return line + '\n';
}

/** /proc/<pid>/maps. */
export function showMaps(kmm: KernelMm, mm: Mm): string {
  let s = '';
  for (let v = mm.vmas.first; v !== null; v = v.next) s += showMapVma(v);
  void kmm;
  return s;
}

/** struct mem_size_stats (bytes; pss values << PSS_SHIFT). */
interface Mss {
  resident: number; sharedClean: number; sharedDirty: number; privateClean: number; privateDirty: number;
  referenced: number; anonymous: number; lazyfree: number; swap: number;
  pss: number; pssDirty: number; pssAnon: number; pssFile: number; pssShmem: number; pssLocked: number;
}
const newMss = (): Mss => ({
  resident: 0, sharedClean: 0, sharedDirty: 0, privateClean: 0, privateDirty: 0, referenced: 0, anonymous: 0,
  lazyfree: 0, swap: 0, pss: 0, pssDirty: 0, pssAnon: 0, pssFile: 0, pssShmem: 0, pssLocked: 0,
});
const PSS_SHIFT = 12;

/** smap_gather_stats() → smaps_pte_entry() → smaps_account() for every present PTE of the VMA. */
function gatherStats(kmm: KernelMm, vma: Vma, mss: Mss): void {
  const phys = kmm.phys;
  const fr = kmm.frames;
  const locked = (vma.flags & VM_LOCKED) !== 0;
  const pgd = vma.mm.pgd;
  for (let addr = vma.start; addr < vma.end;) {
    const pmdEa = walkToPmd(phys, pgd, addr);
    const stop = Math.min((Math.floor(addr / 0x200000) + 1) * 0x200000, vma.end);
    if (pmdEa < 0 || (phys.read32(pmdEa) & PTE_P) === 0) {
      addr = stop;
      continue;
    }
    const pt = entryPfn(phys.read32(pmdEa), phys.read32(pmdEa + 4)) * 4096;
    for (; addr < stop; addr += PAGE_SIZE) {
      const ea = pt + (Math.floor(addr / 4096) & 511) * 8;
      const lo = phys.read32(ea);
      if ((lo & (PTE_P | PTE_PROTNONE)) === 0 || (lo & PTE_SPECIAL) !== 0) continue; // vm_normal_page() == NULL
      const pfn = entryPfn(lo, phys.read32(ea + 4));
      const fl = fr.flags[pfn];
      const size = PAGE_SIZE;
      const dirty = (lo & PTE_D) !== 0 || (fl & PG_DIRTY) !== 0;
      const anon = (fl & PG_ANON) !== 0;
      if (anon) {
        mss.anonymous += size;
        if ((fl & PG_SWAPBACKED) === 0 && !dirty) mss.lazyfree += size;
      }
      mss.resident += size;
      if ((lo & PTE_A) !== 0 || (fl & PG_REFERENCED) !== 0) mss.referenced += size;
      const mapcount = fr.mapcount[pfn];
      let pss = size * 2 ** PSS_SHIFT;
      const priv = fr.refcount[pfn] === 1 || mapcount < 2;
      if (fr.refcount[pfn] !== 1 && mapcount >= 2) pss = Math.floor(pss / mapcount);
      mss.pss += pss;
      if (anon) mss.pssAnon += pss;
      else if ((fl & PG_SWAPBACKED) !== 0) mss.pssShmem += pss;
      else mss.pssFile += pss;
      if (locked) mss.pssLocked += pss;
      if (dirty) {
        mss.pssDirty += pss;
        if (priv) mss.privateDirty += size;
        else mss.sharedDirty += size;
      } else if (priv) mss.privateClean += size;
      else mss.sharedClean += size;
    }
  }
}

const kb = (bytes: number): number => Math.floor(bytes / 1024);
const pssKb = (v: number): number => Math.floor(Math.floor(v / 2 ** PSS_SHIFT) / 1024);

/** __show_smap(). */
function showSmapBody(mss: Mss, rollup: boolean): string {
  let s = `Rss:            ${dec(kb(mss.resident), 8)} kB\n`;
  s += `Pss:            ${dec(pssKb(mss.pss), 8)} kB\n`;
  s += `Pss_Dirty:      ${dec(pssKb(mss.pssDirty), 8)} kB\n`;
  if (rollup) {
    s += `Pss_Anon:       ${dec(pssKb(mss.pssAnon), 8)} kB\n`;
    s += `Pss_File:       ${dec(pssKb(mss.pssFile), 8)} kB\n`;
    s += `Pss_Shmem:      ${dec(pssKb(mss.pssShmem), 8)} kB\n`;
  }
  s += `Shared_Clean:   ${dec(kb(mss.sharedClean), 8)} kB\n`;
  s += `Shared_Dirty:   ${dec(kb(mss.sharedDirty), 8)} kB\n`;
  s += `Private_Clean:  ${dec(kb(mss.privateClean), 8)} kB\n`;
  s += `Private_Dirty:  ${dec(kb(mss.privateDirty), 8)} kB\n`;
  s += `Referenced:     ${dec(kb(mss.referenced), 8)} kB\n`;
  s += `Anonymous:      ${dec(kb(mss.anonymous), 8)} kB\n`;
  s += `KSM:            ${dec(0, 8)} kB\n`;
  s += `LazyFree:       ${dec(kb(mss.lazyfree), 8)} kB\n`;
  s += `AnonHugePages:  ${dec(0, 8)} kB\n`;
  s += `ShmemPmdMapped: ${dec(0, 8)} kB\n`;
  s += `FilePmdMapped:  ${dec(0, 8)} kB\n`;
  s += `Shared_Hugetlb: ${dec(0, 8)} kB\n`;
  s += `Private_Hugetlb: ${dec(0, 7)} kB\n`;
  s += `Swap:           ${dec(kb(mss.swap), 8)} kB\n`;
  s += `SwapPss:        ${dec(0, 8)} kB\n`;
  s += `Locked:         ${dec(pssKb(mss.pssLocked), 8)} kB\n`;
  return s;
}

/** show_smap_vma_flags(). */
function vmFlagsLine(flags: number): string {
  let s = 'VmFlags: ';
  for (const [bit, name] of VM_FLAG_MNEMONICS) if ((flags & bit) !== 0) s += name + ' ';
  return s + '\n';
}

/** /proc/<pid>/smaps. */
export function showSmaps(kmm: KernelMm, mm: Mm): string {
  let s = '';
  for (let v = mm.vmas.first; v !== null; v = v.next) {
    const mss = newMss();
    gatherStats(kmm, v, mss);
    s += showMapVma(v);
    s += `Size:           ${dec(kb(v.end - v.start), 8)} kB\n`;
    s += `KernelPageSize: ${dec(4, 8)} kB\n`;
    s += `MMUPageSize:    ${dec(4, 8)} kB\n`;
    s += showSmapBody(mss, false);
    s += `THPeligible:    ${dec(0, 8)}\n`;
    s += vmFlagsLine(v.flags);
  }
  return s;
}

/** /proc/<pid>/smaps_rollup. */
export function showSmapsRollup(kmm: KernelMm, mm: Mm): string {
  const mss = newMss();
  const first = mm.vmas.first;
  const last = mm.vmas.last;
  for (let v = first; v !== null; v = v.next) gatherStats(kmm, v, mss);
  const start = first !== null ? first.start : 0;
  const end = last !== null ? last.end : 0;
  return headerPrefix(start, end, 0, 0, 0, 0, 0).padEnd(MAPS_PAD, ' ') + ' [rollup]\n' + showSmapBody(mss, true);
}

/** task_mem(): the Vm and Rss lines of /proc/<pid>/status, then HugetlbPages. */
export function taskMemStatus(kmm: KernelMm, mm: Mm): string {
  const anon = mm.rss[MM_ANONPAGES];
  const file = mm.rss[MM_FILEPAGES];
  const shmem = mm.rss[MM_SHMEMPAGES];
  const totalVm = mm.totalVm;
  const hiwaterVm = Math.max(totalVm, mm.hiwaterVm);
  const totalRss = anon + file + shmem;
  const hiwaterRss = Math.max(totalRss, mm.hiwaterRss);
  let text = pageAlignUp(mm.endCode) - Math.floor(mm.startCode / PAGE_SIZE) * PAGE_SIZE;
  text = Math.max(0, Math.min(text, mm.execVm * PAGE_SIZE));
  const lib = mm.execVm * PAGE_SIZE - text;
  const swap = mm.rss[MM_SWAPENTS];
  const k = (pages: number): string => dec(pages * 4, 8);
  void kmm;
  return (
    `VmPeak:\t${k(hiwaterVm)} kB\n` +
    `VmSize:\t${k(totalVm)} kB\n` +
    `VmLck:\t${k(mm.lockedVm)} kB\n` +
    `VmPin:\t${k(mm.pinnedVm)} kB\n` +
    `VmHWM:\t${k(hiwaterRss)} kB\n` +
    `VmRSS:\t${k(totalRss)} kB\n` +
    `RssAnon:\t${k(anon)} kB\n` +
    `RssFile:\t${k(file)} kB\n` +
    `RssShmem:\t${k(shmem)} kB\n` +
    `VmData:\t${k(mm.dataVm)} kB\n` +
    `VmStk:\t${k(mm.stackVm)} kB\n` +
    `VmExe:\t${dec(Math.floor(text / 1024), 8)} kB\n` +
    `VmLib:\t${dec(Math.floor(lib / 1024), 8)} kB\n` +
    `VmPTE:\t${dec(Math.floor(mm.pgtablesBytes / 1024), 8)} kB\n` +
    `VmSwap:\t${k(swap)} kB\n` +
    `HugetlbPages:\t${dec(0, 8)} kB\n`
  );
}

const pageAlignUp = (x: number): number => Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;
