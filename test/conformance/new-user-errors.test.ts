/**
 * Mistakes a new user makes, exactly as they were reported: each gives one DetectorValidationError that lists every
 * problem under the construct's own prop names, with that platform's own fix — never a bare Error from a duration,
 * never another platform's sizes.
 */
import { Duration as CdkDuration, App, Stack } from 'aws-cdk-lib/core';
import { TerraformStack, Testing } from 'cdktf';
import { SageMakerOnDemandDetectorEndpoint } from '../../lib/aws';
import { AzureMlDetectorEndpoint, ContainerAppsGpuDetectorService } from '../../lib/azure';
import { DetectorValidationError, Duration, type ValidationProblem } from '../../lib/core';
import { CloudRunGpuDetectorService, ModelWeights, VertexDetectorEndpoint } from '../../lib/gcp';
import { TEST_ENV } from '../aws/helpers';

/** The one error a construct throws, with its problems. */
function refusal(build: () => unknown): DetectorValidationError {
  let thrown: unknown;
  try {
    build();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(DetectorValidationError);
  return thrown as DetectorValidationError;
}

const inTerraform = (make: (scope: Parameters<Parameters<typeof Testing.synthScope>[0]>[0]) => unknown) => () =>
  Testing.synthScope((scope) => void make(scope));
const GCP = { project: 'my-project', region: 'us-central1' } as const;
const tfStack = () => new TerraformStack(Testing.app(), 'stack');

test('Azure ML with a 1500 ms request timeout and maxConcurrency 0: both problems, each under its prop', () => {
  const error = refusal(
    inTerraform(
      (stack) =>
        new AzureMlDetectorEndpoint(stack, 'D', {
          location: 'eastus',
          requestTimeout: Duration.millis(1500),
          maxConcurrency: 0,
        }),
    ),
  );
  expect(error.subject).toBe("AzureMlDetectorEndpoint 'stack/D'");
  // Asserted by prop, whatever the order they were found in.
  expect([...error.problems].sort((a, b) => a.prop.localeCompare(b.prop))).toEqual<ValidationProblem[]>([
    { prop: 'maxConcurrency', value: '0', fix: 'use a whole number from 1 to 256' },
    { prop: 'requestTimeout', value: '1.5s', fix: 'use a whole number of seconds, e.g. Duration.seconds(30)' },
  ]);
});

test('Container Apps with the 32B model: gpuProfile is blamed and the Container Apps A100 profile suggested', () => {
  const error = refusal(
    inTerraform(
      (stack) => new ContainerAppsGpuDetectorService(stack, 'C', { location: 'swedencentral', model: '32B' }),
    ),
  );
  expect(error.props).toEqual(['gpuProfile']);
  expect(error.problems[0].value).toBe('"Consumption-GPU-NC8as-T4"');
  expect(error.problems[0].fix).toMatch(/gpuProfile: 'Consumption-GPU-NC24-A100' \(A100 80 GB\)/);
  // An Azure ML VM size is no Container Apps option.
  expect(error.message).not.toMatch(/Standard_NC24ads_A100_v4|instanceType/);
});

test('Vertex AI with the 32B model: machineType is blamed (not instanceType), naming the A2 machine', () => {
  const error = refusal(inTerraform((stack) => new VertexDetectorEndpoint(stack, 'V', { ...GCP, model: '32B' })));
  expect(error.props).toEqual(['machineType']);
  expect(error.problems[0].fix).toMatch(/machineType: 'a2-highgpu-1g' with acceleratorType: 'NVIDIA_TESLA_A100'/);
  expect(error.message).not.toMatch(/instanceType/);
});

test('Vertex AI with an unknown accelerator: the prop comes from the catalog lookup, not from its prose', () => {
  const error = refusal(
    inTerraform((stack) => new VertexDetectorEndpoint(stack, 'V', { ...GCP, acceleratorType: 'NVIDIA_H100' as never })),
  );
  expect(error.props).toEqual(['acceleratorType']);
});

test.each([
  [
    'Cloud Run, a fractional model load timeout (formerly startupTimeout)',
    () =>
      new CloudRunGpuDetectorService(tfStack(), 'R', {
        ...GCP,
        weights: ModelWeights.fromCloudStorage('gs://staged-weights/qwen3-vl-8b'),
        modelLoadTimeout: Duration.millis(90_500),
      }),
    ['modelLoadTimeout'],
  ],
  [
    'Vertex AI, a fractional model load timeout (formerly deploymentTimeout)',
    () => new VertexDetectorEndpoint(tfStack(), 'V', { ...GCP, modelLoadTimeout: Duration.millis(1_800_500) }),
    ['modelLoadTimeout'],
  ],
  [
    'Azure ML, a fractional scale-out cooldown',
    () =>
      new AzureMlDetectorEndpoint(tfStack(), 'D', {
        location: 'eastus',
        scaling: { scaleOutCooldown: Duration.millis(90_500) },
      }),
    ['scaling.scaleOutCooldown'],
  ],
  [
    'SageMaker on demand, a fractional scale-out cooldown and wake-up cooldown',
    () =>
      new SageMakerOnDemandDetectorEndpoint(new Stack(new App(), 'S', { env: TEST_ENV }), 'E', {
        scaling: { scaleOutCooldown: CdkDuration.millis(90_500) },
        wakeUpCooldown: CdkDuration.millis(500),
      }),
    ['scaling.scaleOutCooldown', 'wakeUpCooldown'],
  ],
])('%s is one problem under its prop, not a bare throw', (_name, build, props) => {
  expect(refusal(build).props).toEqual(props);
});
