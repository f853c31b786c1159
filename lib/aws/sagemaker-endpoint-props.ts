import type { Duration, Size } from 'aws-cdk-lib/core';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { AwsInstanceType, DetectorModelOptions } from '../core';
import type { DetectorImage } from './detector-image';
import type { DetectorEndpointAlarmOptions } from './endpoint-alarms';
import type { ModelWeights } from './model-weights';

/**
 * The props both SageMaker endpoint modes take, declared and documented once (aws-ecs-patterns style: each mode's
 * props extend these and add their own): the model, the instance, the image, the weights, start-up timeouts,
 * storage, naming, the role, the alarms and the inference AMI.
 */
export interface SageMakerDetectorEndpointBaseProps extends DetectorModelOptions {
  /**
   * GPU instance type, from the catalog in `form-detector-stacks/core` (`AWS_INSTANCES`).
   * @default 'ml.g5.xlarge' (1× A10G 24 GB)
   */
  readonly instanceType?: AwsInstanceType;
  /**
   * The inference container image.
   * @default DetectorImage.fromSource() — built from inference-container/ by `cdk deploy`
   */
  readonly image?: DetectorImage;
  /**
   * Where the weights come from: Hugging Face, an S3 prefix (`ModelWeights.fromS3Prefix`), a `ModelWeightsStore` in
   * a stack of its own (`ModelWeights.fromStore(store)`), or a bucket created here (`ModelWeights.fromNewStore()`,
   * on-demand only: the always-on endpoint starts its container at deploy, before anyone could stage the weights). The
   * same prop on every construct of every cloud.
   * @default always-on: ModelWeights.fromHuggingFace() — the container downloads the profile's base model and
   *   adapter at every start; on-demand: ModelWeights.fromNewStore() — a bucket created here
   */
  readonly weights?: ModelWeights;
  /**
   * Former name of `weights`.
   * @deprecated use `weights`
   * @default none
   */
  readonly modelData?: ModelWeights;
  /**
   * How long a new instance may take from container start to ready (GET /ping answers 200): vLLM downloads or
   * copies the weights, quantizes them and warms up. SageMaker's `ContainerStartupHealthCheckTimeoutInSeconds`
   * (60–3600 s), on the production variant and, on demand, on the inference component. The same prop on every
   * construct of every cloud.
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html
   * @default Duration.minutes(30)
   */
  readonly modelLoadTimeout?: Duration;
  /**
   * How long SageMaker may take to copy the weights of an S3 store to the instance
   * (`ModelDataDownloadTimeoutInSeconds`, 60–3600 s).
   * @default Duration.minutes(20)
   */
  readonly modelDataDownloadTimeout?: Duration;
  /**
   * EBS volume per instance. Only for instance types without local NVMe storage; every GPU type in the catalog
   * has NVMe (g4dn, g5, p4d), where SageMaker rejects it.
   * @default none — the instance's own storage
   */
  readonly volumeSize?: Size;
  /**
   * KMS key for the endpoint's storage volume. Refused on NVMe instance types (all in the catalog), whose local
   * storage is hardware-encrypted.
   * @default none
   */
  readonly encryptionKey?: IKey;
  /**
   * Physical endpoint name (1–63 letters, digits and hyphens). A fixed name lets the execution role's log
   * permissions name the endpoint's log group exactly, and clients find the endpoint without a stack output.
   * @default a name CloudFormation generates
   */
  readonly endpointName?: string;
  /**
   * Execution role the model runs as. This construct adds ECR pull, S3 read on the model prefix, and log and
   * metric permissions to it.
   * @default a new role with exactly those permissions
   */
  readonly role?: IRole;
  /**
   * CloudWatch alarms on 5xx errors and model latency.
   * @default both alarms, no actions
   */
  readonly alarms?: DetectorEndpointAlarmOptions;
  /**
   * SageMaker inference AMI: the NVIDIA driver (and CUDA version) the instances run. Its driver must run the
   * image's CUDA: without an AMI, ml.g4dn, ml.g5 and ml.p4d run driver 470 / CUDA 11.4, where the CUDA 12.9 vLLM
   * image dies at start. 'al2-ami-sagemaker-inference-gpu-3-1' (driver 550, CUDA 12.4) runs it by CUDA minor-version
   * compatibility. See SAGEMAKER_INFERENCE_AMIS in `form-detector-stacks/core`.
   * @default 'al2023-ami-sagemaker-inference-gpu-4-1' (driver 580, CUDA 13.0: runs the image natively)
   */
  readonly inferenceAmiVersion?: string;
}
