// struct mm_struct: one address space (include/linux/mm_types.h).
import { VmaTree } from './vma-tree.ts';
import { PAGE_SIZE as PAGE_SIZE_ } from './vma.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const PAGE_SIZE = PAGE_SIZE_;

/** enum mm counters (NR_MM_COUNTERS). */
export const MM_FILEPAGES = 0;
export const MM_ANONPAGES = 1;
export const MM_SWAPENTS = 2;
export const MM_SHMEMPAGES = 3;

let nextMmId = 1;

export class Mm {
  readonly id = nextMmId++;
  /** Frame of the PML4 (mm->pgd). */
  pgd: number;
  /** PCID this mm runs with (1..4095). */
  pcid: number;
  readonly vmas = new VmaTree();
  /** mm_users: tasks sharing this mm (CLONE_VM threads); exit_mmap runs when it drops to 0. */
  users = 1;
  // vm accounting, in pages (mm->total_vm, locked_vm, ...)
  totalVm = 0;
  lockedVm = 0;
  pinnedVm = 0;
  dataVm = 0;
  execVm = 0;
  stackVm = 0;
  hiwaterVm = 0;
  hiwaterRss = 0;
  /** get_mm_counter() by MM_* index, in pages. */
  readonly rss = new Float64Array(4);
  /** mm_pgtables_bytes(): page-table pages below the pgd, plus the pgd. */
  pgtablesBytes = PAGE_SIZE;
  // layout (arch_pick_mmap_layout, binfmt_elf)
  mmapBase = 0;
  mmapLegacyBase = 0;
  topDown = true;
  startCode = 0;
  endCode = 0;
  startData = 0;
  endData = 0;
  startBrk = 0;
  brk = 0;
  startStack = 0;
  argStart = 0;
  argEnd = 0;
  envStart = 0;
  envEnd = 0;
  /** mm->def_flags: VM_LOCKED / VM_LOCKONFAULT after mlockall(MCL_FUTURE). */
  defFlags = 0;
  // rlimits and capabilities of the owner (programs run as root, as the fixtures did)
  rlimStack = 8 * 1024 * 1024;
  rlimMemlock = 8 * 1024 * 1024;
  rlimAs = Infinity;
  rlimData = Infinity;
  capIpcLock = true;
  /** CPUs (bit mask) whose TLB may hold stale entries of this mm's PCID: flush at the next switch to it. */
  staleCpus = 0;
  /** Set by exit_mmap. */
  dead = false;

  constructor(pgd: number, pcid: number) {
    this.pgd = pgd;
    this.pcid = pcid;
  }

  get mapCount(): number {
    return this.vmas.count;
  }

  /** get_mm_rss(). */
  rssPages(): number {
    return this.rss[MM_FILEPAGES] + this.rss[MM_ANONPAGES] + this.rss[MM_SHMEMPAGES];
  }

  /** update_hiwater_rss(): called before RSS is lowered. */
  updateHiwaterRss(): void {
    const r = this.rssPages();
    if (this.hiwaterRss < r) this.hiwaterRss = r;
  }

  /** update_hiwater_vm(): called before total_vm is lowered. */
  updateHiwaterVm(): void {
    if (this.hiwaterVm < this.totalVm) this.hiwaterVm = this.totalVm;
  }
}
