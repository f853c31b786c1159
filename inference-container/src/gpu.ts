/**
 * GPU facts from nvidia-smi, exactly as CONTRACT.md queries them. No GPU, no nvidia-smi or a failing one
 * yields `null`: the controller logs it and assumes nothing GPU-specific.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const NVIDIA_SMI_ARGS = ['--query-gpu=name,compute_cap,memory.total', '--format=csv,noheader,nounits'] as const;

export interface GpuInfo {
  name: string;
  /** e.g. 7.5 for a T4, 8.6 for an A10G. */
  computeCapability: number;
  memoryMiB: number;
}

export type GpuProbe = { gpu: GpuInfo } | { gpu: null; reason: string };

/** Parses the first line of the CSV answer, e.g. `Tesla T4, 7.5, 15360`. */
export function parseNvidiaSmi(stdout: string): GpuInfo | null {
  const firstLine = stdout.split('\n').find((line) => line.trim().length > 0);
  if (!firstLine) return null;
  const fields = firstLine.split(',').map((f) => f.trim());
  if (fields.length < 3) return null;
  const [name, cap, memory] = fields;
  const computeCapability = Number(cap);
  const memoryMiB = Number(memory);
  if (!name || !Number.isFinite(computeCapability) || !Number.isFinite(memoryMiB) || memoryMiB <= 0) return null;
  return { name, computeCapability, memoryMiB };
}

export async function probeGpu(timeoutMs = 15_000): Promise<GpuProbe> {
  try {
    const { stdout } = await execFileAsync('nvidia-smi', [...NVIDIA_SMI_ARGS], { timeout: timeoutMs });
    const gpu = parseNvidiaSmi(stdout);
    return gpu ? { gpu } : { gpu: null, reason: `nvidia-smi printed nothing usable: ${stdout.trim().slice(0, 200)}` };
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stderr?: string };
    const reason =
      err.code === 'ENOENT'
        ? 'nvidia-smi not found on PATH'
        : `nvidia-smi failed: ${(err.stderr || err.message).trim().slice(0, 300)}`;
    return { gpu: null, reason };
  }
}
