import { Duration, Token } from 'aws-cdk-lib/core';
import {
  PredefinedMetric,
  ScalableTarget,
  ServiceNamespace,
  type TargetTrackingScalingPolicy,
} from 'aws-cdk-lib/aws-applicationautoscaling';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { CfnEndpoint, CfnEndpointConfig, type CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import type { Construct } from 'constructs';
import {
  summarizeDeployment,
  SUMMARY_METADATA_KEY,
  ValidationErrors,
  WEIGHTS_STORE_STAGED_BEFORE_START,
  type DeploymentSummary,
  type DetectorDeployment,
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
import { createEndpointAlarms } from './endpoint-alarms';
import { ModelWeights, readableWeightsSource } from './model-weights';
import type { SageMakerDetectorEndpointBaseProps } from './sagemaker-endpoint-props';

/** Defaults sized for vLLM: download ~6 GB of weights, load them 4-bit, capture CUDA graphs, warm up the VL path. */
export const SAGEMAKER_ENDPOINT_DEFAULTS = {
  ...STARTUP_TIMEOUT_DEFAULTS,
  variantName: DEFAULT_VARIANT_NAME,
} as const;

/** The props of the always-on endpoint: the shared ones, and its scaling (at least one instance). */
export interface SageMakerDetectorEndpointProps extends SageMakerDetectorEndpointBaseProps {
  /**
   * Instance count and target tracking on concurrent requests per instance.
   * @default min 1, max 2, target 75% of the container's concurrency, scale-out cooldown 5 min, scale-in 15 min
   */
  readonly scaling?: ScalingOptions;
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
    // The endpoint starts its instances at deploy and waits for /ping: a store created by the same deploy is empty.
    if (resolved.sameDeployStore !== undefined) {
      errors.rule('weights', WEIGHTS_STORE_STAGED_BEFORE_START, {
        serving: `SageMakerDetectorEndpoint '${this.node.path}'`,
        store: resolved.sameDeployStore,
        storeCreatedInSameDeploy: true,
        startsAtDeploy: true,
      });
    }
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
