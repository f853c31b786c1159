/**
 * AWS: the form-field detector as a SageMaker GPU real-time endpoint (aws-cdk-lib), always-on or on demand (scale to
 * zero), and a ready-made stack. `import { SageMakerDetectorEndpoint } from 'form-detector-stacks/aws'`.
 *
 * Named exports only: what is listed here is the public API (its report is etc/api/aws.api.md).
 */
export { DETECTOR_AWS_CONTEXT, DetectorAwsStack, type DetectorAwsStackProps } from './detector-aws-stack';
export { DetectorAwsWeightsStack, type DetectorAwsWeightsStackProps } from './detector-aws-weights-stack';
export {
  DEFAULT_VARIANT_NAME,
  DetectorEndpointBase,
  SAGEMAKER_INFERENCE_COMPONENT_NAMESPACE,
  SAGEMAKER_INSTANCE_NAMESPACE,
  SAGEMAKER_INVOCATION_NAMESPACE,
  type DetectorEndpointAttributes,
  type IDetectorEndpoint,
} from './detector-endpoint-base';
export {
  DetectorImage,
  type DetectorImageConfig,
  type DetectorImageEcrOptions,
  type DetectorImageSourceOptions,
} from './detector-image';
export {
  DetectorImageRepository,
  IMAGE_REPOSITORY_DEFAULTS,
  type DetectorImageRepositoryProps,
} from './detector-image-repository';
export { ALARM_DEFAULTS, type DetectorEndpointAlarmOptions } from './endpoint-alarms';
export {
  DEFAULT_WEIGHTS_PREFIX,
  ModelWeights,
  SAGEMAKER_MODEL_DIRECTORY,
  type HuggingFaceWeightsOptions,
  type ModelWeightsConfig,
  type NewS3StoreOptions,
  type S3ModelWeightsOptions,
} from './model-weights';
export { ModelWeightsStore, type ModelWeightsStoreProps } from './model-weights-store';
export {
  SAGEMAKER_ENDPOINT_DEFAULTS,
  SageMakerDetectorEndpoint,
  type SageMakerDetectorEndpointProps,
} from './sagemaker-detector-endpoint';
export type { SageMakerDetectorEndpointBaseProps } from './sagemaker-endpoint-props';
export {
  SAGEMAKER_ON_DEMAND_DEFAULTS,
  SageMakerOnDemandDetectorEndpoint,
  type SageMakerOnDemandDetectorEndpointProps,
} from './sagemaker-on-demand-detector-endpoint';
