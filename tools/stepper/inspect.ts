// What the stepper prints about the machine: registers, the translation in progress, the TLB
// sets and ways, the paging-structure caches, the page-table path of an address and memory.
// Everything here reads state without changing it (no TLB fills, no A/D updates).
import type { Cpu } from '../../hw/cpu/cpu.ts';
import type { PhysMem } from '../../hw/mem/phys-mem.ts';
import type { Mmu, TlbLevel } from '../../hw/mmu/mmu.ts';
import { ATTR_D, ATTR_G, ATTR_PK_SHIFT, ATTR_RW, ATTR_SIZE_SHIFT, ATTR_US, ATTR_XD, SIZE_NAMES, SIZE_SHIFT, type TlbArray } from '../../hw/mmu/tlb.ts';
import { PTE_P, PTE_PS, pteAddr } from '../../hw/pte.ts';
import { formatInsn } from '../../userland/disasm/format.ts';
import { hex64, hexLa, hexPa, num } from '../format.ts';
import { levelIndex, levelName } from '../trace/decode.ts';
import { walkStepText } from '../trace/text.ts';

const REG_NAMES = Array.from({ length: 16 }, (_, i) => (i === 15 ? 'sp' : `r${i}`));

export function reg64(cpu: Pick<Cpu, 'regLo' | 'regHi'>, r: number): bigint {
  return (BigInt(cpu.regHi[r]) << 32n) | BigInt(cpu.regLo[r]);
}

export function pcOf(cpu: Pick<Cpu, 'pcLo' | 'pcHi'>): bigint {
  return (BigInt(cpu.pcHi) << 32n) | BigInt(cpu.pcLo);
}

/** r0..r15 four per line, then pc. */
export function formatRegs(cpu: Pick<Cpu, 'regLo' | 'regHi' | 'pcLo' | 'pcHi'>): string[] {
  const lines: string[] = [];
  for (let r = 0; r < 16; r += 4) {
    const cells: string[] = [];
    for (let i = r; i < r + 4; i++) cells.push(`${REG_NAMES[i].padStart(3)} ${hex64(reg64(cpu, i))}`);
    lines.push(cells.join('  '));
  }
  lines.push(` pc ${hex64(pcOf(cpu))}`);
  return lines;
}

export interface PageTablePathStep {
  level: number;
  entryAddr: number;
  entry: bigint;
}

/** The paging-structure entries that translate `la` under the table at `root` (SDM 4.5.4). */
export function pageTablePath(phys: PhysMem, root: number, la: bigint, levels = 4): { steps: PageTablePathStep[]; pa: number | null; pageSize: number } {
  const steps: PageTablePathStep[] = [];
  let table = root;
  for (let level = levels; level >= 1; level--) {
    const entryAddr = table + 8 * levelIndex(la, level);
    const lo = phys.read32(entryAddr), hi = phys.read32(entryAddr + 4);
    const entry = (BigInt(hi) << 32n) | BigInt(lo);
    steps.push({ level, entryAddr, entry });
    if (!(lo & PTE_P)) return { steps, pa: null, pageSize: 0 };
    const leaf = level === 1 || ((level === 2 || level === 3) && (lo & PTE_PS) !== 0);
    if (leaf) {
      const shift = 12 + 9 * (level - 1);
      const mask = (1n << BigInt(shift)) - 1n;
      const base = BigInt(pteAddr(lo, hi)) & ~mask;
      return { steps, pa: Number(base | (BigInt.asUintN(64, la) & mask)), pageSize: 2 ** shift };
    }
    table = pteAddr(lo, hi);
  }
  return { steps, pa: null, pageSize: 0 };
}

export function formatPageTablePath(phys: PhysMem, root: number, la: bigint): string[] {
  const { steps, pa, pageSize } = pageTablePath(phys, root, la);
  const lines = [`page-table path of ${hexLa(la)} (cr3 table at ${hexPa(root)}):`];
  for (const s of steps)
    lines.push('  ' + walkStepText({ kind: 'walk-step', cycle: 0, cpu: 0, la, level: s.level, entryAddr: s.entryAddr, entry: s.entry, pscHit: false, note: '' }));
  lines.push(pa === null ? '  => not mapped (the walk ends at a non-present entry: an access faults)' : `  => pa ${hexPa(pa)} in a ${pageSize === 4096 ? '4 KiB' : pageSize === 2 ** 21 ? '2 MiB' : '1 GiB'} page`);
  return lines;
}

/** Hex dump of `len` bytes at linear address `la`, translated without side effects. */
export function formatMemory(phys: PhysMem, root: number, la: bigint, len: number): string[] {
  const lines: string[] = [];
  for (let off = 0; off < len; off += 16) {
    const a = la + BigInt(off);
    const bytes: string[] = [];
    let ascii = '';
    for (let i = 0; i < 16 && off + i < len; i++) {
      const { pa } = pageTablePath(phys, root, a + BigInt(i));
      if (pa === null) {
        bytes.push('??');
        ascii += ' ';
        continue;
      }
      const b = phys.read8(pa);
      bytes.push(b.toString(16).padStart(2, '0'));
      ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    }
    lines.push(`${hexLa(a)}:  ${bytes.join(' ').padEnd(47)}  |${ascii}|`);
  }
  if (lines.some((l) => l.includes('??'))) lines.push('(?? = not mapped: no present page-table entry)');
  return lines;
}

/**
 * The instruction at `pc`, disassembled. When its page is not mapped yet, `image` (the
 * program file's bytes at an address) is used and the line says the fetch will fault.
 */
export function insnAt(
  phys: PhysMem, root: number, pc: bigint, label?: (a: bigint) => string | undefined, image?: (a: bigint, n: number) => Uint8Array | undefined,
): string {
  const { pa } = pageTablePath(phys, root, pc);
  if (pa === null) {
    const b = image?.(pc, 8);
    const text = b ? formatInsn(b, 0, pc, label) : undefined;
    return text ? `${text}   (page not mapped yet: the fetch will fault)` : '(not mapped)';
  }
  const bytes = phys.readBytes(pa, 8);
  return formatInsn(bytes, 0, pc, label) ?? `.quad ${hex64(phys.read64n(pa))}`;
}

/** The translation in flight on the cycle-stepped path. */
export function formatWalk(mmu: Mmu, cpu: Cpu): string[] {
  const s = mmu.state;
  if (cpu.atBoundary) return ['no instruction in flight (between instructions)'];
  if (!mmu.busy) return ['the instruction is past its translations (executing)'];
  const lines = [`translating ${hexLa(s.la)}${s.piece ? ' (second page of a straddling access)' : ''}: phase ${s.phase}, ${num(s.cyclesLeft)} cycle${s.cyclesLeft === 1 ? '' : 's'} left in it`];
  if (s.phase === 'walk') lines.push(`  reading the ${s.levelName} (level ${s.level}) at ${hexPa(s.entryAddr)}: entry ${levelIndex(s.la, s.level)} of the ${TABLE_NAMES[s.level]}`);
  return lines;
}

/** The table each level's entries live in, as the SDM names them. */
const TABLE_NAMES = ['', 'page table', 'page directory', 'page-directory-pointer table', 'PML4 table', 'PML5 table'];

const SIZE_NAME = SIZE_NAMES as readonly string[];

/** Decoded entry i of a TLB array: linear page, frame, size, PCID and rights. */
function tlbEntry(t: TlbArray, i: number): string | null {
  const key = t.key[i];
  if (key < 0) return null;
  const code = key % 8;
  const page = Math.floor(key / 8);
  let la = BigInt(page) << BigInt(SIZE_SHIFT[code]);
  if (la & (1n << 47n)) la |= 0xffff000000000000n; // sign-extend (4-level)
  const a = t.attr[i];
  const rights = [a & ATTR_RW ? 'RW' : 'RO', a & ATTR_US ? 'US' : 'SU', a & ATTR_XD ? 'XD' : 'X'];
  if (a & ATTR_D) rights.push('D');
  if (a & ATTR_G) rights.push('G');
  const pk = (a >>> ATTR_PK_SHIFT) & 0xf;
  if (pk) rights.push(`PK${pk}`);
  const size = SIZE_NAME[(a >>> ATTR_SIZE_SHIFT) & 3] ?? SIZE_NAME[code];
  const asid = t.asid[i] < 0 ? 'global' : `pcid ${t.asid[i]}`;
  return `${hexLa(la)} -> ${hexPa(t.base[i])} ${size} ${asid} ${rights.join(' ')}`;
}

/** A TLB array's valid entries by set and way (empty sets omitted). */
export function formatTlbArray(t: TlbArray): string[] {
  const lines: string[] = [];
  let valid = 0;
  for (let set = 0; set < t.sets; set++) {
    const ways: string[] = [];
    for (let w = 0; w < t.ways; w++) {
      const e = tlbEntry(t, set * t.ways + w);
      if (e !== null) {
        valid++;
        ways.push(`    way ${w}: ${e}`);
      }
    }
    if (ways.length) lines.push(`  set ${set}:`, ...ways);
  }
  return [`${t.name}: ${num(t.sets)} sets x ${num(t.ways)} ways, ${num(valid)} valid`, ...lines];
}

export function formatTlbLevel(level: TlbLevel): string[] {
  const out: string[] = [];
  for (const a of level.arrays) out.push(...formatTlbArray(a));
  return out;
}

/** The paging-structure caches (SDM 4.10.3): one per upper level. */
export function formatPsc(mmu: Mmu): string[] {
  const out: string[] = [];
  for (let level = 5; level >= 2; level--) {
    const t = mmu.psc[level];
    if (!t) continue;
    const lines: string[] = [];
    let valid = 0;
    for (let i = 0; i < t.key.length; i++) {
      const key = t.key[i];
      if (key < 0) continue;
      valid++;
      const code = key % 8;
      let la = BigInt(Math.floor(key / 8)) << BigInt(SIZE_SHIFT[code]);
      if (la & (1n << 47n)) la |= 0xffff000000000000n;
      lines.push(`    set ${Math.floor(i / t.ways)} way ${i % t.ways}: ${hexLa(la)} -> next table ${hexPa(t.base[i])} ${t.asid[i] < 0 ? 'global' : `pcid ${t.asid[i]}`}`);
    }
    out.push(`${levelName(level)} cache (${t.name}): ${num(t.sets)} sets x ${num(t.ways)} ways, ${num(valid)} valid`, ...lines);
  }
  if (out.length === 0) out.push('paging-structure caches are disabled');
  return out;
}
