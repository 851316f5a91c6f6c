// The machine: physical memory, the clock, the MMU and the T64 core, wired together (docs/architecture.md).
import { z } from 'zod';
import { PagewalkError } from './errors.ts';
import { Clock } from './clock.ts';
import { PhysMem, FRAME_SIZE } from './mem/phys-mem.ts';
import { Mmu } from './mmu/mmu.ts';
import { mmuConfigSchema, type MmuConfig, type MmuConfigInput } from './mmu/config.ts';
import { Cpu, type CpuConfig } from './cpu/cpu.ts';

export interface MachineOptions {
  /** Implemented physical-address bits (CPUID.80000008H:EAX[7:0]), 32..52. Default 46. */
  maxPhyAddr: number;
  /** Bytes of RAM the kernel may hand out (a multiple of 4 KiB, below 2^maxPhyAddr). Default 256 MiB. */
  memoryBytes: number;
  /** MMU configuration (TLB geometry, latencies, A/D policy); defaults as hw/mmu/config.ts. */
  mmu: Partial<MmuConfig> | MmuConfigInput;
  /** Core configuration (extra data-memory latency). */
  cpu: Partial<CpuConfig>;
}

const optionsSchema = z
  .object({
    maxPhyAddr: z.number().int().min(32).max(52),
    memoryBytes: z.number().int().positive().multipleOf(FRAME_SIZE),
    mmu: mmuConfigSchema,
    cpu: z.object({ dataLatency: z.number().int().min(0).max(100000) }).partial().strict(),
  })
  .partial()
  .strict();

export class Machine {
  readonly phys: PhysMem;
  readonly clock: Clock;
  readonly mmu: Mmu;
  readonly cpu: Cpu;
  readonly maxPhyAddr: number;
  readonly memoryBytes: number;

  constructor(options: Partial<MachineOptions> = {}) {
    const parsed = optionsSchema.safeParse(options);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new PagewalkError(`machine options: ${i.path.join('.') || '(root)'}: ${i.message}`);
    }
    this.maxPhyAddr = options.maxPhyAddr ?? 46;
    this.memoryBytes = options.memoryBytes ?? 256 * 1024 * 1024;
    if (this.memoryBytes > 2 ** this.maxPhyAddr)
      throw new PagewalkError(`machine options: memoryBytes: ${this.memoryBytes} does not fit in ${this.maxPhyAddr} physical-address bits`);
    this.phys = new PhysMem(this.maxPhyAddr);
    this.clock = new Clock();
    this.mmu = new Mmu(this.phys, this.clock, options.mmu ?? {});
    this.cpu = new Cpu(this.mmu, this.clock, options.cpu ?? {});
  }
}
