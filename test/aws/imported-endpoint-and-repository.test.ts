import { Duration, RemovalPolicy } from 'aws-cdk-lib/core';
import type { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { DetectorImageRepository, SageMakerDetectorEndpoint, type IDetectorEndpoint } from '../../lib/aws';
import { newStack, policyStatements } from './helpers';

describe('an endpoint imported by name', () => {
  const stack = newStack();
  const endpoint = SageMakerDetectorEndpoint.fromEndpointName(stack, 'Imported', 'Form-Detector');

  test('has the ARN SageMaker writes (lowercased name) in the stack’s account and region', () => {
    expect(stack.resolve(endpoint.endpointArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:123456789012:endpoint/form-detector']],
    });
    expect(endpoint.endpointName).toBe('Form-Detector');
    expect(endpoint.variantName).toBe('AllTraffic');
  });

  test('grantInvoke allows sagemaker:InvokeEndpoint on that ARN only', () => {
    const s = newStack('Grant');
    const imported = SageMakerDetectorEndpoint.fromEndpointName(s, 'Imported', 'form-detector');
    const caller = new Role(s, 'Caller', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    imported.grantInvoke(caller);
    expect(policyStatements(Template.fromStack(s))).toEqual([
      {
        Action: 'sagemaker:InvokeEndpoint',
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:123456789012:endpoint/form-detector'],
          ],
        },
      },
    ]);
  });

  const invocationMetrics: [keyof IDetectorEndpoint, string, string][] = [
    ['metricInvocations', 'Invocations', 'Sum'],
    ['metricInvocation5XXErrors', 'Invocation5XXErrors', 'Sum'],
    ['metricInvocation4XXErrors', 'Invocation4XXErrors', 'Sum'],
    ['metricModelLatency', 'ModelLatency', 'Average'],
    ['metricOverheadLatency', 'OverheadLatency', 'Average'],
    ['metricConcurrentRequests', 'ConcurrentRequestsPerModel', 'Maximum'],
  ];
  test.each(invocationMetrics)('%s is %s in AWS/SageMaker per endpoint and variant (%s)', (method, name, statistic) => {
    const metric = (endpoint[method] as (this: IDetectorEndpoint) => Metric).call(endpoint);
    expect(metric.namespace).toBe('AWS/SageMaker');
    expect(metric.metricName).toBe(name);
    expect(metric.statistic).toBe(statistic);
    expect(metric.dimensions).toEqual({ EndpointName: 'Form-Detector', VariantName: 'AllTraffic' });
  });

  const instanceMetrics: [keyof IDetectorEndpoint, string][] = [
    ['metricGpuUtilization', 'GPUUtilization'],
    ['metricGpuMemoryUtilization', 'GPUMemoryUtilization'],
    ['metricCpuUtilization', 'CPUUtilization'],
    ['metricMemoryUtilization', 'MemoryUtilization'],
    ['metricDiskUtilization', 'DiskUtilization'],
  ];
  test.each(instanceMetrics)('%s is %s in /aws/sagemaker/Endpoints per endpoint and variant', (method, name) => {
    const metric = (endpoint[method] as (this: IDetectorEndpoint) => Metric).call(endpoint);
    expect(metric.namespace).toBe('/aws/sagemaker/Endpoints');
    expect(metric.metricName).toBe(name);
    expect(metric.statistic).toBe('Average');
    expect(metric.period.toSeconds()).toBe(300);
    expect(metric.dimensions).toEqual({ EndpointName: 'Form-Detector', VariantName: 'AllTraffic' });
  });

  test('metric() takes any AWS/SageMaker metric, and options override the defaults', () => {
    const metric = endpoint.metric('InvocationsPerInstance', { statistic: 'Sum', period: Duration.minutes(1) });
    expect(metric.metricName).toBe('InvocationsPerInstance');
    expect(metric.period.toSeconds()).toBe(60);
  });

  test('fromEndpointAttributes keeps a given ARN and variant', () => {
    const s = newStack('Attrs');
    const arn = 'arn:aws:sagemaker:eu-west-1:210987654321:endpoint/other';
    const imported = SageMakerDetectorEndpoint.fromEndpointAttributes(s, 'I', {
      endpointName: 'other',
      endpointArn: arn,
      variantName: 'Blue',
    });
    expect(imported.endpointArn).toBe(arn);
    expect(imported.metricGpuUtilization().dimensions).toEqual({ EndpointName: 'other', VariantName: 'Blue' });
  });
});

describe('an on-demand endpoint imported with its inference component', () => {
  test('grantInvoke covers the endpoint and the inference component (lowercased ARNs), metrics use the component', () => {
    const s = newStack('ImportedIc');
    const imported = SageMakerDetectorEndpoint.fromEndpointAttributes(s, 'Imported', {
      endpointName: 'form-detector',
      inferenceComponentName: 'Form-Detector-IC',
    });
    const caller = new Role(s, 'Caller', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    imported.grantInvoke(caller);
    const arn = (rest: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:us-east-1:123456789012:${rest}`]],
    });
    expect(policyStatements(Template.fromStack(s))).toEqual([
      {
        Action: 'sagemaker:InvokeEndpoint',
        Effect: 'Allow',
        Resource: [arn('endpoint/form-detector'), arn('inference-component/form-detector-ic')],
      },
    ]);
    expect(imported.inferenceComponentName).toBe('Form-Detector-IC');
    expect(imported.metricInvocation5XXErrors().dimensions).toEqual({ InferenceComponentName: 'Form-Detector-IC' });
    expect(imported.metricNoCapacityInvocationFailures().metricName).toBe('NoCapacityInvocationFailures');
  });

  test('an inference component ARN without its name is refused', () => {
    const s = newStack('Bad');
    expect(() =>
      SageMakerDetectorEndpoint.fromEndpointAttributes(s, 'Imported', {
        endpointName: 'form-detector',
        inferenceComponentArn: 'arn:aws:sagemaker:us-east-1:123456789012:inference-component/x',
      }),
    ).toThrow(/inferenceComponentArn: got .*; it needs inferenceComponentName too/);
  });
});

describe('DetectorImageRepository', () => {
  const stack = newStack();
  const repo = new DetectorImageRepository(stack, 'Images');
  const template = Template.fromStack(stack);

  test('defaults: scan on push, immutable tags, retained, lifecycle expiring untagged after 14 days and keeping 100', () => {
    template.hasResource('AWS::ECR::Repository', {
      Properties: {
        ImageScanningConfiguration: { ScanOnPush: true },
        ImageTagMutability: 'IMMUTABLE',
        RepositoryName: Match.absent(),
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    const [resource] = Object.values(template.findResources('AWS::ECR::Repository')) as {
      Properties: { LifecyclePolicy: { LifecyclePolicyText: string } };
    }[];
    expect(JSON.parse(resource.Properties.LifecyclePolicy.LifecyclePolicyText)).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: 'Expire untagged images',
          selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14, countUnit: 'days' },
          action: { type: 'expire' },
        },
        {
          rulePriority: 2,
          description: 'Keep the newest images',
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 },
          action: { type: 'expire' },
        },
      ],
    });
    expect(repo.node.defaultChild).toBe(repo.repository);
  });

  test('props: name, expiry, count and removal policy', () => {
    const s = newStack('Props');
    new DetectorImageRepository(s, 'Images', {
      repositoryName: 'form-detector',
      untaggedImageExpiryDays: 3,
      maxImageCount: 20,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const t = Template.fromStack(s);
    t.hasResource('AWS::ECR::Repository', {
      Properties: Match.objectLike({ RepositoryName: 'form-detector' }),
      DeletionPolicy: 'Delete',
    });
    const [resource] = Object.values(t.findResources('AWS::ECR::Repository')) as {
      Properties: { LifecyclePolicy: { LifecyclePolicyText: string } };
    }[];
    const rules = JSON.parse(resource.Properties.LifecyclePolicy.LifecyclePolicyText).rules;
    expect(rules[0].selection.countNumber).toBe(3);
    expect(rules[1].selection.countNumber).toBe(20);
  });

  test('grantPull and grantPush scope ECR actions to the repository', () => {
    const s = newStack('Grants');
    const images = new DetectorImageRepository(s, 'Images');
    const ci = new Role(s, 'Ci', { assumedBy: new ServicePrincipal('codebuild.amazonaws.com') });
    const runner = new Role(s, 'Runner', { assumedBy: new ServicePrincipal('sagemaker.amazonaws.com') });
    images.grantPush(ci);
    images.grantPull(runner);
    const repoArn = { 'Fn::GetAtt': [expect.stringMatching(/^Images/), 'Arn'] };
    const statements = policyStatements(Template.fromStack(s));
    expect(statements).toContainEqual({
      Action: [
        'ecr:CompleteLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:InitiateLayerUpload',
        'ecr:BatchCheckLayerAvailability',
        'ecr:PutImage',
      ],
      Effect: 'Allow',
      Resource: repoArn,
    });
    expect(statements).toContainEqual({
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
      Effect: 'Allow',
      Resource: repoArn,
    });
  });

  test('imageFor(tag) feeds an endpoint that pulls from this repository only', () => {
    const s = newStack('Use');
    const images = new DetectorImageRepository(s, 'Images', { repositoryName: 'form-detector' });
    new SageMakerDetectorEndpoint(s, 'Detector', { image: images.imageFor('v2') });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: Match.objectLike({
        Image: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':v2$')])] },
      }),
    });
    expect(policyStatements(t)).toContainEqual({
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Images/), 'Arn'] },
    });
  });

  test('invalid props fail in one error', () => {
    expect(
      () => new DetectorImageRepository(newStack(), 'Images', { repositoryName: 'Form_Detector', maxImageCount: 0 }),
    ).toThrow(/repositoryName: got "Form_Detector"; use 2–256 lowercase[\s\S]*maxImageCount: got 0/);
  });
});
