// `pagewalk vectors --json`: the report as JSON, failures included (a tampered vector must show up).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../tools/cli.ts';
import type { CommandIO } from '../../tools/command.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function run(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const io: CommandIO = {
    stdout: (s) => (out += String(s)), stderr: () => {}, readStdin: () => new Uint8Array(0),
    cwd: root, isTTY: false, env: {},
  };
  return { code: await main(args, io), out };
}

describe('pagewalk vectors --json', () => {
  it('reports tallies per family and the failing vector with the field that differs', async () => {
    const file = JSON.parse(readFileSync(join(root, 'tests/fixtures/paging-vectors.json'), 'utf8'));
    const sanity = file.vectors.filter((v: { family: string }) => v.family === 'sanity');
    const ok = sanity.find((v: { result: { outcome: string } }) => v.result.outcome === 'ok');
    ok.result.pa = '0x' + (BigInt(ok.result.pa) ^ 0x1000n).toString(16);
    const path = join(mkdtempSync(join(tmpdir(), 'pagewalk-vec-')), 'v.json');
    writeFileSync(path, JSON.stringify({ ...file, vectors: sanity }));
    const r = await run(['vectors', path, '--json']);
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.out);
    expect(rep).toMatchObject({ adPolicy: 'eager', passed: sanity.length - 1, failed: 1 });
    expect(rep.families).toEqual([{ family: 'sanity', passed: sanity.length - 1, failed: 1 }]);
    expect(rep.failures[0].id).toBe(ok.id);
    expect(rep.failures[0].mismatches.join('\n')).toMatch(/pa/);
  });
});
