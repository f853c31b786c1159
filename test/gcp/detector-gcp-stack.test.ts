import { join } from 'node:path';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { App, GcsBackend, Testing } from 'cdktf';
import { DetectorGcpStack, vertexDeployCommand, vertexDeployScriptPath } from '../../lib/gcp';

Testing.setupJest();

/** An app whose output directory is the repository's cdktf.out, as `cdktf synth` uses: the deploy command's relative
 * path is then what a real synth writes, and the snapshot is the same on every machine. */
function repoApp(): App {
  return new App({ outdir: join(__dirname, '..', '..', 'cdktf.out'), skipValidation: true });
}

describe('DetectorGcpStack', () => {
  test('configures the google provider and the endpoint from GOOGLE_CLOUD_PROJECT and GOOGLE_REGION', () => {
    const stack = new DetectorGcpStack(Testing.app(), 'gcp', {
      imageTag: 'test',
      env: { GOOGLE_CLOUD_PROJECT: 'env-project', GOOGLE_REGION: 'europe-west4' },
    });
    const json = Testing.synth(stack);
    expect(json).toHaveProviderWithProperties(GoogleProvider, { project: 'env-project', region: 'europe-west4' });
    expect(stack.detector.project).toBe('env-project');
    expect(stack.detector.region).toBe('europe-west4');
  });

  test('props win over the environment', () => {
    const stack = new DetectorGcpStack(Testing.app(), 'gcp', {
      project: 'prop-project',
      region: 'us-east4',
      imageTag: 'test',
      env: { GOOGLE_CLOUD_PROJECT: 'env-project', GOOGLE_REGION: 'europe-west4' },
    });
    expect(Testing.synth(stack)).toHaveProviderWithProperties(GoogleProvider, {
      project: 'prop-project',
      region: 'us-east4',
    });
  });

  test('without a project or region it fails naming both props and both variables', () => {
    expect(() => new DetectorGcpStack(Testing.app(), 'gcp', { env: {} })).toThrow(
      /Invalid DetectorGcpStack 'gcp':\n {2}- project: set the `project` prop or the GOOGLE_CLOUD_PROJECT environment variable\n {2}- region: set the `region` prop or the GOOGLE_REGION environment variable/,
    );
  });

  test('outputs the endpoint id, the predict URL, the repository and the docker push target', () => {
    const stack = new DetectorGcpStack(Testing.app(), 'gcp', { project: 'p1', region: 'us-central1', imageTag: 'v1' });
    const outputs = JSON.parse(Testing.synth(stack)).output;
    expect(Object.keys(outputs).sort()).toEqual(['DockerPushTarget', 'EndpointId', 'PredictUrl', 'RepositoryUrl']);
    expect(outputs.EndpointId.value).toBe(stack.endpoint!.endpointId);
    expect(outputs.PredictUrl.value).toMatch(
      /^https:\/\/\$\{google_vertex_ai_endpoint\.\w+\.dedicated_endpoint_dns\}\/v1\/projects\/p1\/locations\/us-central1\/endpoints\/\d{10}:predict$/,
    );
    expect(outputs.RepositoryUrl.value).toMatch(
      /^us-central1-docker\.pkg\.dev\/p1\/\$\{google_artifact_registry_repository\.\w+\.repository_id\}$/,
    );
    expect(outputs.DockerPushTarget.value).toBe(`${outputs.RepositoryUrl.value}/form-detector:v1`);
  });

  test('with an existing image there is no repository to output', () => {
    const stack = new DetectorGcpStack(Testing.app(), 'gcp', {
      project: 'p1',
      region: 'us-central1',
      image: 'us-central1-docker.pkg.dev/p1/images/form-detector:v1',
    });
    expect(Object.keys(JSON.parse(Testing.synth(stack)).output).sort()).toEqual(['EndpointId', 'PredictUrl']);
  });

  test('the deploy command path is relative to the stack working directory', () => {
    const stack = new DetectorGcpStack(repoApp(), 'form-detector-gcp', {
      project: 'p1',
      region: 'us-central1',
      imageTag: 'v1',
    });
    const json = JSON.parse(Testing.synth(stack));
    const [step] = Object.values(json.resource.terraform_data) as Array<{
      provisioner: Array<Record<string, { command: string }>>;
    }>;
    expect(step.provisioner[0]['local-exec'].command).toBe('node "../../../dist/bin/vertex-deploy.js" deploy');
    expect(JSON.stringify(json)).not.toContain(join(__dirname, '..', '..'));
  });

  test('for a project that installs the package, the command points into its node_modules', () => {
    expect(
      vertexDeployCommand(
        '/home/ana/forms/cdktf.out/stacks/gcp',
        '/home/ana/forms/node_modules/form-detector-stacks/dist/bin/vertex-deploy.js',
      ),
    ).toBe('node "../../../node_modules/form-detector-stacks/dist/bin/vertex-deploy.js"');
    expect(vertexDeployScriptPath()).toBe(join(__dirname, '..', '..', 'dist', 'bin', 'vertex-deploy.js'));
  });

  test('keeps local state where cdktf does, addressed relative to the working directory; a backend of your own wins', () => {
    const local = new DetectorGcpStack(repoApp(), 'form-detector-gcp', {
      project: 'p1',
      region: 'us-central1',
      imageTag: 'v1',
    });
    local.prepareStack();
    expect(local.toTerraform().terraform.backend).toEqual({
      local: { path: '../../../terraform.form-detector-gcp.tfstate' },
    });

    const remote = new DetectorGcpStack(repoApp(), 'form-detector-gcp', {
      project: 'p1',
      region: 'us-central1',
      imageTag: 'v1',
    });
    new GcsBackend(remote, { bucket: 'my-state', prefix: 'detector' });
    remote.prepareStack();
    expect(remote.toTerraform().terraform.backend).toEqual({ gcs: { bucket: 'my-state', prefix: 'detector' } });
  });

  test('synthesizes the reviewed infrastructure (snapshot)', () => {
    const stack = new DetectorGcpStack(repoApp(), 'form-detector-gcp', {
      project: 'example-project-id',
      region: 'us-central1',
      // Fixed, so the snapshot does not change with every container source edit.
      imageTag: 'snapshot',
    });
    expect(Testing.synth(stack)).toMatchSnapshot();
  });
});
