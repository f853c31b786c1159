/**
 * AWS: the form-field detector as a SageMaker GPU real-time endpoint (aws-cdk-lib).
 * `import { SageMakerDetectorEndpoint } from 'form-detector-stacks/aws'`.
 */
export * from './detector-aws-stack';
export * from './detector-endpoint-base';
export * from './detector-image';
export * from './detector-image-repository';
export * from './endpoint-alarms';
export * from './model-weights';
export * from './sagemaker-detector-endpoint';
export * from './sagemaker-on-demand-detector-endpoint';
export { SAGEMAKER_LIMITS, instanceFamily } from './sagemaker-limits';
