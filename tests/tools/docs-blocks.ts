// The docs' command blocks, and how they are run (tests/tools/docs.test.ts runs them all).
//
// Convention (docs/tutorial.md, docs/cli.md): a fenced block whose info string is `console`
// holds one or more commands, each a line starting with "$ ", followed by the exact output it
// prints (standard output and standard error as a terminal shows them, colour off). A line
// that is just "..." in the output stands for any number of lines (long traces). Commands:
//   $ pagewalk ARGS...                      run in-process through tools/cli.ts
//   $ pagewalk ARGS... < FILE               the same with FILE as standard input
//   $ npx tsx userland/examples/10-stale-tlb.ts
// Arguments are split on spaces; '...' quotes one argument.
//
// Run directly (`npx tsx tests/tools/docs-blocks.ts docs/tutorial.md`) it rewrites the outputs
// of a doc from real runs, keeping "..." elisions: use it after changing a lab, then read the diff.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../tools/cli.ts';
import { lab10 } from '../../userland/examples/10-stale-tlb.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface DocCommand {
  /** 1-based line of the "$ " line in the doc. */
  line: number;
  command: string;
  expected: string[];
}

export function extractCommands(markdown: string): DocCommand[] {
  const lines = markdown.split('\n');
  const out: DocCommand[] = [];
  let inBlock = false;
  let cur: DocCommand | null = null;
  lines.forEach((l, i) => {
    if (!inBlock) {
      if (/^```console\s*$/.test(l)) inBlock = true;
      return;
    }
    if (/^```\s*$/.test(l)) {
      inBlock = false;
      cur = null;
      return;
    }
    if (l.startsWith('$ ')) {
      cur = { line: i + 1, command: l.slice(2), expected: [] };
      out.push(cur);
    } else if (cur) cur.expected.push(l);
  });
  return out;
}

export function splitArgs(s: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) out.push(m[1] ?? m[2]);
  return out;
}

/** Runs one doc command; returns its combined output lines (trailing empty line removed). */
export async function runDocCommand(command: string): Promise<{ lines: string[]; status: number }> {
  let text = '';
  const dec = new TextDecoder();
  const put = (s: string | Uint8Array) => (text += typeof s === 'string' ? s : dec.decode(s));
  let status = 0;
  const args = splitArgs(command);
  if (args[0] === 'npx' && args[1] === 'tsx' && args[2] === 'userland/examples/10-stale-tlb.ts') {
    lab10((l) => put(l + '\n'));
  } else if (args[0] === 'pagewalk') {
    let stdin = new Uint8Array(0);
    const lt = args.indexOf('<');
    if (lt >= 0) {
      stdin = new Uint8Array(readFileSync(join(ROOT, args[lt + 1])));
      args.splice(lt, 2);
    }
    status = await main(args.slice(1), {
      stdout: put, stderr: put, readStdin: () => stdin, cwd: ROOT, isTTY: false, env: { NO_COLOR: '1' },
    });
  } else {
    throw new Error(`docs: cannot run '${command}' (only pagewalk and the lab 10 script)`);
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return { lines, status };
}

/** Expected lines (with "..." wildcards) against actual lines. */
export function matches(expected: string[], actual: string[]): boolean {
  const exp = [...expected];
  while (exp.length && exp[exp.length - 1] === '') exp.pop();
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === exp.length) r = j === actual.length;
    else if (exp[i] === '...') r = go(i + 1, j) || (j < actual.length && go(i, j + 1));
    else r = j < actual.length && exp[i] === actual[j] && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

/** Rewrites every command's output in a doc from a real run (keeps leading/trailing "..."). */
async function update(file: string): Promise<void> {
  const path = resolve(ROOT, file);
  const lines = readFileSync(path, 'utf8').split('\n');
  const cmds = extractCommands(lines.join('\n'));
  for (const c of [...cmds].reverse()) {
    const { lines: got } = await runDocCommand(c.command);
    let shown = got;
    const head = c.expected.indexOf('...');
    if (head >= 0 && !matches(c.expected, got)) {
      // Keep the doc's choice of shown lines: the lines before "..." and the same number after.
      const before = c.expected.slice(0, head).length;
      const after = c.expected.slice(head + 1).filter((l) => l !== '').length;
      shown = [...got.slice(0, before), '...', ...(after ? got.slice(-after) : [])];
    } else if (head >= 0) shown = c.expected;
    const end = c.line + c.expected.length; // exclusive index of the block's next line (0-based)
    lines.splice(c.line, end - c.line, ...shown);
  }
  writeFileSync(path, lines.join('\n'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const f of process.argv.slice(2)) await update(f);
}
