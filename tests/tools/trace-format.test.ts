import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../hw/trace.ts';
import { dec, hex, hexLa, hexPa, num, paint, size, styleFor, table, toJson } from '../../tools/format.ts';
import { parseOnly } from '../../tools/trace/categories.ts';
import { ChromeTraceWriter, MACHINE_PID, WALKER_TID, processTrack } from '../../tools/trace/chrome.ts';
import { entryFlags, levelIndex, pfErrorText } from '../../tools/trace/decode.ts';
import { CauseTracker } from '../../tools/trace/causes.ts';
import { FaultExplainer } from '../../tools/trace/explain-faults.ts';
import { makeTraceSink, parseRange } from '../../tools/trace/sink.ts';
import { formatEventText } from '../../tools/trace/text.ts';

const LA = 0x7f3c2a400123n;
const translateMiss: TraceEvent = {
  kind: 'translate', cycle: 1500, cpu: 0, la: LA, access: 'write', size: 8, cpl: 3, tlb: 'miss', pa: -1, cycles: 40,
  fault: { vector: 14, errorCode: 0x6 },
};
const steps: TraceEvent[] = [
  { kind: 'walk-step', cycle: 1470, cpu: 0, la: LA, level: 4, entryAddr: 0x1000 + 8 * 0xfe, entry: 0x2067n, pscHit: false, note: '' },
  { kind: 'walk-step', cycle: 1482, cpu: 0, la: LA, level: 3, entryAddr: 0x2000 + 8 * 0xf0, entry: 0x3067n, pscHit: false, note: '' },
  { kind: 'walk-step', cycle: 1494, cpu: 0, la: LA, level: 2, entryAddr: 0x3000 + 8 * 0x152, entry: 0x8000000000004067n, pscHit: false, note: '' },
  { kind: 'walk-step', cycle: 1499, cpu: 0, la: LA, level: 1, entryAddr: 0x4000, entry: 0n, pscHit: false, note: 'not present' },
];
const fault: TraceEvent = {
  kind: 'page-fault', cycle: 1600, pid: 2, la: LA, errorCode: 6, pc: 0x400120n, decision: 'demand-zero', detail: 'anon',
};
const syscall: TraceEvent = {
  kind: 'syscall', cycle: 900, pid: 2, nr: 9, name: 'mmap',
  text: 'mmap(NULL, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f3c2a400000', ret: 0x7f3c2a400000n,
};

describe('output helpers (tools/format.ts)', () => {
  it('writes integers with thousands separators, including bigints and negatives', () => {
    expect(num(0)).toBe('0');
    expect(num(999)).toBe('999');
    expect(num(1000)).toBe('1,000');
    expect(num(1234567)).toBe('1,234,567');
    expect(num(-1234567)).toBe('-1,234,567');
    expect(num(12345678901234567890n)).toBe('12,345,678,901,234,567,890');
    expect(dec(12345.678)).toBe('12,345.68');
    expect(dec(0.5, 1)).toBe('0.5');
  });
  it('writes addresses as 0x-prefixed hex of fixed width', () => {
    expect(hexLa(0x400000n)).toBe('0x0000000000400000');
    expect(hexLa(0xffff888000000000n)).toBe('0xffff888000000000');
    expect(hexLa(-1n)).toBe('0xffffffffffffffff');
    expect(hexPa(0x1234000)).toBe('0x0000001234000');
    expect(hex(6)).toBe('0x6');
    expect(hexLa(1n).length).toBe(hexLa(0x7fffffffffffn).length);
  });
  it('colours only on a terminal and never when NO_COLOR is set', () => {
    expect(styleFor({ isTTY: true, env: {} }).colour).toBe(true);
    expect(styleFor({ isTTY: false, env: {} }).colour).toBe(false);
    expect(styleFor({ isTTY: true, env: { NO_COLOR: '1' } }).colour).toBe(false);
    expect(styleFor({ isTTY: true, env: { NO_COLOR: '' } }).colour).toBe(true);
    expect(paint({ colour: true }, 'red', 'x')).toBe('\x1b[31mx\x1b[0m');
    expect(paint({ colour: false }, 'red', 'x')).toBe('x');
  });
  it('renders bigints in JSON as fixed-width hex strings', () => {
    expect(toJson({ la: 0x1000n, n: 3 })).toBe('{"la":"0x0000000000001000","n":3}');
  });
  it('pads table columns and sizes in binary units', () => {
    expect(table([['a', '1'], ['bbb', '22']], [false, true])).toEqual(['a     1', 'bbb  22']);
    expect(size(4096)).toBe('4 KiB');
    expect(size(2 * 1024 * 1024)).toBe('2 MiB');
    expect(size(6144)).toBe('6 KiB');
    expect(size(6000)).toBe('6,000 B');
  });
});

describe('decoding (SDM 4.7 error code, 4.5 entries)', () => {
  it('names the access and the cause of a #PF error code', () => {
    expect(pfErrorText(0x6)).toBe('0x6 (user write, page not present)');
    expect(pfErrorText(0x7)).toBe('0x7 (user write, protection violation)');
    expect(pfErrorText(0x15)).toBe('0x15 (user instruction fetch, protection violation)');
    expect(pfErrorText(0x0)).toBe('0x0 (supervisor read, page not present)');
    expect(pfErrorText(0x9)).toBe('0x9 (supervisor read, reserved bit set in a paging-structure entry)');
  });
  it('selects bits 47:39, 38:30, 29:21, 20:12 of the address at levels 4..1', () => {
    const la = (0x1ffn << 39n) | (0x0f0n << 30n) | (0x152n << 21n) | (0x003n << 12n) | 0x123n;
    expect([4, 3, 2, 1].map((l) => levelIndex(la, l))).toEqual([0x1ff, 0x0f0, 0x152, 0x003]);
  });
  it('lists entry flags, D and G only on leaves, XD from bit 63', () => {
    expect(entryFlags(0x8000000000004067n, 2)).toBe('P RW US A XD');
    expect(entryFlags(0x80000000000040e7n, 2)).toBe('P RW US A D PS XD');
    expect(entryFlags(0x167n, 1)).toBe('P RW US A D G');
    expect(entryFlags(0x0n, 1)).toBe('not present');
  });
});

describe('trace text format', () => {
  it('shows a translation with its TLB result, fault and cycles', () => {
    expect(formatEventText(translateMiss)).toBe(
      '        1,500  cpu0   translate write 0x00007f3c2a400123 (8 B, cpl 3): TLB miss, page walk -> #PF error 0x6 (user write, page not present), 40 cycles',
    );
    const hit: TraceEvent = { ...translateMiss, tlb: 'l1', pa: 0x5123, cycles: 1, fault: undefined, access: 'read' };
    expect(formatEventText(hit)).toContain('L1 TLB hit -> pa 0x0000000005123, 1 cycle');
  });
  it('shows each walk step with the index, entry address, entry and flags', () => {
    expect(formatEventText(steps[0])).toBe(
      '        1,470  cpu0     pml4e[0x0fe] at 0x00000000017f0 = 0x0000000000002067 (P RW US A) -> table 0x0000000002000',
    );
    expect(formatEventText(steps[3])).toContain('pte[0x000] at 0x0000000004000 = 0x0000000000000000 (not present): not present');
  });
  it('shows page faults with the kernel decision and syscalls as strace does', () => {
    expect(formatEventText(fault)).toBe(
      '        1,600  pid 2  page fault at 0x00007f3c2a400123 pc 0x0000000000400120 error 0x6 (user write, page not present) -> demand-zero: anon',
    );
    expect(formatEventText(syscall)).toBe(
      '          900  pid 2  mmap(NULL, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f3c2a400000',
    );
    const sig: TraceEvent = { kind: 'signal', cycle: 5, pid: 3, sig: 11, code: 2, addr: 0x1000n, detail: '' };
    expect(formatEventText(sig)).toBe('            5  pid 3  SIGSEGV (SEGV_ACCERR) at 0x0000000000001000');
  });
});

describe('trace sink: filters and formats', () => {
  const events: TraceEvent[] = [syscall, ...steps, translateMiss, fault];
  const run = (o: Parameters<typeof makeTraceSink>[1]) => {
    let out = '';
    const sink = makeTraceSink((s) => (out += s), o);
    for (const e of events) sink.event(e);
    sink.finish();
    return { out, count: sink.count };
  };
  it('--only keeps the selected categories', () => {
    expect(run({ format: 'text', kinds: parseOnly('faults') }).count).toBe(1);
    expect(run({ format: 'text', kinds: parseOnly('syscalls,faults') }).count).toBe(2);
    expect(run({ format: 'text', kinds: parseOnly('walks') }).count).toBe(5);
    expect(() => parseOnly('bogus')).toThrow(/unknown category 'bogus'/);
  });
  it('a cycle range keeps events with FROM <= cycle < TO', () => {
    expect(run({ format: 'text', kinds: parseOnly(undefined), cycles: parseRange('--cycles', '1000:1500') }).count).toBe(4);
    expect(run({ format: 'text', kinds: parseOnly(undefined), cycles: parseRange('--cycles', '1,500:') }).count).toBe(2);
    expect(() => parseRange('--cycles', '9:3')).toThrow(/ends before it starts/);
    expect(() => parseRange('--cycles', 'x')).toThrow(/not a range/);
  });
  it('json writes one parseable object per line', () => {
    const { out } = run({ format: 'json', kinds: parseOnly('faults,syscalls') });
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.kind)).toEqual(['syscall', 'page-fault']);
    expect(lines[1].la).toBe('0x00007f3c2a400123');
  });
  it('chrome writes the Trace Event Format with CPU, walker and process tracks', () => {
    const { out } = run({ format: 'chrome', kinds: parseOnly(undefined) });
    const doc = JSON.parse(out);
    const evs = doc.traceEvents as { ph: string; pid: number; tid: number; name: string; ts: number; dur?: number; args?: { name?: string } }[];
    const meta = evs.filter((e) => e.ph === 'M').map((e) => `${e.pid}/${e.tid}:${e.args?.name}`);
    expect(meta).toEqual(
      expect.arrayContaining([`${MACHINE_PID}/0:machine`, `${MACHINE_PID}/0:cpu0`, `${MACHINE_PID}/${WALKER_TID}:page walker`, `${processTrack(2)}/2:pid 2`]),
    );
    const t = evs.find((e) => e.ph === 'X')!;
    expect(t).toMatchObject({ ts: 1460, dur: 40, pid: MACHINE_PID, tid: 0 });
    expect(evs.filter((e) => e.tid === WALKER_TID && e.ph === 'i')).toHaveLength(4);
    expect(evs.find((e) => e.name === 'page fault: demand-zero')?.pid).toBe(processTrack(2));
  });
  it('an empty chrome trace is still valid JSON', () => {
    let out = '';
    const w = new ChromeTraceWriter((s) => (out += s));
    w.finish();
    expect(JSON.parse(out).traceEvents).toHaveLength(1);
  });
});

describe('--explain-faults', () => {
  it('prints the walk that faulted, the error code and the kernel decision', () => {
    let out = '';
    const x = new FaultExplainer((s) => (out += s));
    for (const e of [...steps, translateMiss, fault]) x.event(e);
    expect(x.count).toBe(1);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('page fault #1 in pid 2 at cycle 1,600: user write at 0x00007f3c2a400123, pc 0x0000000000400120');
    expect(lines).toContain('    pte[0x000] at 0x0000000004000 = 0x0000000000000000 (not present): not present');
    expect(out).toContain('error code 0x6 (user write, page not present): bits set W/R U/S; cause: page not present');
    expect(out).toMatch(/kernel: demand-zero \(anon\) - first touch of an anonymous page/);
  });
  it('accepts walk steps reported after the translation that faulted', () => {
    let out = '';
    const x = new FaultExplainer((s) => (out += s));
    for (const e of [translateMiss, ...steps, fault]) x.event(e);
    expect(out.match(/^ {4}p/gm)).toHaveLength(4);
  });
  it('says when no walk was traced (a fault taken inside a system call)', () => {
    let out = '';
    const x = new FaultExplainer((s) => (out += s));
    x.event(fault);
    expect(out).toContain('no walk was traced');
  });
});

describe('why a TLB invalidation happened', () => {
  const inv = (cycle: number, la?: bigint): TraceEvent => ({ kind: 'tlb-invalidate', cycle, cpu: 0, op: la === undefined ? 'mov-cr3' : 'invlpg', la, detail: '' });
  const collect = (events: TraceEvent[]) => {
    const out: string[] = [];
    const t = new CauseTracker((e, cause) => out.push(`${e.kind}@${e.cycle}${cause ? ` <- ${cause}` : ''}`));
    for (const e of events) t.event(e);
    t.finish();
    return out;
  };
  it('attributes invalidations to the system call that reports after them, keeping the order', () => {
    const munmap: TraceEvent = { ...syscall, cycle: 20, nr: 11, name: 'munmap', text: 'munmap(0x1000, 4096) = 0', ret: 0n };
    expect(collect([inv(10, 0x1000n), { ...translateMiss, cycle: 15, cpl: 0, fault: undefined, pa: 5 }, munmap])).toEqual([
      'tlb-invalidate@10 <- munmap()', 'translate@15', 'syscall@20',
    ]);
  });
  it('a page fault explains only the invalidation of its own page', () => {
    const f = { ...fault, la: 0x7000n, cycle: 30 } as TraceEvent;
    const exec: TraceEvent = { kind: 'process', cycle: 40, pid: 2, what: 'exec', detail: '' };
    expect(collect([inv(10), inv(20, 0x7000n), f, exec])).toEqual([
      'tlb-invalidate@10 <- exec', 'tlb-invalidate@20 <- page fault at 0x0000000000007000 (demand-zero)', 'page-fault@30', 'process@40',
    ]);
  });
  it('a CR3 load right after a context switch is that switch; back in user mode the cause is unknown', () => {
    const sw: TraceEvent = { kind: 'context-switch', cycle: 50, cpu: 0, fromPid: 2, toPid: 3, detail: '' };
    const user = { ...translateMiss, cycle: 70, fault: undefined, pa: 5 } as TraceEvent;
    expect(collect([sw, inv(50), inv(60, 0x1000n), user])).toEqual([
      'context-switch@50', 'tlb-invalidate@50 <- context switch to pid 3', 'tlb-invalidate@60', 'translate@70',
    ]);
  });
});
