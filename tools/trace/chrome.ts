// `--format chrome`: the Trace Event Format (JSON Object Format) that Perfetto and
// chrome://tracing open. One simulated cycle is shown as one microsecond.
// Tracks: the "machine" process has one thread per CPU (translations, invalidations, context
// switches, instructions) and one for the page walker (walk steps); each simulated process is
// its own process with one thread (system calls, page faults, signals, fork/exit).
import type { TraceEvent } from '../../hw/trace.ts';
import { hex, hex64, hexLa, hexPa } from '../format.ts';
import { entryFlags, levelIndex, levelName, pfErrorText } from './decode.ts';
import { signalName, siCodeName } from './names.ts';
import { syscallLine } from './text.ts';

/** Chrome pid of the machine (CPUs and the page walker). */
export const MACHINE_PID = 0;
/** Chrome tid of the page-walker track in the machine process. */
export const WALKER_TID = 1000;
/** Chrome pid of simulated process `pid` (kept apart from the machine's 0). */
export const processTrack = (pid: number): number => 100000 + pid;

export interface ChromeEvent {
  name: string;
  cat: string;
  ph: 'X' | 'i' | 'M' | 'C';
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  s?: 't' | 'p' | 'g';
  args?: Record<string, unknown>;
}

/** Streams events as they come: writes the header at once and a closing bracket at finish(). */
export class ChromeTraceWriter {
  private first = true;
  private readonly namedCpus = new Set<number>();
  private readonly namedPids = new Set<number>();
  private walkerNamed = false;

  constructor(private readonly write: (s: string) => void) {
    this.write('{"displayTimeUnit":"ns","otherData":{"pagewalk":"1 us = 1 simulated cycle"},"traceEvents":[\n');
    this.emit({ name: 'process_name', cat: '__metadata', ph: 'M', ts: 0, pid: MACHINE_PID, tid: 0, args: { name: 'machine' } });
  }

  private emit(ev: ChromeEvent): void {
    this.write((this.first ? '' : ',\n') + JSON.stringify(ev));
    this.first = false;
  }

  private cpu(cpu: number): number {
    if (!this.namedCpus.has(cpu)) {
      this.namedCpus.add(cpu);
      this.emit({ name: 'thread_name', cat: '__metadata', ph: 'M', ts: 0, pid: MACHINE_PID, tid: cpu, args: { name: `cpu${cpu}` } });
    }
    return cpu;
  }

  private walker(): number {
    if (!this.walkerNamed) {
      this.walkerNamed = true;
      this.emit({ name: 'thread_name', cat: '__metadata', ph: 'M', ts: 0, pid: MACHINE_PID, tid: WALKER_TID, args: { name: 'page walker' } });
    }
    return WALKER_TID;
  }

  private proc(pid: number): number {
    const p = processTrack(pid);
    if (!this.namedPids.has(pid)) {
      this.namedPids.add(pid);
      this.emit({ name: 'process_name', cat: '__metadata', ph: 'M', ts: 0, pid: p, tid: pid, args: { name: `pid ${pid}` } });
      this.emit({ name: 'thread_name', cat: '__metadata', ph: 'M', ts: 0, pid: p, tid: pid, args: { name: `pid ${pid}` } });
    }
    return p;
  }

  event(e: TraceEvent, cause?: string): void {
    switch (e.kind) {
      case 'translate': {
        const tid = this.cpu(e.cpu);
        // The event is stamped when the translation completes; it began `cycles` earlier.
        this.emit({
          name: `${e.access} ${e.tlb === 'miss' ? 'walk' : e.tlb}`, cat: 'translate', ph: 'X',
          ts: Math.max(0, e.cycle - e.cycles), dur: e.cycles, pid: MACHINE_PID, tid,
          args: { la: hexLa(e.la), size: e.size, cpl: e.cpl, tlb: e.tlb, pa: e.pa < 0 ? null : hexPa(e.pa),
            ...(e.fault ? { fault: e.fault.vector === 14 ? `#PF ${pfErrorText(e.fault.errorCode)}` : `vector ${e.fault.vector}` } : {}) },
        });
        return;
      }
      case 'walk-step':
        this.emit({
          name: `${levelName(e.level)}[${levelIndex(e.la, e.level)}]${e.pscHit ? ' (PSC)' : ''}`, cat: 'walk', ph: 'i', s: 't',
          ts: e.cycle, pid: MACHINE_PID, tid: this.walker(),
          args: { la: hexLa(e.la), entryAddr: hexPa(e.entryAddr), entry: hex64(e.entry), flags: entryFlags(e.entry, e.level), pscHit: e.pscHit, note: e.note },
        });
        return;
      case 'tlb-invalidate':
        this.emit({
          name: e.op, cat: 'tlb', ph: 'i', s: 't', ts: e.cycle, pid: MACHINE_PID, tid: this.cpu(e.cpu),
          args: {
            ...(e.la !== undefined ? { la: hexLa(e.la) } : {}), ...(e.pcid !== undefined ? { pcid: e.pcid } : {}), detail: e.detail,
            ...(cause !== undefined ? { cause } : {}),
          },
        });
        return;
      case 'context-switch':
        this.emit({
          name: `switch ${e.fromPid} -> ${e.toPid}`, cat: 'sched', ph: 'i', s: 't', ts: e.cycle, pid: MACHINE_PID, tid: this.cpu(e.cpu),
          args: { from: e.fromPid, to: e.toPid, detail: e.detail },
        });
        return;
      case 'insn':
        this.emit({ name: e.text, cat: 'insn', ph: 'i', s: 't', ts: e.cycle, pid: MACHINE_PID, tid: this.cpu(e.cpu), args: { pid: e.pid, pc: hexLa(e.pc) } });
        return;
      case 'page-fault': {
        const p = this.proc(e.pid);
        this.emit({
          name: `page fault: ${e.decision}`, cat: 'fault', ph: 'i', s: 't', ts: e.cycle, pid: p, tid: e.pid,
          args: { la: hexLa(e.la), pc: hexLa(e.pc), error: pfErrorText(e.errorCode), decision: e.decision, detail: e.detail },
        });
        return;
      }
      case 'syscall': {
        const p = this.proc(e.pid);
        this.emit({ name: e.name, cat: 'syscall', ph: 'i', s: 't', ts: e.cycle, pid: p, tid: e.pid, args: { call: syscallLine(e), ret: hex(e.ret) } });
        return;
      }
      case 'signal': {
        const p = this.proc(e.pid);
        this.emit({
          name: signalName(e.sig), cat: 'signal', ph: 'i', s: 't', ts: e.cycle, pid: p, tid: e.pid,
          args: { code: siCodeName(e.sig, e.code), addr: hexLa(e.addr), detail: e.detail },
        });
        return;
      }
      case 'process': {
        const p = this.proc(e.pid);
        this.emit({ name: e.what, cat: 'process', ph: 'i', s: 't', ts: e.cycle, pid: p, tid: e.pid, args: { detail: e.detail } });
        return;
      }
    }
  }

  finish(): void {
    this.write('\n]}\n');
  }
}
