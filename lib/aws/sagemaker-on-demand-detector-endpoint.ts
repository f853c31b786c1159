import { Duration, Names, Token } from 'aws-cdk-lib/core';
import {
  AdjustmentType,
  MetricAggregationType,
  PredefinedMetric,
  ScalableTarget,
  ServiceNamespace,
  StepScalingAction,
  type TargetTrackingScalingPolicy,
} from 'aws-cdk-lib/aws-applicationautoscaling';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { ApplicationScalingAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { CfnEndpoint, CfnEndpointConfig, CfnInferenceComponent, type CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import type { Construct } from 'constructs';
import {
  COLD_STARTS,
  coldStartFor,
  SAGEMAKER_INFERENCE_COMPONENT_NAME,
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
  SAGEMAKER_INFERENCE_COMPONENT_NAMESPACE,
  SAGEMAKER_INSTANCE_NAMESPACE,
} from './detector-endpoint-base';
import {
  createDetectorModel,
  endpointLogGroup,
  resolveEndpointProps,
  scalingServiceLinkedRole,
} from './detector-endpoint-foundation';
import { createEndpointAlarms } from './endpoint-alarms';
import { ModelWeights, readableWeightsSource } from './model-weights';
import type { SageMakerDetectorEndpointBaseProps } from './sagemaker-endpoint-props';

/**
 * Defaults of the on-demand mode. Sources: SageMaker developer guide "Scale an endpoint to zero instances"
 * (endpoint-auto-scaling-zero-instances) and the AWS ML blog post on scale-down-to-zero (Dec 2024).
 */
export const SAGEMAKER_ON_DEMAND_DEFAULTS = {
  /** Copies (and so GPU instances) while idle. */
  minCapacity: 0,
  /** Copies CloudFormation creates, so a deploy proves the container starts; the autoscaler owns the count after. */
  initialCopyCount: 1,
  /** Host memory a copy reserves, as a fraction of the instance's (the copy takes every GPU, so it is alone). */
  hostMemoryFraction: 0.5,
  /** The wake-up alarm looks at one 60-second period: a single refused request wakes the endpoint. */
  wakeUpPeriodSeconds: 60,
  /**
   * No second wake-up step while the first copy is still starting: the alarm stays in ALARM (and re-invokes the
   * policy every minute) as long as callers retry, and a step every 60 s would start up to maxCapacity instances
   * for one request. The longest expected cold start.
   */
  wakeUpCooldownSeconds: COLD_STARTS.sagemakerInferenceComponent.maxMinutes * 60,
  maxWakeUpCooldownSeconds: 3600,
  /** Route each request to the copy with the fewest in flight: detections take seconds, not milliseconds. */
  routingStrategy: 'LEAST_OUTSTANDING_REQUESTS',
} as const;

/** The props of the on-demand endpoint: the shared ones, its scaling (from zero), and the inference component's. */
export interface SageMakerOnDemandDetectorEndpointProps extends SageMakerDetectorEndpointBaseProps {
  /**
   * Copies of the detector (each takes every GPU of one instance, so copies = instances) and target tracking on
   * concurrent requests per copy. The minimum must stay 0: that is what on-demand means.
   * @default min 0, max 2, target 75% of the container's concurrency, scale-out cooldown 5 min, scale-in 15 min
   */
  readonly scaling?: ScalingOptions;
  /**
   * Name of the inference component (1–63 letters, digits and hyphens). Callers pass it as InferenceComponentName
   * (`form-detect --inference-component <name>`).
   * @default a name made from the stack and construct path, unique in the account and region
   */
  readonly inferenceComponentName?: string;
  /**
   * After the wake-up policy added a copy, how long it ignores the alarm. Shorter than the cold start, and calls
   * that keep failing while the first copy starts add more copies (up to maxCapacity).
   * @default Duration.minutes(15), the longest expected cold start
   */
  readonly wakeUpCooldown?: Duration;
}

/**
 * The form-field detector on SageMaker, on demand: an endpoint that hosts the detector as an inference component
 * and scales it to zero copies (and zero GPU instances) when idle. The first request after an idle period fails with
 * a no-capacity error and wakes it; a copy serves again after the cold start (~6–15 min). Clients must pass
 * `inferenceComponentName`; the form-detect client waits and retries while the endpoint warms up.
 *
 * Resources: the execution role and model (as the always-on mode), an endpoint config with no model and managed
 * instance scaling from 0, the endpoint, the inference component, its scalable target (min 0), target tracking on
 * concurrent requests per copy, and the wake-up step policy on a NoCapacityInvocationFailures ≥ 1 alarm.
 */
export class SageMakerOnDemandDetectorEndpoint extends DetectorEndpointBase {
  readonly endpointName: string;
  readonly endpointArn: string;
  readonly variantName: string = DEFAULT_VARIANT_NAME;
  readonly inferenceComponentName: string;
  readonly inferenceComponentArn: string;
  /** The execution role (created, or the one passed in). */
  readonly role: IRole;
  readonly cfnModel: CfnModel;
  readonly cfnEndpointConfig: CfnEndpointConfig;
  readonly cfnEndpoint: CfnEndpoint;
  readonly cfnInferenceComponent: CfnInferenceComponent;
  /** The inference component's copy count, 0 to maxCapacity. */
  readonly scalableTarget: ScalableTarget;
  /** Target tracking on concurrent requests per copy (scale-out, and scale-in down to zero). */
  readonly scalingPolicy: TargetTrackingScalingPolicy;
  /** Adds one copy when a request found none. */
  readonly wakeUpPolicy: StepScalingAction;
  /** NoCapacityInvocationFailures ≥ 1 in one minute; its action is `wakeUpPolicy`. */
  readonly wakeUpAlarm: Alarm;
  /** Undefined when `alarms.enabled` is false. */
  readonly invocation5xxErrorsAlarm?: Alarm;
  readonly modelLatencyAlarm?: Alarm;
  readonly deployment: DetectorDeployment;
  readonly scaling: ScalingSpec;
  /** The summary recorded on the endpoint's metadata (`npm run synth` prints it). */
  readonly summary: DeploymentSummary;
  /** Where the weights come from. */
  readonly weights: WeightsSource;
  /** The bucket created for the weights (`ModelWeights.fromNewStore()`, the default here). */
  readonly weightsBucket?: Bucket;

  constructor(scope: Construct, id: string, props: SageMakerOnDemandDetectorEndpointProps = {}) {
    super(scope, id);
    const isUnresolved = (value: unknown): boolean => Token.isUnresolved(value);
    const errors = new ValidationErrors(`SageMakerOnDemandDetectorEndpoint '${this.node.path}'`, isUnresolved);

    // ---- Validate everything once, then build.
    const scalingOptions: ScalingOptions = {
      ...props.scaling,
      minCapacity: props.scaling?.minCapacity ?? SAGEMAKER_ON_DEMAND_DEFAULTS.minCapacity,
    };
    const resolved = resolveEndpointProps(this, props, errors, scalingOptions, true, () => ModelWeights.fromNewStore());
    errors.check(
      'scaling.minCapacity',
      props.scaling?.minCapacity,
      (min) => !(min > 0),
      'an on-demand endpoint idles at 0 copies; a minimum above 0 keeps that many GPU instances billed around ' +
        "the clock, which is the always-on mode (SageMakerDetectorEndpoint, or DetectorAwsStack mode 'always-on'). " +
        'Leave minCapacity out (0), or choose always-on',
    );
    if (props.inferenceComponentName !== undefined && errors.isKnown(props.inferenceComponentName)) {
      errors.rule('inferenceComponentName', SAGEMAKER_INFERENCE_COMPONENT_NAME, { name: props.inferenceComponentName });
    }
    const wakeUpCooldownSeconds = this.checkWakeUpCooldown(errors, props.wakeUpCooldown);
    // Weights that may be staged only after this deploy (a bucket created here, or a ModelWeightsStore): the
    // component starts with no copy, so the deploy waits for no container; the first request after staging wakes it.
    const initialCopyCount = resolved.weights.stagedAfterDeploy ? 0 : SAGEMAKER_ON_DEMAND_DEFAULTS.initialCopyCount;
    if (resolved.sameDeployStore !== undefined) {
      errors.rule('weights', WEIGHTS_STORE_STAGED_BEFORE_START, {
        serving: `SageMakerOnDemandDetectorEndpoint '${this.node.path}'`,
        store: resolved.sameDeployStore,
        storeCreatedInSameDeploy: true,
        startsAtDeploy: initialCopyCount > 0,
      });
    }
    errors.throwIfAny();
    this.role = resolved.role;
    this.weights = resolved.weights.source;
    this.weightsBucket = resolved.weights.createdBucket;
    this.deployment = resolved.deployment;
    this.scaling = resolved.scaling;
    const instance = resolved.instance;
    this.inferenceComponentName =
      props.inferenceComponentName ??
      Names.uniqueResourceName(this, { maxLength: 63, separator: '-', allowedSpecialCharacters: '-' });

    // ---- Execution role and model, as in the always-on mode. An inference component writes its container's
    // output to its own log group and its copies' utilization to its own namespace.
    this.cfnModel = createDetectorModel(
      this,
      resolved,
      [
        endpointLogGroup(props.endpointName),
        {
          name: `/aws/sagemaker/InferenceComponents/${this.inferenceComponentName}`,
          streams:
            'SageMaker names one log stream per copy and container at run time, so streams can only be ' +
            "granted inside the inference component's own log group by wildcard.",
        },
      ],
      [SAGEMAKER_INSTANCE_NAMESPACE, SAGEMAKER_INFERENCE_COMPONENT_NAMESPACE],
    );

    // ---- The endpoint hosts inference components: no model in the variant, the role on the config, and managed
    // instance scaling that may reach zero instances.
    this.cfnEndpointConfig = new CfnEndpointConfig(this, 'EndpointConfig', {
      executionRoleArn: this.role.roleArn,
      productionVariants: [
        {
          variantName: this.variantName,
          instanceType: instance.instanceType,
          // The copy CloudFormation creates needs one instance; managed instance scaling takes over from there.
          initialInstanceCount: SAGEMAKER_ON_DEMAND_DEFAULTS.initialCopyCount,
          managedInstanceScaling: {
            status: 'ENABLED',
            minInstanceCount: 0,
            maxInstanceCount: this.scaling.maxCapacity,
          },
          routingConfig: { routingStrategy: SAGEMAKER_ON_DEMAND_DEFAULTS.routingStrategy },
          containerStartupHealthCheckTimeoutInSeconds: resolved.startupTimeoutSeconds,
          modelDataDownloadTimeoutInSeconds: resolved.downloadTimeoutSeconds,
          ...(resolved.volumeSizeGb !== undefined ? { volumeSizeInGb: resolved.volumeSizeGb } : {}),
          inferenceAmiVersion: resolved.inferenceAmiVersion,
        },
      ],
      ...(props.encryptionKey ? { kmsKeyId: props.encryptionKey.keyArn } : {}),
    });
    // SageMaker checks the config's execution role when it creates the endpoint.
    this.cfnEndpointConfig.node.addDependency(this.role);

    this.cfnEndpoint = new CfnEndpoint(this, 'Resource', {
      endpointConfigName: this.cfnEndpointConfig.attrEndpointConfigName,
      ...(props.endpointName ? { endpointName: props.endpointName } : {}),
    });
    this.endpointName = this.cfnEndpoint.attrEndpointName;
    // Ref of AWS::SageMaker::Endpoint is its ARN.
    this.endpointArn = this.cfnEndpoint.ref;

    // ---- The detector as an inference component: the model, every GPU of an instance per copy, the start-up
    // timeouts. CloudFormation sets CopyCount when it creates the component (and when the template's value
    // changes); between deploys Application Auto Scaling owns the count.
    this.cfnInferenceComponent = new CfnInferenceComponent(this, 'InferenceComponent', {
      inferenceComponentName: this.inferenceComponentName,
      endpointName: this.cfnEndpoint.attrEndpointName,
      variantName: this.variantName,
      specification: {
        modelName: this.cfnModel.attrModelName,
        computeResourceRequirements: {
          numberOfAcceleratorDevicesRequired: instance.gpuCount,
          minMemoryRequiredInMb: Math.floor(
            instance.memoryGiB * 1024 * SAGEMAKER_ON_DEMAND_DEFAULTS.hostMemoryFraction,
          ),
        },
        startupParameters: {
          containerStartupHealthCheckTimeoutInSeconds: resolved.startupTimeoutSeconds,
          modelDataDownloadTimeoutInSeconds: resolved.downloadTimeoutSeconds,
        },
      },
      runtimeConfig: { copyCount: initialCopyCount },
    });
    this.inferenceComponentArn = this.cfnInferenceComponent.attrInferenceComponentArn;

    this.summary = summarizeDeployment({
      service: 'SageMaker inference component (scale to zero)',
      endpoint: props.endpointName ?? this.node.path,
      mode: 'on-demand',
      deployment: this.deployment,
      scaling: this.scaling,
      coldStart: coldStartFor('sagemakerInferenceComponent', this.weights),
      weights: readableWeightsSource(this.weights),
    });
    this.cfnEndpoint.addMetadata(SUMMARY_METADATA_KEY, this.summary);

    // ---- Autoscaling of the copy count, 0 to max: target tracking scales out under load and in to zero when idle.
    this.scalableTarget = new ScalableTarget(this, 'ScalableTarget', {
      serviceNamespace: ServiceNamespace.SAGEMAKER,
      resourceId: `inference-component/${this.inferenceComponentName}`,
      scalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
      minCapacity: this.scaling.minCapacity,
      maxCapacity: this.scaling.maxCapacity,
      role: scalingServiceLinkedRole(this),
    });
    // The resource id names the component by a plain string: register only once it exists.
    this.scalableTarget.node.addDependency(this.cfnInferenceComponent);
    this.scalingPolicy = this.scalableTarget.scaleToTrackMetric('ConcurrencyTracking', {
      predefinedMetric: PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_CONCURRENT_REQUESTS_PER_COPY_HIGH_RESOLUTION,
      targetValue: this.scaling.targetConcurrencyPerInstance,
      scaleOutCooldown: Duration.seconds(this.scaling.scaleOutCooldownSeconds),
      scaleInCooldown: Duration.seconds(this.scaling.scaleInCooldownSeconds),
    });

    // ---- Wake-up: at zero copies no concurrency is reported, so target tracking cannot scale out. A request that
    // finds no copy counts in NoCapacityInvocationFailures; one of them (>= 1, not > 1) adds a copy.
    this.wakeUpPolicy = new StepScalingAction(this, 'WakeUpPolicy', {
      scalingTarget: this.scalableTarget,
      adjustmentType: AdjustmentType.CHANGE_IN_CAPACITY,
      metricAggregationType: MetricAggregationType.MAXIMUM,
      cooldown: Duration.seconds(wakeUpCooldownSeconds),
    });
    this.wakeUpPolicy.addAdjustment({ adjustment: 1, lowerBound: 0 });
    this.wakeUpAlarm = new Alarm(this, 'WakeUpAlarm', {
      alarmDescription:
        'A request found the detector scaled to zero (NoCapacityInvocationFailures). This alarm adds a copy; ' +
        'the detector answers again after the cold start. Expected after every idle period; no action needed.',
      metric: this.metricNoCapacityInvocationFailures({
        period: Duration.seconds(SAGEMAKER_ON_DEMAND_DEFAULTS.wakeUpPeriodSeconds),
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.wakeUpAlarm.addAlarmAction(new ApplicationScalingAction(this.wakeUpPolicy));

    if (resolved.alarmsEnabled) {
      const alarms = createEndpointAlarms(
        this,
        this,
        props.alarms,
        resolved.latencyThresholdMicros,
        `/aws/sagemaker/InferenceComponents/${this.inferenceComponentName}`,
      );
      this.invocation5xxErrorsAlarm = alarms.invocation5xxErrors;
      this.modelLatencyAlarm = alarms.modelLatency;
    }
  }

  private checkWakeUpCooldown(errors: ValidationErrors, cooldown: Duration | undefined): number {
    const seconds = errors.wholeSeconds('wakeUpCooldown', cooldown, SAGEMAKER_ON_DEMAND_DEFAULTS.wakeUpCooldownSeconds);
    const max = SAGEMAKER_ON_DEMAND_DEFAULTS.maxWakeUpCooldownSeconds;
    if (cooldown !== undefined && errors.isKnown(seconds) && !(seconds >= 0 && seconds <= max)) {
      errors.add(
        'wakeUpCooldown',
        `${seconds} s`,
        `use a whole number of seconds from 0 to ${max}, e.g. Duration.minutes(15) (about one cold start)`,
      );
    }
    return seconds;
  }
}
