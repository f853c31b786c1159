import { ArnFormat, Duration, Stack, Token, type Size } from 'aws-cdk-lib/core';
import {
  PredefinedMetric,
  ScalableTarget,
  ServiceNamespace,
  type TargetTrackingScalingPolicy,
} from 'aws-cdk-lib/aws-applicationautoscaling';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Effect, PolicyStatement, Role, ServicePrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnEndpoint, CfnEndpointConfig, CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import type { Construct } from 'constructs';
import {
  awsInstance,
  AWS_INSTANCES,
  containerEnvironment,
  DEFAULT_AWS_INSTANCE_TYPE,
  PLATFORM_LIMITS,
  resolveDeployment,
  resolveScaling,
  summarizeDeployment,
  SUMMARY_METADATA_KEY,
  ValidationErrors,
  type AwsInstanceType,
  type DeploymentSummary,
  type DetectorDeployment,
  type DetectorModelOptions,
  type ScalingOptions,
  type ScalingSpec,
} from '../core';
import {
  DEFAULT_VARIANT_NAME,
  DetectorEndpointBase,
  ImportedDetectorEndpoint,
  SAGEMAKER_INSTANCE_NAMESPACE,
  type DetectorEndpointAttributes,
  type IDetectorEndpoint,
} from './detector-endpoint-base';
import { DetectorImage } from './detector-image';
import { checkAlarmOptions, createEndpointAlarms, type DetectorEndpointAlarmOptions } from './endpoint-alarms';
import { ModelWeights } from './model-weights';
import { acknowledgeFinding, iamWildcardFindingId } from './nag-acknowledgements';
import { checkEnvironment, checkStorage, checkTimeout, SAGEMAKER_LIMITS } from './sagemaker-limits';

/** Defaults sized for vLLM: download ~6 GB of weights, load them 4-bit, capture CUDA graphs, warm up the VL path. */
export const SAGEMAKER_ENDPOINT_DEFAULTS = {
  containerStartupHealthCheckTimeoutSeconds: 1800,
  modelDataDownloadTimeoutSeconds: 1200,
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
   * Where the weights come from.
   * @default ModelWeights.fromHuggingFace() — the container downloads the profile's base model and adapter
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
   * SageMaker inference AMI (GPU driver and CUDA version), e.g. 'al2-ami-sagemaker-inference-gpu-3-1'
   * (driver 550, CUDA 12.4). Match it to the CUDA of the vLLM image.
   * @default SageMaker's default for the instance type
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

  constructor(scope: Construct, id: string, props: SageMakerDetectorEndpointProps = {}) {
    super(scope, id);
    const isUnresolved = (value: unknown): boolean => Token.isUnresolved(value);
    const errors = new ValidationErrors(`SageMakerDetectorEndpoint '${this.node.path}'`, isUnresolved);

    // The role comes first: binding the weights grants on it and tells where the container finds the model.
    this.role = props.role ?? new Role(this, 'Role', { assumedBy: new ServicePrincipal('sagemaker.amazonaws.com') });
    const weights = (props.modelData ?? ModelWeights.fromHuggingFace()).bind(this.role);

    // ---- Validate everything once, then build.
    const requestedType = props.instanceType ?? DEFAULT_AWS_INSTANCE_TYPE;
    const found = awsInstance(requestedType);
    if (!found.ok) errors.add('instanceType', requestedType, found.problem);
    const instance = found.ok ? found.value : AWS_INSTANCES[DEFAULT_AWS_INSTANCE_TYPE];

    for (const key of ['baseModel', 'loraAdapter'] as const) {
      if (weights[key] !== undefined && props[key] !== undefined) {
        errors.add(
          key,
          props[key],
          `modelData (ModelWeights.fromS3Prefix) already places it at ${weights[key]}; leave ${key} out, or ` +
            `set the ${key}Path option of fromS3Prefix`,
        );
      }
    }
    const modelOptions: DetectorModelOptions = {
      ...props,
      baseModel: props.baseModel ?? weights.baseModel,
      loraAdapter: props.loraAdapter ?? weights.loraAdapter,
    };
    this.deployment = resolveDeployment(instance, modelOptions, PLATFORM_LIMITS.sagemaker, errors);
    this.scaling = resolveScaling(
      props.scaling,
      { maxConcurrency: this.deployment.maxConcurrency, allowZero: false, prop: 'scaling' },
      errors,
    );
    const startupTimeout = checkTimeout(
      errors,
      'containerStartupHealthCheckTimeout',
      props.containerStartupHealthCheckTimeout,
      SAGEMAKER_ENDPOINT_DEFAULTS.containerStartupHealthCheckTimeoutSeconds,
      isUnresolved,
    );
    const downloadTimeout = checkTimeout(
      errors,
      'modelDataDownloadTimeout',
      props.modelDataDownloadTimeout,
      SAGEMAKER_ENDPOINT_DEFAULTS.modelDataDownloadTimeoutSeconds,
      isUnresolved,
    );
    const volumeSizeGb = props.volumeSize?.toGibibytes();
    checkStorage(errors, instance, volumeSizeGb, props.encryptionKey !== undefined, isUnresolved);
    errors.check(
      'endpointName',
      props.endpointName,
      (name) => SAGEMAKER_LIMITS.endpointName.test(name),
      'use 1–63 letters, digits and hyphens, starting and ending with a letter or digit',
    );
    const environment = containerEnvironment(this.deployment);
    checkEnvironment(errors, environment, isUnresolved);
    const alarmsEnabled = props.alarms?.enabled ?? true;
    const latencyThresholdMicros = checkAlarmOptions(errors, props.alarms, this.deployment.requestTimeoutMs);
    errors.throwIfAny();

    // ---- Execution role: ECR pull on the image's repository only, logs of this endpoint, SageMaker's metrics.
    const image = (props.image ?? DetectorImage.fromSource()).bind(this, this.role);
    const logGroupArn = this.addLogAndMetricPermissions(props.endpointName);
    if (props.role === undefined)
      this.acknowledgeRoleFindings(logGroupArn, props.endpointName, weights.readableObjectsArn);

    this.cfnModel = new CfnModel(this, 'Model', {
      executionRoleArn: this.role.roleArn,
      primaryContainer: {
        image: image.imageUri,
        environment,
        ...(weights.modelDataSource ? { modelDataSource: weights.modelDataSource } : {}),
      },
    });
    // SageMaker checks the role when it creates the model; its policy must exist by then.
    this.cfnModel.node.addDependency(this.role);

    this.cfnEndpointConfig = new CfnEndpointConfig(this, 'EndpointConfig', {
      productionVariants: [
        {
          variantName: this.variantName,
          modelName: this.cfnModel.attrModelName,
          instanceType: instance.instanceType,
          initialInstanceCount: this.scaling.minCapacity,
          initialVariantWeight: 1,
          containerStartupHealthCheckTimeoutInSeconds: startupTimeout,
          modelDataDownloadTimeoutInSeconds: downloadTimeout,
          ...(volumeSizeGb !== undefined ? { volumeSizeInGb: volumeSizeGb } : {}),
          ...(props.inferenceAmiVersion ? { inferenceAmiVersion: props.inferenceAmiVersion } : {}),
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
    });
    this.cfnEndpoint.addMetadata(SUMMARY_METADATA_KEY, this.summary);

    // ---- Autoscaling: the variant's instance count tracks concurrent requests per instance.
    this.scalableTarget = new ScalableTarget(this, 'ScalableTarget', {
      serviceNamespace: ServiceNamespace.SAGEMAKER,
      resourceId: `endpoint/${this.cfnEndpoint.attrEndpointName}/variant/${this.variantName}`,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity: this.scaling.minCapacity,
      maxCapacity: this.scaling.maxCapacity,
      role: this.scalingRole(),
    });
    this.scalingPolicy = this.scalableTarget.scaleToTrackMetric('ConcurrencyTracking', {
      predefinedMetric: PredefinedMetric.SAGEMAKER_VARIANT_CONCURRENT_REQUESTS_PER_MODEL_HIGH_RESOLUTION,
      targetValue: this.scaling.targetConcurrencyPerInstance,
      scaleOutCooldown: Duration.seconds(this.scaling.scaleOutCooldownSeconds),
      scaleInCooldown: Duration.seconds(this.scaling.scaleInCooldownSeconds),
    });

    if (alarmsEnabled) {
      const alarms = createEndpointAlarms(this, this, props.alarms, latencyThresholdMicros);
      this.invocation5xxErrorsAlarm = alarms.invocation5xxErrors;
      this.modelLatencyAlarm = alarms.modelLatency;
    }
  }

  /** Returns the log group ARN the role may write to. */
  private addLogAndMetricPermissions(endpointName: string | undefined): string {
    const stack = Stack.of(this);
    // The role must work before the endpoint exists (and so before a generated name is known): without a fixed
    // name, the log permissions cover SageMaker's endpoint log groups of this account and region.
    const logGroupName = `/aws/sagemaker/Endpoints/${endpointName ?? '*'}`;
    const logGroupArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogGroup', 'logs:DescribeLogStreams'],
        resources: [logGroupArn],
      }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${logGroupArn}:log-stream:*`],
      }),
    );
    // PutMetricData has no resource-level permissions; the namespace condition is the scope.
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': SAGEMAKER_INSTANCE_NAMESPACE } },
      }),
    );
    return logGroupArn;
  }

  /**
   * The wildcards the execution role needs, acknowledged one by one with the reason (only on a role this
   * construct created: a role passed in is its owner's to review).
   */
  private acknowledgeRoleFindings(logGroupArn: string, endpointName: string | undefined, objectsArn?: string): void {
    acknowledgeFinding(
      this.role,
      iamWildcardFindingId(this, '*'),
      'AWS-mandated: ecr:GetAuthorizationToken and cloudwatch:PutMetricData have no resource-level permissions ' +
        '(Service Authorization Reference); PutMetricData is limited to the /aws/sagemaker/Endpoints namespace ' +
        'by a condition, and image pulls are limited to the image repository ARN.',
    );
    if (endpointName === undefined) {
      acknowledgeFinding(
        this.role,
        iamWildcardFindingId(this, logGroupArn),
        "SageMaker writes to /aws/sagemaker/Endpoints/<endpoint name>; the name is generated by CloudFormation after the role's policy must exist, so the group is scoped to SageMaker endpoint log groups of this account and region. Set endpointName to scope it to one group.",
      );
    }
    acknowledgeFinding(
      this.role,
      iamWildcardFindingId(this, `${logGroupArn}:log-stream:*`),
      'SageMaker names one log stream per instance and container at run time (<variant>/<instance id>), so ' +
        "streams can only be granted inside the endpoint's log group by wildcard.",
    );
    if (objectsArn !== undefined) {
      acknowledgeFinding(
        this.role,
        iamWildcardFindingId(this, objectsArn),
        'Read-only s3:GetObject on the model weights prefix that SageMaker copies to /opt/ml/model (S3Prefix ' +
          'data source); the objects are the weight files under that prefix and nothing else in the bucket.',
      );
    }
  }

  /** Application Auto Scaling's service-linked role for SageMaker endpoints; no role of ours to manage. */
  private scalingRole(): IRole {
    return Role.fromRoleArn(
      this,
      'ScalingRole',
      Stack.of(this).formatArn({
        service: 'iam',
        region: '',
        resource: 'role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com',
        resourceName: 'AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
      }),
      { mutable: false },
    );
  }
}
