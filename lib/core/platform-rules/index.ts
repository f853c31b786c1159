/**
 * Every platform rule this project knows, written once with its source. The constructs check them at synth
 * (reporting under their own prop names); `npm run preflight` checks the synthesized output against the same table.
 */
import * as azure from './azure';
import * as cuda from './cuda';
import * as firstDeploy from './first-deploy';
import * as gcp from './gcp';
import type { AnyPlatformRule } from './rule';
import * as sagemaker from './sagemaker';
import * as vllm from './vllm';

export * from './azure';
export * from './cuda';
export * from './first-deploy';
export * from './gcp';
export * from './rule';
export * from './sagemaker';
export * from './vllm';

/** The table, in the order preflight and the infra review print it. */
export const PLATFORM_RULES: readonly AnyPlatformRule[] = [
  sagemaker.SAGEMAKER_INFERENCE_AMI_SET,
  sagemaker.SAGEMAKER_INFERENCE_AMI_ACCEPTED,
  sagemaker.SAGEMAKER_INFERENCE_AMI_INSTANCE,
  cuda.SAGEMAKER_DRIVER_RUNS_IMAGE,
  sagemaker.SAGEMAKER_STARTUP_TIMEOUTS,
  sagemaker.SAGEMAKER_NVME_NO_VOLUME_SIZE,
  sagemaker.SAGEMAKER_VOLUME_SIZE_RANGE,
  sagemaker.SAGEMAKER_NVME_NO_KMS_KEY,
  sagemaker.SAGEMAKER_ENVIRONMENT_LIMITS,
  sagemaker.SAGEMAKER_ENDPOINT_NAME,
  sagemaker.SAGEMAKER_INFERENCE_COMPONENT_NAME,
  sagemaker.SAGEMAKER_INVOCATION_TIMEOUT,
  gcp.GCE_ACCELERATOR_MACHINE,
  gcp.VERTEX_PROBE_TIMEOUT,
  gcp.VERTEX_DEPLOYMENT_TIMEOUT,
  gcp.VERTEX_INFERENCE_TIMEOUT,
  gcp.CLOUD_RUN_GPU_RESOURCES,
  gcp.CLOUD_RUN_STARTUP_WINDOW,
  gcp.CLOUD_RUN_STARTUP_INITIAL_DELAY,
  gcp.CLOUD_RUN_START_WINDOW,
  gcp.CLOUD_RUN_GCS_VOLUME_GEN2,
  gcp.CLOUD_RUN_IN_MEMORY_FILESYSTEM,
  gcp.CLOUD_RUN_PROBE_TIMEOUT,
  gcp.CLOUD_RUN_GPU_REGION,
  gcp.CLOUD_RUN_REQUEST_TIMEOUT,
  cuda.CLOUD_RUN_DRIVER_RUNS_IMAGE,
  azure.AZURE_ML_REQUEST_TIMEOUT,
  azure.AZURE_ML_TRAFFIC_ON_UPDATE,
  azure.AZURE_ROLE_PROPAGATION,
  azure.AZURE_AUTOSCALE_COOLDOWN,
  azure.CONTAINER_APPS_GPU_REGION,
  azure.CONTAINER_APPS_PROBE_RANGES,
  azure.CONTAINER_APPS_MAX_REPLICAS,
  azure.CONTAINER_APPS_REPLICA_STORAGE,
  firstDeploy.WEIGHTS_STORE_STAGED_BEFORE_START,
  vllm.VLLM_GPU_MEMORY_FIT,
  vllm.VLLM_QUANTIZATION_GPU,
];

/** A rule by id; throws for an unknown id (a typo in a caller is a defect, not input). */
export function platformRuleById(id: string): AnyPlatformRule {
  const rule = PLATFORM_RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`unknown platform rule ${JSON.stringify(id)}`);
  return rule;
}

/** The sources of a rule, primary first. */
export function ruleSources(rule: AnyPlatformRule): string[] {
  return [rule.source, ...(rule.alsoSee ?? [])];
}
