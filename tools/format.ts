// Shared output helpers for the command line: colour only on a terminal and never with
// NO_COLOR (https://no-color.org), thousands separators, fixed-width 0x-prefixed hex
// addresses, and --json rendering of values that hold bigints.
import type { CommandIO } from './command.ts';

export type Colour = 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'dim' | 'bold';

const SGR: Record<Colour, string> = {
  red: '31', green: '32', yellow: '33', blue: '34', magenta: '35', cyan: '36', dim: '2', bold: '1',
};

export interface Style {
  colour: boolean;
}

/** Colour is on when stdout is a terminal and NO_COLOR is unset or empty. */
export function styleFor(io: Pick<CommandIO, 'isTTY' | 'env'>): Style {
  const noColour = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  return { colour: io.isTTY && !noColour };
}

export const PLAIN: Style = { colour: false };

export function paint(style: Style, colour: Colour, s: string): string {
  return style.colour ? `\x1b[${SGR[colour]}m${s}\x1b[0m` : s;
}

/** Integer with thousands separators: 1234567 → "1,234,567" (also for bigint, negatives). */
export function num(n: number | bigint): string {
  const s = typeof n === 'bigint' ? n.toString() : Math.trunc(n).toString();
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return neg ? '-' + out : out;
}

/** A fraction with a fixed number of decimals and thousands separators: 12345.678 → "12,345.68". */
export function dec(n: number, decimals = 2): string {
  if (!Number.isFinite(n)) return '-';
  const [int, frac] = Math.abs(n).toFixed(decimals).split('.');
  const sign = n < 0 && Number(Math.abs(n).toFixed(decimals)) !== 0 ? '-' : '';
  return sign + num(BigInt(int)) + (frac === undefined ? '' : '.' + frac);
}

/** Hex digits of a 64-bit linear address (user or kernel half). */
export const LA_DIGITS = 16;
/** Hex digits of a physical address (MAXPHYADDR ≤ 52). */
export const PA_DIGITS = 13;

function toBig(v: number | bigint): bigint {
  return typeof v === 'bigint' ? BigInt.asUintN(64, v) : BigInt(v);
}

/** A linear address: always 0x and 16 hex digits ("0x00007f3c2a400000"). */
export function hexLa(v: number | bigint): string {
  return '0x' + toBig(v).toString(16).padStart(LA_DIGITS, '0');
}

/** A physical address: always 0x and 13 hex digits ("0x0000000123000"). */
export function hexPa(v: number | bigint): string {
  return '0x' + toBig(v).toString(16).padStart(PA_DIGITS, '0');
}

/** A 64-bit value (a paging-structure entry, a register): 0x and 16 hex digits. */
export const hex64 = hexLa;

/** Minimal hex with 0x, for small values (error codes, sizes). */
export function hex(v: number | bigint): string {
  return '0x' + toBig(v).toString(16);
}

/** JSON with bigints as 0x-prefixed hex strings of fixed width (addresses are the only bigints). */
export function toJson(value: unknown, indent = 0): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? hexLa(v) : v), indent || undefined);
}

/** Pads columns: every row has the same number of cells; `right` marks right-aligned columns. */
export function table(rows: string[][], right: boolean[] = []): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(c))));
  return rows.map((r) =>
    r
      .map((c, i) => {
        const pad = ' '.repeat(widths[i] - visibleLength(c));
        if (i === r.length - 1 && !right[i]) return c;
        return right[i] ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}

/** Length of a string as shown on a terminal (colour escapes do not count). */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}

/** Bytes in kB as Linux prints sizes in /proc ("16 kB"). */
export function kb(bytes: number): string {
  return `${num(Math.floor(bytes / 1024))} kB`;
}

/** A size in the largest binary unit that divides it: 4096 → "4 KiB", 2097152 → "2 MiB". */
export function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let u = 0;
  let v = bytes;
  while (u < units.length - 1 && v >= 1024 && v % 1024 === 0) {
    v /= 1024;
    u++;
  }
  return `${num(v)} ${units[u]}`;
}

/** A size rounded to one decimal in the largest binary unit that is at least 1: "128.0 GiB". */
export function approxSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let u = 0;
  let v = bytes;
  while (u < units.length - 1 && v >= 1024) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : Number.isInteger(v) ? `${num(v)} ${units[u]}` : `${v.toFixed(1)} ${units[u]}`;
}
