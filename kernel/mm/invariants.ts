// The invariant checker: the frame metadata, the page tables and the VMAs agree.
// - every frame's refcount equals its users (PTEs mapping it + the page cache + page-table use),
//   and its mapcount equals the PTEs that map it;
// - the RSS counters of each mm equal its present PTEs by kind;
// - every present user PTE lies inside a VMA that allows the access it grants;
// - after all processes exit no frame is leaked (only the page cache and the kernel hold frames).
import { PTE_P as PTE_P_, PTE_RW as PTE_RW_, PTE_US as PTE_US_, PTE_HI_XD as PTE_HI_XD_ } from '../../hw/pte.ts';
import type { KernelMm } from './kmm.ts';
import type { Mm } from './mm.ts';
import { VM_WRITE as VM_WRITE_, VM_EXEC as VM_EXEC_, VM_READ as VM_READ_ } from './vma.ts';
import { PTE_PROTNONE as PTE_PROTNONE_, PTE_SPECIAL as PTE_SPECIAL_, entryPfn as entryPfn_, KERNEL_PGD_BOUNDARY as KERNEL_PGD_BOUNDARY_ } from './pgtable.ts';
import { PG_BUDDY as PG_BUDDY_, PG_RESERVED as PG_RESERVED_, PG_PGTABLE as PG_PGTABLE_, PG_KERNEL as PG_KERNEL_ } from './frames.ts';
import { mmCounter as mmCounter_ } from './memory.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const entryPfn = entryPfn_;
const mmCounter = mmCounter_;
const PTE_P = PTE_P_;
const PTE_RW = PTE_RW_;
const PTE_US = PTE_US_;
const PTE_HI_XD = PTE_HI_XD_;
const VM_WRITE = VM_WRITE_;
const VM_EXEC = VM_EXEC_;
const VM_READ = VM_READ_;
const PTE_PROTNONE = PTE_PROTNONE_;
const PTE_SPECIAL = PTE_SPECIAL_;
const KERNEL_PGD_BOUNDARY = KERNEL_PGD_BOUNDARY_;
const PG_BUDDY = PG_BUDDY_;
const PG_RESERVED = PG_RESERVED_;
const PG_PGTABLE = PG_PGTABLE_;
const PG_KERNEL = PG_KERNEL_;

/** Returns the violations found (empty when consistent). */
export function checkInvariants(kmm: KernelMm): string[] {
  const errs: string[] = [];
  const fr = kmm.frames;
  const phys = kmm.phys;
  const n = fr.nframes;
  const refs = new Int32Array(n);
  const maps = new Int32Array(n);
  for (const as of kmm.mappings) {
    if (as === undefined) continue;
    for (const [pgoff, pfn] of as.pages) {
      refs[pfn]++;
      if (fr.index[pfn] !== pgoff || fr.mapping[pfn] !== as.id) errs.push(`page-cache page pfn ${pfn} of mapping ${as.id} has wrong mapping/index`);
    }
  }
  for (const mm of kmm.mms) {
    refs[mm.pgd]++;
    checkMm(kmm, mm, refs, maps, errs);
  }
  for (let p = 0; p < n; p++) {
    const fl = fr.flags[p];
    if ((fl & (PG_BUDDY | PG_RESERVED)) !== 0 || (fl & PG_KERNEL) !== 0) continue;
    if (fr.refcount[p] === 0) continue; // inside a free buddy block
    if (fr.refcount[p] !== refs[p]) errs.push(`pfn ${p}: refcount ${fr.refcount[p]} but ${refs[p]} users`);
    if ((fl & PG_PGTABLE) === 0 && fr.mapcount[p] !== maps[p]) errs.push(`pfn ${p}: mapcount ${fr.mapcount[p]} but ${maps[p]} PTEs`);
  }
  void phys;
  return errs;
}

function checkMm(kmm: KernelMm, mm: Mm, refs: Int32Array, maps: Int32Array, errs: string[]): void {
  const phys = kmm.phys;
  const rss = [0, 0, 0, 0];
  let tables = 1;
  const pgdBase = mm.pgd * 4096;
  for (let g = 0; g < KERNEL_PGD_BOUNDARY; g++) {
    const gl = phys.read32(pgdBase + g * 8);
    if ((gl & PTE_P) === 0) continue;
    const pud = entryPfn(gl, phys.read32(pgdBase + g * 8 + 4));
    refs[pud]++;
    tables++;
    for (let u = 0; u < 512; u++) {
      const ul = phys.read32(pud * 4096 + u * 8);
      if ((ul & PTE_P) === 0) continue;
      const pmd = entryPfn(ul, phys.read32(pud * 4096 + u * 8 + 4));
      refs[pmd]++;
      tables++;
      for (let m = 0; m < 512; m++) {
        const ml = phys.read32(pmd * 4096 + m * 8);
        if ((ml & PTE_P) === 0) continue;
        const pt = entryPfn(ml, phys.read32(pmd * 4096 + m * 8 + 4));
        refs[pt]++;
        tables++;
        for (let i = 0; i < 512; i++) {
          const ea = pt * 4096 + i * 8;
          const lo = phys.read32(ea);
          if ((lo & (PTE_P | PTE_PROTNONE)) === 0) continue;
          const hi = phys.read32(ea + 4);
          const addr = g * 0x8000000000 + u * 0x40000000 + m * 0x200000 + i * 4096;
          const vma = mm.vmas.lookup(addr);
          if (vma === null) {
            errs.push(`mm ${mm.id}: PTE at 0x${addr.toString(16)} outside every VMA`);
            continue;
          }
          if ((lo & PTE_P) !== 0) {
            if ((lo & PTE_US) === 0) errs.push(`mm ${mm.id}: user PTE at 0x${addr.toString(16)} without U/S`);
            if ((lo & PTE_RW) !== 0 && (vma.flags & VM_WRITE) === 0) errs.push(`mm ${mm.id}: writable PTE at 0x${addr.toString(16)} in a VMA without VM_WRITE`);
            if ((hi & PTE_HI_XD) === 0 && (vma.flags & VM_EXEC) === 0) errs.push(`mm ${mm.id}: executable PTE at 0x${addr.toString(16)} in a VMA without VM_EXEC`);
            if ((vma.flags & (VM_READ | VM_WRITE | VM_EXEC)) === 0) errs.push(`mm ${mm.id}: present PTE at 0x${addr.toString(16)} in a PROT_NONE VMA`);
          }
          if ((lo & PTE_SPECIAL) !== 0) continue;
          const pfn = entryPfn(lo, hi);
          refs[pfn]++;
          maps[pfn]++;
          rss[mmCounter(kmm, pfn)]++;
        }
      }
    }
  }
  for (let k = 0; k < 4; k++) if (rss[k] !== mm.rss[k]) errs.push(`mm ${mm.id}: rss counter ${k} is ${mm.rss[k]} but ${rss[k]} PTEs`);
  if (tables * 4096 !== mm.pgtablesBytes) errs.push(`mm ${mm.id}: pgtables_bytes ${mm.pgtablesBytes} but ${tables} tables`);
}
