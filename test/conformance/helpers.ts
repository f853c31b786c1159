/**
 * The six detector constructs behind one small interface, so the conformance tests run the same case over each:
 * build it with the props of the case, and read back the container environment it synthesizes and its summary.
 */
import { Duration as CdkDuration, App, Stack } from 'aws-cdk-lib/core';
import { Template } from 'aws-cdk-lib/assertions';
import { Testing } from 'cdktf';
import {
  ModelWeights as AwsModelWeights,
  DetectorImage,
  SageMakerDetectorEndpoint,
  SageMakerOnDemandDetectorEndpoint,
  type SageMakerDetectorEndpointProps,
} from '../../lib/aws';
import {
  ModelWeights as AzureModelWeights,
  AzureMlDetectorEndpoint,
  ContainerAppsGpuDetectorService,
  type AzureMlDetectorEndpointProps,
  type ContainerAppsGpuDetectorServiceProps,
} from '../../lib/azure';
import { Duration, type DeploymentSummary, type DetectorModelOptions, type DurationLike } from '../../lib/core';
import {
  ModelWeights as GcpModelWeights,
  CloudRunGpuDetectorService,
  VertexDetectorEndpoint,
  type CloudRunGpuDetectorServiceProps,
  type VertexDetectorEndpointProps,
} from '../../lib/gcp';
import { FIXTURE_IMAGE_DIRECTORY, TEST_ENV } from '../aws/helpers';

/** What every case may set: the model props all six share, the one model-load timeout, and the weights. */
export type CommonProps = DetectorModelOptions & {
  readonly modelLoadTimeout?: DurationLike;
  /** The construct's own cloud's ModelWeights (see `newStore`). */
  readonly weights?: unknown;
};

export interface Built {
  /** The container's environment as synthesized (names and values). */
  readonly environment: Record<string, string>;
  readonly summary: DeploymentSummary;
}

export interface ConstructUnderTest {
  readonly name: string;
  /** A duration in the construct's own vocabulary (aws-cdk-lib's Duration on AWS, core's elsewhere). */
  readonly millis: (ms: number) => DurationLike;
  /** `ModelWeights.fromNewStore()` of the construct's cloud: a store created by the same deploy. */
  readonly newStore: () => unknown;
  /**
   * Whether the platform starts the container when the construct is deployed with its defaults (and so cannot read a
   * store the same deploy creates): SageMaker's real-time endpoint, Vertex AI, Cloud Run and Azure ML do; SageMaker's
   * inference component starts no copy while its weights may be unstaged, and Container Apps idles at 0 replicas.
   */
  readonly startsAtDeploy: boolean;
  build(props: CommonProps): Built;
}

type Env = Array<{ name: string; value?: string }>;
const fromList = (env: Env): Record<string, string> =>
  Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]));

function sagemaker(
  name: string,
  Endpoint: typeof SageMakerDetectorEndpoint | typeof SageMakerOnDemandDetectorEndpoint,
  startsAtDeploy: boolean,
): ConstructUnderTest {
  return {
    name,
    millis: (ms) => CdkDuration.millis(ms),
    newStore: () => AwsModelWeights.fromNewStore(),
    startsAtDeploy,
    build(props) {
      const stack = new Stack(new App(), 'Conformance', { env: TEST_ENV });
      const endpoint = new Endpoint(stack, 'Detector', {
        ...(props as SageMakerDetectorEndpointProps),
        image: DetectorImage.fromSource({ directory: FIXTURE_IMAGE_DIRECTORY }),
      });
      const models = Template.fromStack(stack).findResources('AWS::SageMaker::Model');
      const [model] = Object.values(models) as Array<{ Properties: { PrimaryContainer: { Environment: object } } }>;
      return {
        environment: model.Properties.PrimaryContainer.Environment as Record<string, string>,
        summary: endpoint.summary,
      };
    },
  };
}

/** Synthesizes a CDKTF construct and returns it with the synthesized JSON. */
function synthTf<T>(make: (scope: Parameters<Parameters<typeof Testing.synthScope>[0]>[0]) => T): {
  built: T;
  json: Tf;
} {
  let built: T | undefined;
  const json = JSON.parse(Testing.synthScope((scope) => void (built = make(scope)))) as Tf;
  return { built: built as T, json };
}

/** Synthesized Terraform JSON: untyped by nature, read field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Tf = Record<string, any>;
const only = (json: Tf, type: string): Tf => Object.values(json.resource[type] as Record<string, Tf>)[0];
const coreMillis = (ms: number): DurationLike => Duration.millis(ms);
const GCP = { project: 'my-project', region: 'us-central1', imageTag: 'test' } as const;

export const SIX_CONSTRUCTS: readonly ConstructUnderTest[] = [
  sagemaker('SageMakerDetectorEndpoint', SageMakerDetectorEndpoint, true),
  sagemaker('SageMakerOnDemandDetectorEndpoint', SageMakerOnDemandDetectorEndpoint, false),
  {
    name: 'VertexDetectorEndpoint',
    millis: coreMillis,
    newStore: () => GcpModelWeights.fromNewStore(),
    startsAtDeploy: true,
    build(props) {
      const { built } = synthTf(
        (scope) => new VertexDetectorEndpoint(scope, 'Detector', { ...GCP, ...props } as VertexDetectorEndpointProps),
      );
      return { environment: fromList(built.deployConfig.containerSpec.env as Env), summary: built.summary };
    },
  },
  {
    name: 'CloudRunGpuDetectorService',
    millis: coreMillis,
    newStore: () => GcpModelWeights.fromNewStore(),
    startsAtDeploy: true,
    build(props) {
      // Cloud Run has no default weights: the case's, else weights staged already in a bucket of the team's.
      const { built, json } = synthTf(
        (scope) =>
          new CloudRunGpuDetectorService(scope, 'Detector', {
            ...GCP,
            weights: GcpModelWeights.fromCloudStorage('gs://staged-weights/qwen3-vl-8b'),
            ...props,
          } as CloudRunGpuDetectorServiceProps),
      );
      const container = only(json, 'google_cloud_run_v2_service').template.containers[0] as { env: Env };
      return { environment: fromList(container.env), summary: built.summary };
    },
  },
  {
    name: 'AzureMlDetectorEndpoint',
    millis: coreMillis,
    newStore: () => AzureModelWeights.fromNewStore(),
    startsAtDeploy: true,
    build(props) {
      const { built } = synthTf(
        (scope) =>
          new AzureMlDetectorEndpoint(scope, 'Detector', {
            location: 'eastus',
            ...props,
          } as AzureMlDetectorEndpointProps),
      );
      return { environment: built.templateParameterValues.environmentVariables, summary: built.summary };
    },
  },
  {
    name: 'ContainerAppsGpuDetectorService',
    millis: coreMillis,
    newStore: () => AzureModelWeights.fromNewStore(),
    startsAtDeploy: false,
    build(props) {
      const { built, json } = synthTf(
        (scope) =>
          new ContainerAppsGpuDetectorService(scope, 'Detector', {
            location: 'swedencentral',
            ...props,
          } as ContainerAppsGpuDetectorServiceProps),
      );
      const container = only(json, 'azurerm_container_app').template.container[0] as { env: Env };
      return { environment: fromList(container.env), summary: built.summary };
    },
  },
];
