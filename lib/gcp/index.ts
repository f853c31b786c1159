/**
 * The form detector on GCP, with CDKTF: `VertexDetectorEndpoint` (always-on), `CloudRunGpuDetectorService`
 * (on-demand, scales to zero) and `DetectorGcpStack` (either, by mode).
 *
 * Named exports only: what is listed here is the public API (its report is etc/api/gcp.api.md).
 */
export {
  CloudRunDetectorServiceBase,
  INVOKER_ROLE,
  type CloudRunDetectorServiceAttributes,
  type ICloudRunDetectorService,
} from './cloud-run-detector-service-base';
export { CloudRunGpuDetectorService } from './cloud-run-gpu-detector-service';
export type {
  CloudRunGpuAccelerator,
  CloudRunGpuDetectorServiceProps,
  CloudRunIngress,
} from './cloud-run-gpu-detector-service-props';
export { vertexDeployCommand, vertexDeployScriptPath } from './deploy-command';
export { DetectorGcpStack, type DetectorGcpStackProps } from './detector-gcp-stack';
export { DetectorGcpWeightsStack } from './detector-gcp-weights-stack';
export {
  DEFAULT_WEIGHTS_PREFIX,
  ModelWeights,
  ModelWeightsStore,
  type CloudStorageAccess,
  type HuggingFaceWeightsOptions,
  type ModelWeightsBindContext,
  type ModelWeightsConfig,
  type ModelWeightsStoreProps,
  type NewCloudStorageStoreOptions,
} from './model-weights';
export type { GcpServingProps } from './serving-props';
export { DEFAULT_LABELS } from './serving-resources';
export {
  VERTEX_DEPLOY_CONFIG_ENV,
  type VertexContainerSpec,
  type VertexDedicatedResources,
  type VertexDeployConfig,
  type VertexProbe,
} from './vertex-deploy-config';
export { VertexDetectorEndpoint } from './vertex-detector-endpoint';
export {
  INVOKE_PERMISSIONS,
  VertexDetectorEndpointBase,
  type IVertexDetectorEndpoint,
  type VertexDetectorEndpointAttributes,
} from './vertex-detector-endpoint-base';
export type {
  VertexDetectorEndpointProps,
  VertexHealthProbeOptions,
  VertexProbeOptions,
  VertexRequestResponseLogging,
} from './vertex-detector-endpoint-props';
export { VERTEX_PROBE_DEFAULTS } from './vertex-validation';
