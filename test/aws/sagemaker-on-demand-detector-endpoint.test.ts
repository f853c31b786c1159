import { Duration, Lazy, Size, Stack } from 'aws-cdk-lib/core';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { CfnEndpoint, CfnEndpointConfig, CfnInferenceComponent, CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import { Topic } from 'aws-cdk-lib/aws-sns';
import {
  ModelWeights,
  SageMakerDetectorEndpoint,
  SageMakerOnDemandDetectorEndpoint,
  type SageMakerOnDemandDetectorEndpointProps,
} from '../../lib/aws';
import { containerEnvironment, monthlyCostAtBusyHours, SUMMARY_METADATA_KEY } from '../../lib/core';
import { ecrImage, newStack, policyStatements } from './helpers';

const partitionArn = (service: string, rest: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:us-east-1:123456789012:${rest}`]],
});

describe('SageMakerOnDemandDetectorEndpoint with no props', () => {
  // GIVEN a stack WHEN the on-demand endpoint is created with defaults only
  const stack = newStack();
  const endpoint = new SageMakerOnDemandDetectorEndpoint(stack, 'Detector');
  const template = Template.fromStack(stack);
  const icName = endpoint.inferenceComponentName;

  test('creates role, model, config, endpoint, inference component, scalable target, two policies, three alarms', () => {
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.resourceCountIs('AWS::SageMaker::Model', 1);
    template.resourceCountIs('AWS::SageMaker::EndpointConfig', 1);
    template.resourceCountIs('AWS::SageMaker::Endpoint', 1);
    template.resourceCountIs('AWS::SageMaker::InferenceComponent', 1);
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 1);
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
  });

  test('the inference component name is generated once, valid for SageMaker and stable for the construct path', () => {
    expect(icName).toMatch(/^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/);
    const again = new SageMakerOnDemandDetectorEndpoint(newStack(), 'Detector');
    expect(again.inferenceComponentName).toBe(icName);
    const elsewhere = new SageMakerOnDemandDetectorEndpoint(newStack('Other'), 'Detector');
    expect(elsewhere.inferenceComponentName).not.toBe(icName);
  });

  test('the model runs the image with the weights from a bucket created here, copied to /opt/ml/model', () => {
    expect(endpoint.weights).toMatchObject({
      kind: 'store',
      store: 's3',
      createdHere: true,
      containerPath: '/opt/ml/model',
    });
    const s3Uri = {
      'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^DetectorWeightsBucket') }, '/weights/']],
    };
    template.hasResourceProperties('AWS::SageMaker::Model', {
      ExecutionRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectorRole'), 'Arn'] },
      PrimaryContainer: {
        Image: { 'Fn::Sub': Match.stringLikeRegexp('cdk-[a-z0-9]+-container-assets-.*:[a-f0-9]{64}$') },
        Environment: {
          ...containerEnvironment(endpoint.deployment),
          MODEL_WEIGHTS_DIR: '/opt/ml/model',
          MODEL_WEIGHTS_URI: s3Uri,
          BASE_MODEL: 'Qwen/Qwen3-VL-8B-Instruct',
          LORA_ADAPTER: 'takumi123xxx/pdfme-form-field-detector-lora',
        },
        ModelDataSource: { S3DataSource: { S3Uri: s3Uri, S3DataType: 'S3Prefix', CompressionType: 'None' } },
      },
    });
  });

  test('the weights bucket blocks public access, is encrypted, takes TLS only, and outlives the stack', () => {
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
      },
    });
  });

  test('only the execution role may read the weights: objects under the prefix, listing within it', () => {
    const statements = policyStatements(template);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 's3:GetObject',
          Resource: {
            'Fn::Join': [
              '',
              [{ 'Fn::GetAtt': [expect.stringMatching(/^DetectorWeightsBucket/), 'Arn'] }, '/weights/*'],
            ],
          },
        }),
        expect.objectContaining({
          Action: 's3:ListBucket',
          Condition: { StringLike: { 's3:prefix': ['weights/', 'weights/*'] } },
        }),
      ]),
    );
    expect(statements.filter((s) => JSON.stringify(s.Action).includes('s3:'))).toHaveLength(2);
  });

  test('the endpoint config has no model in the variant, the role on the config, and managed scaling from 0 to max', () => {
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ExecutionRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectorRole'), 'Arn'] },
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: Match.absent(),
          InitialVariantWeight: Match.absent(),
          InstanceType: 'ml.g5.xlarge',
          InitialInstanceCount: 1,
          ManagedInstanceScaling: { Status: 'ENABLED', MinInstanceCount: 0, MaxInstanceCount: 2 },
          RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
          ContainerStartupHealthCheckTimeoutInSeconds: 1800,
          ModelDataDownloadTimeoutInSeconds: 1200,
          VolumeSizeInGB: Match.absent(),
          // Driver 580 / CUDA 13.0: runs the CUDA 12.9 vLLM image; the default ml.g5 AMI (driver 470 / CUDA 11.4)
          // cannot (docs.aws.amazon.com/sagemaker/latest/dg/inference-gpu-drivers.html).
          InferenceAmiVersion: 'al2023-ami-sagemaker-inference-gpu-4-1',
        },
      ],
      KmsKeyId: Match.absent(),
    });
  });

  test('the endpoint config waits for the execution role and its policy', () => {
    const [config] = Object.values(template.findResources('AWS::SageMaker::EndpointConfig')) as {
      DependsOn: string[];
    }[];
    expect(config.DependsOn).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DetectorRole[0-9A-F]{8}$/),
        expect.stringMatching(/^DetectorRoleDefaultPolicy/),
      ]),
    );
  });

  test('the inference component runs the model on every GPU of an instance, half its memory, no copy at deploy (the new bucket is empty)', () => {
    template.hasResourceProperties('AWS::SageMaker::InferenceComponent', {
      InferenceComponentName: icName,
      EndpointName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Detector[0-9A-F]{8}$'), 'EndpointName'] },
      VariantName: 'AllTraffic',
      Specification: {
        ModelName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectorModel'), 'ModelName'] },
        Container: Match.absent(),
        ComputeResourceRequirements: { NumberOfAcceleratorDevicesRequired: 1, MinMemoryRequiredInMb: 8192 },
        StartupParameters: {
          ContainerStartupHealthCheckTimeoutInSeconds: 1800,
          ModelDataDownloadTimeoutInSeconds: 1200,
        },
      },
      RuntimeConfig: { CopyCount: 0 },
    });
  });

  test('the copy count scales 0–2 through the SageMaker service-linked role, registered after the component exists', () => {
    template.hasResource('AWS::ApplicationAutoScaling::ScalableTarget', {
      Properties: {
        ServiceNamespace: 'sagemaker',
        ResourceId: `inference-component/${icName}`,
        ScalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
        MinCapacity: 0,
        MaxCapacity: 2,
        RoleARN: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':iam::123456789012:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
            ],
          ],
        },
      },
      DependsOn: [Match.stringLikeRegexp('^DetectorInferenceComponent')],
    });
  });

  test('target tracking holds concurrent requests per copy at 75% of the container concurrency', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      ScalingTargetId: { Ref: Match.stringLikeRegexp('^DetectorScalableTarget') },
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: {
          PredefinedMetricType: 'SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution',
        },
        TargetValue: 6,
        ScaleOutCooldown: 300,
        ScaleInCooldown: 900,
      },
    });
  });

  test('the wake-up step policy adds one copy from lower bound 0, Maximum aggregation, 15-minute cooldown', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'StepScaling',
      ScalingTargetId: { Ref: Match.stringLikeRegexp('^DetectorScalableTarget') },
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ChangeInCapacity',
        MetricAggregationType: 'Maximum',
        Cooldown: 900,
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
      },
    });
  });

  test('the wake-up alarm fires on a single refused request (>= 1, not > 1) and triggers the step policy', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SageMaker',
      MetricName: 'NoCapacityInvocationFailures',
      Dimensions: [{ Name: 'InferenceComponentName', Value: icName }],
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^DetectorWakeUpPolicy') }],
    });
    expect(endpoint.wakeUpAlarm.node.id).toBe('WakeUpAlarm');
  });

  test('the 5xx and latency alarms watch the inference component, not the variant', () => {
    for (const metricName of ['Invocation5XXErrors', 'ModelLatency']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SageMaker',
        MetricName: metricName,
        Dimensions: [{ Name: 'InferenceComponentName', Value: icName }],
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Invocation5XXErrors',
      AlarmDescription: Match.stringLikeRegexp(`/aws/sagemaker/InferenceComponents/${icName}\\.$`),
    });
  });

  test('the endpoint records an on-demand summary with zero idle cost and the cold start', () => {
    template.hasResource('AWS::SageMaker::Endpoint', {
      Properties: { EndpointName: Match.absent() },
      Metadata: {
        [SUMMARY_METADATA_KEY]: Match.objectLike({
          service: 'SageMaker inference component (scale to zero)',
          mode: 'on-demand',
          minCapacity: 0,
          maxCapacity: 2,
          monthlyUsdAtMinCapacity: 0,
          // The cold start depends on where the weights come from: here the bucket created with the endpoint.
          coldStart: Match.stringLikeRegexp('^6–12 min from zero \\(.*S3 copy to /opt/ml/model'),
          weights: Match.objectLike({
            source: 's3',
            stagingCommands: [
              'hf download Qwen/Qwen3-VL-8B-Instruct --local-dir form-detector-weights',
              'hf download takumi123xxx/pdfme-form-field-detector-lora --local-dir form-detector-weights/adapter',
              // CloudFormation leaves Metadata unresolved: the bucket's name is a placeholder there (outputs have it).
              'aws s3 sync form-detector-weights s3://<weights bucket>/weights/',
            ],
          }),
        }),
      },
    });
    // 8 busy hours a day cost a third of one instance around the clock.
    expect(monthlyCostAtBusyHours(endpoint.summary, 8)).toBeCloseTo((1.408 * 730) / 3, 1);
  });

  test('the execution role may read the weights prefix, write the endpoint’s and the component’s logs, and both metric namespaces', () => {
    expect(policyStatements(template)).toEqual([
      expect.objectContaining({ Action: 's3:GetObject' }),
      expect.objectContaining({ Action: 's3:ListBucket' }),
      {
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        Effect: 'Allow',
        Resource: partitionArn('ecr', 'repository/cdk-hnb659fds-container-assets-123456789012-us-east-1'),
      },
      { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
      {
        Action: ['logs:CreateLogGroup', 'logs:DescribeLogStreams'],
        Effect: 'Allow',
        Resource: partitionArn('logs', 'log-group:/aws/sagemaker/Endpoints/*'),
      },
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: partitionArn('logs', 'log-group:/aws/sagemaker/Endpoints/*:log-stream:*'),
      },
      {
        Action: ['logs:CreateLogGroup', 'logs:DescribeLogStreams'],
        Effect: 'Allow',
        Resource: partitionArn('logs', `log-group:/aws/sagemaker/InferenceComponents/${icName}`),
      },
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: partitionArn('logs', `log-group:/aws/sagemaker/InferenceComponents/${icName}:log-stream:*`),
      },
      {
        Action: 'cloudwatch:PutMetricData',
        Condition: {
          StringEquals: {
            'cloudwatch:namespace': ['/aws/sagemaker/Endpoints', '/aws/sagemaker/InferenceComponents'],
          },
        },
        Effect: 'Allow',
        Resource: '*',
      },
    ]);
  });

  test('escape hatches, resolved specs and stable construct ids', () => {
    expect(endpoint.cfnModel).toBeInstanceOf(CfnModel);
    expect(endpoint.cfnEndpointConfig).toBeInstanceOf(CfnEndpointConfig);
    expect(endpoint.cfnEndpoint).toBeInstanceOf(CfnEndpoint);
    expect(endpoint.cfnInferenceComponent).toBeInstanceOf(CfnInferenceComponent);
    expect(endpoint.node.defaultChild).toBe(endpoint.cfnEndpoint);
    expect(stack.resolve(endpoint.inferenceComponentArn)).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^DetectorInferenceComponent/), 'InferenceComponentArn'],
    });
    expect(endpoint.scaling).toEqual({
      minCapacity: 0,
      maxCapacity: 2,
      targetConcurrencyPerInstance: 6,
      scaleOutCooldownSeconds: 300,
      scaleInCooldownSeconds: 900,
    });
    expect(endpoint.node.children.map((c) => c.node.id)).toEqual(
      expect.arrayContaining([
        'Role',
        'ImageAsset',
        'Model',
        'EndpointConfig',
        'Resource',
        'InferenceComponent',
        'ScalableTarget',
        'WakeUpPolicy',
        'WakeUpAlarm',
        'Invocation5xxErrorsAlarm',
        'ModelLatencyAlarm',
      ]),
    );
  });

  test('metric helpers describe the inference component', () => {
    const concurrency = endpoint.metricConcurrentRequests();
    expect(concurrency.metricName).toBe('ConcurrentRequestsPerCopy');
    expect(concurrency.dimensions).toEqual({ InferenceComponentName: icName });
    const noCapacity = endpoint.metricNoCapacityInvocationFailures();
    expect([noCapacity.namespace, noCapacity.metricName, noCapacity.statistic]).toEqual([
      'AWS/SageMaker',
      'NoCapacityInvocationFailures',
      'Sum',
    ]);
    expect(endpoint.metricInvocations().dimensions).toEqual({ InferenceComponentName: icName });
    // Instance metrics stay per endpoint and variant.
    expect(endpoint.metricGpuUtilization().namespace).toBe('/aws/sagemaker/Endpoints');
  });

  test('an always-on endpoint has no NoCapacityInvocationFailures metric and says why', () => {
    const s = newStack('AlwaysOn');
    const alwaysOn = new SageMakerDetectorEndpoint(s, 'Detector', { image: ecrImage(s) });
    expect(() => alwaysOn.metricNoCapacityInvocationFailures()).toThrow(/hosts no inference component/);
  });
});

describe('SageMakerOnDemandDetectorEndpoint grantInvoke', () => {
  test('allows sagemaker:InvokeEndpoint on this endpoint and this inference component only', () => {
    const stack = newStack('Grant');
    const detector = new SageMakerOnDemandDetectorEndpoint(stack, 'Detector', { image: ecrImage(stack) });
    const caller = new Role(stack, 'Caller', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    detector.grantInvoke(caller);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Caller') }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'sagemaker:InvokeEndpoint',
            Effect: 'Allow',
            Resource: [
              { Ref: Match.stringLikeRegexp('^Detector[0-9A-F]{8}$') },
              { 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectorInferenceComponent'), 'InferenceComponentArn'] },
            ],
          },
        ],
      },
    });
  });
});

describe('SageMakerOnDemandDetectorEndpoint with every prop', () => {
  const stack = newStack();
  const weights = new Bucket(stack, 'Weights');
  const role = new Role(stack, 'OwnRole', { assumedBy: new ServicePrincipal('sagemaker.amazonaws.com') });
  const topic = new Topic(stack, 'Alarms');
  const props: SageMakerOnDemandDetectorEndpointProps = {
    instanceType: 'ml.p4d.24xlarge',
    model: '32B',
    quantization: 'awq',
    maxConcurrency: 16,
    requestTimeout: Duration.seconds(50),
    environment: { HF_HUB_OFFLINE: '1' },
    image: ecrImage(stack, 'src-0123456789ab'),
    weights: ModelWeights.fromS3Prefix(weights, 'models/qwen3-vl-32b/'),
    scaling: {
      minCapacity: 0,
      maxCapacity: 3,
      targetConcurrencyPerInstance: 10,
      scaleOutCooldown: Duration.minutes(2),
      scaleInCooldown: Duration.minutes(30),
    },
    modelLoadTimeout: Duration.hours(1),
    modelDataDownloadTimeout: Duration.minutes(45),
    endpointName: 'form-detector-32b',
    inferenceComponentName: 'form-detector-32b-ic',
    wakeUpCooldown: Duration.minutes(20),
    role,
    alarms: { invocation5xxErrorsThreshold: 2, period: Duration.minutes(1), actions: [new SnsAction(topic)] },
    inferenceAmiVersion: 'al2-ami-sagemaker-inference-gpu-3-1',
  };
  const endpoint = new SageMakerOnDemandDetectorEndpoint(stack, 'Detector', props);
  const template = Template.fromStack(stack);

  test('the component uses the given name, 8 GPUs and half of the p4d memory, and the one-hour timeouts', () => {
    expect(endpoint.inferenceComponentName).toBe('form-detector-32b-ic');
    template.hasResourceProperties('AWS::SageMaker::InferenceComponent', {
      InferenceComponentName: 'form-detector-32b-ic',
      Specification: Match.objectLike({
        ComputeResourceRequirements: { NumberOfAcceleratorDevicesRequired: 8, MinMemoryRequiredInMb: 589_824 },
        StartupParameters: {
          ContainerStartupHealthCheckTimeoutInSeconds: 3600,
          ModelDataDownloadTimeoutInSeconds: 2700,
        },
      }),
    });
  });

  test('the variant uses p4d, up to 3 instances, the AMI, and the role passed in', () => {
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ExecutionRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OwnRole'), 'Arn'] },
      ProductionVariants: [
        Match.objectLike({
          InstanceType: 'ml.p4d.24xlarge',
          ManagedInstanceScaling: { Status: 'ENABLED', MinInstanceCount: 0, MaxInstanceCount: 3 },
          InferenceAmiVersion: 'al2-ami-sagemaker-inference-gpu-3-1',
        }),
      ],
    });
    template.resourceCountIs('AWS::IAM::Role', 1);
  });

  test('the S3 weights reach the model, and the role may read them', () => {
    template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: Match.objectLike({
        ModelDataSource: {
          S3DataSource: Match.objectLike({ S3DataType: 'S3Prefix', CompressionType: 'None' }),
        },
        Environment: Match.objectLike({
          MODEL_WEIGHTS_DIR: '/opt/ml/model',
          LORA_ADAPTER: 'takumi123xxx/pdfme-form-field-detector-lora-32b',
          HF_HUB_OFFLINE: '1',
        }),
      }),
    });
    // An existing bucket: one copy at deploy proves the container starts from the staged weights.
    template.hasResourceProperties('AWS::SageMaker::InferenceComponent', { RuntimeConfig: { CopyCount: 1 } });
    // The bucket in the stack is the test's own, passed in: none created here.
    template.resourceCountIs('AWS::S3::Bucket', 1);
    expect(endpoint.weightsBucket).toBeUndefined();
    expect(policyStatements(template)).toContainEqual(
      expect.objectContaining({ Action: 's3:GetObject', Effect: 'Allow' }),
    );
  });

  test('scaling 0–3 at 10 per copy, and the wake-up cooldown of 20 minutes', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ResourceId: 'inference-component/form-detector-32b-ic',
      MinCapacity: 0,
      MaxCapacity: 3,
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 10,
        ScaleOutCooldown: 120,
        ScaleInCooldown: 1800,
      }),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      StepScalingPolicyConfiguration: Match.objectLike({ Cooldown: 1200 }),
    });
  });

  test('the endpoint has the fixed name; the user’s alarm actions go to the 5xx alarm, not to the wake-up alarm', () => {
    template.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: 'form-detector-32b' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Invocation5XXErrors',
      Threshold: 2,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'NoCapacityInvocationFailures',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^DetectorWakeUpPolicy') }],
    });
  });
});

describe('SageMakerOnDemandDetectorEndpoint validation: one error per rule, naming the prop, value and fix', () => {
  const build =
    (props: SageMakerOnDemandDetectorEndpointProps, stack: Stack = newStack()) =>
    () =>
      new SageMakerOnDemandDetectorEndpoint(stack, 'Detector', { image: ecrImage(stack), ...props });

  test('scale to zero with a minimum capacity above 0 is contradictory', () => {
    expect(build({ scaling: { minCapacity: 1 } })).toThrow(
      /scaling\.minCapacity: got 1; an on-demand endpoint idles at 0 copies; .*always-on/,
    );
  });

  test('minimum capacity 0 given explicitly is accepted', () => {
    expect(build({ scaling: { minCapacity: 0, maxCapacity: 1 } })).not.toThrow();
  });

  test('a negative minimum capacity', () => {
    expect(build({ scaling: { minCapacity: -1 } })).toThrow(/scaling\.minCapacity: got -1; use a whole number ≥ 0/);
  });

  test('a maximum capacity of 0 would never wake', () => {
    expect(build({ scaling: { maxCapacity: 0 } })).toThrow(/scaling\.maxCapacity: got 0; use a whole number ≥ 1/);
  });

  test('an inference component name SageMaker would reject', () => {
    expect(build({ inferenceComponentName: 'form_detector' })).toThrow(
      /inferenceComponentName: got "form_detector"; use 1–63 letters, digits and hyphens/,
    );
    expect(build({ inferenceComponentName: 'x'.repeat(64) })).toThrow(/inferenceComponentName: got "x{64}"/);
  });

  test('an unresolved inference component name is not validated', () => {
    const inferenceComponentName = Lazy.string({ produce: () => 'not valid!' });
    expect(build({ inferenceComponentName })).not.toThrow();
  });

  test('a wake-up cooldown above an hour', () => {
    expect(build({ wakeUpCooldown: Duration.hours(2) })).toThrow(
      /wakeUpCooldown: got "7200 s"; use a whole number of seconds from 0 to 3600/,
    );
  });

  test('a wake-up cooldown that is not a whole number of seconds', () => {
    expect(build({ wakeUpCooldown: Duration.millis(1500) })).toThrow(/wakeUpCooldown: got .*; use a whole number/);
  });

  test('the shared rules still apply (volume size on NVMe, timeouts, inference AMI), all in one error', () => {
    let message = '';
    try {
      build({
        scaling: { minCapacity: 2 },
        volumeSize: Size.gibibytes(50),
        modelLoadTimeout: Duration.seconds(10),
        inferenceAmiVersion: 'al2-ami-sagemaker-inference-neuron-2',
      })();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^Invalid SageMakerOnDemandDetectorEndpoint 'Test\/Detector':/);
    expect(message).toMatch(/volumeSize: got "50 GiB"/);
    expect(message).toMatch(/modelLoadTimeout: got "10 s"/);
    expect(message).toMatch(/scaling\.minCapacity: got 2/);
    expect(message).toMatch(/inferenceAmiVersion: got "al2-ami-sagemaker-inference-neuron-2 on ml\.g5\.xlarge"/);
    expect(message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(4);
  });
});
