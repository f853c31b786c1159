import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Lazy, Size, Stack } from 'aws-cdk-lib/core';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Repository } from 'aws-cdk-lib/aws-ecr';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { CfnEndpoint, CfnEndpointConfig, CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import { Topic } from 'aws-cdk-lib/aws-sns';
import {
  DetectorImage,
  ModelWeights,
  SageMakerDetectorEndpoint,
  type SageMakerDetectorEndpointProps,
} from '../../lib/aws';
import { containerEnvironment, IMAGE_METADATA_KEY, SUMMARY_METADATA_KEY, type AwsInstanceType } from '../../lib/core';
import { ENV } from '../../inference-container/src/contract';
import { ecrImage, FIXTURE_IMAGE_DIRECTORY, newStack, policyStatements } from './helpers';

const partitionArn = (service: string, rest: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:us-east-1:123456789012:${rest}`]],
});

describe('SageMakerDetectorEndpoint with no props', () => {
  // GIVEN a stack WHEN the endpoint is created with defaults only (synthesized once for the whole block)
  const stack = newStack();
  const endpoint = new SageMakerDetectorEndpoint(stack, 'Detector');
  const template = Template.fromStack(stack);

  test('creates exactly one role, policy, model, config, endpoint, scalable target, scaling policy and two alarms', () => {
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.resourceCountIs('AWS::IAM::Policy', 1);
    template.resourceCountIs('AWS::SageMaker::Model', 1);
    template.resourceCountIs('AWS::SageMaker::EndpointConfig', 1);
    template.resourceCountIs('AWS::SageMaker::Endpoint', 1);
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 1);
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
  });

  test('the model runs the image built from inference-container/ with the core container environment', () => {
    template.hasResourceProperties('AWS::SageMaker::Model', {
      ExecutionRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectorRole'), 'Arn'] },
      PrimaryContainer: {
        Image: { 'Fn::Sub': Match.stringLikeRegexp('cdk-[a-z0-9]+-container-assets-.*:[a-f0-9]{64}$') },
        Environment: containerEnvironment(endpoint.deployment),
        ModelDataSource: Match.absent(),
      },
    });
    // The environment is the 8B + adapter, 4-bit, SageMaker deadline.
    const env = containerEnvironment(endpoint.deployment);
    expect(env[ENV.baseModel]).toBe('Qwen/Qwen3-VL-8B-Instruct');
    expect(env[ENV.loraAdapter]).toBe('takumi123xxx/pdfme-form-field-detector-lora');
    expect(env[ENV.use4bit]).toBe('true');
    expect(env[ENV.requestTimeoutMs]).toBe('55000');
  });

  test('the model is created after the role and its policy', () => {
    const [model] = Object.values(template.findResources('AWS::SageMaker::Model')) as { DependsOn: string[] }[];
    expect(model.DependsOn).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DetectorRole[0-9A-F]{8}$/),
        expect.stringMatching(/^DetectorRoleDefaultPolicy/),
      ]),
    );
  });

  test('one ml.g5.xlarge variant, one instance, both start-up timeouts set for vLLM, a driver-580 AMI, no volume size or KMS key', () => {
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectorModel'), 'ModelName'] },
          InstanceType: 'ml.g5.xlarge',
          InitialInstanceCount: 1,
          InitialVariantWeight: 1,
          ContainerStartupHealthCheckTimeoutInSeconds: 1800,
          ModelDataDownloadTimeoutInSeconds: 1200,
          VolumeSizeInGB: Match.absent(),
          // Without an AMI, SageMaker runs ml.g5 on driver 470 / CUDA 11.4, where the CUDA 12.9 vLLM image dies at
          // start (docs.aws.amazon.com/sagemaker/latest/dg/inference-gpu-drivers.html); this AMI is driver 580 /
          // CUDA 13.0 (API_ProductionVariant InferenceAmiVersion).
          InferenceAmiVersion: 'al2023-ami-sagemaker-inference-gpu-4-1',
        },
      ],
      KmsKeyId: Match.absent(),
    });
  });

  test("the model records the image's CUDA version, which preflight checks against the AMI's driver", () => {
    template.hasResource('AWS::SageMaker::Model', {
      Metadata: { [IMAGE_METADATA_KEY]: { cudaVersion: '12.9', cudaVersionFrom: 'pinned' } },
    });
  });

  test('the endpoint has a generated name and records its deployment summary for npm run synth', () => {
    template.hasResource('AWS::SageMaker::Endpoint', {
      Properties: { EndpointName: Match.absent() },
      Metadata: {
        [SUMMARY_METADATA_KEY]: {
          cloud: 'aws',
          service: 'SageMaker real-time endpoint',
          endpoint: 'Test/Detector',
          mode: 'always-on',
          instanceType: 'ml.g5.xlarge',
          gpu: 'A10G 24 GB',
          minCapacity: 1,
          maxCapacity: 2,
          quantization: 'bitsandbytes',
          monthlyUsdAtMinCapacity: 1027.84,
        },
      },
    });
  });

  test('autoscaling: the variant scales 1–2 through the SageMaker service-linked role', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ServiceNamespace: 'sagemaker',
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      ResourceId: {
        'Fn::Join': [
          '',
          [
            'endpoint/',
            { 'Fn::GetAtt': [Match.stringLikeRegexp('^Detector[0-9A-F]{8}$'), 'EndpointName'] },
            '/variant/AllTraffic',
          ],
        ],
      },
      MinCapacity: 1,
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
    });
  });

  test('autoscaling tracks concurrent requests per instance at 75% of the container concurrency', () => {
    expect(endpoint.deployment.maxConcurrency).toBe(8);
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: {
          PredefinedMetricType: 'SageMakerVariantConcurrentRequestsPerModelHighResolution',
        },
        TargetValue: 6,
        ScaleOutCooldown: 300,
        ScaleInCooldown: 900,
      },
    });
  });

  test('alarms: ≥ 5 5xx answers in 5 minutes, and p90 model latency above 44 s (80% of 55 s) twice', () => {
    const dims = [
      {
        Name: 'EndpointName',
        Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Detector[0-9A-F]{8}$'), 'EndpointName'] },
      },
      { Name: 'VariantName', Value: 'AllTraffic' },
    ];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SageMaker',
      MetricName: 'Invocation5XXErrors',
      Dimensions: dims,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: Match.absent(),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SageMaker',
      MetricName: 'ModelLatency',
      Dimensions: dims,
      ExtendedStatistic: 'p90',
      Period: 300,
      Threshold: 44_000_000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 2,
      TreatMissingData: 'notBreaching',
    });
  });

  test('the execution role trusts SageMaker only and has no managed policies', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' } }],
      },
      ManagedPolicyArns: Match.absent(),
      Policies: Match.absent(),
    });
  });

  test('IAM statements are exactly: ECR pull on the asset repository, the ECR token, endpoint logs, SageMaker metrics', () => {
    expect(policyStatements(template)).toEqual([
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
        Action: 'cloudwatch:PutMetricData',
        Condition: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/Endpoints' } },
        Effect: 'Allow',
        Resource: '*',
      },
    ]);
  });

  test('escape hatches expose the L1 resources, the role, the scaling target and the resolved specs', () => {
    expect(endpoint.cfnModel).toBeInstanceOf(CfnModel);
    expect(endpoint.cfnEndpointConfig).toBeInstanceOf(CfnEndpointConfig);
    expect(endpoint.cfnEndpoint).toBeInstanceOf(CfnEndpoint);
    expect(endpoint.node.defaultChild).toBe(endpoint.cfnEndpoint);
    expect(endpoint.scalableTarget.node.id).toBe('ScalableTarget');
    expect(endpoint.role.node.path).toBe('Test/Detector/Role');
    expect(endpoint.scaling).toEqual({
      minCapacity: 1,
      maxCapacity: 2,
      targetConcurrencyPerInstance: 6,
      scaleOutCooldownSeconds: 300,
      scaleInCooldownSeconds: 900,
    });
    expect(endpoint.deployment.instance.instanceType).toBe('ml.g5.xlarge');
    expect(endpoint.variantName).toBe('AllTraffic');
  });

  test('construct ids are stable: the endpoint is Resource, children have fixed ids', () => {
    expect(endpoint.node.children.map((c) => c.node.id)).toEqual(
      expect.arrayContaining([
        'Role',
        'ImageAsset',
        'Model',
        'EndpointConfig',
        'Resource',
        'ScalableTarget',
        'Invocation5xxErrorsAlarm',
        'ModelLatencyAlarm',
      ]),
    );
  });

  test('grantInvoke allows sagemaker:InvokeEndpoint on this endpoint only', () => {
    const stack2 = newStack('Grant');
    const detector = new SageMakerDetectorEndpoint(stack2, 'Detector', { image: ecrImage(stack2) });
    const caller = new Role(stack2, 'Caller', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    detector.grantInvoke(caller);
    Template.fromStack(stack2).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Caller') }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'sagemaker:InvokeEndpoint',
            Effect: 'Allow',
            Resource: { Ref: Match.stringLikeRegexp('^Detector[0-9A-F]{8}$') },
          },
        ],
      },
    });
  });
});

describe('SageMakerDetectorEndpoint with every prop', () => {
  // GIVEN every option at a non-default value
  const stack = newStack();
  const weights = new Bucket(stack, 'Weights');
  const role = new Role(stack, 'OwnRole', { assumedBy: new ServicePrincipal('sagemaker.amazonaws.com') });
  const topic = new Topic(stack, 'Alarms');
  const props: SageMakerDetectorEndpointProps = {
    instanceType: 'ml.p4d.24xlarge',
    model: '32B',
    quantization: 'awq',
    maxConcurrency: 16,
    maxModelLength: 16384,
    gpuMemoryUtilization: 0.85,
    maxNewTokens: 4096,
    maxImageSide: 1280,
    requestTimeout: Duration.seconds(50),
    environment: { HF_HUB_OFFLINE: '1' },
    image: ecrImage(stack, 'src-0123456789ab'),
    weights: ModelWeights.fromS3Prefix(weights, 'models/qwen3-vl-32b/', {
      baseModelPath: 'base',
      loraAdapterPath: 'lora',
    }),
    scaling: {
      minCapacity: 2,
      maxCapacity: 4,
      targetConcurrencyPerInstance: 10,
      scaleOutCooldown: Duration.minutes(2),
      scaleInCooldown: Duration.minutes(30),
    },
    modelLoadTimeout: Duration.hours(1),
    modelDataDownloadTimeout: Duration.minutes(45),
    endpointName: 'form-detector-32b',
    role,
    alarms: {
      invocation5xxErrorsThreshold: 1,
      modelLatencyThreshold: Duration.seconds(30),
      period: Duration.minutes(1),
      evaluationPeriods: 3,
      actions: [new SnsAction(topic)],
    },
    inferenceAmiVersion: 'al2-ami-sagemaker-inference-gpu-3-1',
  };
  const endpoint = new SageMakerDetectorEndpoint(stack, 'Detector', props);
  const template = Template.fromStack(stack);

  test('the model runs the ECR image with the S3 weights mounted at /opt/ml/model and paths in the environment', () => {
    template.hasResourceProperties('AWS::SageMaker::Model', {
      ExecutionRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OwnRole'), 'Arn'] },
      PrimaryContainer: {
        Image: {
          'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/form-detector:src-0123456789ab$')])],
        },
        ModelDataSource: {
          S3DataSource: {
            S3Uri: {
              'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^Weights') }, '/models/qwen3-vl-32b/']],
            },
            S3DataType: 'S3Prefix',
            CompressionType: 'None',
          },
        },
        Environment: Match.objectLike({
          // A layout of its own names its directories; the store itself is /opt/ml/model.
          BASE_MODEL: '/opt/ml/model/base',
          LORA_ADAPTER: '/opt/ml/model/lora',
          MODEL_WEIGHTS_DIR: '/opt/ml/model',
          QUANTIZATION: 'awq',
          USE_4BIT: 'false',
          MAX_CONCURRENCY: '16',
          MAX_MODEL_LEN: '16384',
          GPU_MEMORY_UTILIZATION: '0.85',
          MAX_NEW_TOKENS: '4096',
          MAX_IMAGE_SIDE: '1280',
          REQUEST_TIMEOUT_MS: '50000',
          VLLM_EXTRA_ARGS: '--tensor-parallel-size 8',
          HF_HUB_OFFLINE: '1',
        }),
      },
    });
  });

  test('the variant uses p4d, two instances, one-hour and 45-minute timeouts and the chosen AMI', () => {
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [
        Match.objectLike({
          InstanceType: 'ml.p4d.24xlarge',
          InitialInstanceCount: 2,
          ContainerStartupHealthCheckTimeoutInSeconds: 3600,
          ModelDataDownloadTimeoutInSeconds: 2700,
          InferenceAmiVersion: 'al2-ami-sagemaker-inference-gpu-3-1',
        }),
      ],
    });
  });

  test('the endpoint has the fixed name, and the summary names it', () => {
    template.hasResource('AWS::SageMaker::Endpoint', {
      Properties: { EndpointName: 'form-detector-32b' },
      Metadata: {
        [SUMMARY_METADATA_KEY]: Match.objectLike({ endpoint: 'form-detector-32b', minCapacity: 2, maxCapacity: 4 }),
      },
    });
  });

  test('scaling 2–4 at 10 concurrent requests per instance, 2 min out, 30 min in', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 4 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 10,
        ScaleOutCooldown: 120,
        ScaleInCooldown: 1800,
      }),
    });
  });

  test('alarms use the thresholds, period, evaluation periods and the SNS action', () => {
    const action = [{ Ref: Match.stringLikeRegexp('^Alarms') }];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Invocation5XXErrors',
      Threshold: 1,
      Period: 60,
      AlarmActions: action,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ModelLatency',
      Threshold: 30_000_000,
      Period: 60,
      EvaluationPeriods: 3,
      AlarmActions: action,
    });
  });

  test('the given role is used: no role is created, and it gets S3 read on the prefix only plus logs of the named endpoint', () => {
    template.resourceCountIs('AWS::IAM::Role', 1);
    expect(endpoint.role).toBe(role);
    const statements = policyStatements(template);
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Action: 's3:GetObject',
          Effect: 'Allow',
          Resource: {
            'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Weights/), 'Arn'] }, '/models/qwen3-vl-32b/*']],
          },
        },
        {
          Action: 's3:ListBucket',
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Weights/), 'Arn'] },
          Condition: { StringLike: { 's3:prefix': ['models/qwen3-vl-32b/', 'models/qwen3-vl-32b/*'] } },
        },
        {
          Action: ['logs:CreateLogGroup', 'logs:DescribeLogStreams'],
          Effect: 'Allow',
          Resource: partitionArn('logs', 'log-group:/aws/sagemaker/Endpoints/form-detector-32b'),
        },
        {
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Effect: 'Allow',
          Resource: partitionArn('logs', 'log-group:/aws/sagemaker/Endpoints/form-detector-32b:log-stream:*'),
        },
      ]),
    );
    // ECR pull is on the one repository, not repository/*.
    expect(statements).toContainEqual({
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
      Effect: 'Allow',
      Resource: partitionArn('ecr', 'repository/form-detector'),
    });
    const wildcards = statements.filter((s) => s.Resource === '*').map((s) => s.Action);
    expect(wildcards.sort()).toEqual(['cloudwatch:PutMetricData', 'ecr:GetAuthorizationToken']);
  });

  test('weights in a KMS-encrypted bucket add kms:Decrypt on that key', () => {
    const s = newStack('Kms');
    const k = new Key(s, 'Key');
    const b = Bucket.fromBucketAttributes(s, 'B', { bucketName: 'keyed-weights', encryptionKey: k });
    new SageMakerDetectorEndpoint(s, 'Detector', { image: ecrImage(s), modelData: ModelWeights.fromS3Prefix(b, 'w') });
    expect(policyStatements(Template.fromStack(s))).toContainEqual({
      Action: 'kms:Decrypt',
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] },
    });
  });
});

describe('SageMakerDetectorEndpoint options one at a time', () => {
  const synth = (props: SageMakerDetectorEndpointProps) => {
    const stack = newStack();
    const endpoint = new SageMakerDetectorEndpoint(stack, 'Detector', { image: ecrImage(stack), ...props });
    return { endpoint, template: Template.fromStack(stack) };
  };

  test('instanceType ml.g4dn.xlarge: T4, 4 concurrent, target 3', () => {
    const { template, endpoint } = synth({ instanceType: 'ml.g4dn.xlarge' });
    expect(endpoint.deployment.maxConcurrency).toBe(4);
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ InstanceType: 'ml.g4dn.xlarge' })],
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 3 }),
    });
  });

  test('alarms.enabled false creates no alarms', () => {
    const { template, endpoint } = synth({ alarms: { enabled: false } });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(endpoint.modelLatencyAlarm).toBeUndefined();
  });

  test('a Hugging Face token from Secrets Manager: the ARN in HF_TOKEN_SECRET, read on that secret alone', () => {
    const stack = newStack();
    const secret = new Secret(stack, 'HfToken');
    const endpoint = new SageMakerDetectorEndpoint(stack, 'Detector', {
      image: ecrImage(stack),
      weights: ModelWeights.fromHuggingFace({ tokenSecret: secret }),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: Match.objectLike({
        Environment: Match.objectLike({ HF_TOKEN_SECRET: { Ref: Match.stringLikeRegexp('^HfToken') } }),
        ModelDataSource: Match.absent(),
      }),
    });
    const secretStatements = policyStatements(template).filter((s) =>
      JSON.stringify(s.Action).includes('secretsmanager'),
    );
    expect(secretStatements).toEqual([
      {
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Effect: 'Allow',
        Resource: { Ref: expect.stringMatching(/^HfToken/) },
      },
    ]);
    expect(endpoint.summary.weights).toEqual({
      source: 'huggingface',
      description: 'Hugging Face, downloaded at every start (token from the secret store)',
    });
  });

  test('S3 weights with the default layout: base model at /opt/ml/model, adapter in adapter/, no Hugging Face', () => {
    const stack = newStack();
    const bucket = Bucket.fromBucketName(stack, 'B', 'my-models');
    // modelData, the former name of weights, still works.
    const endpoint = new SageMakerDetectorEndpoint(stack, 'Detector', {
      image: ecrImage(stack),
      modelData: ModelWeights.fromS3Prefix(bucket, 'qwen3-vl-8b'),
    });
    expect(endpoint.summary.weights).toEqual({
      source: 's3',
      description: 'Amazon S3 s3://my-models/qwen3-vl-8b/ (existing)',
      stagingCommands: [
        'hf download Qwen/Qwen3-VL-8B-Instruct --local-dir form-detector-weights',
        'hf download takumi123xxx/pdfme-form-field-detector-lora --local-dir form-detector-weights/adapter',
        'aws s3 sync form-detector-weights s3://my-models/qwen3-vl-8b/',
      ],
      storeCreatedBy: 'existing',
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: {
        ModelDataSource: {
          S3DataSource: { S3Uri: 's3://my-models/qwen3-vl-8b/', S3DataType: 'S3Prefix', CompressionType: 'None' },
        },
        Environment: Match.objectLike({
          // The ids name what the staging commands download; the container reads the store.
          BASE_MODEL: 'Qwen/Qwen3-VL-8B-Instruct',
          LORA_ADAPTER: 'takumi123xxx/pdfme-form-field-detector-lora',
          MODEL_WEIGHTS_DIR: '/opt/ml/model',
          MODEL_WEIGHTS_URI: 's3://my-models/qwen3-vl-8b/',
        }),
      },
    });
  });

  test('ModelWeights.fromHuggingFace() is the default: no model data source', () => {
    const { template } = synth({ modelData: ModelWeights.fromHuggingFace() });
    template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: Match.objectLike({ ModelDataSource: Match.absent() }),
    });
  });

  test('DetectorImage.fromSource with a directory builds that directory for linux/amd64', () => {
    const stack = newStack();
    new SageMakerDetectorEndpoint(stack, 'Detector', {
      image: DetectorImage.fromSource({ directory: FIXTURE_IMAGE_DIRECTORY }),
    });
    const assembly = (stack.node.root as App).synth();
    const assets = JSON.parse(readFileSync(join(assembly.directory, 'Test.assets.json'), 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string; platform: string } }>;
    };
    const images = Object.values(assets.dockerImages);
    expect(images).toHaveLength(1);
    expect(images[0].source.platform).toBe('linux/amd64');
    expect(images[0].source.directory).toMatch(/^asset\.[a-f0-9]{64}$/);
  });

  test('an unresolved endpoint name is not validated (it is only known at deploy time)', () => {
    const stack = newStack();
    const endpointName = Lazy.string({ produce: () => 'not valid!' });
    expect(
      () => new SageMakerDetectorEndpoint(stack, 'Detector', { image: ecrImage(stack), endpointName }),
    ).not.toThrow();
  });
});

describe('SageMakerDetectorEndpoint validation: one error per rule, naming the prop, value and fix', () => {
  const build =
    (props: SageMakerDetectorEndpointProps, stack: Stack = newStack()) =>
    () =>
      new SageMakerDetectorEndpoint(stack, 'Detector', { image: ecrImage(stack), ...props });

  test('unknown instance type', () => {
    expect(build({ instanceType: 'ml.g6.xlarge' as AwsInstanceType })).toThrow(
      /instanceType: got "ml\.g6\.xlarge"; unknown SageMaker GPU instance type; use one of ml\.g5\.xlarge, ml\.g4dn\.xlarge, ml\.p4d\.24xlarge/,
    );
  });

  test('32B on a 24 GB A10G names an instance that fits', () => {
    expect(build({ model: '32B' })).toThrow(/instanceType: got "ml\.g5\.xlarge"; Qwen3-VL-32B .*ml\.p4d\.24xlarge/);
  });

  test('minCapacity above maxCapacity', () => {
    expect(build({ scaling: { minCapacity: 3, maxCapacity: 2 } })).toThrow(
      /scaling\.minCapacity: got 3; minCapacity must not exceed maxCapacity \(2\)/,
    );
  });

  test('minCapacity 0: real-time endpoints cannot scale to zero', () => {
    expect(build({ scaling: { minCapacity: 0 } })).toThrow(/scaling\.minCapacity: got 0; .*cannot scale to zero/);
  });

  test('volume size on an NVMe family names the family and hardware encryption', () => {
    expect(build({ volumeSize: Size.gibibytes(100) })).toThrow(
      /volumeSize: got "100 GiB"; ml\.g5 instances have local NVMe instance storage, which is hardware-encrypted.*rejects VolumeSizeInGB/,
    );
  });

  test('KMS key on an NVMe family names the family and hardware encryption', () => {
    const stack = newStack();
    expect(build({ instanceType: 'ml.g4dn.xlarge', encryptionKey: new Key(stack, 'K') }, stack)).toThrow(
      /encryptionKey: got "a KMS key"; ml\.g4dn instances have local NVMe .*hardware-encrypted.*KmsKeyId/,
    );
  });

  test('start-up health-check timeout below 60 s', () => {
    expect(build({ modelLoadTimeout: Duration.seconds(30) })).toThrow(
      /modelLoadTimeout: got "30 s"; SageMaker accepts 60–3600 s/,
    );
  });

  test('model download timeout above 3600 s', () => {
    expect(build({ modelDataDownloadTimeout: Duration.hours(2) })).toThrow(
      /modelDataDownloadTimeout: got "7200 s"; SageMaker accepts 60–3600 s/,
    );
  });

  test('a timeout that is not a whole number of seconds', () => {
    expect(build({ modelDataDownloadTimeout: Duration.millis(90_500) })).toThrow(
      /modelDataDownloadTimeout: got .*; use a whole number of seconds/,
    );
  });

  test('request timeout above SageMaker’s 60 s invocation limit', () => {
    expect(build({ requestTimeout: Duration.seconds(90) })).toThrow(/requestTimeout: got 90000; use 1 s to 59 s/);
  });

  test('fp8 on a T4 (compute capability 7.5)', () => {
    expect(build({ instanceType: 'ml.g4dn.xlarge', quantization: 'fp8' })).toThrow(
      /quantization: got "fp8"; fp8 needs compute capability ≥ 8 but T4 has 7\.5/,
    );
  });

  test('more than 100 environment variables', () => {
    const environment = Object.fromEntries(Array.from({ length: 95 }, (_, i) => [`EXTRA_${i}`, 'x']));
    expect(build({ environment })).toThrow(
      /environment: got "107 variables \(with the ones this construct sets\)"; SageMaker allows at most 100/,
    );
  });

  test('an environment value over 1 KB', () => {
    expect(build({ environment: { BIG: 'x'.repeat(1025) } })).toThrow(
      /environment\.BIG: got "a 1025-byte value"; SageMaker allows at most 1024 bytes per value/,
    );
  });

  test('environment over 32 KB in total', () => {
    const environment = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`E${i}`, 'x'.repeat(1000)]));
    expect(build({ environment })).toThrow(/environment: got "\d+ bytes in total"; SageMaker allows at most 32768/);
  });

  test('a platform variable in the environment', () => {
    expect(build({ environment: { SAGEMAKER_BIND_TO_PORT: '9000' } })).toThrow(/environment\.SAGEMAKER_BIND_TO_PORT/);
  });

  test('an endpoint name SageMaker would reject', () => {
    expect(build({ endpointName: 'form_detector' })).toThrow(
      /endpointName: got "form_detector"; use 1–63 letters, digits and hyphens/,
    );
  });

  // AMI names and drivers: API_ProductionVariant InferenceAmiVersion; driver floors: NVIDIA "CUDA minor version
  // compatibility" (CUDA 12.x ≥ 525, 13.x ≥ 580).
  test('an inference AMI SageMaker does not accept', () => {
    expect(build({ inferenceAmiVersion: 'al2-ami-sagemaker-inference-gpu-9' })).toThrow(
      /inferenceAmiVersion: got "al2-ami-sagemaker-inference-gpu-9"; use one of 'al2-ami-sagemaker-inference-gpu-2' \(driver 535, CUDA 12\.2\).*'al2023-ami-sagemaker-inference-gpu-4-1' \(driver 580, CUDA 13\.0\) \[sagemaker\.inference-ami-accepted: https:\/\/docs\.aws\.amazon\.com\/sagemaker\/latest\/APIReference\/API_ProductionVariant\.html\]/,
    );
  });

  test('a Neuron AMI on a GPU instance family', () => {
    expect(build({ inferenceAmiVersion: 'al2-ami-sagemaker-inference-neuron-2' })).toThrow(
      /inferenceAmiVersion: got "al2-ami-sagemaker-inference-neuron-2 on ml\.g5\.xlarge"; al2-ami-sagemaker-inference-neuron-2 runs on ml\.inf2, ml\.trn1 .*for ml\.g5 use 'al2023-ami-sagemaker-inference-gpu-4-1'/,
    );
  });

  test("an AMI whose driver cannot run the image's CUDA names the AMI that can", () => {
    const stack = newStack();
    const image = DetectorImage.fromEcrRepository(Repository.fromRepositoryName(stack, 'Images', 'i'), 'cu130', {
      cudaVersion: '13.0',
    });
    expect(
      () =>
        new SageMakerDetectorEndpoint(stack, 'Detector', {
          image,
          inferenceAmiVersion: 'al2-ami-sagemaker-inference-gpu-3-1',
        }),
    ).toThrow(
      /inferenceAmiVersion: got "AMI al2-ami-sagemaker-inference-gpu-3-1 \(driver 550, CUDA 12\.4\) for an image built with CUDA 13\.0"; CUDA 13\.x needs a driver of the CUDA 13 family \(≥ 580\).*set inferenceAmiVersion to 'al2023-ami-sagemaker-inference-gpu-4-1' \[sagemaker\.ami-driver-runs-image/,
    );
  });

  test('the CUDA 12.9 image on driver 550 (al2-ami-sagemaker-inference-gpu-3-1) is accepted: minor-version compatibility', () => {
    expect(build({ inferenceAmiVersion: 'al2-ami-sagemaker-inference-gpu-3-1' })).not.toThrow();
  });

  test('a vLLM base image changed by build args needs its CUDA version, unless the tag names it', () => {
    const stack = newStack();
    const endpoint = (image: DetectorImage, id: string) => () => new SageMakerDetectorEndpoint(stack, id, { image });
    expect(
      endpoint(
        DetectorImage.fromSource({ directory: FIXTURE_IMAGE_DIRECTORY, buildArgs: { VLLM_VERSION: '0.20.0' } }),
        'A',
      ),
    ).toThrow(
      /image: got "a vLLM base image changed by build args \(VLLM_IMAGE \/ VLLM_VERSION\)"; .*pass cudaVersion/,
    );
    const cu130 = DetectorImage.fromSource({
      directory: FIXTURE_IMAGE_DIRECTORY,
      buildArgs: { VLLM_IMAGE: 'vllm/vllm-openai:v0.19.1-cu130' },
    });
    expect(cu130.cudaVersion).toBe('13.0');
    expect(endpoint(cu130, 'B')).not.toThrow();
    expect(
      endpoint(DetectorImage.fromSource({ directory: FIXTURE_IMAGE_DIRECTORY, cudaVersion: 'twelve' }), 'C'),
    ).toThrow(/image\.cudaVersion: got "twelve"; use a CUDA version as major\.minor/);
  });

  test('baseModel together with S3 weights whose baseModelPath already places it', () => {
    const stack = newStack();
    const weights = ModelWeights.fromS3Prefix(Bucket.fromBucketName(stack, 'B', 'my-models'), 'w', {
      baseModelPath: 'base',
    });
    expect(build({ weights, baseModel: 'Qwen/Qwen3-VL-8B-Instruct' }, stack)).toThrow(
      /baseModel: got "Qwen\/Qwen3-VL-8B-Instruct"; weights \(ModelWeights\.fromS3Prefix with baseModelPath\) already places it at \/opt\/ml\/model\/base/,
    );
  });

  test('weights and modelData together', () => {
    const stack = newStack();
    const weights = ModelWeights.fromS3Prefix(Bucket.fromBucketName(stack, 'B', 'my-models'), 'w');
    expect(build({ weights, modelData: weights }, stack)).toThrow(
      /modelData: got "a ModelWeights"; modelData is the former name of weights: pass weights alone/,
    );
  });

  test('HF_TOKEN as a plain environment value', () => {
    expect(build({ environment: { HF_TOKEN: 'hf_x' } })).toThrow(
      /environment\.HF_TOKEN: got "\(a token\)"; .*ModelWeights\.fromHuggingFace\(\{ tokenSecret \}\)/,
    );
  });

  test('alarm options that CloudWatch would reject', () => {
    expect(
      build({ alarms: { invocation5xxErrorsThreshold: 0, evaluationPeriods: 1.5, period: Duration.seconds(45) } }),
    ).toThrow(
      /alarms\.invocation5xxErrorsThreshold: got 0[\s\S]*alarms\.evaluationPeriods: got 1\.5[\s\S]*alarms\.period/,
    );
  });

  test('unknown model profile and quantization', () => {
    expect(build({ model: '70B', quantization: 'int3' })).toThrow(/model: got "70B"[\s\S]*quantization: got "int3"/);
  });

  test('every problem is reported in one error', () => {
    let message = '';
    try {
      build({
        instanceType: 'ml.g6.xlarge' as AwsInstanceType,
        scaling: { minCapacity: 3, maxCapacity: 2 },
        modelLoadTimeout: Duration.seconds(10),
        volumeSize: Size.gibibytes(50),
      })();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^Invalid SageMakerDetectorEndpoint 'Test\/Detector':/);
    expect(message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(4);
  });

  test('DetectorImage.fromEcrRepository refuses a malformed tag', () => {
    const stack = newStack();
    const repo = Repository.fromRepositoryName(stack, 'R', 'r');
    expect(() => DetectorImage.fromEcrRepository(repo, ':latest')).toThrow(
      /tagOrDigest: got ":latest"; use an ECR tag/,
    );
    expect(() => DetectorImage.fromEcrRepository(repo, `sha256:${'a'.repeat(64)}`)).not.toThrow();
  });

  test('ModelWeights.fromS3Prefix refuses an empty or absolute prefix and paths leaving it', () => {
    const stack = newStack();
    const bucket = Bucket.fromBucketName(stack, 'B', 'my-models');
    expect(() => ModelWeights.fromS3Prefix(bucket, '/')).toThrow(/prefix: got "\/"; use a non-empty key prefix/);
    expect(() => ModelWeights.fromS3Prefix(bucket, 'w', { loraAdapterPath: '../other' })).toThrow(
      /loraAdapterPath: got "\.\.\/other"; use a path relative to the prefix/,
    );
  });
});
