/**
 * Cloud-neutral core: model profiles, the GPU catalog, sizing, scaling, cost, naming and the container's
 * environment. Imports no IaC framework.
 */
export * from './container-environment';
export * from './container-source';
export * from './cost';
export * from './deployment';
export * from './deployment-mode';
export * from './deployment-summary';
export * from './duration';
export * from './gpu-catalog';
export * from './image-build';
export * from './image-record';
export * from './model-profiles';
export * from './naming';
export * from './on-demand';
export * from './platform-rules';
export * from './platforms';
export * from './quantization';
export * from './scaling';
export * from './sizing';
export * from './start-window';
export * from './validation';
export * from './weights';
export {
  CONTAINER_PORT,
  VLLM_IMAGE,
  DEFAULTS as CONTAINER_DEFAULTS,
  ENV as CONTAINER_ENV,
  ROUTES as CONTAINER_ROUTES,
  type DetectionResult,
  type DetectedBox,
  type ErrorCode,
} from '../../inference-container/src/contract';
