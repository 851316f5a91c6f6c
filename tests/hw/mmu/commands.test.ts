// `pagewalk vectors` and `pagewalk explain` through the CLI entry point (tools/cli.ts main).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../../tools/cli.ts';
import type { CommandIO } from '../../../tools/command.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIO = {
    stdout: (s) => (out += String(s)), stderr: (s) => (err += String(s)), readStdin: () => new Uint8Array(0),
    cwd: root, isTTY: false, env: {},
  };
  const code = await main(args, io);
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), 'pagewalk-mmu-'));
const vectorsFile = JSON.parse(
  (await import('node:fs')).readFileSync(join(root, 'tests/fixtures/paging-vectors.json'), 'utf8'),
) as { vectors: { family: string; result: { error_code?: string } }[] };

describe('pagewalk vectors', () => {
  it('runs the fixture: a table per family and "6120 passed, 0 failed", exit 0', async () => {
    const r = await run(['vectors', 'tests/fixtures/paging-vectors.json', '--ad-policy', 'lazy']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^straddle\s+400\s+0$/m);
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('6120 passed, 0 failed');
  });
  it('exits 1 and shows the differing field when a vector fails', async () => {
    const f = { ...vectorsFile, vectors: vectorsFile.vectors.filter((v) => v.family === 'sanity').slice(0, 3) };
    f.vectors = structuredClone(f.vectors);
    const pf = f.vectors.find((v) => v.result.error_code !== undefined)!;
    pf.result.error_code = '0x1f';
    const p = join(tmp, 'one-bad.json');
    writeFileSync(p, JSON.stringify(f));
    const r = await run(['vectors', p]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/error_code: expected 0x1f, got 0x/);
    expect(r.out).toMatch(/\| +\[\d+ cycles?\] +PML4E at 0x/);
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('2 passed, 1 failed');
  });
  it('a malformed file gets one line naming the file and field, and nothing runs', async () => {
    const f = structuredClone({ ...vectorsFile, vectors: vectorsFile.vectors.slice(0, 13) }) as unknown as {
      vectors: { state: { cr3: unknown } }[];
    };
    f.vectors[12].state.cr3 = 12345;
    const p = join(tmp, 'vectors.json');
    writeFileSync(p, JSON.stringify(f));
    const r = await run(['vectors', p]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(`pagewalk: ${p}: vectors[12].state.cr3: expected a hex string\n`);
  });
  it('usage errors exit 2', async () => {
    expect((await run(['vectors'])).code).toBe(2);
    expect((await run(['vectors', 'x.json', '--ad-policy', 'sometimes'])).err).toMatch(/--ad-policy: expected eager or lazy/);
    expect((await run(['vectors', join(tmp, 'missing.json')])).err).toMatch(/missing\.json: cannot read \(no such file\)/);
  });
});

describe('pagewalk explain', () => {
  it('explains every step of a scenario file', async () => {
    const r = await run(['explain', 'tests/fixtures/explain/user-pages.json']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('write to a read-only page at CPL3 → #PF error 0x7');
    expect(r.out).toContain('the stale TLB entry still gives the old frame');
    expect(r.out).toMatch(/step 12[^\n]*\n[^\n]*\n[^\n]*\n\s+\[1 cycle\]\s+L1 dTLB lookup: hit/);
  });
  it('explains one access given with --la/--access/--cpl', async () => {
    const r = await run(['explain', 'tests/fixtures/explain/user-pages.json', '--la', '0x601000', '--access', 'fetch', '--cpl', '3']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('fetch from an execute-disable (XD=1) page at CPL3 → #PF error 0x15');
    expect(r.out.match(/── step/g)?.length).toBe(1);
  });
  it('prints structured steps with --json', async () => {
    const r = await run(['explain', 'tests/fixtures/explain/large-pages-pku.json', '--la', '0x00007f0040001000', '--json']);
    const j = JSON.parse(r.out) as { ok: boolean; pa: number; steps: { kind: string; levelName?: string }[] }[];
    expect(j[0].ok).toBe(true);
    expect(j[0].pa).toBe(0x80001000);
    expect(j[0].steps.filter((s) => s.kind === 'entry').map((s) => s.levelName)).toEqual(['pml5e', 'pml4e', 'pdpte']);
  });
  it('a bad scenario gets file:line:col and the field; a bad option exits 2', async () => {
    const p = join(tmp, 'bad-scenario.json');
    writeFileSync(p, '{\n  "schema": "pagewalk-explain/1",\n  "registers": { "cpl": 7 }\n}\n');
    const r = await run(['explain', p]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^pagewalk: ${p}:3:25: registers\\.cpl: `));
    expect((await run(['explain', p, '--access', 'poke'])).code).toBe(2);
  });
});
