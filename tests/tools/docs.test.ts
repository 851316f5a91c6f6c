// Every command shown in the docs is run and its output compared with the doc, so the docs
// cannot drift from what the tools print (block convention: tests/tools/docs-blocks.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractCommands, matches, ROOT, runDocCommand, splitArgs } from './docs-blocks.ts';

describe('doc block convention', () => {
  it('extracts "$ " commands and their output from console blocks only', () => {
    const md = ['text', '```console', '$ pagewalk a', 'out 1', 'out 2', '$ pagewalk b', '```', '```sh', '$ not this', '```'].join('\n');
    expect(extractCommands(md)).toEqual([
      { line: 3, command: 'pagewalk a', expected: ['out 1', 'out 2'] },
      { line: 6, command: 'pagewalk b', expected: [] },
    ]);
  });
  it('matches "..." against any number of lines and nothing else', () => {
    expect(matches(['a', '...', 'z'], ['a', 'b', 'c', 'z'])).toBe(true);
    expect(matches(['a', '...', 'z'], ['a', 'z'])).toBe(true);
    expect(matches(['a', '...', 'z'], ['a', 'b'])).toBe(false);
    expect(matches(['a', 'b'], ['a', 'b', 'c'])).toBe(false);
    expect(matches(['a', ''], ['a'])).toBe(true);
  });
  it("splits arguments on spaces and keeps '...' quoted ones whole", () => {
    expect(splitArgs("pagewalk trace --only 'faults,syscalls' x.s")).toEqual(['pagewalk', 'trace', '--only', 'faults,syscalls', 'x.s']);
  });
});

for (const doc of ['docs/tutorial.md', 'docs/cli.md']) {
  const cmds = extractCommands(readFileSync(join(ROOT, doc), 'utf8'));
  describe(`${doc}: every command prints what the doc shows`, () => {
    it('has commands to check', () => expect(cmds.length).toBeGreaterThan(3));
    for (const c of cmds) {
      it(`${doc}:${c.line}: $ ${c.command}`, async () => {
        const { lines } = await runDocCommand(c.command);
        if (!matches(c.expected, lines)) {
          // Show the whole difference at once.
          expect(lines.join('\n'), `${doc}:${c.line} drifted: rerun 'npx tsx tests/tools/docs-blocks.ts ${doc}' and review the diff`).toBe(
            c.expected.join('\n'),
          );
        }
      }, 120_000);
    }
  });
}
