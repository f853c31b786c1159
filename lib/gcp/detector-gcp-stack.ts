import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { join } from 'node:path';
import { App, LocalBackend, TerraformBackend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { relativeTo } from './deploy-command';
import { VertexDetectorEndpoint, type VertexDetectorEndpointProps } from './vertex-detector-endpoint';

export interface DetectorGcpStackProps extends Omit<VertexDetectorEndpointProps, 'project' | 'region'> {
  /**
   * GCP project id.
   * @default the GOOGLE_CLOUD_PROJECT environment variable
   */
  readonly project?: string;
  /**
   * Region of the endpoint and its repository; it must offer the GPU you choose (L4: e.g. us-central1, europe-west4).
   * @default the GOOGLE_REGION environment variable
   */
  readonly region?: string;
  /**
   * Environment to read the defaults from.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The form detector on Vertex AI as one CDKTF stack: the google provider for the project and region, the endpoint,
 * and outputs for the endpoint id, the predict URL, the repository and the `docker push` target.
 */
export class DetectorGcpStack extends TerraformStack {
  readonly provider: GoogleProvider;
  readonly detector: VertexDetectorEndpoint;

  constructor(scope: Construct, id: string, props: DetectorGcpStackProps = {}) {
    super(scope, id);
    const env = props.env ?? process.env;
    const project = props.project ?? env.GOOGLE_CLOUD_PROJECT?.trim();
    const region = props.region ?? env.GOOGLE_REGION?.trim();
    const missing = [
      project ? undefined : 'project: set the `project` prop or the GOOGLE_CLOUD_PROJECT environment variable',
      region ? undefined : 'region: set the `region` prop or the GOOGLE_REGION environment variable (e.g. us-central1)',
    ].filter((m): m is string => m !== undefined);
    if (missing.length > 0 || !project || !region) {
      throw new Error(`Invalid DetectorGcpStack '${id}':\n${missing.map((m) => `  - ${m}`).join('\n')}`);
    }
    const { env: _env, ...endpointProps } = props;

    this.provider = new GoogleProvider(this, 'Google', { project, region });
    this.detector = new VertexDetectorEndpoint(this, 'Detector', { ...endpointProps, project, region });

    new TerraformOutput(this, 'EndpointId', {
      value: this.detector.endpointId,
      description: 'Vertex AI endpoint id',
    });
    new TerraformOutput(this, 'PredictUrl', {
      value: this.detector.predictUrl,
      description: 'POST {"instances": [{"image_base64": "..."}]} here with an OAuth bearer token',
    });
    if (this.detector.repositoryUrl && this.detector.dockerPushTarget) {
      new TerraformOutput(this, 'RepositoryUrl', {
        value: this.detector.repositoryUrl,
        description: 'Artifact Registry repository for the inference container',
      });
      new TerraformOutput(this, 'DockerPushTarget', {
        value: this.detector.dockerPushTarget,
        description: 'docker build -t <this> inference-container && docker push <this>',
      });
    }
  }

  /**
   * Without a backend of your own (e.g. a GcsBackend), state stays where cdktf puts it —
   * `terraform.<stack>.tfstate` in the project directory — but addressed relative to the stack's working directory,
   * so the synthesized JSON holds no absolute path.
   */
  ensureBackendExists(): TerraformBackend {
    const existing = this.node.findAll().find((c): c is TerraformBackend => TerraformBackend.isBackend(c));
    if (existing) return existing;
    const workingDirectory = join(App.of(this).outdir, 'stacks', this.node.id);
    return new LocalBackend(this, {
      path: relativeTo(workingDirectory, join(process.cwd(), `terraform.${this.node.id}.tfstate`)),
    });
  }
}
