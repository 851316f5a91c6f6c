// Schema `paging-vectors/1` (tests/fixtures/CONFORMANCE.md): x86-64 translation vectors.
import { z } from 'zod';

const hex = z.string({ error: 'expected a hex string' }).regex(/^0x[0-9a-fA-F]{1,16}$/, 'expected a hex string');
const qword = z.object({ pa: hex, value: hex }).strict();

export const vectorSchema = z
  .object({
    id: z.string().min(1),
    family: z.string().min(1),
    state: z
      .object({
        cr0: hex, cr3: hex, cr4: hex, efer: hex, rflags: hex, pkru: hex,
        cpl: z.number({ error: 'expected an integer 0..3' }).int().min(0).max(3),
      })
      .strict(),
    memory: z.array(qword),
    access: z
      .object({
        la: hex,
        kind: z.enum(['read', 'write', 'fetch']),
        size: z.number({ error: 'expected an integer 1..4096' }).int().min(1).max(4096),
      })
      .strict(),
    result: z
      .object({
        outcome: z.enum(['ok', 'fault']),
        pa: hex.optional(),
        vector: z.number().int().min(0).max(255).optional(),
        error_code: hex.optional(),
        cr2: hex.optional(),
        memory: z.array(qword),
        memory_lazy: z.array(qword).optional(),
      })
      .strict()
      .superRefine((r, ctx) => {
        if (r.outcome === 'ok' && r.pa === undefined) ctx.addIssue({ code: 'custom', path: ['pa'], message: "required when outcome is 'ok'" });
        if (r.outcome === 'fault' && r.vector === undefined)
          ctx.addIssue({ code: 'custom', path: ['vector'], message: "required when outcome is 'fault'" });
        if (r.outcome === 'fault' && r.vector === 14) {
          if (r.error_code === undefined) ctx.addIssue({ code: 'custom', path: ['error_code'], message: 'required for a #PF (vector 14)' });
          if (r.cr2 === undefined) ctx.addIssue({ code: 'custom', path: ['cr2'], message: 'required for a #PF (vector 14)' });
        }
      }),
    corrected: z.array(z.string()).optional(),
    implementation_defined: z.array(z.string()).optional(),
  })
  .strict();

export const vectorsFileSchema = z
  .object({
    schema: z.literal('paging-vectors/1', { error: "expected 'paging-vectors/1'" }),
    source: z.string().optional(),
    seed: z.unknown().optional(),
    maxphyaddr: z.number({ error: 'expected an integer 32..52' }).int().min(32).max(52),
    vectors: z.array(vectorSchema),
    notes: z.unknown().optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    // Every qword must be an aligned physical address the machine has.
    const limit = 1n << BigInt(f.maxphyaddr);
    f.vectors.forEach((v, i) => {
      const check = (list: { pa: string }[], where: (string | number)[]) =>
        list.forEach((q, j) => {
          const pa = BigInt(q.pa);
          if (pa % 8n !== 0n || pa >= limit)
            ctx.addIssue({ code: 'custom', path: ['vectors', i, ...where, j, 'pa'], message: `expected an 8-byte aligned address below 2^${f.maxphyaddr}` });
        });
      check(v.memory, ['memory']);
      check(v.result.memory, ['result', 'memory']);
      if (v.result.memory_lazy) check(v.result.memory_lazy, ['result', 'memory_lazy']);
    });
  });

export type Vector = z.infer<typeof vectorSchema>;
export type VectorsFile = z.infer<typeof vectorsFileSchema>;
