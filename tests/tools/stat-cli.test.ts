import { describe, expect, it } from 'vitest';
import { cli } from './cli-helper.ts';

const LAB1 = 'userland/examples/01-first-touch.s';

describe('pagewalk stat', () => {
  it('prints the counters alone, perf-stat-like, with thousands separators', async () => {
    const r = await cli(['stat', '--aslr', '0', LAB1]);
    expect(r.status).toBe(0);
    expect(r.out).not.toContain('after touching');
    expect(r.out).toContain(" Performance counter stats for 'userland/examples/01-first-touch.s':");
    expect(r.out).toMatch(/\n +\d{1,3}(,\d{3})+ +cycles\n/);
    expect(r.out).toMatch(/\n +\d+ +minor-faults\n/);
  });
  it('--json gives the same figures as one object', async () => {
    const j = JSON.parse((await cli(['stat', '--json', '--aslr', '0', LAB1])).out);
    const text = (await cli(['stat', '--aslr', '0', LAB1])).out;
    expect(j).toMatchObject({ reason: 'exited', exitCode: 0, signal: 0 });
    expect(text).toContain(` ${j.cycles.toLocaleString('en-US')}      cycles`);
    expect(j.minorFaults).toBeGreaterThanOrEqual(16);
    expect(j.pageFaults).toBe(j.minorFaults + j.majorFaults);
    expect(j.instructions).toBeGreaterThan(0);
  });
  it('usage errors exit 2 with one line', async () => {
    const r = await cli(['stat', '--csv', LAB1]);
    expect(r.status).toBe(2);
    expect(r.err).toBe("pagewalk: stat: unknown option '--csv' (try 'pagewalk stat --help')\n");
  });
});
