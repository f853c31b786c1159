import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, AzurermBackend, Testing } from 'cdktf';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { AZURE_LOCATION_ENV, ContainerAppsGpuDetectorService, DetectorAzureStack } from '../../lib/azure';
import { DEPLOYMENT_MODE_ENV, SUMMARY_METADATA_KEY, type DeploymentSummary } from '../../lib/core';
import { armTemplate, synthStack, TEST_IMAGE_TAG, type TerraformJson } from './helpers';

const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';

describe('DetectorAzureStack', () => {
  const saved = process.env[AZURE_LOCATION_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[AZURE_LOCATION_ENV];
    else process.env[AZURE_LOCATION_ENV] = saved;
  });

  const newStack = (props: ConstructorParameters<typeof DetectorAzureStack>[2] = {}) =>
    new DetectorAzureStack(Testing.app(), 'DetectorAzure', {
      location: 'eastus',
      ...props,
      alwaysOn: { imageTag: TEST_IMAGE_TAG, ...props.alwaysOn },
    });

  test('configures the azurerm provider with its features block and the given subscription', () => {
    const { json } = synthStack(newStack({ subscriptionId: SUBSCRIPTION }));
    expect(json).toHaveProviderWithProperties(AzurermProvider, { features: [{}], subscription_id: SUBSCRIPTION });
  });

  test('leaves the subscription to the provider (ARM_SUBSCRIPTION_ID or az login) when none is given', () => {
    const { parsed } = synthStack(newStack());
    const provider = (parsed as unknown as { provider: { azurerm: Record<string, unknown>[] } }).provider.azurerm[0];
    expect(provider).toEqual({ features: [{}] });
  });

  test('takes the region from AZURE_LOCATION when no location is passed', () => {
    process.env[AZURE_LOCATION_ENV] = 'swedencentral';
    const stack = new DetectorAzureStack(Testing.app(), 'DetectorAzure', { alwaysOn: { imageTag: TEST_IMAGE_TAG } });
    expect(stack.endpoint?.location).toBe('swedencentral');
  });

  test('refuses to synthesize without a region', () => {
    delete process.env[AZURE_LOCATION_ENV];
    expect(() => new DetectorAzureStack(Testing.app(), 'DetectorAzure', {})).toThrow(
      /location: got undefined; pass location \(e.g. 'eastus'\) or set AZURE_LOCATION/,
    );
  });

  test('outputs the scoring URI, the registry, the image and the commands to push it and fetch a key', () => {
    const { parsed } = synthStack(newStack());
    const outputs = parsed.output ?? {};
    expect(Object.keys(outputs).sort()).toEqual([
      'GetKeyCommand',
      'Image',
      'PushImageCommand',
      'RegistryLoginServer',
      'ScoringUri',
    ]);
    expect(outputs.ScoringUri.value).toBe(
      '${jsondecode(azurerm_resource_group_template_deployment.Detector_8252EF51.output_content).scoringUri.value}',
    );
    expect(outputs.RegistryLoginServer.value).toBe(
      '${azurerm_container_registry.Detector_Registry_0820BD04.login_server}',
    );
    expect(outputs.PushImageCommand.value).toMatch(
      /^az acr login --name \$\{azurerm_container_registry\.Detector_Registry_0820BD04\.name\} && docker build --platform linux\/amd64 -t .+ inference-container && docker push .+$/,
    );
    expect(outputs.GetKeyCommand.value).toMatch(
      /^az ml online-endpoint get-credentials --name \$\{local\.Detector_EndpointName_[0-9A-F]+\} --resource-group/,
    );
  });

  test('records the deployment summary in cdk.tf.json beside cdktf’s own metadata, with no absolute paths', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'azure-synth-'));
    try {
      const app = new App({ outdir });
      new DetectorAzureStack(app, 'DetectorAzure', { location: 'eastus', alwaysOn: { imageTag: TEST_IMAGE_TAG } });
      app.synth();
      const text = readFileSync(join(outdir, 'stacks', 'DetectorAzure', 'cdk.tf.json'), 'utf8');
      const config = JSON.parse(text) as {
        resource: Record<string, Record<string, { '//'?: Record<string, unknown> }>>;
      };
      const deployment = Object.values(config.resource.azurerm_resource_group_template_deployment)[0];
      expect(deployment['//']?.metadata).toMatchObject({ path: 'DetectorAzure/Detector/Resource' });
      const summary = deployment['//']?.[SUMMARY_METADATA_KEY] as DeploymentSummary;
      expect(summary).toMatchObject({ cloud: 'azure', instanceType: 'Standard_NC4as_T4_v3', minCapacity: 1 });
      expect(text).not.toContain(outdir);
      expect(text).not.toContain(process.cwd());
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('keeps the state at the project root through a relative path; a backend of your own wins', () => {
    const local = newStack();
    local.prepareStack();
    expect(local.toTerraform().terraform.backend).toEqual({
      local: { path: '../../../terraform.DetectorAzure.tfstate' },
    });
    const remote = newStack();
    new AzurermBackend(remote, {
      resourceGroupName: 'state',
      storageAccountName: 'formstate',
      containerName: 'tfstate',
      key: 'detector.tfstate',
    });
    remote.prepareStack();
    expect(Object.keys(remote.toTerraform().terraform.backend)).toEqual(['azurerm']);
  });

  test('the former endpoint and localBackend props are reported, not ignored', () => {
    expect(
      () =>
        new DetectorAzureStack(Testing.app(), 'Old', {
          location: 'eastus',
          ...({ endpoint: { imageTag: TEST_IMAGE_TAG }, localBackend: false } as object),
        }),
    ).toThrow(/endpoint: got .*; endpoint is now called alwaysOn[\s\S]*localBackend: got false; leave it out/);
  });

  test('synthesizes the same infrastructure as last reviewed', () => {
    const json = Testing.synth(newStack({ subscriptionId: SUBSCRIPTION }));
    expect(json).toMatchSnapshot();
    // The template again, parsed, so a review reads it as JSON rather than as an escaped string.
    expect(armTemplate(JSON.parse(json) as TerraformJson)).toMatchSnapshot('ARM template');
  });
});

describe('DetectorAzureStack on demand', () => {
  const savedMode = process.env[DEPLOYMENT_MODE_ENV];
  const savedLocation = process.env[AZURE_LOCATION_ENV];
  afterEach(() => {
    for (const [name, value] of [
      [DEPLOYMENT_MODE_ENV, savedMode],
      [AZURE_LOCATION_ENV, savedLocation],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  const onDemandStack = (props: ConstructorParameters<typeof DetectorAzureStack>[2] = {}, app = Testing.app()) =>
    new DetectorAzureStack(app, 'DetectorAzure', {
      location: 'swedencentral',
      ...props,
      onDemand: { imageTag: TEST_IMAGE_TAG, ...props.onDemand },
    });

  test('is always-on by default', () => {
    delete process.env[DEPLOYMENT_MODE_ENV];
    const stack = new DetectorAzureStack(Testing.app(), 'DetectorAzure', {
      location: 'eastus',
      alwaysOn: { imageTag: TEST_IMAGE_TAG },
    });
    expect(stack.mode).toBe('always-on');
    expect(stack.service).toBeUndefined();
    expect(stack.endpoint).toBeDefined();
  });

  test('picks the Container Apps service by the mode prop', () => {
    const stack = onDemandStack({ mode: 'on-demand' });
    expect(stack.mode).toBe('on-demand');
    expect(stack.service).toBeInstanceOf(ContainerAppsGpuDetectorService);
    expect(stack.endpoint).toBeUndefined();
    const { parsed } = synthStack(stack);
    expect(Object.keys(parsed.resource)).toContain('azurerm_container_app');
    expect(Object.keys(parsed.resource)).not.toContain('azurerm_machine_learning_workspace');
  });

  test('picks it by the construct context key mode', () => {
    delete process.env[DEPLOYMENT_MODE_ENV];
    const app = Testing.app({ context: { mode: 'on-demand' } });
    expect(onDemandStack({}, app).mode).toBe('on-demand');
  });

  test('picks it by FORM_DETECTOR_MODE', () => {
    process.env[DEPLOYMENT_MODE_ENV] = 'on-demand';
    expect(onDemandStack().mode).toBe('on-demand');
  });

  test('the prop wins over context, and context over the environment variable', () => {
    process.env[DEPLOYMENT_MODE_ENV] = 'on-demand';
    const app = Testing.app({ context: { mode: 'always-on' } });
    const stack = new DetectorAzureStack(app, 'DetectorAzure', {
      location: 'eastus',
      alwaysOn: { imageTag: TEST_IMAGE_TAG },
    });
    expect(stack.mode).toBe('always-on');
    expect(onDemandStack({ mode: 'on-demand' }, Testing.app({ context: { mode: 'always-on' } })).mode).toBe(
      'on-demand',
    );
  });

  test('refuses an unknown mode, naming where it came from', () => {
    process.env[DEPLOYMENT_MODE_ENV] = 'serverless';
    expect(() => onDemandStack()).toThrow(/FORM_DETECTOR_MODE: got "serverless"; use one of always-on, on-demand/);
  });

  test('refuses a warm minimum in on-demand mode, which would bill around the clock', () => {
    expect(() => onDemandStack({ mode: 'on-demand', onDemand: { scaling: { minCapacity: 1 } } })).toThrow(
      /onDemand.scaling.minCapacity: got 1; on-demand mode scales to zero when idle, .* use minCapacity 0, or mode 'always-on'/,
    );
  });

  test('names the serverless GPU regions when no region is given', () => {
    delete process.env[AZURE_LOCATION_ENV];
    expect(() => new DetectorAzureStack(Testing.app(), 'DetectorAzure', { mode: 'on-demand' })).toThrow(
      /location: got undefined; .* Container Apps serverless GPUs \(westus3, australiaeast, swedencentral\)/,
    );
  });

  test('outputs the app URL, the scoring URI, the registry, the image and the push command', () => {
    const { parsed } = synthStack(onDemandStack({ mode: 'on-demand' }));
    const outputs = parsed.output ?? {};
    expect(Object.keys(outputs).sort()).toEqual([
      'Image',
      'PushImageCommand',
      'RegistryLoginServer',
      'ScoringUri',
      'ServiceUrl',
      'StageWeightsCommand',
      'WeightsLocation',
    ]);
    // The share created for the weights, and the commands that fill it.
    expect(outputs.StageWeightsCommand.value).toMatch(
      /^hf download Qwen\/Qwen3-VL-8B-Instruct --local-dir form-detector-weights && hf download takumi123xxx\/pdfme-form-field-detector-lora --local-dir form-detector-weights\/adapter && az storage file upload-batch --account-name \$\{azurerm_storage_account\.\w+\.name\} --destination \$\{azurerm_storage_share\.\w+\.name\} --destination-path weights --source form-detector-weights$/,
    );
    expect(outputs.ServiceUrl.value).toBe('https://${azurerm_container_app.Detector_8252EF51.ingress[0].fqdn}');
    expect(outputs.ScoringUri.value).toBe('https://${azurerm_container_app.Detector_8252EF51.ingress[0].fqdn}/score');
    expect(outputs.RegistryLoginServer.value).toBe(
      '${azurerm_container_registry.Detector_Registry_0820BD04.login_server}',
    );
    expect(outputs.PushImageCommand.value).toMatch(
      /^az acr login --name \$\{azurerm_container_registry\.Detector_Registry_0820BD04\.name\} && docker build --platform linux\/amd64 -t .+ inference-container && docker push .+$/,
    );
  });

  test('records the on-demand summary on the container app in cdk.tf.json, with no absolute paths', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'azure-synth-'));
    try {
      const app = new App({ outdir });
      onDemandStack({ mode: 'on-demand' }, app);
      app.synth();
      const text = readFileSync(join(outdir, 'stacks', 'DetectorAzure', 'cdk.tf.json'), 'utf8');
      const config = JSON.parse(text) as {
        resource: Record<string, Record<string, { '//'?: Record<string, unknown> }>>;
      };
      const containerApp = Object.values(config.resource.azurerm_container_app)[0];
      expect(containerApp['//']?.metadata).toMatchObject({ path: 'DetectorAzure/Detector/Resource' });
      expect(containerApp['//']?.[SUMMARY_METADATA_KEY]).toMatchObject({
        cloud: 'azure',
        mode: 'on-demand',
        instanceType: 'Consumption-GPU-NC8as-T4',
        minCapacity: 0,
      } satisfies Partial<DeploymentSummary>);
      expect(text).not.toContain(outdir);
      expect(text).not.toContain(process.cwd());
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('puts the weights share in a stack of its own, deployed and staged first, and reads it from there', () => {
    const stack = onDemandStack({ mode: 'on-demand', subscriptionId: SUBSCRIPTION });
    expect(stack.weightsStack?.node.id).toBe('DetectorAzure-weights');
    const { serving, weights } = synthBoth(stack);
    expect(Object.keys(weights.resource).sort()).toEqual([
      'azurerm_resource_group',
      'azurerm_storage_account',
      'azurerm_storage_share',
    ]);
    expect(Object.keys(serving.resource)).not.toContain('azurerm_storage_share');
    expect(weights.output.StageWeightsCommand.value).toMatch(
      /&& az storage file upload-batch --account-name \$\{azurerm_storage_account\.\w+\.name\} --destination \$\{azurerm_storage_share\.\w+\.name\} --destination-path weights --source form-detector-weights$/,
    );
    // The share is mounted with the account key, read from the weights stack's state (cdktf marks it sensitive).
    const storage = Object.values(serving.resource.azurerm_container_app_environment_storage)[0] as Record<
      string,
      string
    >;
    expect(storage.access_key).toMatch(
      /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-DetectorAzure-weights\./,
    );
    expect(stack.service?.summary.weights?.storeCreatedBy).toEqual({ stack: 'DetectorAzure-weights' });
  });

  test('synthesizes the same on-demand infrastructure as last reviewed', () => {
    const { servingJson: json, weightsJson } = synthBoth(
      onDemandStack({ mode: 'on-demand', subscriptionId: SUBSCRIPTION }),
    );
    expect(json).toMatchSnapshot();
    expect(weightsJson).toMatchSnapshot('the weights stack');
    const parsed = JSON.parse(json) as TerraformJson;
    const environment = Object.values(parsed.resource.azurerm_resource_group_template_deployment)[0];
    expect(JSON.parse(environment.template_content as string)).toMatchSnapshot('Container Apps environment template');
  });
});

/** The detector's stack and its weights stack, synthesized as `cdktf synth` does (cross-stack references resolved). */
function synthBoth(stack: DetectorAzureStack) {
  const weightsStack = stack.weightsStack;
  if (!weightsStack) throw new Error('no weights stack');
  weightsStack.prepareStack();
  stack.prepareStack();
  const servingJson = Testing.synth(stack);
  const weightsJson = Testing.synth(weightsStack);
  return {
    servingJson,
    weightsJson,
    serving: JSON.parse(servingJson) as TerraformJson & { output: Record<string, { value: string }> },
    weights: JSON.parse(weightsJson) as TerraformJson & { output: Record<string, { value: string }> },
  };
}
