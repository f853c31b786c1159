/**
 * The six detector constructs behind one small interface, so the conformance tests run the same case over each:
 * build it with the props of the case, and read back the container environment it synthesizes and its summary.
 */
import { Duration as CdkDuration, App, Stack } from 'aws-cdk-lib/core';
import { Template } from 'aws-cdk-lib/assertions';
import { Testing } from 'cdktf';
import {
  DetectorImage,
  SageMakerDetectorEndpoint,
  SageMakerOnDemandDetectorEndpoint,
  type SageMakerDetectorEndpointProps,
} from '../../lib/aws';
import { AzureMlDetectorEndpoint, ContainerAppsGpuDetectorService } from '../../lib/azure';
import { Duration, type DeploymentSummary, type DetectorModelOptions, type DurationLike } from '../../lib/core';
import { CloudRunGpuDetectorService, VertexDetectorEndpoint } from '../../lib/gcp';
import { FIXTURE_IMAGE_DIRECTORY, TEST_ENV } from '../aws/helpers';

/** What every case may set: the model props all six share, plus the one model-load timeout. */
export type CommonProps = DetectorModelOptions & { readonly modelLoadTimeout?: DurationLike };

export interface Built {
  /** The container's environment as synthesized (names and values). */
  readonly environment: Record<string, string>;
  readonly summary: DeploymentSummary;
}

export interface ConstructUnderTest {
  readonly name: string;
  /** A duration in the construct's own vocabulary (aws-cdk-lib's Duration on AWS, core's elsewhere). */
  readonly millis: (ms: number) => DurationLike;
  build(props: CommonProps): Built;
}

type Env = Array<{ name: string; value?: string }>;
const fromList = (env: Env): Record<string, string> =>
  Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]));

function sagemaker(
  name: string,
  Endpoint: typeof SageMakerDetectorEndpoint | typeof SageMakerOnDemandDetectorEndpoint,
): ConstructUnderTest {
  return {
    name,
    millis: (ms) => CdkDuration.millis(ms),
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
  sagemaker('SageMakerDetectorEndpoint', SageMakerDetectorEndpoint),
  sagemaker('SageMakerOnDemandDetectorEndpoint', SageMakerOnDemandDetectorEndpoint),
  {
    name: 'VertexDetectorEndpoint',
    millis: coreMillis,
    build(props) {
      const { built } = synthTf((scope) => new VertexDetectorEndpoint(scope, 'Detector', { ...GCP, ...props }));
      return { environment: fromList(built.deployConfig.containerSpec.env as Env), summary: built.summary };
    },
  },
  {
    name: 'CloudRunGpuDetectorService',
    millis: coreMillis,
    build(props) {
      const { built, json } = synthTf(
        (scope) => new CloudRunGpuDetectorService(scope, 'Detector', { ...GCP, ...props }),
      );
      const container = only(json, 'google_cloud_run_v2_service').template.containers[0] as { env: Env };
      return { environment: fromList(container.env), summary: built.summary };
    },
  },
  {
    name: 'AzureMlDetectorEndpoint',
    millis: coreMillis,
    build(props) {
      const { built } = synthTf(
        (scope) => new AzureMlDetectorEndpoint(scope, 'Detector', { location: 'eastus', ...props }),
      );
      return { environment: built.templateParameterValues.environmentVariables, summary: built.summary };
    },
  },
  {
    name: 'ContainerAppsGpuDetectorService',
    millis: coreMillis,
    build(props) {
      const { built, json } = synthTf(
        (scope) => new ContainerAppsGpuDetectorService(scope, 'Detector', { location: 'swedencentral', ...props }),
      );
      const container = only(json, 'azurerm_container_app').template.container[0] as { env: Env };
      return { environment: fromList(container.env), summary: built.summary };
    },
  },
];
