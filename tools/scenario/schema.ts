// The explain scenario format (docs/mmu.md, "Explain scenarios"): registers, mappings that the
// loader builds page tables for, and a list of steps (accesses to explain, and the operations
// between them: remapping without invalidation, INVLPG, CR3 reloads).
import { z } from 'zod';
import { mmuConfigSchema } from '../../hw/mmu/config.ts';

const hex = z.string({ error: 'expected a hex string' }).regex(/^0x[0-9a-fA-F]{1,16}$/, 'expected a hex string like "0x7f0000001000"');
const pkey = z.number({ error: 'expected a protection key 0..15' }).int().min(0).max(15);

/** Bits of a non-leaf entry on a mapping's path (they combine with the leaf's, SDM 4.6). */
const tableEntry = z
  .object({ writable: z.boolean(), user: z.boolean(), nx: z.boolean() })
  .partial()
  .strict();

export const mappingSchema = z
  .object({
    la: hex,
    pa: hex,
    size: z.enum(['4K', '2M', '1G']).default('4K'),
    present: z.boolean().default(true),
    writable: z.boolean().default(true),
    user: z.boolean().default(true),
    nx: z.boolean().default(false),
    global: z.boolean().default(false),
    accessed: z.boolean().default(false),
    dirty: z.boolean().default(false),
    pk: pkey.default(0),
    note: z.string().optional(),
    /** Extra raw bits ORed into the leaf entry (e.g. "0x10000000000" to set a reserved bit). */
    extraBits: hex.optional(),
    /** Flags of the entries above the leaf on this path (shared with other mappings there). */
    tables: z.object({ pml5e: tableEntry, pml4e: tableEntry, pdpte: tableEntry, pde: tableEntry }).partial().strict().optional(),
  })
  .strict();

const accessStep = z
  .object({
    op: z.literal('access').default('access'),
    la: hex,
    access: z.enum(['read', 'write', 'fetch']),
    size: z.number({ error: 'expected an integer 1..4096' }).int().min(1).max(4096).default(8),
    cpl: z.number().int().min(0).max(3).optional(),
    ac: z.boolean().optional(),
    note: z.string().optional(),
  })
  .strict();

const stepSchema = z.union([
  accessStep,
  z.object({ op: z.literal('map'), mapping: mappingSchema, note: z.string().optional() }).strict(),
  z.object({ op: z.literal('invlpg'), la: hex, note: z.string().optional() }).strict(),
  z.object({ op: z.literal('mov-cr3'), pcid: z.number().int().min(0).max(0xfff).optional(), noflush: z.boolean().default(false), note: z.string().optional() }).strict(),
  z.object({ op: z.literal('flush'), note: z.string().optional() }).strict(),
]);

export const scenarioSchema = z
  .object({
    schema: z.literal('pagewalk-explain/1', { error: "expected 'pagewalk-explain/1'" }),
    description: z.string().optional(),
    levels: z.union([z.literal(4), z.literal(5)], { error: 'expected 4 or 5' }).default(4),
    maxPhyAddr: z.number({ error: 'expected an integer 32..52' }).int().min(32).max(52).default(46),
    registers: z
      .object({
        cpl: z.number({ error: 'expected an integer 0..3' }).int().min(0).max(3).default(3),
        wp: z.boolean().default(true),
        nxe: z.boolean().default(true),
        smep: z.boolean().default(false),
        smap: z.boolean().default(false),
        ac: z.boolean().default(false),
        pke: z.boolean().default(false),
        pkru: hex.default('0x0'),
        pge: z.boolean().default(false),
        pcide: z.boolean().default(false),
        pcid: z.number().int().min(0).max(0xfff).default(0),
      })
      .strict()
      .prefault({}),
    config: mmuConfigSchema.optional(),
    mappings: z.array(mappingSchema).default([]),
    steps: z.array(stepSchema).default([]),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type Mapping = z.infer<typeof mappingSchema>;
export type ScenarioStep = Scenario['steps'][number];
