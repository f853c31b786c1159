import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib/core';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  DetectorAwsStack,
  DetectorImage,
  SageMakerDetectorEndpoint,
  SageMakerOnDemandDetectorEndpoint,
  type DetectorAwsStackProps,
} from '../../lib/aws';
import { containerSourceTag } from '../../lib/core';
import { FIXTURE_IMAGE_DIRECTORY, TEST_ENV } from './helpers';

interface ValidationReport {
  pluginReports: { pluginName: string; conclusion: string; violations: { ruleName: string }[] }[];
}

/** Synthesizes the app with the AwsSolutions pack and returns the violations left after acknowledgements. */
function nagViolations(
  props: DetectorAwsStackProps,
  context: Record<string, string> = {},
  withOwnRole = false,
): string[] {
  const app = new App({ context });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new DetectorAwsStack(app, 'FormDetector', { env: TEST_ENV, ...props });
  if (withOwnRole) {
    // A second endpoint in the same stack, running as a role its owner created and must review.
    const role = new Role(stack, 'OwnRole', { assumedBy: new ServicePrincipal('sagemaker.amazonaws.com') });
    new SageMakerDetectorEndpoint(stack, 'WithOwnRole', { ...sourceImage, role });
  }
  let reportDir: string;
  try {
    reportDir = app.synth().directory;
  } catch (e) {
    // A failing plugin stops the synth; the report is still written to the output directory.
    const match = /found in: (\S+validation-report\.json)/.exec((e as Error).message);
    if (!match) throw e;
    reportDir = join(match[1], '..');
  }
  const reportFile = join(reportDir, 'validation-report.json');
  expect(existsSync(reportFile)).toBe(true);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ValidationReport;
  return report.pluginReports
    .filter((r) => r.pluginName === 'AwsSolutions')
    .flatMap((r) => r.violations.map((v) => v.ruleName));
}

/** Acknowledgements recorded in the construct tree: rule id → reason. */
function acknowledgements(stack: Stack): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of stack.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      Object.assign(out, entry.data as Record<string, string>);
    }
  }
  return out;
}

const sourceImage = { image: DetectorImage.fromSource({ directory: FIXTURE_IMAGE_DIRECTORY }) };
/** The same image whichever mode the stack picks. */
const eitherMode = { alwaysOn: sourceImage, onDemand: sourceImage };

describe('DetectorAwsStack with no props and no context', () => {
  const app = new App();
  const stack = new DetectorAwsStack(app, 'FormDetector', { env: TEST_ENV, ...eitherMode });
  const template = Template.fromStack(stack);

  test('deploys one SageMakerDetectorEndpoint with the endpoint defaults', () => {
    template.resourceCountIs('AWS::SageMaker::Endpoint', 1);
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ InstanceType: 'ml.g5.xlarge', InitialInstanceCount: 1 })],
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 2 });
    expect(stack.endpoint.node.path).toBe('FormDetector/Detector');
  });

  test('outputs the endpoint name, ARN, invoke URL and execution role ARN', () => {
    const endpointName = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Detector[0-9A-F]{8}$'), 'EndpointName'] };
    template.hasOutput('EndpointName', { Value: endpointName });
    template.hasOutput('EndpointArn', { Value: { Ref: Match.stringLikeRegexp('^Detector[0-9A-F]{8}$') } });
    template.hasOutput('InvokeUrl', {
      Value: {
        'Fn::Join': [
          '',
          [
            'https://runtime.sagemaker.us-east-1.',
            { Ref: 'AWS::URLSuffix' },
            '/endpoints/',
            endpointName,
            '/invocations',
          ],
        ],
      },
    });
    template.hasOutput('ExecutionRoleArn', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectorRole'), 'Arn'] },
    });
  });

  test('no account, region or asset path literal leaks from lib/ into the template', () => {
    const agnostic = new DetectorAwsStack(new App(), 'Agnostic', { ...eitherMode });
    const { Resources, Outputs } = Template.fromStack(agnostic).toJSON() as Record<
      string,
      Record<string, { Metadata?: unknown }>
    >;
    // The deployment summary's price source names the region the price was read in; that is data, not config.
    for (const resource of Object.values(Resources)) delete resource.Metadata;
    const json = JSON.stringify({ Resources, Outputs });
    expect(json).not.toMatch(/\b\d{12}\b/);
    expect(json).not.toMatch(/(us|eu|ap|sa|ca|me|af)-(east|west|north|south|central|northeast|southeast)-\d/);
    expect(json).not.toContain(process.cwd());
  });
});

describe('DetectorAwsStack configured by CDK context', () => {
  const context = {
    instanceType: 'ml.g4dn.xlarge',
    modelProfile: '8B',
    quantization: 'gptq',
    minCapacity: '2',
    maxCapacity: '5',
    modelS3Uri: 's3://my-models/qwen3-vl-8b/',
    imageRepository: 'form-detector',
    imageTag: 'v1.2.3',
    endpointName: 'form-detector',
  };
  const stack = new DetectorAwsStack(new App({ context }), 'FormDetector', { env: TEST_ENV });
  const template = Template.fromStack(stack);

  test('every context key reaches the endpoint', () => {
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ InstanceType: 'ml.g4dn.xlarge', InitialInstanceCount: 2 })],
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 5 });
    template.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: 'form-detector' });
    template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: {
        Image: {
          'Fn::Join': ['', ['123456789012.dkr.ecr.us-east-1.', { Ref: 'AWS::URLSuffix' }, '/form-detector:v1.2.3']],
        },
        ModelDataSource: {
          S3DataSource: { S3Uri: 's3://my-models/qwen3-vl-8b/', S3DataType: 'S3Prefix', CompressionType: 'None' },
        },
        Environment: Match.objectLike({ MODEL_WEIGHTS_DIR: '/opt/ml/model', QUANTIZATION: 'gptq' }),
      },
    });
    template.hasOutput('WeightsLocation', { Value: 's3://my-models/qwen3-vl-8b/' });
    template.hasOutput('StageWeightsCommand', {
      Value:
        'hf download Qwen/Qwen3-VL-8B-Instruct --local-dir form-detector-weights && ' +
        'hf download takumi123xxx/pdfme-form-field-detector-lora --local-dir form-detector-weights/adapter && ' +
        'aws s3 sync form-detector-weights s3://my-models/qwen3-vl-8b/',
    });
  });

  test('props given in code win over context', () => {
    const s = new DetectorAwsStack(new App({ context }), 'Props', {
      env: TEST_ENV,
      alwaysOn: { instanceType: 'ml.g5.xlarge', scaling: { maxCapacity: 3 }, endpointName: 'from-props' },
    });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ InstanceType: 'ml.g5.xlarge' })],
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 3 });
    t.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: 'from-props' });
  });

  test('imageRepository without imageTag uses the content-hash tag of the container sources', () => {
    const s = new DetectorAwsStack(new App({ context: { imageRepository: 'form-detector' } }), 'Tag', {
      env: TEST_ENV,
    });
    Template.fromStack(s).hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: Match.objectLike({
        Image: { 'Fn::Join': ['', Match.arrayWith([`/form-detector:${containerSourceTag()}`])] },
      }),
    });
  });

  test('bad context values fail with one error naming each key, value and fix', () => {
    const bad = { minCapacity: 'two', modelS3Uri: 'my-models/qwen', imageTag: 'v1' };
    expect(() => new DetectorAwsStack(new App({ context: bad }), 'Bad', { env: TEST_ENV })).toThrow(
      /minCapacity: got "two"; use a whole number[\s\S]*modelS3Uri: got "my-models\/qwen"; use s3:\/\/<bucket>\/<prefix>\/[\s\S]*imageTag: got "v1"; imageTag needs imageRepository/,
    );
  });

  test('an unknown instance type from context is refused by the endpoint with the catalog', () => {
    expect(
      () => new DetectorAwsStack(new App({ context: { instanceType: 'ml.g6.xlarge' } }), 'Bad', { env: TEST_ENV }),
    ).toThrow(/instanceType: got "ml\.g6\.xlarge"; unknown SageMaker GPU instance type/);
  });
});

describe('DetectorAwsStack mode: always-on or on-demand, by prop or context', () => {
  test('the default is always-on: a real-time endpoint and no inference component', () => {
    const stack = new DetectorAwsStack(new App(), 'FormDetector', { env: TEST_ENV, ...eitherMode });
    expect(stack.mode).toBe('always-on');
    expect(stack.endpoint).toBeInstanceOf(SageMakerDetectorEndpoint);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SageMaker::InferenceComponent', 0);
    expect(Object.keys(template.findOutputs('InferenceComponentName'))).toEqual([]);
    // Always-on keeps Hugging Face by default: no bucket, nothing to stage.
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(Object.keys(template.findOutputs('StageWeightsCommand'))).toEqual([]);
  });

  test('mode on-demand as a prop deploys the inference component and outputs its name', () => {
    const stack = new DetectorAwsStack(new App(), 'FormDetector', {
      env: TEST_ENV,
      mode: 'on-demand',
      ...eitherMode,
    });
    expect(stack.endpoint).toBeInstanceOf(SageMakerOnDemandDetectorEndpoint);
    expect(stack.endpoint.node.path).toBe('FormDetector/Detector');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SageMaker::InferenceComponent', 1);
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 0, MaxCapacity: 2 });
    template.hasOutput('InferenceComponentName', { Value: stack.endpoint.inferenceComponentName });
    template.hasOutput('EndpointName', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Detector[0-9A-F]{8}$'), 'EndpointName'] },
    });
    // On demand, the weights live in a bucket of the weights stack, FormDetectorWeights, deployed and staged first;
    // its outputs say how to stage them, and this stack reads the bucket through a CloudFormation import.
    expect(stack.weightsStack?.stackName).toBe('FormDetectorWeights');
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.hasOutput('WeightsLocation', {
      Value: {
        'Fn::Join': [
          '',
          ['s3://', { 'Fn::ImportValue': Match.stringLikeRegexp('^FormDetectorWeights:') }, '/weights/'],
        ],
      },
    });
    const weightsTemplate = Template.fromStack(stack.weightsStack!);
    weightsTemplate.resourceCountIs('AWS::S3::Bucket', 1);
    weightsTemplate.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const bucket = { Ref: Match.stringLikeRegexp('^WeightsBucket') };
    weightsTemplate.hasOutput('WeightsLocation', { Value: { 'Fn::Join': ['', ['s3://', bucket, '/weights/']] } });
    weightsTemplate.hasOutput('StageWeightsCommand', {
      Value: {
        'Fn::Join': [
          '',
          [
            'hf download Qwen/Qwen3-VL-8B-Instruct --local-dir form-detector-weights && ' +
              'hf download takumi123xxx/pdfme-form-field-detector-lora --local-dir form-detector-weights/adapter && ' +
              'aws s3 sync form-detector-weights s3://',
            bucket,
            '/weights/',
          ],
        ],
      },
    });
  });

  test('-c mode=on-demand selects it from context, with the context keys that apply', () => {
    const context = { mode: 'on-demand', maxCapacity: '3', inferenceComponentName: 'form-detector-ic' };
    const stack = new DetectorAwsStack(new App({ context }), 'FormDetector', { env: TEST_ENV });
    expect(stack.mode).toBe('on-demand');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::InferenceComponent', {
      InferenceComponentName: 'form-detector-ic',
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ResourceId: 'inference-component/form-detector-ic',
      MinCapacity: 0,
      MaxCapacity: 3,
    });
    template.hasOutput('InferenceComponentName', { Value: 'form-detector-ic' });
  });

  test('the prop wins over the context key', () => {
    const stack = new DetectorAwsStack(new App({ context: { mode: 'on-demand' } }), 'FormDetector', {
      env: TEST_ENV,
      mode: 'always-on',
    });
    expect(stack.endpoint).toBeInstanceOf(SageMakerDetectorEndpoint);
  });

  test('an unknown mode names the context key, the value and the choices', () => {
    expect(() => new DetectorAwsStack(new App({ context: { mode: 'serverless' } }), 'Bad', { env: TEST_ENV })).toThrow(
      /context 'mode': got "serverless"; use one of always-on, on-demand, e.g. -c mode=on-demand/,
    );
  });

  test('without prop or context, FORM_DETECTOR_MODE decides, as for the other clouds', () => {
    const saved = process.env.FORM_DETECTOR_MODE;
    process.env.FORM_DETECTOR_MODE = 'on-demand';
    try {
      const stack = new DetectorAwsStack(new App(), 'FormDetector', { env: TEST_ENV, ...eitherMode });
      expect(stack.mode).toBe('on-demand');
      const fromContext = new DetectorAwsStack(new App({ context: { mode: 'always-on' } }), 'FormDetector', {
        env: TEST_ENV,
        ...eitherMode,
      });
      expect(fromContext.mode).toBe('always-on');
    } finally {
      if (saved === undefined) delete process.env.FORM_DETECTOR_MODE;
      else process.env.FORM_DETECTOR_MODE = saved;
    }
  });

  test('each mode takes its own props: onDemand is left alone in always-on mode, and its context keys refused', () => {
    const stack = new DetectorAwsStack(new App(), 'AlwaysOn', {
      env: TEST_ENV,
      alwaysOn: sourceImage,
      onDemand: { ...sourceImage, wakeUpCooldown: Duration.minutes(5) },
    });
    expect(stack.endpoint).toBeInstanceOf(SageMakerDetectorEndpoint);
    expect(
      () =>
        new DetectorAwsStack(new App({ context: { inferenceComponentName: 'ic' } }), 'Bad', {
          env: TEST_ENV,
          ...eitherMode,
        }),
    ).toThrow(/inferenceComponentName: got "ic"; applies to -c mode=on-demand only/);
  });

  test('the former endpoint prop is reported, not ignored', () => {
    expect(
      () => new DetectorAwsStack(new App(), 'Old', { env: TEST_ENV, ...({ endpoint: sourceImage } as object) }),
    ).toThrow(/endpoint: got .*; endpoint is now called alwaysOn \(and onDemand for the on-demand mode\)/);
  });

  test('minCapacity above 0 on demand is refused by the endpoint as a contradiction', () => {
    expect(
      () =>
        new DetectorAwsStack(new App({ context: { mode: 'on-demand', minCapacity: '1' } }), 'Bad', {
          env: TEST_ENV,
        }),
    ).toThrow(/scaling\.minCapacity: got 1; an on-demand endpoint idles at 0 copies/);
  });
});

describe('cdk-nag AwsSolutions over DetectorAwsStack', () => {
  test('the default stack has zero unacknowledged findings', () => {
    expect(nagViolations({ ...eitherMode })).toEqual([]);
  });

  test('the fully configured stack (fixed name, S3 weights, ECR image) has zero unacknowledged findings', () => {
    expect(
      nagViolations(
        {},
        {
          modelS3Uri: 's3://my-models/qwen3-vl-8b/',
          imageRepository: 'form-detector',
          imageTag: 'v1',
          endpointName: 'form-detector',
        },
      ),
    ).toEqual([]);
  });

  test('the on-demand stack has zero unacknowledged findings, default and fully configured', () => {
    expect(nagViolations({ mode: 'on-demand', onDemand: sourceImage })).toEqual([]);
    expect(
      nagViolations(
        {},
        {
          mode: 'on-demand',
          modelS3Uri: 's3://my-models/qwen3-vl-8b/',
          imageRepository: 'form-detector',
          imageTag: 'v1',
          endpointName: 'form-detector',
          inferenceComponentName: 'form-detector-ic',
        },
      ),
    ).toEqual([]);
  });

  test('on demand, each acknowledgement is one IAM5 finding with a reason, the component’s log streams included', () => {
    const stack = new DetectorAwsStack(new App(), 'Acks', {
      env: TEST_ENV,
      mode: 'on-demand',
      onDemand: { ...sourceImage, inferenceComponentName: 'form-detector-ic' },
    });
    const acks = acknowledgements(stack);
    expect(Object.keys(acks).sort()).toEqual([
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/*:log-stream:*]',
      'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/*]',
      'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:us-east-1:123456789012:log-group:/aws/sagemaker/InferenceComponents/form-detector-ic:log-stream:*]',
      // Read on the weights prefix of the bucket in the weights stack (imported by its fixed export name).
      'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::AcksWeights:WeightsBucketName/weights/*]',
    ]);
    // The bucket's own acknowledgement (no access-log bucket) is in the weights stack.
    expect(Object.keys(acknowledgements(stack.weightsStack!))).toEqual(['AwsSolutions::AwsSolutions-S1']);
    for (const reason of Object.values(acks)) expect(reason.length).toBeGreaterThan(80);
    expect(acks['AwsSolutions::AwsSolutions-IAM5[Resource::*]']).toMatch(/\/aws\/sagemaker\/InferenceComponents/);
  });

  test('the check can fail: a role passed in gets no acknowledgements, so its wildcards are reported', () => {
    expect(nagViolations({ ...eitherMode }, {}, true).sort()).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/*:log-stream:*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/*]',
    ]);
  });

  test('every acknowledgement is a single IAM5 finding with a specific reason', () => {
    const stack = new DetectorAwsStack(new App(), 'Acks', {
      env: TEST_ENV,
      ...eitherMode,
    });
    const acks = acknowledgements(stack);
    expect(Object.keys(acks).sort()).toEqual([
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/*:log-stream:*]',
      'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/*]',
    ]);
    for (const reason of Object.values(acks)) expect(reason.length).toBeGreaterThan(80);
    expect(acks['AwsSolutions::AwsSolutions-IAM5[Resource::*]']).toMatch(
      /ecr:GetAuthorizationToken.*cloudwatch:PutMetricData/,
    );
  });
});

describe('snapshot of the synthesized default stack (for infra reviews)', () => {
  test('matches, with asset hashes normalized', () => {
    const stack = new DetectorAwsStack(new App(), 'FormDetector', { env: TEST_ENV });
    const json = JSON.stringify(Template.fromStack(stack).toJSON(), null, 2)
      .replace(/[a-f0-9]{64}/g, '<asset-hash>')
      .replace(/src-[a-f0-9]{12}/g, 'src-<hash>');
    expect(JSON.parse(json)).toMatchSnapshot();
  });
});

describe('snapshot of the synthesized on-demand stack (for infra reviews)', () => {
  test('the weights stack, deployed and staged first', () => {
    const stack = new DetectorAwsStack(new App(), 'FormDetector', { env: TEST_ENV, mode: 'on-demand' });
    expect(Template.fromStack(stack.weightsStack!).toJSON()).toMatchSnapshot();
  });

  test('matches, with asset hashes normalized', () => {
    const stack = new DetectorAwsStack(new App(), 'FormDetector', { env: TEST_ENV, mode: 'on-demand' });
    const json = JSON.stringify(Template.fromStack(stack).toJSON(), null, 2)
      .replace(/[a-f0-9]{64}/g, '<asset-hash>')
      .replace(/src-[a-f0-9]{12}/g, 'src-<hash>');
    expect(JSON.parse(json)).toMatchSnapshot();
  });
});
