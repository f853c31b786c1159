import { Duration, Token, type Size } from 'aws-cdk-lib/core';
import {
  PredefinedMetric,
  ScalableTarget,
  ServiceNamespace,
  type TargetTrackingScalingPolicy,
} from 'aws-cdk-lib/aws-applicationautoscaling';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnEndpoint, CfnEndpointConfig, type CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import type { Construct } from 'constructs';
import {
  summarizeDeployment,
  SUMMARY_METADATA_KEY,
  ValidationErrors,
  type AwsInstanceType,
  type DeploymentSummary,
  type DetectorDeployment,
  type DetectorModelOptions,
  type ScalingOptions,
  type ScalingSpec,
  type WeightsSource,
} from '../core';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import {
  DEFAULT_VARIANT_NAME,
  DetectorEndpointBase,
  ImportedDetectorEndpoint,
  type DetectorEndpointAttributes,
  type IDetectorEndpoint,
} from './detector-endpoint-base';
import {
  createDetectorModel,
  endpointLogGroup,
  resolveEndpointProps,
  scalingServiceLinkedRole,
  STARTUP_TIMEOUT_DEFAULTS,
} from './detector-endpoint-foundation';
import type { DetectorImage } from './detector-image';
import { createEndpointAlarms, type DetectorEndpointAlarmOptions } from './endpoint-alarms';
import { ModelWeights, readableWeightsSource } from './model-weights';

/** Defaults sized for vLLM: download ~6 GB of weights, load them 4-bit, capture CUDA graphs, warm up the VL path. */
export const SAGEMAKER_ENDPOINT_DEFAULTS = {
  ...STARTUP_TIMEOUT_DEFAULTS,
  variantName: DEFAULT_VARIANT_NAME,
} as const;

export interface SageMakerDetectorEndpointProps extends DetectorModelOptions {
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
   * Where the weights come from: Hugging Face, an S3 prefix (`ModelWeights.fromS3Prefix`), or a bucket created here
   * (`ModelWeights.fromNewStore()`). The same prop on every construct of every cloud.
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
   * Instance count and target tracking on concurrent requests per instance.
   * @default min 1, max 2, target 75% of the container's concurrency, scale-out cooldown 5 min, scale-in 15 min
   */
  readonly scaling?: ScalingOptions;
  /**
   * How long SageMaker waits for GET /ping to answer 200 after the container starts (60–3600 s).
   * @default Duration.minutes(30)
   */
  readonly containerStartupHealthCheckTimeout?: Duration;
  /**
   * How long SageMaker may take to copy `modelData` to the instance (60–3600 s).
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

/**
 * The form-field detector as a SageMaker real-time endpoint: a least-privilege execution role, a model running
 * the inference container, an endpoint config with one GPU variant, the endpoint, autoscaling on concurrent
 * requests, and alarms on 5xx errors and latency.
 */
export class SageMakerDetectorEndpoint extends DetectorEndpointBase {
  /** An endpoint deployed elsewhere, by name. */
  static fromEndpointName(scope: Construct, id: string, endpointName: string): IDetectorEndpoint {
    return new ImportedDetectorEndpoint(scope, id, { endpointName });
  }

  /** An endpoint deployed elsewhere, by name, ARN and variant. */
  static fromEndpointAttributes(scope: Construct, id: string, attrs: DetectorEndpointAttributes): IDetectorEndpoint {
    return new ImportedDetectorEndpoint(scope, id, attrs);
  }

  readonly endpointName: string;
  readonly endpointArn: string;
  readonly variantName: string = SAGEMAKER_ENDPOINT_DEFAULTS.variantName;
  /** The execution role (created, or the one passed in). */
  readonly role: IRole;
  readonly cfnModel: CfnModel;
  readonly cfnEndpointConfig: CfnEndpointConfig;
  readonly cfnEndpoint: CfnEndpoint;
  readonly scalableTarget: ScalableTarget;
  readonly scalingPolicy: TargetTrackingScalingPolicy;
  /** Undefined when `alarms.enabled` is false. */
  readonly invocation5xxErrorsAlarm?: Alarm;
  readonly modelLatencyAlarm?: Alarm;
  /** What runs: model, quantization, instance, concurrency, with every default filled in. */
  readonly deployment: DetectorDeployment;
  readonly scaling: ScalingSpec;
  /** The summary recorded on the endpoint's metadata (`npm run synth` prints it). */
  readonly summary: DeploymentSummary;
  /** Where the weights come from. */
  readonly weights: WeightsSource;
  /** The bucket created for the weights (`ModelWeights.fromNewStore()`). */
  readonly weightsBucket?: Bucket;

  constructor(scope: Construct, id: string, props: SageMakerDetectorEndpointProps = {}) {
    super(scope, id);
    const errors = new ValidationErrors(`SageMakerDetectorEndpoint '${this.node.path}'`, (v) => Token.isUnresolved(v));
    // ---- Validate everything once, then build.
    const resolved = resolveEndpointProps(this, props, errors, props.scaling, false, () =>
      ModelWeights.fromHuggingFace(),
    );
    errors.throwIfAny();
    this.role = resolved.role;
    this.weights = resolved.weights.source;
    this.weightsBucket = resolved.weights.createdBucket;
    this.deployment = resolved.deployment;
    this.scaling = resolved.scaling;
    const instance = resolved.instance;

    // ---- Execution role (ECR pull on the image's repository only, logs of this endpoint, SageMaker's metrics)
    // and the model.
    this.cfnModel = createDetectorModel(this, resolved, [endpointLogGroup(props.endpointName)]);

    this.cfnEndpointConfig = new CfnEndpointConfig(this, 'EndpointConfig', {
      productionVariants: [
        {
          variantName: this.variantName,
          modelName: this.cfnModel.attrModelName,
          instanceType: instance.instanceType,
          initialInstanceCount: this.scaling.minCapacity,
          initialVariantWeight: 1,
          containerStartupHealthCheckTimeoutInSeconds: resolved.startupTimeoutSeconds,
          modelDataDownloadTimeoutInSeconds: resolved.downloadTimeoutSeconds,
          ...(resolved.volumeSizeGb !== undefined ? { volumeSizeInGb: resolved.volumeSizeGb } : {}),
          inferenceAmiVersion: resolved.inferenceAmiVersion,
        },
      ],
      ...(props.encryptionKey ? { kmsKeyId: props.encryptionKey.keyArn } : {}),
    });

    this.cfnEndpoint = new CfnEndpoint(this, 'Resource', {
      endpointConfigName: this.cfnEndpointConfig.attrEndpointConfigName,
      ...(props.endpointName ? { endpointName: props.endpointName } : {}),
    });
    this.endpointName = this.cfnEndpoint.attrEndpointName;
    // Ref of AWS::SageMaker::Endpoint is its ARN.
    this.endpointArn = this.cfnEndpoint.ref;

    this.summary = summarizeDeployment({
      service: 'SageMaker real-time endpoint',
      endpoint: props.endpointName ?? this.node.path,
      mode: 'always-on',
      deployment: this.deployment,
      scaling: this.scaling,
      weights: readableWeightsSource(this.weights),
    });
    this.cfnEndpoint.addMetadata(SUMMARY_METADATA_KEY, this.summary);

    // ---- Autoscaling: the variant's instance count tracks concurrent requests per instance.
    this.scalableTarget = new ScalableTarget(this, 'ScalableTarget', {
      serviceNamespace: ServiceNamespace.SAGEMAKER,
      resourceId: `endpoint/${this.cfnEndpoint.attrEndpointName}/variant/${this.variantName}`,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity: this.scaling.minCapacity,
      maxCapacity: this.scaling.maxCapacity,
      role: scalingServiceLinkedRole(this),
    });
    this.scalingPolicy = this.scalableTarget.scaleToTrackMetric('ConcurrencyTracking', {
      predefinedMetric: PredefinedMetric.SAGEMAKER_VARIANT_CONCURRENT_REQUESTS_PER_MODEL_HIGH_RESOLUTION,
      targetValue: this.scaling.targetConcurrencyPerInstance,
      scaleOutCooldown: Duration.seconds(this.scaling.scaleOutCooldownSeconds),
      scaleInCooldown: Duration.seconds(this.scaling.scaleInCooldownSeconds),
    });

    if (resolved.alarmsEnabled) {
      const alarms = createEndpointAlarms(this, this, props.alarms, resolved.latencyThresholdMicros);
      this.invocation5xxErrorsAlarm = alarms.invocation5xxErrors;
      this.modelLatencyAlarm = alarms.modelLatency;
    }
  }
}
