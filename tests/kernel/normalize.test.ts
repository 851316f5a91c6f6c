import { describe, expect, it } from 'vitest';
import { normalize } from '../../tools/linux-mm/normalize.ts';

const STATUS = (size: number, rss: number) => [
  'Name:\tprog', `VmSize:\t${String(size).padStart(8)} kB`, `VmRSS:\t${String(rss).padStart(8)} kB`,
  `RssAnon:\t${String(rss).padStart(8)} kB`, 'RssFile:\t       0 kB', 'RssShmem:\t       0 kB',
  'VmData:\t     100 kB', 'VmStk:\t     132 kB', 'VmLck:\t       0 kB', 'VmSwap:\t       0 kB',
];

describe('linux-mm normalize', () => {
  it('renders the first mapping as ? and later ones relative to the nearest older anchor', () => {
    const raw = ['BRK0 0x4b2000', 'MAP a 0x4000 0x7f0000100000', 'MAP b 0x2000 0x7f00000fe000', 'END'].join('\n') + '\n';
    expect(normalize(raw)).toBe('BRK0\nMAP a 0x4000 ?\nMAP b 0x2000 a-0x2000\nEND\n');
  });

  it('keeps negative results, arena addresses absolute, and unknown lines as ??', () => {
    const raw = 'BRK0 0x4b2000\nMAP e 0x1000 -0x16\nMAP f 0x1000 0x200000000\nbogus line\n';
    expect(normalize(raw)).toBe('BRK0\nMAP e 0x1000 -0x16\nMAP f 0x1000 0x200000000\n?? bogus line\n');
  });

  it('makes fault counts relative to the per-process baseline and indents child lines', () => {
    const raw = [
      'BRK0 0x4b2000', 'BRK 0x4b4000', 'FAULTS-BASE 0x10 0x1', 'FAULTS 0x13 0x1', 'CHILD-BEGIN', 'FAULTS-BASE 0x5 0x0',
      'FAULTS 0x6 0x0', 'SIG 0xb 0x1 0x4b3000', 'WAIT 0x100', 'FAULTS 0x14 0x1', 'WAIT 0x8b',
    ].join('\n');
    expect(normalize(raw)).toBe(
      ['BRK0', 'BRK brk0+0x2000', 'FAULTS +0x3 +0x0', 'CHILD-BEGIN', '  FAULTS +0x1 +0x0', '  SIG 0xb 0x1 brk0+0x1000', 'WAIT 0x100',
        'FAULTS +0x1 +0x0', 'WAIT 0xb'].join('\n') + '\n',
    );
  });

  it('filters maps to scenario regions, clips the bss/heap line at brk0 and names scenario files', () => {
    const raw = [
      'BRK0 0x4b2000', 'FILE F 0x0', 'MAP f 0x2000 0x200000000', 'BRK 0x4b4000', 'MAPS-BEGIN',
      '00400000-00401000 r-xp 00000000 00:00 0 ',
      '004b0000-004b4000 rw-p 00000000 00:00 0                                  [heap]',
      '200000000-200002000 rw-s 00000000 fe:01 1234                             /tmp/x/F',
      '7ffc0000-7ffc1000 rw-p 00000000 00:00 0                                  [stack]',
      'MAPS-END',
    ].join('\n');
    expect(normalize(raw)).toBe(
      ['BRK0', 'FILE F 0x0', 'MAP f 0x2000 0x200000000', 'BRK brk0+0x2000', 'MAPS',
        '  brk0+0x0 brk0+0x2000 rw-p 00000000 00:00 0 [heap]', '  0x200000000 0x200002000 rw-s 00000000 DEV INO F'].join('\n') + '\n',
    );
  });

  it('reduces smaps entries to the compared fields and VmFlags in the fixed order', () => {
    const raw = [
      'BRK0 0x4b2000', 'MAP a 0x1000 0x7f0000100000', 'SMAPS-BEGIN', '7f0000100000-7f0000101000 rw-p 00000000 00:00 0 ',
      'Size:                  4 kB', 'KernelPageSize:        4 kB', 'Rss:                   4 kB', 'Pss:                   4 kB',
      'Shared_Clean:          0 kB', 'Shared_Dirty:          0 kB', 'Private_Clean:         0 kB', 'Private_Dirty:         4 kB',
      'Anonymous:             4 kB', 'Swap:                  0 kB', 'Locked:                0 kB', 'VmFlags: rd wr mr mw me ac ',
      'SMAPS-END',
    ].join('\n');
    expect(normalize(raw)).toBe(
      ['BRK0', 'MAP a 0x1000 ?', 'SMAPS', '  a+0x0 a+0x1000 rw-p 00000000 00:00 0',
        '    Size=4 Rss=4 Pss=4 Shared_Clean=0 Shared_Dirty=0 Private_Clean=0 Private_Dirty=4 Anonymous=4 Swap=0 Locked=0 VmFlags=rd,wr,mr,mw'].join('\n') + '\n',
    );
  });

  it('prints status as signed differences from the baseline of the same process', () => {
    const raw = ['BRK0 0x4b2000', 'STATUS-BASE-BEGIN', ...STATUS(1000, 50), 'STATUS-BASE-END', 'STATUS-BEGIN', ...STATUS(1016, 42), 'STATUS-END'].join('\n');
    expect(normalize(raw)).toBe(
      'BRK0\nSTATUS VmSize=+16 VmRSS=-8 RssAnon=-8 RssFile=+0 RssShmem=+0 VmData=+0 VmStk=+0 VmLck=0 VmSwap=0\n',
    );
  });

  it('picks the most recent containing anchor and uses end-containment for a range end', () => {
    const raw = ['BRK0 0x4b2000', 'MAP a 0x2000 0x7f0000100000', 'MAP b 0x1000 0x7f0000102000', 'MAPS-BEGIN',
      '7f0000100000-7f0000102000 rw-p 00000000 00:00 0 ', 'MAPS-END'].join('\n');
    expect(normalize(raw)).toBe('BRK0\nMAP a 0x2000 ?\nMAP b 0x1000 a+0x2000\nMAPS\n  a+0x0 a+0x2000 rw-p 00000000 00:00 0\n');
  });
});
