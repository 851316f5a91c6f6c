// /proc/<pid>/maps, smaps, smaps_rollup and status text: Linux 6.x fs/proc/task_mmu.c formats.
import { describe, expect, it } from 'vitest';
import { Sim, RW, PRIV_ANON } from './sim.ts';
import { MAP, PROT } from '../../../kernel/uapi/constants.ts';
import { showMaps, showSmaps, showSmapsRollup, taskMemStatus, doMlock, dupMmap } from '../../../kernel/mm/index.ts';

const P = 4096;

describe('/proc text', () => {
  it('maps: %08lx-%08lx perms pgoff dev ino, names padded to column 73, anonymous lines end in a space', () => {
    const s = new Sim();
    const f = s.file(2 * P, { ino: 4242 });
    s.mmap(0x200000000, 2 * P, PROT.PROT_READ, MAP.MAP_SHARED | MAP.MAP_FIXED, f, P);
    s.mmap(0x200010000, P, RW, PRIV_ANON | MAP.MAP_FIXED);
    const lines = showMaps(s.kmm, s.mm).split('\n');
    expect(lines[0]).toBe('200000000-200002000 r--s 00001000 fe:01 4242' + ' '.repeat(73 - 44) + '/tmp/F');
    expect(lines[1]).toBe('200010000-200011000 rw-p 00000000 00:00 0 ');
    expect(lines[2]).toMatch(/^7ffff7ffb000-7ffff7fff000 r--p 00000000 00:00 0 {26}\[vvar\]$/);
  });

  it('smaps: field order and widths of Linux 6.x, Pss split between sharers, Locked, VmFlags by bit order', () => {
    const s = new Sim();
    const a = s.mmap(0x200000000, 2 * P, RW, PRIV_ANON | MAP.MAP_FIXED);
    s.write8(a, 1);
    s.write8(a + P, 1);
    doMlock(s.kmm, s.mm, a, 2 * P, 0, s.acct);
    const child = dupMmap(s.kmm, s.mm)!;
    const text = showSmaps(s.kmm, s.mm).split('\n').slice(0, 26).join('\n');
    expect(text).toBe(
      [
        '200000000-200002000 rw-p 00000000 00:00 0 ',
        'Size:                  8 kB',
        'KernelPageSize:        4 kB',
        'MMUPageSize:           4 kB',
        'Rss:                   8 kB',
        'Pss:                   4 kB',
        'Pss_Dirty:             4 kB',
        'Shared_Clean:          0 kB',
        'Shared_Dirty:          8 kB',
        'Private_Clean:         0 kB',
        'Private_Dirty:         0 kB',
        'Referenced:            8 kB',
        'Anonymous:             8 kB',
        'KSM:                   0 kB',
        'LazyFree:              0 kB',
        'AnonHugePages:         0 kB',
        'ShmemPmdMapped:        0 kB',
        'FilePmdMapped:         0 kB',
        'Shared_Hugetlb:        0 kB',
        'Private_Hugetlb:       0 kB',
        'Swap:                  0 kB',
        'SwapPss:               0 kB',
        'Locked:                4 kB',
        'THPeligible:           0',
        'VmFlags: rd wr mr mw me lo ac sd ',
        '7ffff7ffb000-7ffff7fff000 r--p 00000000 00:00 0                          [vvar]',
      ].join('\n'),
    );
    expect(showSmaps(s.kmm, child)).toContain('VmFlags: rd wr mr mw me ac sd \n');
    expect(showSmapsRollup(s.kmm, s.mm)).toMatch(/^200000000-7ffff7fff000 ---p 00000000 00:00 0 {29}\[rollup\]\nRss: {19}8 kB\nPss: {19}4 kB\nPss_Dirty: {13}4 kB\nPss_Anon: {14}4 kB\n/);
  });

  it('status: the task_mem lines with %8lu kB values and tabs', () => {
    const s = new Sim();
    const a = s.mmap(0, 4 * P, RW, PRIV_ANON);
    s.write8(a, 1);
    const st = taskMemStatus(s.kmm, s.mm);
    expect(st.split('\n')[0]).toBe('VmPeak:\t      32 kB');
    expect(st).toContain('VmSize:\t      32 kB\nVmLck:\t       0 kB\nVmPin:\t       0 kB\nVmHWM:\t       4 kB\nVmRSS:\t       4 kB\nRssAnon:\t       4 kB\nRssFile:\t       0 kB\nRssShmem:\t       0 kB\nVmData:\t      16 kB\nVmStk:\t       0 kB\n');
    expect(st).toMatch(/VmSwap:\t {7}0 kB\nHugetlbPages:\t {7}0 kB\n$/);
  });
});
