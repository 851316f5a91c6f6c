// `--format text`: one line per trace event, for people.
//   cycle (thousands separators) | cpu or pid | what happened
import type { TraceEvent } from '../../hw/trace.ts';
import { hex, hex64, hexLa, hexPa, num, paint, PLAIN, type Style } from '../format.ts';
import { entryFlags, entryIsLeaf, entryTarget, levelIndex, levelName, pfErrorText } from './decode.ts';
import { signalName, siCodeName } from './names.ts';

const CYCLE_WIDTH = 13;
const WHO_WIDTH = 7;

function head(cycle: number, who: string): string {
  return `${num(cycle).padStart(CYCLE_WIDTH)}  ${who.padEnd(WHO_WIDTH)}`;
}

const TLB_TEXT = { l1: 'L1 TLB hit', l2: 'L2 TLB (STLB) hit', miss: 'TLB miss, page walk' } as const;

/** One event as a line of text (no newline); `cause` says why a TLB invalidation happened. */
export function formatEventText(e: TraceEvent, style: Style = PLAIN, cause?: string): string {
  const line = eventLine(e, style);
  return cause === undefined ? line : `${line} (why: ${cause})`;
}

function eventLine(e: TraceEvent, style: Style): string {
  switch (e.kind) {
    case 'translate': {
      const what = `${e.access.padEnd(5)} ${hexLa(e.la)} (${e.size} B, cpl ${e.cpl})`;
      const tlb = e.tlb === 'miss' ? paint(style, 'yellow', TLB_TEXT.miss) : paint(style, 'green', TLB_TEXT[e.tlb]);
      const result = e.fault
        ? paint(style, 'red', e.fault.vector === 14 ? `#PF error ${pfErrorText(e.fault.errorCode)}` : `#${vectorName(e.fault.vector)}(${e.fault.errorCode})`)
        : `pa ${hexPa(e.pa)}`;
      return `${head(e.cycle, `cpu${e.cpu}`)}translate ${what}: ${tlb} -> ${result}, ${num(e.cycles)} cycle${e.cycles === 1 ? '' : 's'}`;
    }
    case 'walk-step':
      return `${head(e.cycle, `cpu${e.cpu}`)}  ${walkStepText(e)}`;
    case 'tlb-invalidate': {
      const target = e.la !== undefined ? ` ${hexLa(e.la)}` : '';
      const pcid = e.pcid !== undefined ? ` pcid ${e.pcid}` : '';
      return `${head(e.cycle, `cpu${e.cpu}`)}${paint(style, 'magenta', e.op)}${target}${pcid}${e.detail ? `: ${e.detail}` : ''}`;
    }
    case 'page-fault':
      return (
        `${head(e.cycle, `pid ${e.pid}`)}${paint(style, 'red', 'page fault')} at ${hexLa(e.la)} pc ${hexLa(e.pc)}` +
        ` error ${pfErrorText(e.errorCode)} -> ${paint(style, 'bold', e.decision)}${e.detail ? `: ${e.detail}` : ''}`
      );
    case 'syscall':
      return `${head(e.cycle, `pid ${e.pid}`)}${paint(style, 'cyan', syscallLine(e))}`;
    case 'context-switch':
      return `${head(e.cycle, `cpu${e.cpu}`)}switch pid ${e.fromPid} -> pid ${e.toPid}${e.detail ? `: ${e.detail}` : ''}`;
    case 'signal':
      return (
        `${head(e.cycle, `pid ${e.pid}`)}${paint(style, 'red', signalName(e.sig))} (${siCodeName(e.sig, e.code)})` +
        ` at ${hexLa(e.addr)}${e.detail ? `: ${e.detail}` : ''}`
      );
    case 'process':
      return `${head(e.cycle, `pid ${e.pid}`)}${paint(style, 'blue', e.what)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'insn':
      return `${head(e.cycle, `cpu${e.cpu}`)}pid ${e.pid} ${hexLa(e.pc)}  ${e.text}`;
  }
}

/** "pml4e[0x0ff] at 0x0000000001ff8 = 0x0000000002003067 (P RW US A) -> table 0x0000000002000". */
export function walkStepText(e: Extract<TraceEvent, { kind: 'walk-step' }>): string {
  const name = levelName(e.level);
  const idx = `${name}[0x${levelIndex(e.la, e.level).toString(16).padStart(3, '0')}]`;
  if (e.pscHit) return `${idx} from the paging-structure cache${e.note ? `: ${e.note}` : ''}`;
  // The MMU's note repeats the level and the target; keep only what the line does not say.
  let note = e.note.startsWith(`${name}: `) ? e.note.slice(name.length + 2) : e.note;
  if (/^(next table|maps page) /.test(note)) note = '';
  const present = (e.entry & 1n) === 1n;
  const target = !present ? '' : entryIsLeaf(e.entry, e.level) ? ` -> frame ${hexPa(entryTarget(e.entry))}` : ` -> table ${hexPa(entryTarget(e.entry))}`;
  return `${idx} at ${hexPa(e.entryAddr)} = ${hex64(e.entry)} (${entryFlags(e.entry, e.level)})${target}${note ? `: ${note}` : ''}`;
}

/** The strace line: the event's text, with " = ret" when the renderer left it out. */
export function syscallLine(e: Extract<TraceEvent, { kind: 'syscall' }>): string {
  return / = \S/.test(e.text) || e.text.endsWith(' = ?') ? e.text : `${e.text} = ${BigInt.asIntN(64, e.ret) < 0n ? BigInt.asIntN(64, e.ret) : hex(e.ret)}`;
}

const VECTORS: Record<number, string> = { 0: 'DE', 3: 'BP', 6: 'UD', 13: 'GP', 14: 'PF', 17: 'AC' };
function vectorName(v: number): string {
  return VECTORS[v] ?? `vector ${v}`;
}
