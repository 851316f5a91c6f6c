// Each lab in userland/examples/ says in its header what to run and what to look for; each
// test here runs exactly that and asserts exactly that observation.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../hw/trace.ts';
import { lab10 } from '../../userland/examples/10-stale-tlb.ts';
import { cli } from './cli-helper.ts';
import { ROOT } from './docs-blocks.ts';

const EX = 'userland/examples';

const run = async (lab: string, ...opts: string[]) => {
  const r = await cli(['run', '--aslr', '0', ...opts, `${EX}/${lab}`]);
  expect(r.err).toBe('');
  expect(r.status).toBe(0);
  return r.out.split('\n').filter((l) => l !== '');
};

/** The events of `pagewalk trace --format json`, bigints back as bigints. */
async function trace(lab: string, only: string, ...opts: string[]): Promise<TraceEvent[]> {
  const r = await cli(['trace', '--format', 'json', '--only', only, '--aslr', '0', ...opts, `${EX}/${lab}`]);
  expect(r.status).toBe(0);
  return r.out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l, (k, v) => (typeof v === 'string' && /^0x[0-9a-f]{16}$/.test(v) && k !== 'text' ? BigInt(v) : v)) as TraceEvent);
}

type Fault = Extract<TraceEvent, { kind: 'page-fault' }>;
const faultsIn = (ev: TraceEvent[], lo: bigint, hi: bigint): Fault[] =>
  ev.filter((e): e is Fault => e.kind === 'page-fault' && e.la >= lo && e.la < hi);
const mmapResults = (ev: TraceEvent[]): bigint[] =>
  ev.filter((e) => e.kind === 'syscall' && e.name === 'mmap').map((e) => BigInt.asUintN(64, (e as { ret: bigint }).ret));
const report = (rss: number, minor: number, major = 0) => `RSS +${rss} kB, minor faults +${minor}, major faults +${major}`;
const addrIn = (line: string | undefined): bigint => BigInt(/0x[0-9a-f]+/.exec(line ?? '')?.[0] ?? '-1');

describe('the labs are complete and share one runtime', () => {
  const files = readdirSync(join(ROOT, EX)).filter((f) => f.endsWith('.s')).sort();
  it('has one program per topic 1..11 (10 is a hardware-only script)', () => {
    expect(files.map((f) => f.slice(0, 2))).toEqual(['01', '02', '03', '04', '05', '06', '07', '08', '09', '11']);
  });
  it('every lab says what to run and what to look for, and ends by including the one lab runtime', () => {
    for (const f of files) {
      const src = readFileSync(join(ROOT, EX, f), 'utf8');
      expect(src).toMatch(/^# Lab \d+ - /);
      expect(src).toMatch(/\n# Run:\n# {3}pagewalk /);
      expect(src).toContain('# Look for:');
      expect(src.trimEnd().split('\n').pop()).toMatch(/^\s+\.include "lab-runtime\.inc"/);
    }
    expect(readFileSync(join(ROOT, EX, 'lab-runtime.inc'), 'utf8')).toMatch(/^# -+\n# Lab runtime/);
  });
});

describe('lab 1: mmap reserves, the first touch allocates', () => {
  it('RSS and minor faults grow page by page as the region is touched, not at mmap', async () => {
    const out = await run('01-first-touch.s');
    expect(out[0]).toBe(`after mmap of 16 pages: ${report(0, 0)}`);
    for (let i = 1; i <= 16; i++) expect(out[i]).toBe(`after touching page ${i}: ${report(4 * i, i)}`);
    expect(out[17]).toBe(`after writing page 1 again: ${report(64, 16)}`);
  });
  it('the trace shows one demand-zero fault per page, in order', async () => {
    const ev = await trace('01-first-touch.s', 'faults,syscalls');
    const base = mmapResults(ev)[0];
    const f = faultsIn(ev, base, base + 16n * 4096n);
    expect(f.map((e) => e.decision)).toEqual(new Array(16).fill('demand-zero'));
    expect(f.map((e) => (e.la - base) / 4096n)).toEqual([...Array(16).keys()].map(BigInt));
  });
});

describe('lab 2: read first, then write, of a fresh anonymous page', () => {
  it('the read maps the zero page (1 fault, no RSS), the write takes a second fault and 4 kB', async () => {
    expect(await run('02-zero-page.s')).toEqual([
      `after mmap of 1 page: ${report(0, 0)}`,
      `after the first read (it read 0): ${report(0, 1)}`,
      `after the first write: ${report(4, 2)}`,
      `after more reads and writes: ${report(4, 2)}`,
    ]);
  });
  it('the trace shows zero-page then cow-zero for that page', async () => {
    const ev = await trace('02-zero-page.s', 'faults,syscalls');
    const base = mmapResults(ev)[0];
    expect(faultsIn(ev, base, base + 4096n).map((e) => e.decision)).toEqual(['zero-page', 'cow-zero']);
  });
});

describe('lab 2 in the stepper (02-zero-page.cmds)', () => {
  it('the pte goes from absent to the zero page read-only to an own frame writable and dirty', async () => {
    const r = await cli(['step', '--aslr', '0', '-x', `${EX}/02-zero-page.cmds`, `${EX}/02-zero-page.s`]);
    expect(r.status).toBe(0);
    const paths = r.out.split('(pagewalk) pt r12\n').slice(1).map((b) => b.split('\n(pagewalk)')[0]);
    expect(paths).toHaveLength(3);
    expect(paths[0]).toContain('=> not mapped');
    expect(paths[1]).toMatch(/ {2}pte\[0x[0-9a-f]{3}\] at 0x[0-9a-f]{13} = 0x8[0-9a-f]{15} \(P US A XD\) -> frame/);
    expect(paths[2]).toMatch(/ {2}pte\[0x[0-9a-f]{3}\] at 0x[0-9a-f]{13} = 0x8[0-9a-f]{15} \(P RW US A D XD\) -> frame/);
    expect(r.out).toMatch(/translate read {2}0x00007f[0-9a-f]{10} \(8 B, cpl 3\): TLB miss, page walk -> #PF error 0x4/);
    expect(r.out).toMatch(/\|\.{16}\|/);
    expect(r.out).toContain(':  07 00 00 00 00 00 00 00 ');
  });
});

describe('lab 3: fork and copy-on-write', () => {
  it('RSS flat after fork, one copy per page the child writes, the parent unchanged', async () => {
    const out = await run('03-fork-cow.s');
    const before = /VmRSS before fork: (\d+) kB/.exec(out.join('\n'))![1];
    expect(out).toEqual([
      `parent: VmRSS before fork: ${before} kB`,
      'child: sees PPPPPPPP',
      `child: after reading 8 pages: ${report(0, 0)}`,
      `child: after writing 3 pages: ${report(0, 3)}`,
      'child: its pages: CCCPPPPP',
      `parent: VmRSS after fork:  ${before} kB`,
      'parent: its pages: PPPPPPPP',
      `parent: after writing page 1 once the child is gone: ${report(0, 1)}`,
    ]);
  });
  it('the trace shows three cow-copy faults in the child and a cow-reuse in the parent', async () => {
    const ev = await trace('03-fork-cow.s', 'faults,syscalls,process');
    const base = mmapResults(ev)[0];
    const parent = (ev.find((e) => e.kind === 'process' && e.what === 'exec') as Extract<TraceEvent, { kind: 'process' }>).pid;
    const f = faultsIn(ev, base, base + 8n * 4096n);
    const after = f.filter((e) => e.decision !== 'demand-zero');
    expect(after.filter((e) => e.pid !== parent).map((e) => e.decision)).toEqual(['cow-copy', 'cow-copy', 'cow-copy']);
    expect(after.filter((e) => e.pid === parent).map((e) => e.decision)).toEqual(['cow-reuse']);
  });
});

describe('lab 4: MAP_SHARED versus MAP_PRIVATE of a file', () => {
  it('shared writes reach the file and the other process, private writes reach no one', async () => {
    expect(await run('04-shared-private.s')).toEqual([
      "wrote 'S' at offset 0 through MAP_SHARED, 'P' at offset 4096 through MAP_PRIVATE",
      'file[0] = S',
      'file[4096] = .',
      'private[0] = S',
      'shared[4096] = .',
      'child: wrote shared[16] and private[24]; it sees shared[16] = s, private[24] = p',
      'parent: sees shared[16] = s, private[24] = .',
      'file[16] = s',
      'file[24] = .',
    ]);
  });
});

describe('lab 5: mprotect and W^X', () => {
  it('the JIT runs after mprotect; writing it then is SEGV_ACCERR; running a writable page faults', async () => {
    const out = await run('05-wx-jit.s');
    const page = addrIn(out[0]);
    expect(out[0]).toMatch(/^wrote code into a read\+write page at 0x[0-9a-f]{12}$/);
    expect(out.slice(1, 5)).toEqual([
      'mprotect(page, 4096, PROT_READ|PROT_EXEC) = 0',
      'called it: it returned 42',
      'writing to the page now that it is read+execute:',
      `  -> SIGSEGV (SEGV_ACCERR) at 0x${page.toString(16).padStart(12, '0')}`,
    ]);
    const page2 = addrIn(out[5]);
    expect(out[5]).toMatch(/^jumping to code in a read\+write \(not executable\) page at 0x/);
    expect(out.slice(6)).toEqual([`  -> SIGSEGV (SEGV_ACCERR) at 0x${page2.toString(16).padStart(12, '0')}`, 'done']);
  });
  it('the fault on the writable page is an instruction fetch (error code bit 4) refused by XD', async () => {
    const ev = await trace('05-wx-jit.s', 'faults,syscalls');
    const [, page2] = mmapResults(ev);
    const f = faultsIn(ev, page2, page2 + 4096n).filter((e) => e.decision.startsWith('sigsegv'));
    expect(f).toHaveLength(1);
    expect(f[0].errorCode & 0x10).toBe(0x10);
    expect(f[0].errorCode & 0x1).toBe(0x1); // present: a protection violation
    expect(f[0].decision).toBe('sigsegv-accerr');
  });
});

describe('lab 6: the stack grows on demand; the guard gap stops it', () => {
  it('grows page by page, then by 4 MiB in one fault; a touch inside the guard gap is SEGV_MAPERR', async () => {
    const out = await run('06-stack.s');
    const stk = (l: string) => Number(/VmStk (\d+) kB/.exec(l)![1]);
    expect(out[0]).toMatch(/^at start: VmStk \d+ kB: RSS \+0 kB, minor faults \+0, major faults \+0$/);
    expect(out[1]).toMatch(new RegExp(`^after touching 64 pages below the stack: VmStk \\d+ kB: ${report(256, 64).replace(/\+/g, '\\+')}$`));
    expect(stk(out[1])).toBeGreaterThan(stk(out[0]));
    expect(stk(out[1]) - stk(out[0])).toBeLessThanOrEqual(256);
    expect(out[2]).toMatch(new RegExp(`^after one touch 4 MiB below sp: VmStk \\d+ kB: ${report(4, 1).replace(/\+/g, '\\+')}$`));
    expect(stk(out[2])).toBeGreaterThanOrEqual(4096);
    const guard = addrIn(out[3]);
    expect(out[3]).toMatch(/^mapped a readable page 6 MiB below sp at 0x/);
    expect(out[4]).toBe('touching 5.5 MiB below sp (inside the guard gap):');
    expect(out[5]).toBe(`  -> SIGSEGV (SEGV_MAPERR) at 0x${(guard + 0x80000n).toString(16).padStart(12, '0')}`);
    expect(out[6]).toMatch(new RegExp(`^after one touch 4.5 MiB below sp: VmStk \\d+ kB: ${report(4, 1).replace(/\+/g, '\\+')}$`));
    expect(stk(out[6]) - stk(out[2])).toBeGreaterThanOrEqual(512);
  });
});

describe('lab 7: munmap tears a room down', () => {
  it('splits the VMA, frees the page, and a later access is SEGV_MAPERR', async () => {
    const out = await run('07-munmap.s');
    const base = addrIn(out[0]);
    expect(out[0]).toBe(`mapped and wrote 4 pages at 0x${base.toString(16).padStart(12, '0')}: ${report(16, 4)}`);
    expect(out[1]).toBe(`munmap(third page) = 0: ${report(12, 4)}`);
    const maps = out.slice(3, out.indexOf('the fourth page is still readable')).map((l) => {
      const m = /^([0-9a-f]+)-([0-9a-f]+) /.exec(l)!;
      return [BigInt('0x' + m[1]), BigInt('0x' + m[2])];
    });
    const covering = (a: bigint) => maps.filter(([s, e]) => s <= a && a < e);
    expect(covering(base)).toHaveLength(1);
    expect(covering(base + 0x3000n)).toHaveLength(1);
    expect(covering(base + 0x2000n)).toHaveLength(0);
    expect(covering(base)[0][1]).toBe(base + 0x2000n);
    expect(covering(base + 0x3000n)[0][0]).toBe(base + 0x3000n);
    expect(out.slice(-2)).toEqual(['reading the third page:', `  -> SIGSEGV (SEGV_MAPERR) at 0x${(base + 0x2000n).toString(16).padStart(12, '0')}`]);
  });
  it('munmap invalidates the TLB entry of the unmapped page', async () => {
    const ev = await trace('07-munmap.s', 'syscalls,tlb');
    const base = mmapResults(ev)[0];
    const i = ev.findIndex((e) => e.kind === 'syscall' && e.name === 'munmap');
    const inv = ev.slice(0, i).filter((e) => e.kind === 'tlb-invalidate' && e.op === 'invlpg' && e.la === base + 0x2000n);
    expect(inv.length).toBeGreaterThanOrEqual(1);
  });
});

describe('lab 8: minor versus major faults', () => {
  const file = '--file';
  const arg = `${EX}/08-data.txt:/lab8.txt`;
  it('the cold mapping takes one major fault that maps all 16 pages; mapped again, one minor fault', async () => {
    const out = await run('08-minor-major.s', file, arg);
    // Linux: filemap_fault reads the file in (major), retries, and fault-around maps the 16 pages.
    expect(out[0]).toBe(`first mapping, reading 16 pages (cold file): ${report(64, 0, 1)}`);
    expect(out[1]).toBe(`second mapping, reading 16 pages (cached): ${report(64, 1, 0)}`);
  });
  it('the trace calls the first faults major and the second page-cache hits', async () => {
    const ev = await trace('08-minor-major.s', 'faults,syscalls', file, arg);
    const [a, b] = mmapResults(ev);
    expect(faultsIn(ev, a, a + 0x10000n).some((e) => e.decision === 'major')).toBe(true);
    const second = faultsIn(ev, b, b + 0x10000n);
    expect(second.length).toBeGreaterThanOrEqual(1);
    expect(second.every((e) => e.decision === 'page-cache-hit')).toBe(true);
  });
});

describe('lab 9: TLB reach', () => {
  it('cycles per access jump past the dTLB reach and again past the STLB reach', async () => {
    const out = await run('09-tlb-reach.s');
    const curve = (from: number) => {
      const m = new Map<number, number>();
      for (const l of out.slice(from)) {
        const r = /^ {2}working set (\d+) pages: (\d+\.\d) cycles per access$/.exec(l);
        if (!r) break;
        m.set(Number(r[1]), Number(r[2]));
      }
      return m;
    };
    expect(out[0]).toBe('4 KiB pages:');
    const k4 = curve(1);
    expect([...k4.keys()]).toEqual([16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192]);
    // Flat while the set fits the 64-entry L1 dTLB, then a cliff; a second one past the 1536-entry STLB.
    expect(k4.get(64)! - k4.get(16)!).toBeLessThan(0.5);
    expect(k4.get(128)!).toBeGreaterThan(k4.get(64)! + 3);
    expect(k4.get(1024)! - k4.get(128)!).toBeLessThan(1);
    expect(k4.get(4096)!).toBeGreaterThan(k4.get(1024)! + 3);
    const huge = out[1 + k4.size];
    if (huge.startsWith('2 MiB pages: mmap(MAP_HUGETLB) = -')) {
      expect(huge).toMatch(/\(not offered by this kernel\)$/);
    } else {
      const k2 = curve(2 + k4.size);
      expect(k2.get(8192)!).toBeLessThan(k4.get(8192)!);
    }
  });
});

describe('lab 10: stale translations (hardware layer alone)', () => {
  it('without invlpg the old frame is read through the stale TLB entry; after it, the new one', () => {
    const lines: string[] = [];
    lab10((l) => lines.push(l));
    const reads = lines.filter((l) => l.startsWith('read '));
    expect(reads).toHaveLength(4);
    expect(reads[0]).toMatch(/TLB miss, page walk, \d+ cycles -> pa 0x0000000010000 \(frame A\): 0xaaaa$/);
    expect(reads[1]).toMatch(/L1 dTLB hit, 1 cycle -> pa 0x0000000010000 \(frame A\): 0xaaaa$/);
    expect(reads[2]).toMatch(/L1 dTLB hit, 1 cycle -> pa 0x0000000010000 \(frame A\): 0xaaaa {3}<- stale/);
    expect(reads[3]).toMatch(/TLB miss, page walk, \d+ cycles -> pa 0x0000000011000 \(frame B\): 0xbbbb/);
  });
});

describe('lab 10 as a pagewalk explain scenario', () => {
  it('the read after the unflushed PTE write uses frame A; after INVLPG, frame B', async () => {
    const r = await cli(['explain', `${EX}/10-stale-tlb.json`]);
    expect(r.status).toBe(0);
    const steps = r.out.split(/\n(?=── step )/);
    expect(steps[4]).toContain('L1 dTLB lookup: hit');
    expect(steps[4]).toContain('→ physical address 0x200008');
    expect(steps[6]).toContain('PTE   at 0x1003000 = 0x8000000000201007');
    expect(steps[6]).toContain('→ physical address 0x201008');
  });
});

describe('lab 11: mlock, brk and the [heap], /proc/self/maps and smaps', () => {
  it('brk creates [heap]; mlock faults the pages in inside the call; Locked and VmLck show it', async () => {
    const out = await run('11-mlock-brk-proc.s');
    const brk = /^brk: the break moved from (0x[0-9a-f]+) to (0x[0-9a-f]+)$/.exec(out[0])!;
    expect(BigInt(brk[2]) - BigInt(brk[1])).toBe(0x3000n);
    const region = addrIn(out[1]);
    expect(out[2]).toBe(`mlock(4 pages) = 0: ${report(16, 4)}`);
    expect(out[3]).toBe('VmLck: 16 kB');
    const text = out.join('\n');
    expect(text).toMatch(/\n[0-9a-f]+-[0-9a-f]+ rw-p 00000000 00:00 0 +\[heap\]\n/);
    const smaps = out.slice(out.indexOf('/proc/self/smaps, the locked region:') + 1);
    expect(smaps[0].startsWith(`${region.toString(16)}-`)).toBe(true);
    expect(smaps).toContain('Locked:               16 kB');
    expect(smaps.find((l) => l.startsWith('VmFlags:'))).toMatch(/ lo( |$)/);
    expect(out.slice(-2)).toEqual(['munlock(4 pages) = 0', 'VmLck: 0 kB']);
  });
});
