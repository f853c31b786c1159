import { ENV } from '../../inference-container/src/contract';
import type { DetectorDeployment } from './deployment';
import { weightsEnvironment, type WeightsSource } from './weights';

/**
 * The environment a deployment passes to the inference container, named by the container's contract.
 * Every cloud passes exactly this (plus the user's extra variables).
 */
export function containerEnvironment(deployment: DetectorDeployment, weights?: WeightsSource): Record<string, string> {
  const env: Record<string, string> = {
    [ENV.baseModel]: deployment.baseModel,
    [ENV.loraAdapter]: deployment.loraAdapter ?? '',
    [ENV.use4bit]: String(deployment.quantization === 'bitsandbytes'),
    [ENV.quantization]: deployment.quantization,
    [ENV.maxConcurrency]: String(deployment.maxConcurrency),
    [ENV.maxNumSeqs]: String(deployment.maxConcurrency),
    [ENV.maxModelLen]: String(deployment.maxModelLength),
    [ENV.gpuMemoryUtilization]: String(deployment.gpuMemoryUtilization),
    [ENV.maxNewTokens]: String(deployment.maxNewTokens),
    [ENV.requestTimeoutMs]: String(deployment.requestTimeoutMs),
    [ENV.maxImageSide]: String(deployment.maxImageSide),
    [ENV.maxLoraRank]: String(deployment.model.loraRank),
  };
  // On a multi-GPU machine, split the model across its GPUs rather than leave them idle.
  if (deployment.instance.gpuCount > 1) {
    env[ENV.vllmExtraArgs] = `--tensor-parallel-size ${deployment.instance.gpuCount}`;
  }
  return { ...env, ...(weights ? weightsEnvironment(weights) : {}), ...deployment.extraEnvironment };
}
