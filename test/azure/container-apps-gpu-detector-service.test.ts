import { Testing, TerraformStack } from 'cdktf';
import { ContainerApp } from '@cdktf/provider-azurerm/lib/container-app';
import { ContainerRegistry } from '@cdktf/provider-azurerm/lib/container-registry';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { ResourceGroupTemplateDeployment } from '@cdktf/provider-azurerm/lib/resource-group-template-deployment';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import {
  ContainerAppsGpuDetectorService,
  ModelWeights,
  type ArmTemplate,
  type ContainerAppsGpuDetectorServiceProps,
} from '../../lib/azure';
import {
  CONTAINER_APP_TYPE,
  CONTAINER_APPS_API_VERSION,
  MANAGED_ENVIRONMENT_TYPE,
  type ManagedEnvironmentProperties,
} from '../../lib/azure/container-apps-environment-template';
import { containerEnvironment, Duration } from '../../lib/core';
import {
  MINIMAL_ON_DEMAND_PROPS,
  onlyResource,
  resourcesOf,
  synthService,
  TEST_IMAGE_TAG,
  type TerraformJson,
} from './helpers';

const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
const RG_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/platform-gpu`;
/** The synthesized container app, read field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AppJson = Record<string, any>;

const EXISTING = {
  resourceGroup: { name: 'platform-gpu', id: RG_ID, location: 'swedencentral' },
  registry: {
    id: `${RG_ID}/providers/Microsoft.ContainerRegistry/registries/platformacr`,
    name: 'platformacr',
    loginServer: 'platformacr.azurecr.io',
  },
  endpointIdentity: {
    id: `${RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/detector`,
    principalId: '11111111-1111-1111-1111-111111111111',
    clientId: '22222222-2222-2222-2222-222222222222',
  },
  containerAppsEnvironment: {
    id: `${RG_ID}/providers/Microsoft.App/managedEnvironments/platform-env`,
    gpuWorkloadProfileName: 'shared-t4',
  },
  weights: ModelWeights.fromAzureFiles({
    storageAccountName: 'platformweights',
    shareName: 'models',
    accessKey: 'key-from-a-data-source',
    prefix: 'qwen3-vl-8b',
  }),
};

function environmentTemplate(parsed: TerraformJson): ArmTemplate {
  const deployment = onlyResource(parsed, 'azurerm_resource_group_template_deployment');
  return JSON.parse(deployment.template_content as string) as ArmTemplate;
}

describe('ContainerAppsGpuDetectorService with minimal props', () => {
  const { json, parsed, service } = synthService();
  const app = onlyResource(parsed, 'azurerm_container_app') as Record<string, unknown> & {
    template: { container: Record<string, unknown>[] } & Record<string, unknown>;
  };

  test('creates a resource group, a registry with the admin user off and an identity, in the given region', () => {
    expect(json).toHaveDataSourceWithProperties(DataAzurermClientConfig, {});
    expect(json).toHaveResourceWithProperties(ResourceGroup, { location: 'westus3', name: 'stack-Detector' });
    expect(json).toHaveResourceWithProperties(ContainerRegistry, {
      location: 'westus3',
      sku: 'Standard',
      admin_enabled: false,
    });
    expect(json).toHaveResourceWithProperties(UserAssignedIdentity, { location: 'westus3', name: 'Detector-service' });
  });

  test('lets the identity pull from the registry, and nothing else', () => {
    const grants = Object.values(resourcesOf(parsed, 'azurerm_role_assignment'));
    expect(grants).toHaveLength(1);
    expect(json).toHaveResourceWithProperties(RoleAssignment, {
      role_definition_name: 'AcrPull',
      principal_type: 'ServicePrincipal',
      scope: '${azurerm_container_registry.Detector_Registry_0820BD04.id}',
      principal_id: '${azurerm_user_assigned_identity.Detector_EndpointIdentity_06D59489.principal_id}',
    });
  });

  test('sends the environment logs to a new Log Analytics workspace', () => {
    expect(json).toHaveResourceWithProperties(LogAnalyticsWorkspace, {
      location: 'westus3',
      sku: 'PerGB2018',
      retention_in_days: 30,
    });
  });

  test('creates the environment by an ARM template with the Consumption and the T4 serverless GPU profiles, no counts', () => {
    expect(json).toHaveResourceWithProperties(ResourceGroupTemplateDeployment, {
      deployment_mode: 'Incremental',
      resource_group_name: '${azurerm_resource_group.Detector_ResourceGroup_2A21968F.name}',
    });
    const template = environmentTemplate(parsed);
    expect(template.resources).toHaveLength(1);
    const environment = template.resources[0];
    expect(environment).toMatchObject({ type: MANAGED_ENVIRONMENT_TYPE, apiVersion: CONTAINER_APPS_API_VERSION });
    const properties = environment.properties as ManagedEnvironmentProperties;
    // minimumCount/maximumCount are what Azure rejects on serverless GPU profiles (azurerm issue #31763).
    expect(properties.workloadProfiles).toEqual([
      { name: 'Consumption', workloadProfileType: 'Consumption' },
      { name: 'gpu-t4', workloadProfileType: 'Consumption-GPU-NC8as-T4' },
    ]);
    expect(properties.appLogsConfiguration.logAnalyticsConfiguration).toEqual({
      customerId: "[reference(parameters('logAnalyticsWorkspaceId'), '2022-10-01').customerId]",
      sharedKey: "[listKeys(parameters('logAnalyticsWorkspaceId'), '2022-10-01').primarySharedKey]",
    });
    const deployment = onlyResource(parsed, 'azurerm_resource_group_template_deployment');
    expect(deployment.parameters_content).toContain('azurerm_log_analytics_workspace.Detector_LogAnalytics');
    expect(deployment.parameters_content).not.toContain('primary_shared_key');
  });

  test('runs the app on the GPU workload profile of that environment, one revision at a time', () => {
    expect(json).toHaveResourceWithProperties(ContainerApp, {
      name: 'detector',
      revision_mode: 'Single',
      workload_profile_name: 'gpu-t4',
      container_app_environment_id:
        '${jsondecode(azurerm_resource_group_template_deployment.Detector_Environment_0B4D7490.output_content).environmentId.value}',
    });
    expect(app.depends_on).toEqual([
      'time_sleep.Detector_RolePropagation_4E0F2434',
      'azurerm_resource_group_template_deployment.Detector_Environment_0B4D7490',
      'azurerm_container_app_environment_storage.Detector_WeightsEnvironmentStorage_58348519',
    ]);
  });

  // "When you assign roles … it can take up to 10 minutes for changes to take effect"
  // (learn.microsoft.com/azure/role-based-access-control/troubleshooting#symptom---role-assignment-changes-are-not-being-detected):
  // the first revision's image pull waits for AcrPull.
  test('pulls the first image 10 minutes after the AcrPull assignment, not before', () => {
    const sleep = onlyResource(parsed, 'time_sleep');
    expect(sleep).toMatchObject({
      create_duration: '600s',
      depends_on: ['azurerm_role_assignment.Detector_EndpointAcrPull_43F17EED'],
      triggers: { EndpointAcrPull: '${azurerm_role_assignment.Detector_EndpointAcrPull_43F17EED.id}' },
    });
    expect(parsed).toMatchObject({ provider: { time: [{}] } });
  });

  test('pulls the image from the registry through the user-assigned identity', () => {
    const identityId = '${azurerm_user_assigned_identity.Detector_EndpointIdentity_06D59489.id}';
    expect(app.identity).toEqual({ type: 'UserAssigned', identity_ids: [identityId] });
    expect(app.registry).toEqual([
      { server: '${azurerm_container_registry.Detector_Registry_0820BD04.login_server}', identity: identityId },
    ]);
    expect(app.template.container[0].image).toBe(
      `\${join("", [azurerm_container_registry.Detector_Registry_0820BD04.login_server, "/form-detector:${TEST_IMAGE_TAG}"])}`,
    );
  });

  test('scales from zero to two replicas on concurrent requests, and back to zero 15 minutes after the last one', () => {
    expect(app.template).toMatchObject({
      min_replicas: 0,
      max_replicas: 2,
      cooldown_period_in_seconds: 900,
      http_scale_rule: [
        { name: 'concurrent-requests', concurrent_requests: String(service.scaling.targetConcurrencyPerInstance) },
      ],
    });
    expect(service.scaling.targetConcurrencyPerInstance).toBeGreaterThanOrEqual(1);
  });

  test('gives the container the whole T4 profile and the environment core computes', () => {
    const container = app.template.container[0];
    expect(container).toMatchObject({ name: 'detector', cpu: 8, memory: '56Gi' });
    const env = Object.fromEntries((container.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
    expect(env).toEqual({
      ...containerEnvironment(service.deployment, service.weights.source),
      MODEL_WEIGHTS_URI: expect.stringMatching(
        /^https:\/\/\$\{azurerm_storage_account\.\w+\.name\}\.file\.core\.windows\.net\//,
      ),
    });
    expect(env.MODEL_WEIGHTS_DIR).toBe('/mnt/model-weights/weights');
    expect(env).toMatchObject({ QUANTIZATION: 'bitsandbytes', REQUEST_TIMEOUT_MS: '170000' });
  });

  test('probes the controller, with a startup probe that waits out a 30-minute model load', () => {
    const container = app.template.container[0];
    expect(container.liveness_probe).toEqual([
      {
        transport: 'HTTP',
        port: 8080,
        path: '/health/live',
        initial_delay: 0,
        interval_seconds: 10,
        timeout: 5,
        failure_count_threshold: 3,
      },
    ]);
    expect(container.readiness_probe).toEqual([
      {
        transport: 'HTTP',
        port: 8080,
        path: '/health/ready',
        initial_delay: 0,
        interval_seconds: 10,
        timeout: 5,
        success_count_threshold: 1,
        failure_count_threshold: 3,
      },
    ]);
    const [startup] = container.startup_probe as Record<string, number | string>[];
    expect(startup).toEqual({
      transport: 'HTTP',
      port: 8080,
      path: '/health/ready',
      initial_delay: 60,
      interval_seconds: 58,
      timeout: 5,
      failure_count_threshold: 30,
    });
    const window = (startup.initial_delay as number) + (startup.interval_seconds as number) * 30;
    expect(window).toBeGreaterThanOrEqual(30 * 60);
  });

  test('serves HTTPS only, on the container port, from the internet, with no IP restriction', () => {
    expect(app.ingress).toEqual({
      external_enabled: true,
      target_port: 8080,
      transport: 'auto',
      allow_insecure_connections: false,
      traffic_weight: [{ latest_revision: true, percentage: 100 }],
    });
  });

  test('summarizes an on-demand deployment with the T4 price and the cold start', () => {
    expect(service.summary).toMatchObject({
      cloud: 'azure',
      service: 'Azure Container Apps serverless GPU',
      endpoint: 'detector',
      mode: 'on-demand',
      instanceType: 'Consumption-GPU-NC8as-T4',
      gpu: 'T4 16 GB',
      minCapacity: 0,
      maxCapacity: 2,
      hourlyUsdPerInstance: 0.9,
      monthlyUsdAtMinCapacity: 0,
    });
    expect(service.summary.coldStart).toMatch(/^3–10 min from zero/);
  });

  test('exposes the URL, the scoring URI and the push command', () => {
    expect(service.url).toMatch(/^https:\/\/\$\{TfToken\[TOKEN\.\d+\]\}$/);
    expect(service.scoringUri).toBe(`${service.url}/score`);
    expect(service.pushImageCommand).toMatch(
      /^az acr login --name .+ && docker build --platform linux\/amd64 -t .+ inference-container && docker push .+$/,
    );
  });
});

describe('ContainerAppsGpuDetectorService with maximal props', () => {
  const props: ContainerAppsGpuDetectorServiceProps = {
    location: 'swedencentral',
    resourceGroupName: 'forms-gpu',
    gpuProfile: 'Consumption-GPU-NC24-A100',
    model: '32B',
    quantization: 'fp8',
    maxConcurrency: 8,
    requestTimeout: Duration.seconds(120),
    environment: { LOG_LEVEL: 'debug' },
    scaling: { minCapacity: 0, maxCapacity: 4, targetConcurrencyPerInstance: 6, scaleInCooldown: Duration.minutes(5) },
    imageRepository: 'detectors/forms',
    imageTag: 'v7',
    registrySku: 'Premium',
    serviceName: 'forms-detector',
    publicNetworkAccess: false,
    allowedIpRanges: ['10.0.0.0/16', '192.168.1.7'],
    modelLoadTimeout: Duration.minutes(60),
    livenessProbe: { period: Duration.seconds(20), timeout: Duration.seconds(10), failureThreshold: 6 },
    readinessProbe: {
      initialDelay: Duration.seconds(5),
      period: Duration.seconds(15),
      timeout: Duration.seconds(3),
      successThreshold: 2,
      failureThreshold: 4,
    },
    logRetentionDays: 90,
    tags: { team: 'forms' },
  };
  const { json, parsed, service } = synthService(props);
  const app = onlyResource(parsed, 'azurerm_container_app') as Record<string, unknown> & {
    template: { container: Record<string, unknown>[] } & Record<string, unknown>;
  };

  test('uses the A100 profile and gives the container all of it', () => {
    expect(app.workload_profile_name).toBe('gpu-a100');
    expect(app.template.container[0]).toMatchObject({ cpu: 24, memory: '220Gi' });
    const properties = environmentTemplate(parsed).resources[0].properties as ManagedEnvironmentProperties;
    expect(properties.workloadProfiles[1]).toEqual({
      name: 'gpu-a100',
      workloadProfileType: 'Consumption-GPU-NC24-A100',
    });
  });

  test('passes the model options and the extra environment to the container', () => {
    const env = Object.fromEntries(
      (app.template.container[0].env as { name: string; value: string }[]).map((e) => [e.name, e.value]),
    );
    expect(env).toMatchObject({
      BASE_MODEL: 'Qwen/Qwen3-VL-32B-Instruct',
      QUANTIZATION: 'fp8',
      MAX_CONCURRENCY: '8',
      REQUEST_TIMEOUT_MS: '120000',
      LOG_LEVEL: 'debug',
    });
  });

  test('scales with the given range, concurrency and cooldown', () => {
    expect(app.template).toMatchObject({
      min_replicas: 0,
      max_replicas: 4,
      cooldown_period_in_seconds: 300,
      http_scale_rule: [{ name: 'concurrent-requests', concurrent_requests: '6' }],
    });
  });

  test('keeps ingress inside the environment and allows only the given ranges', () => {
    expect(app.ingress).toMatchObject({
      external_enabled: false,
      allow_insecure_connections: false,
      ip_security_restriction: [
        {
          name: 'allow-1',
          action: 'Allow',
          ip_address_range: '10.0.0.0/16',
          description: 'May call the form detector',
        },
        {
          name: 'allow-2',
          action: 'Allow',
          ip_address_range: '192.168.1.7',
          description: 'May call the form detector',
        },
      ],
    });
  });

  test('sizes the startup probe for a 60-minute load, and takes the given liveness and readiness timings', () => {
    const container = app.template.container[0];
    expect(container.startup_probe).toEqual([
      expect.objectContaining({ initial_delay: 60, interval_seconds: 118, failure_count_threshold: 30 }),
    ]);
    expect(container.liveness_probe).toEqual([
      expect.objectContaining({ interval_seconds: 20, timeout: 10, failure_count_threshold: 6 }),
    ]);
    expect(container.readiness_probe).toEqual([
      expect.objectContaining({
        initial_delay: 5,
        interval_seconds: 15,
        timeout: 3,
        success_count_threshold: 2,
        failure_count_threshold: 4,
      }),
    ]);
  });

  test('names, tags and sizes the created resources as asked', () => {
    expect(json).toHaveResourceWithProperties(ResourceGroup, { name: 'forms-gpu', tags: { team: 'forms' } });
    expect(json).toHaveResourceWithProperties(ContainerRegistry, { sku: 'Premium', tags: { team: 'forms' } });
    expect(json).toHaveResourceWithProperties(LogAnalyticsWorkspace, { retention_in_days: 90 });
    expect(json).toHaveResourceWithProperties(ContainerApp, { name: 'forms-detector', tags: { team: 'forms' } });
    expect(app.template.container[0].image).toBe(
      '${join("", [azurerm_container_registry.Detector_Registry_0820BD04.login_server, "/detectors/forms:v7"])}',
    );
    expect(onlyResource(parsed, 'azurerm_resource_group_template_deployment').parameters_content).toContain('forms');
  });

  test('reports the A100 price and the 32B model in the summary', () => {
    expect(service.summary).toMatchObject({
      instanceType: 'Consumption-GPU-NC24-A100',
      gpu: 'A100 80 GB',
      model: 'Qwen/Qwen3-VL-32B-Instruct + takumi123xxx/pdfme-form-field-detector-lora-32b',
      hourlyUsdPerInstance: 4,
      maxCapacity: 4,
    });
  });
});

describe('ContainerAppsGpuDetectorService with existing resources', () => {
  const { parsed, service } = synthService({ ...MINIMAL_ON_DEMAND_PROPS, location: 'swedencentral', ...EXISTING });

  test('creates only the container app and the weights share definition: no group, registry, identity, grant, logs or environment', () => {
    expect(Object.keys(parsed.resource).sort()).toEqual([
      'azurerm_container_app',
      'azurerm_container_app_environment_storage',
    ]);
    expect(onlyResource(parsed, 'azurerm_container_app_environment_storage')).toEqual({
      name: 'model-weights',
      container_app_environment_id: EXISTING.containerAppsEnvironment.id,
      account_name: 'platformweights',
      share_name: 'models',
      access_key: 'key-from-a-data-source',
      access_mode: 'ReadOnly',
    });
  });

  test('runs in the given environment on its GPU profile, pulling with the given identity', () => {
    const app = onlyResource(parsed, 'azurerm_container_app');
    expect(app).toMatchObject({
      resource_group_name: 'platform-gpu',
      container_app_environment_id: EXISTING.containerAppsEnvironment.id,
      workload_profile_name: 'shared-t4',
      registry: [{ server: 'platformacr.azurecr.io', identity: EXISTING.endpointIdentity.id }],
    });
    expect(app.depends_on).toEqual([expect.stringMatching(/^azurerm_container_app_environment_storage\./)]);
    expect(service.environmentId).toBe(EXISTING.containerAppsEnvironment.id);
    expect((app as AppJson).template.container[0].env).toContainEqual({
      name: 'MODEL_WEIGHTS_DIR',
      value: '/mnt/model-weights/qwen3-vl-8b',
    });
  });

  test('grants AcrPull when only the identity is created', () => {
    const { parsed: withNewIdentity } = synthService({
      ...MINIMAL_ON_DEMAND_PROPS,
      registry: EXISTING.registry,
    });
    const grant = onlyResource(withNewIdentity, 'azurerm_role_assignment');
    expect(grant).toMatchObject({ role_definition_name: 'AcrPull', scope: EXISTING.registry.id });
  });
});

describe('ContainerAppsGpuDetectorService options', () => {
  test('keeps a replica warm when minCapacity is 1, and then reports no cold start', () => {
    const staged = ModelWeights.fromAzureFiles({
      storageAccountName: 'teamweights',
      shareName: 'models',
      accessKey: 'key',
    });
    const { parsed, service } = synthService({
      ...MINIMAL_ON_DEMAND_PROPS,
      scaling: { minCapacity: 1 },
      weights: staged,
    });
    expect(onlyResource(parsed, 'azurerm_container_app').template).toMatchObject({ min_replicas: 1, max_replicas: 2 });
    expect(service.summary.coldStart).toMatch(/^none/);
    expect(service.summary.monthlyUsdAtMinCapacity).toBeGreaterThan(0);
  });

  // A warm replica starts with the revision (https://learn.microsoft.com/azure/container-apps/scale-app): against a
  // share created by the same deploy it would start before the weights are staged.
  test('a warm replica with a share created by the same deploy is refused; at min 0 the share may be staged after', () => {
    expect(() => synthService({ ...MINIMAL_ON_DEMAND_PROPS, scaling: { minCapacity: 1 } })).toThrow(
      /weights: got "ModelWeights\.fromNewStore\(\) \(a store this construct creates\), created by the same deploy as ContainerAppsGpuDetectorService 'stack\/Detector' with 1 warm replica\(s\)".*\[weights\.store-staged-before-start: /,
    );
    expect(() => synthService(MINIMAL_ON_DEMAND_PROPS)).not.toThrow();
  });

  test('allowInvokeFrom adds ranges to the ingress allow-list after construction', () => {
    const { parsed } = synthService(MINIMAL_ON_DEMAND_PROPS, (_scope, service) => {
      service.allowInvokeFrom('203.0.113.0/24', { name: 'office', description: 'Office network' });
      service.allowInvokeFrom('198.51.100.7');
    });
    expect(
      (onlyResource(parsed, 'azurerm_container_app').ingress as Record<string, unknown>).ip_security_restriction,
    ).toEqual([
      { name: 'office', action: 'Allow', ip_address_range: '203.0.113.0/24', description: 'Office network' },
      { name: 'allow-2', action: 'Allow', ip_address_range: '198.51.100.7', description: 'May call the form detector' },
    ]);
  });

  test('allowInvokeFrom refuses what is not an IPv4 range', () => {
    expect(() =>
      synthService(MINIMAL_ON_DEMAND_PROPS, (_scope, service) => service.allowInvokeFrom('everyone')),
    ).toThrow(/allowedIpRanges: got "everyone"; use an IPv4 address or CIDR range/);
  });

  test('serves a complete image reference as given', () => {
    const { parsed } = synthService({
      location: 'westus3',
      image: 'platformacr.azurecr.io/forms@sha256:abc',
      registry: EXISTING.registry,
    });
    const app = onlyResource(parsed, 'azurerm_container_app') as { template: { container: { image: string }[] } };
    expect(app.template.container[0].image).toBe('platformacr.azurecr.io/forms@sha256:abc');
  });

  test('metrics name the container app and the Microsoft.App/containerApps namespace', () => {
    const { service } = synthService();
    expect(service.metricRequests()).toEqual({
      resourceId: service.containerAppId,
      metricNamespace: CONTAINER_APP_TYPE,
      metricName: 'Requests',
      aggregation: 'Total',
    });
    expect(service.metricReplicas()).toMatchObject({ metricName: 'Replicas', aggregation: 'Maximum' });
    expect(service.metricRestartCount({ aggregation: 'Maximum' })).toMatchObject({
      metricName: 'RestartCount',
      aggregation: 'Maximum',
    });
    expect(service.metric('CpuPercentage')).toMatchObject({ metricName: 'CpuPercentage', aggregation: 'Average' });
  });

  test('an imported service reads its name from the id and offers the same URLs and metrics', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'imports');
    const id = `${RG_ID}/providers/Microsoft.App/containerApps/forms-detector`;
    const imported = ContainerAppsGpuDetectorService.fromServiceAttributes(stack, 'Imported', {
      containerAppId: id,
      url: 'https://forms-detector.example.swedencentral.azurecontainerapps.io/',
    });
    expect(imported.serviceName).toBe('forms-detector');
    expect(imported.scoringUri).toBe('https://forms-detector.example.swedencentral.azurecontainerapps.io/score');
    expect(imported.metric('Requests')).toMatchObject({ resourceId: id, metricNamespace: CONTAINER_APP_TYPE });
    expect(() =>
      ContainerAppsGpuDetectorService.fromServiceAttributes(stack, 'Bad', {
        containerAppId: 'forms',
        url: 'https://x',
      }),
    ).toThrow(/containerAppId: got "forms"; pass the full resource id/);
  });
});

describe('ContainerAppsGpuDetectorService weights', () => {
  test('by default a storage account and file share created here, mounted read-only at /mnt/model-weights', () => {
    const { parsed, service } = synthService(MINIMAL_ON_DEMAND_PROPS);
    const account = onlyResource(parsed, 'azurerm_storage_account');
    expect(account).toMatchObject({
      account_tier: 'Standard',
      account_replication_type: 'LRS',
      allow_nested_items_to_be_public: false,
      https_traffic_only_enabled: true,
      min_tls_version: 'TLS1_2',
    });
    expect(onlyResource(parsed, 'azurerm_storage_share')).toMatchObject({ name: 'model-weights', quota: 100 });
    const storage = onlyResource(parsed, 'azurerm_container_app_environment_storage');
    expect(storage).toMatchObject({
      name: 'model-weights',
      access_mode: 'ReadOnly',
      account_name: expect.stringMatching(/^\$\{azurerm_storage_account\.\w+\.name\}$/),
      access_key: expect.stringMatching(/^\$\{azurerm_storage_account\.\w+\.primary_access_key\}$/),
    });
    const app = onlyResource(parsed, 'azurerm_container_app') as AppJson;
    expect(app.template.volume).toEqual([
      {
        name: 'model-weights',
        storage_type: 'AzureFile',
        storage_name: expect.stringContaining('azurerm_container_app_environment_storage'),
      },
    ]);
    expect(app.template.container[0].volume_mounts).toEqual([{ name: 'model-weights', path: '/mnt/model-weights' }]);
    expect(service.summary.coldStart).toMatch(/^3–10 min from zero \(.*Azure Files volume/);
    expect(service.summary.weights?.source).toBe('azure-files');
  });

  test('weights from Hugging Face are refused at synth: the download does not fit the 8 GiB of replica storage', () => {
    // https://learn.microsoft.com/azure/container-apps/storage-mounts: over 1 vCPU, 8 GiB of ephemeral storage.
    expect(() => synthService({ ...MINIMAL_ON_DEMAND_PROPS, weights: ModelWeights.fromHuggingFace() })).toThrow(
      /weights: got "a Hugging Face download of ~16 GiB at every start"; a replica with 8 vCPU has 8 GiB of ephemeral storage .*ModelWeights\.fromNewStore\(\).*ModelWeights\.fromAzureFiles.*\[container-apps\.replica-storage: https:\/\/learn\.microsoft\.com\/azure\/container-apps\/storage-mounts\]/,
    );
    // Weights baked into the image need no download.
    expect(() =>
      synthService({
        ...MINIMAL_ON_DEMAND_PROPS,
        weights: ModelWeights.fromHuggingFace(),
        baseModel: '/models/qwen3-vl-8b',
      }),
    ).not.toThrow();
  });

  test('a blob container is refused: Container Apps mounts Azure Files only', () => {
    const blob = ModelWeights.fromBlobContainer({
      storageAccountId: 'id',
      storageAccountName: 'acct',
      containerName: 'c',
    });
    expect(() => synthService({ ...MINIMAL_ON_DEMAND_PROPS, weights: blob })).toThrow(
      /Invalid ContainerAppsGpuDetectorService 'stack\/Detector':\n {2}- weights: got "a blob container"; it cannot be read here/,
    );
  });
});
