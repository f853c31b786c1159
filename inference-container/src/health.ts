/**
 * Readiness and health details, computed from cached state only: a probe never waits on vLLM or the GPU.
 * Ready = vLLM answers and lists the served model (the supervisor's poll) and the controller is not
 * shutting down.
 */
import type { AdapterStatus } from './contract';
import type { GpuInfo } from './gpu';
import type { SupervisorStatus } from './supervisor';

export type Phase = 'preparing' | 'running' | 'draining';

export type HealthStatus =
  'ready' | 'preparing' | 'weights_missing' | 'loading' | 'adapter_missing' | 'restarting' | 'shutting_down' | 'failed';

export interface Readiness {
  ready: boolean;
  status: HealthStatus;
  /** Why not ready, in words. */
  reason: string;
}

/** Seconds a probe or client is told to wait while the model loads. */
export const NOT_READY_RETRY_AFTER_SECONDS = 10;

export function readinessOf(
  phase: Phase,
  vllm: SupervisorStatus | null,
  /** Why the weights store cannot be served yet (vLLM is not started meanwhile). */
  weightsProblem?: string,
): Readiness {
  if (phase === 'draining') return { ready: false, status: 'shutting_down', reason: 'the controller is shutting down' };
  if (phase === 'preparing' && weightsProblem)
    return { ready: false, status: 'weights_missing', reason: weightsProblem };
  if (phase === 'preparing' || !vllm) {
    return { ready: false, status: 'preparing', reason: 'model files are being prepared' };
  }
  if (vllm.ready) return { ready: true, status: 'ready', reason: 'ready' };
  switch (vllm.state) {
    case 'restarting':
      return { ready: false, status: 'restarting', reason: 'vLLM exited and is being restarted' };
    case 'failed':
      return { ready: false, status: 'failed', reason: 'vLLM exited too often' };
    case 'stopping':
    case 'stopped':
      return { ready: false, status: 'shutting_down', reason: 'vLLM is stopping' };
    default:
      if (vllm.missingModel !== null) {
        return {
          ready: false,
          status: 'adapter_missing',
          reason: `vLLM answers but does not list "${vllm.missingModel}" among its served models (it lists: ${(vllm.listedModels ?? []).join(', ') || 'nothing'}); check LORA_ADAPTER, its adapter_config.json and MAX_LORA_RANK`,
        };
      }
      return { ready: false, status: 'loading', reason: 'vLLM is loading the model' };
  }
}

export interface HealthFacts {
  baseModel: string;
  adapter: string | null;
  adapterName: string | null;
  quantization: string;
  gpu: GpuInfo | null;
  maxConcurrency: number;
  maxQueue: number;
  /** Where the weights come from: the store's directory (and what it lacks), or the Hugging Face Hub. */
  weights: { source: 'store' | 'hub'; dir: string | null; missing: string[] };
}

export function healthDetails(
  readiness: Readiness,
  facts: HealthFacts,
  vllm: SupervisorStatus | null,
  load: { inFlight: number; queued: number },
  adapterStatus: AdapterStatus | null = null,
) {
  return {
    status: readiness.status,
    reason: readiness.reason,
    base_model: facts.baseModel,
    adapter: facts.adapter,
    adapter_name: facts.adapterName,
    adapter_status: adapterStatus,
    quantization: facts.quantization,
    weights: facts.weights,
    gpu: facts.gpu
      ? { name: facts.gpu.name, memory_mib: facts.gpu.memoryMiB, compute_capability: facts.gpu.computeCapability }
      : null,
    vllm: {
      state: vllm?.state ?? 'idle',
      ready: vllm?.ready ?? false,
      pid: vllm?.pid ?? null,
      restarts: vllm?.restarts ?? 0,
      last_exit: vllm?.lastExit ?? null,
      served_models: vllm?.listedModels ?? null,
    },
    requests_in_flight: load.inFlight,
    queue_depth: load.queued,
    max_concurrency: facts.maxConcurrency,
    max_queue: facts.maxQueue,
  };
}
