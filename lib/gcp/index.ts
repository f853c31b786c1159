/**
 * The form detector on GCP, with CDKTF: `VertexDetectorEndpoint` (always-on), `CloudRunGpuDetectorService`
 * (on-demand, scales to zero) and `DetectorGcpStack` (either, by mode).
 */
export * from './cloud-run-gpu-detector-service';
export * from './detector-gcp-stack';
export * from './model-weights';
export { DEFAULT_LABELS } from './serving-resources';
export type { GcpServingProps } from './serving-props';
export * from './vertex-detector-endpoint-base';
export * from './vertex-detector-endpoint-props';
export * from './cloud-run-gpu-detector-service-props';
export * from './cloud-run-detector-service-base';
export { startupProbeTiming, CLOUD_RUN_DEFAULTS } from './cloud-run-validation';
export { VERTEX_PROBE_DEFAULTS } from './vertex-validation';
export * from './vertex-detector-endpoint';
export { vertexDeployCommand, vertexDeployScriptPath } from './deploy-command';
export {
  CONFIG_HASH_LABEL,
  configHash,
  DEPLOYED_MODEL_PREFIX,
  DUTY_CYCLE_METRIC,
  ENDPOINT_LABEL,
  VERTEX_API_BASE_URL_ENV,
  VERTEX_DEPLOY_CONFIG_ENV,
  type VertexContainerSpec,
  type VertexDedicatedResources,
  type VertexDeployConfig,
  type VertexProbe,
} from './vertex-deploy-config';
export { VertexDeployer, type DeployOutcome, type UndeployOutcome } from './vertex-deployer';
export { defaultAccessTokenProvider, VertexApi, VertexApiError, type AccessTokenProvider } from './vertex-api';
