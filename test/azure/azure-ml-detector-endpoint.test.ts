import { Testing, TerraformStack } from 'cdktf';
import { ApplicationInsights } from '@cdktf/provider-azurerm/lib/application-insights';
import { ContainerRegistry } from '@cdktf/provider-azurerm/lib/container-registry';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { MachineLearningWorkspace } from '@cdktf/provider-azurerm/lib/machine-learning-workspace';
import { MonitorAutoscaleSetting } from '@cdktf/provider-azurerm/lib/monitor-autoscale-setting';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { ResourceGroupTemplateDeployment } from '@cdktf/provider-azurerm/lib/resource-group-template-deployment';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { RoleDefinition } from '@cdktf/provider-azurerm/lib/role-definition';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import {
  AzureMlDetectorEndpoint,
  ENVIRONMENT_VERSION_TYPE,
  ML_API_VERSION,
  MODEL_VERSION_TYPE,
  ModelWeights,
  ModelWeightsStore,
  ONLINE_DEPLOYMENT_TYPE,
  ONLINE_ENDPOINT_TYPE,
  SCORE_ACTION,
  type EnvironmentVersionProperties,
  type ManagedOnlineDeploymentProperties,
  type OnlineEndpointProperties,
} from '../../lib/azure';
import { containerEnvironment, Duration } from '../../lib/core';
import {
  armResource,
  armTemplate,
  endpointArmTemplate,
  MINIMAL_PROPS,
  onlyResource,
  resourcesOf,
  synthEndpoint,
  templateDeployment,
  TEST_IMAGE_TAG,
  type TerraformJson,
} from './helpers';

const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
const RG_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/platform-ml`;
const WORKSPACE_ID = `${RG_ID}/providers/Microsoft.MachineLearningServices/workspaces/platform-ws`;
const EXISTING = {
  resourceGroup: { name: 'platform-ml', id: RG_ID, location: 'westeurope' },
  workspace: {
    name: 'platform-ws',
    id: WORKSPACE_ID,
    storageAccountId: `${RG_ID}/providers/Microsoft.Storage/storageAccounts/platformstore`,
  },
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
};

describe('AzureMlDetectorEndpoint with minimal props', () => {
  const { json, parsed, endpoint } = synthEndpoint();
  const template = armTemplate(parsed);
  const endpointTemplate = endpointArmTemplate(parsed);

  test('creates the resource group in the given region', () => {
    expect(json).toHaveResourceWithProperties(ResourceGroup, { location: 'eastus', name: 'stack-Detector' });
  });

  test('creates workspace-based Application Insights on a Log Analytics workspace', () => {
    expect(json).toHaveResourceWithProperties(LogAnalyticsWorkspace, { sku: 'PerGB2018', retention_in_days: 30 });
    const logs = Object.keys(resourcesOf(parsed, 'azurerm_log_analytics_workspace'))[0];
    expect(json).toHaveResourceWithProperties(ApplicationInsights, {
      application_type: 'web',
      workspace_id: `\${azurerm_log_analytics_workspace.${logs}.id}`,
    });
  });

  test('creates an RBAC Key Vault with purge protection in the caller tenant', () => {
    expect(json).toHaveResourceWithProperties(KeyVault, {
      rbac_authorization_enabled: true,
      purge_protection_enabled: true,
      soft_delete_retention_days: 7,
      sku_name: 'standard',
      tenant_id: '${data.azurerm_client_config.Detector_ClientConfig_83389563.tenant_id}',
    });
  });

  test('creates a storage account with no public blobs, TLS 1.2 and HTTPS only', () => {
    expect(json).toHaveResourceWithProperties(StorageAccount, {
      allow_nested_items_to_be_public: false,
      min_tls_version: 'TLS1_2',
      https_traffic_only_enabled: true,
      account_kind: 'StorageV2',
    });
  });

  test('creates a container registry with the admin user disabled', () => {
    expect(json).toHaveResourceWithProperties(ContainerRegistry, { admin_enabled: false, sku: 'Standard' });
  });

  test('gives globally unique resources a name that fits the Azure rules plus a stable hash suffix', () => {
    const suffix = Object.keys(parsed.locals ?? {}).find((k) => k.startsWith('Detector_NameSuffix'));
    expect(parsed.locals?.[suffix as string]).toMatch(/^\$\{substr\(sha1\(join\("\/", \[data\.azurerm_client_config\./);
    for (const type of ['azurerm_storage_account', 'azurerm_key_vault', 'azurerm_container_registry']) {
      expect(onlyResource(parsed, type).name).toBe(`\${join("", ["detector", local.${suffix}])}`);
    }
  });

  test('creates separate identities for the workspace and the endpoint', () => {
    expect(Object.keys(resourcesOf(parsed, 'azurerm_user_assigned_identity'))).toHaveLength(2);
    expect(json).toHaveResourceWithProperties(UserAssignedIdentity, { name: 'Detector-endpoint' });
    expect(json).toHaveResourceWithProperties(UserAssignedIdentity, { name: 'Detector-workspace' });
  });

  test('lets the endpoint identity pull from the registry and read the workspace storage, nothing more', () => {
    const endpointPrincipal = '${azurerm_user_assigned_identity.Detector_EndpointIdentity_06D59489.principal_id}';
    const grants = Object.values(resourcesOf(parsed, 'azurerm_role_assignment')).filter(
      (g) => g.principal_id === endpointPrincipal,
    );
    expect(grants.map((g) => [g.role_definition_name, g.scope]).sort()).toEqual([
      ['AcrPull', '${azurerm_container_registry.Detector_Registry_0820BD04.id}'],
      ['Storage Blob Data Reader', '${azurerm_storage_account.Detector_Storage_6ECA335C.id}'],
    ]);
    expect(grants.every((g) => g.principal_type === 'ServicePrincipal')).toBe(true);
  });

  test('gives the workspace identity the roles Azure ML documents for a user-assigned workspace identity', () => {
    const wsPrincipal = '${azurerm_user_assigned_identity.Detector_WorkspaceIdentity_E66C8EB8.principal_id}';
    const roles = Object.values(resourcesOf(parsed, 'azurerm_role_assignment'))
      .filter((g) => g.principal_id === wsPrincipal)
      .map((g) => `${g.role_definition_name} on ${String(g.scope).split('.')[0]}`)
      .sort();
    expect(roles).toEqual([
      'Contributor on ${azurerm_application_insights',
      'Contributor on ${azurerm_container_registry',
      'Contributor on ${azurerm_key_vault',
      'Contributor on ${azurerm_storage_account',
      'Key Vault Administrator on ${azurerm_key_vault',
      'Storage Blob Data Contributor on ${azurerm_storage_account',
    ]);
  });

  test('creates the workspace with the user-assigned identity as primary, after its grants', () => {
    expect(json).toHaveResourceWithProperties(MachineLearningWorkspace, {
      identity: {
        type: 'UserAssigned',
        identity_ids: ['${azurerm_user_assigned_identity.Detector_WorkspaceIdentity_E66C8EB8.id}'],
      },
      primary_user_assigned_identity: '${azurerm_user_assigned_identity.Detector_WorkspaceIdentity_E66C8EB8.id}',
      container_registry_id: '${azurerm_container_registry.Detector_Registry_0820BD04.id}',
      key_vault_id: '${azurerm_key_vault.Detector_KeyVault_D6F363C7.id}',
      storage_account_id: '${azurerm_storage_account.Detector_Storage_6ECA335C.id}',
      application_insights_id: '${azurerm_application_insights.Detector_AppInsights_49640816.id}',
    });
    const workspace = onlyResource(parsed, 'azurerm_machine_learning_workspace');
    expect(workspace.depends_on).toEqual(['time_sleep.Detector_RolePropagation_4E0F2434']);
  });

  // "When you assign roles or remove role assignments, it can take up to 10 minutes for changes to take effect"
  // (learn.microsoft.com/azure/role-based-access-control/troubleshooting#symptom---role-assignment-changes-are-not-being-detected).
  test('waits 10 minutes after every role assignment before the workspace and the endpoint use them', () => {
    const assignments = Object.keys(resourcesOf(parsed, 'azurerm_role_assignment')).map(
      (id) => `azurerm_role_assignment.${id}`,
    );
    expect(assignments).toHaveLength(8);
    const sleep = onlyResource(parsed, 'time_sleep');
    expect(sleep.create_duration).toBe('600s');
    expect([...(sleep.depends_on as string[])].sort()).toEqual([...assignments].sort());
    // A replaced assignment (a new identity, a new registry) waits again.
    expect(Object.keys(sleep.triggers as object).sort()).toEqual(Object.keys(endpoint.roleAssignments).sort());
    expect(endpoint.rolePropagation).toBeDefined();
    // Nothing uses an assignment directly.
    for (const type of ['azurerm_machine_learning_workspace', 'azurerm_resource_group_template_deployment']) {
      for (const resource of Object.values(resourcesOf(parsed, type))) {
        expect(resource.depends_on as string[]).not.toEqual(
          expect.arrayContaining([expect.stringMatching(/^azurerm_role_assignment\./)]),
        );
      }
    }
    // The time provider comes with it, so the stack needs nothing more.
    expect(parsed).toMatchObject({ provider: { time: [{}] } });
  });

  test('deploys the template incrementally, after the role assignments took effect, the workspace and the endpoint exist', () => {
    expect(json).toHaveResourceWithProperties(ResourceGroupTemplateDeployment, {
      deployment_mode: 'Incremental',
      resource_group_name: '${azurerm_resource_group.Detector_ResourceGroup_2A21968F.name}',
      timeouts: { create: '120m', update: '120m', delete: '60m' },
    });
    const deployment = templateDeployment(parsed, 'deployment');
    expect(deployment.depends_on).toEqual([
      'time_sleep.Detector_RolePropagation_4E0F2434',
      'azurerm_machine_learning_workspace.Detector_Workspace_28B6CAB7',
      'azurerm_resource_group_template_deployment.Detector_Endpoint_8F33CB23',
    ]);
  });

  test('passes names, ids, image and environment as template parameters through jsonencode', () => {
    const deployment = templateDeployment(parsed, 'deployment');
    expect(deployment.parameters_content).toMatch(/^\$\{jsonencode\(\{/);
    expect(Object.keys(template.parameters).sort()).toEqual(Object.keys(endpoint.templateParameterValues).sort());
    expect(template.parameters.environmentVariables.type).toBe('secureObject');
    expect(endpoint.templateParameterValues.environmentVariables).toEqual(containerEnvironment(endpoint.deployment));
    expect(endpoint.templateParameterValues.instanceCount).toBe(1);
    expect(endpoint.templateParameterValues.deploymentName).toBe('detector');
    // The default image is `<registry login server>/form-detector:<tag>`, joined by Terraform.
    expect(deployment.parameters_content).toContain(
      `"image" = {"value" = join("", [azurerm_container_registry.Detector_Registry_0820BD04.login_server, "/form-detector:${TEST_IMAGE_TAG}"])}`,
    );
  });

  test('pins every Azure ML resource of the template to one API version', () => {
    const ml = template.resources.filter((r) => r.type.startsWith('Microsoft.MachineLearningServices/'));
    expect(ml.map((r) => r.apiVersion)).toEqual([ML_API_VERSION, ML_API_VERSION, ML_API_VERSION]);
    expect(ML_API_VERSION).toBe('2024-10-01');
  });

  test('creates the bare endpoint once, with key auth and the endpoint identity, and no traffic', () => {
    const ep = armResource<OnlineEndpointProperties>(endpointTemplate, ONLINE_ENDPOINT_TYPE);
    expect(endpointTemplate.resources).toHaveLength(1);
    expect(ep.properties).toEqual({
      authMode: 'Key',
      description: expect.stringContaining('Qwen/Qwen3-VL-8B-Instruct'),
      publicNetworkAccess: 'Enabled',
    });
    expect(ep.identity).toEqual({
      type: 'UserAssigned',
      userAssignedIdentities: { "[parameters('endpointIdentityId')]": {} },
    });
    const created = templateDeployment(parsed, 'endpoint');
    // Terraform never re-applies it: an update cannot PUT the endpoint without traffic.
    expect(created.lifecycle).toEqual({ ignore_changes: 'all' });
    expect(created.deployment_mode).toBe('Incremental');
    expect(Object.keys(endpointTemplate.parameters).sort()).toEqual([
      'endpointIdentityId',
      'endpointName',
      'location',
      'tags',
      'workspaceName',
    ]);
    expect(created.depends_on).toEqual([
      'time_sleep.Detector_RolePropagation_4E0F2434',
      'azurerm_machine_learning_workspace.Detector_Workspace_28B6CAB7',
    ]);
    expect(endpoint.endpointTemplateDeployment).toBeInstanceOf(ResourceGroupTemplateDeployment);
  });

  test('declares an environment version for our image with the container routes on port 8080', () => {
    const env = armResource<EnvironmentVersionProperties>(template, ENVIRONMENT_VERSION_TYPE);
    expect(env.properties).toMatchObject({
      image: "[parameters('image')]",
      osType: 'Linux',
      inferenceConfig: {
        livenessRoute: { path: '/health/live', port: 8080 },
        readinessRoute: { path: '/health/ready', port: 8080 },
        scoringRoute: { path: '/score', port: 8080 },
      },
    });
    // Versions are immutable: the version changes with the image.
    expect(template.variables?.environmentVersion).toMatch(
      /^\[uniqueString\(parameters\('image'\), '[0-9a-f]{12}'\)\]$/,
    );
  });

  test('declares the managed deployment with the container settings', () => {
    const dep = armResource<ManagedOnlineDeploymentProperties>(template, ONLINE_DEPLOYMENT_TYPE);
    expect(dep.kind).toBe('Managed');
    expect(dep.sku).toEqual({ name: 'Default', capacity: "[parameters('instanceCount')]" });
    expect(dep.properties).toMatchObject({
      endpointComputeType: 'Managed',
      instanceType: 'Standard_NC4as_T4_v3',
      environmentVariables: "[parameters('environmentVariables')]",
      scaleSettings: { scaleType: 'Default' },
      appInsightsEnabled: true,
      egressPublicNetworkAccess: 'Enabled',
      // 170 s container deadline + 5 s, under Azure's 180 s.
      requestSettings: {
        requestTimeout: 'PT2M55S',
        maxConcurrentRequestsPerInstance: endpoint.deployment.maxConcurrency,
      },
    });
    expect(dep.properties.requestSettings.maxConcurrentRequestsPerInstance).toBe(
      Number(endpoint.templateParameterValues.environmentVariables.MAX_CONCURRENCY),
    );
    // The endpoint exists already (the create-once template); only the environment version comes first.
    expect(dep.dependsOn).toEqual([expect.stringContaining(`resourceId('${ENVIRONMENT_VERSION_TYPE}'`)]);
  });

  test('sizes the probes so a 30-minute model load does not fail the deployment', () => {
    const dep = armResource<ManagedOnlineDeploymentProperties>(template, ONLINE_DEPLOYMENT_TYPE);
    expect(dep.properties.livenessProbe).toEqual({
      initialDelay: 'PT2M',
      period: 'PT10S',
      timeout: 'PT5S',
      successThreshold: 1,
      failureThreshold: 30,
    });
    const readiness = dep.properties.readinessProbe;
    expect(readiness).toEqual({
      initialDelay: 'PT5M',
      period: 'PT10S',
      timeout: 'PT5S',
      successThreshold: 1,
      failureThreshold: 150,
    });
    expect(300 + 10 * readiness.failureThreshold).toBeGreaterThanOrEqual(30 * 60);
  });

  // ARM incremental mode: "Properties that aren't included in the template are reset to the default values"
  // (learn.microsoft.com/azure/azure-resource-manager/templates/deployment-modes#incremental-mode): every endpoint PUT
  // that an update re-applies must carry the traffic, and only after the deployment it names exists.
  test('an update never leaves the endpoint without traffic: the re-applied template PUTs it with all traffic, last', () => {
    const puts = template.resources.filter((r) => r.type === ONLINE_ENDPOINT_TYPE);
    expect(puts).toHaveLength(1);
    const ep = puts[0] as (typeof puts)[number] & { properties: OnlineEndpointProperties };
    expect(ep.properties).toEqual({
      authMode: 'Key',
      description: expect.stringContaining('Qwen/Qwen3-VL-8B-Instruct'),
      publicNetworkAccess: 'Enabled',
      traffic: "[createObject(parameters('deploymentName'), 100)]",
    });
    expect(ep.dependsOn).toEqual([
      `[resourceId('${ONLINE_DEPLOYMENT_TYPE}', parameters('workspaceName'), parameters('endpointName'), parameters('deploymentName'))]`,
    ]);
    // No nested deployment, no second endpoint PUT: the order is environment → deployment → endpoint with traffic.
    expect(template.resources.map((r) => r.type)).toEqual([
      ENVIRONMENT_VERSION_TYPE,
      ONLINE_DEPLOYMENT_TYPE,
      ONLINE_ENDPOINT_TYPE,
    ]);
    // Both PUTs describe the same endpoint.
    const created = armResource<OnlineEndpointProperties>(endpointTemplate, ONLINE_ENDPOINT_TYPE);
    expect({ ...ep, dependsOn: undefined, properties: { ...ep.properties, traffic: undefined } }).toEqual({
      ...created,
      dependsOn: undefined,
      properties: { ...created.properties, traffic: undefined },
    });
  });

  test('outputs the scoring URI and the resource ids', () => {
    expect(Object.keys(template.outputs ?? {}).sort()).toEqual([
      'deploymentId',
      'endpointId',
      'environmentId',
      'scoringUri',
      'swaggerUri',
    ]);
    expect(template.outputs?.scoringUri.value).toBe(
      `[reference(resourceId('${ONLINE_ENDPOINT_TYPE}', parameters('workspaceName'), parameters('endpointName')), '${ML_API_VERSION}').scoringUri]`,
    );
    expect(endpoint.scoringUri).toBeDefined();
  });

  test('autoscales the deployment between the scaling spec capacities on GPU and requests per minute', () => {
    expect(json).toHaveResourceWithProperties(MonitorAutoscaleSetting, {
      target_resource_id:
        '${azurerm_machine_learning_workspace.Detector_Workspace_28B6CAB7.id}/onlineEndpoints/${local.Detector_EndpointName_9B6BE7C9}/deployments/detector',
      depends_on: ['azurerm_resource_group_template_deployment.Detector_8252EF51'],
    });
    const autoscale = onlyResource(parsed, 'azurerm_monitor_autoscale_setting') as {
      profile: {
        capacity: unknown;
        rule: { metric_trigger: Record<string, unknown>; scale_action: Record<string, unknown> }[];
      }[];
    };
    expect(autoscale.profile).toHaveLength(1);
    expect(autoscale.profile[0].capacity).toEqual({ minimum: 1, maximum: 2, default: 1 });
    const rules = autoscale.profile[0].rule.map((r) => [
      r.metric_trigger.metric_name,
      r.metric_trigger.operator,
      r.metric_trigger.threshold,
      r.metric_trigger.divide_by_instance_count ?? false,
      r.scale_action.direction,
      r.scale_action.cooldown,
    ]);
    expect(rules).toEqual([
      ['GpuUtilizationPercentage', 'GreaterThan', 70, false, 'Increase', 'PT5M'],
      ['RequestsPerMinute', 'GreaterThan', 6, true, 'Increase', 'PT5M'],
      ['GpuUtilizationPercentage', 'LessThan', 20, false, 'Decrease', 'PT15M'],
      ['RequestsPerMinute', 'LessThan', 1, true, 'Decrease', 'PT15M'],
    ]);
  });

  test('records what it deploys and what it costs', () => {
    expect(endpoint.summary).toMatchObject({
      cloud: 'azure',
      service: 'Azure ML managed online endpoint',
      endpoint: 'stack/Detector',
      mode: 'always-on',
      instanceType: 'Standard_NC4as_T4_v3',
      gpu: 'T4 16 GB',
      minCapacity: 1,
      maxCapacity: 2,
      quantization: 'bitsandbytes',
    });
    expect(endpoint.summary.monthlyUsdAtMinCapacity).toBeGreaterThan(0);
  });

  test('prints commands to push the image and fetch a key', () => {
    expect(endpoint.pushImageCommand).toMatch(
      /^az acr login --name .+ && docker build .+ inference-container && docker push .+$/,
    );
    expect(endpoint.credentialsCommand).toMatch(
      /^az ml online-endpoint get-credentials --name .+ --query primaryKey -o tsv$/,
    );
  });
});

describe('AzureMlDetectorEndpoint with maximal props (existing platform resources)', () => {
  const { json, parsed, endpoint } = synthEndpoint({
    ...EXISTING,
    location: 'westeurope',
    image: 'platformacr.azurecr.io/detectors/form-detector:1.4.0',
    instanceType: 'Standard_NC24ads_A100_v4',
    model: '32B',
    quantization: 'awq',
    maxConcurrency: 8,
    requestTimeout: Duration.seconds(120),
    environment: { VLLM_EXTRA_ARGS: '--enable-prefix-caching' },
    instanceCount: 2,
    scaling: {
      minCapacity: 2,
      maxCapacity: 4,
      targetConcurrencyPerInstance: 6,
      scaleOutCooldown: Duration.minutes(10),
      scaleInCooldown: Duration.minutes(30),
    },
    autoscale: {
      scaleOutGpuUtilizationPercent: 80,
      scaleInGpuUtilizationPercent: 30,
      scaleOutRequestsPerMinutePerInstance: 20,
      scaleInRequestsPerMinutePerInstance: 4,
    },
    authMode: 'aad_token',
    endpointName: 'forms-prod',
    deploymentName: 'green',
    modelLoadTimeout: Duration.minutes(45),
    livenessProbe: { initialDelay: Duration.minutes(3), failureThreshold: 12 },
    readinessProbe: { initialDelay: Duration.minutes(10), period: Duration.seconds(30), timeout: Duration.seconds(10) },
    publicNetworkAccess: false,
    egressPublicNetworkAccess: false,
    appInsightsEnabled: false,
    tags: { team: 'forms', env: 'prod' },
  });
  const template = armTemplate(parsed);

  test('creates none of the resources it was given, nor their dependencies', () => {
    for (const type of [
      'azurerm_resource_group',
      'azurerm_log_analytics_workspace',
      'azurerm_application_insights',
      'azurerm_key_vault',
      'azurerm_storage_account',
      'azurerm_container_registry',
      'azurerm_user_assigned_identity',
      'azurerm_machine_learning_workspace',
    ]) {
      expect(resourcesOf(parsed, type)).toEqual({});
    }
    // Both sides of every grant exist already: the platform team owns those grants, and nothing waits for them.
    expect(resourcesOf(parsed, 'azurerm_role_assignment')).toEqual({});
    expect(resourcesOf(parsed, 'time_sleep')).toEqual({});
    expect(endpoint.rolePropagation).toBeUndefined();
    expect(endpoint.createdWorkspace).toBeUndefined();
    expect(endpoint.createdRegistry).toBeUndefined();
  });

  test('deploys into the given resource group and workspace with the given image and identity', () => {
    expect(json).toHaveResourceWithProperties(ResourceGroupTemplateDeployment, {
      resource_group_name: 'platform-ml',
      tags: { team: 'forms', env: 'prod' },
    });
    expect(endpoint.templateParameterValues).toMatchObject({
      workspaceName: 'platform-ws',
      location: 'westeurope',
      endpointName: 'forms-prod',
      deploymentName: 'green',
      environmentName: 'forms-prod-env',
      image: 'platformacr.azurecr.io/detectors/form-detector:1.4.0',
      endpointIdentityId: EXISTING.endpointIdentity.id,
      instanceCount: 2,
      tags: { team: 'forms', env: 'prod' },
    });
    expect(endpoint.templateParameterValues.environmentVariables).toMatchObject({
      BASE_MODEL: 'Qwen/Qwen3-VL-32B-Instruct',
      QUANTIZATION: 'awq',
      USE_4BIT: 'false',
      MAX_CONCURRENCY: '8',
      REQUEST_TIMEOUT_MS: '120000',
      VLLM_EXTRA_ARGS: '--enable-prefix-caching',
    });
  });

  test('applies auth mode, network access, instance type, timeout, concurrency and probes to the template', () => {
    const ep = armResource<OnlineEndpointProperties>(template, ONLINE_ENDPOINT_TYPE);
    expect(ep.properties).toMatchObject({ authMode: 'AADToken', publicNetworkAccess: 'Disabled' });
    const dep = armResource<ManagedOnlineDeploymentProperties>(template, ONLINE_DEPLOYMENT_TYPE);
    expect(dep.properties).toMatchObject({
      instanceType: 'Standard_NC24ads_A100_v4',
      appInsightsEnabled: false,
      egressPublicNetworkAccess: 'Disabled',
      requestSettings: { requestTimeout: 'PT2M5S', maxConcurrentRequestsPerInstance: 8 },
      livenessProbe: {
        initialDelay: 'PT3M',
        period: 'PT10S',
        timeout: 'PT5S',
        successThreshold: 1,
        failureThreshold: 12,
      },
      // (45 min − 10 min) / 30 s = 70 readiness attempts.
      readinessProbe: {
        initialDelay: 'PT10M',
        period: 'PT30S',
        timeout: 'PT10S',
        successThreshold: 1,
        failureThreshold: 70,
      },
    });
    const created = armResource<OnlineEndpointProperties>(endpointArmTemplate(parsed), ONLINE_ENDPOINT_TYPE);
    expect(created.properties).toMatchObject({ authMode: 'AADToken', publicNetworkAccess: 'Disabled' });
    expect(ep.properties.traffic).toBe("[createObject(parameters('deploymentName'), 100)]");
  });

  test('autoscales the named deployment of the given workspace with the given capacities, thresholds and cooldowns', () => {
    const autoscale = onlyResource(parsed, 'azurerm_monitor_autoscale_setting') as {
      target_resource_id: string;
      location: string;
      tags: unknown;
      profile: {
        capacity: unknown;
        rule: { metric_trigger: Record<string, unknown>; scale_action: Record<string, unknown> }[];
      }[];
    };
    expect(autoscale.target_resource_id).toBe(`${WORKSPACE_ID}/onlineEndpoints/forms-prod/deployments/green`);
    expect(autoscale.location).toBe('westeurope');
    expect(autoscale.tags).toEqual({ team: 'forms', env: 'prod' });
    expect(autoscale.profile[0].capacity).toEqual({ minimum: 2, maximum: 4, default: 2 });
    expect(
      autoscale.profile[0].rule.map((r) => [
        r.metric_trigger.metric_name,
        r.metric_trigger.threshold,
        r.metric_trigger.metric_resource_id,
        r.scale_action.cooldown,
      ]),
    ).toEqual([
      ['GpuUtilizationPercentage', 80, autoscale.target_resource_id, 'PT10M'],
      ['RequestsPerMinute', 20, autoscale.target_resource_id, 'PT10M'],
      ['GpuUtilizationPercentage', 30, autoscale.target_resource_id, 'PT30M'],
      ['RequestsPerMinute', 4, autoscale.target_resource_id, 'PT30M'],
    ]);
  });

  test('tells aad_token callers how to get a token instead of a key', () => {
    expect(endpoint.credentialsCommand).toBe(
      'az account get-access-token --resource https://ml.azure.com --query accessToken -o tsv',
    );
    expect(endpoint.pushImageCommand).toBe(
      'az acr login --name platformacr && docker build --platform linux/amd64 -t ' +
        'platformacr.azurecr.io/detectors/form-detector:1.4.0 inference-container && ' +
        'docker push platformacr.azurecr.io/detectors/form-detector:1.4.0',
    );
    expect(endpoint.summary.endpoint).toBe('forms-prod');
  });
});

describe('AzureMlDetectorEndpoint with an existing workspace but its own registry and identity', () => {
  const { json, parsed } = synthEndpoint({
    ...MINIMAL_PROPS,
    resourceGroup: EXISTING.resourceGroup,
    workspace: EXISTING.workspace,
  });

  test('grants the new identity AcrPull on the new registry and blob read on the workspace storage', () => {
    expect(resourcesOf(parsed, 'azurerm_machine_learning_workspace')).toEqual({});
    expect(json).toHaveResourceWithProperties(ContainerRegistry, {
      resource_group_name: 'platform-ml',
      admin_enabled: false,
    });
    const grants = Object.values(resourcesOf(parsed, 'azurerm_role_assignment')).map((g) => [
      g.role_definition_name,
      g.scope,
    ]);
    expect(grants.sort()).toEqual([
      ['AcrPull', '${azurerm_container_registry.Detector_Registry_0820BD04.id}'],
      ['Storage Blob Data Reader', EXISTING.workspace.storageAccountId],
    ]);
  });

  test('both template deployments wait for those two grants to take effect', () => {
    const sleep = onlyResource(parsed, 'time_sleep');
    expect((sleep.depends_on as string[]).sort()).toEqual(
      Object.keys(resourcesOf(parsed, 'azurerm_role_assignment'))
        .map((id) => `azurerm_role_assignment.${id}`)
        .sort(),
    );
    for (const which of ['endpoint', 'deployment'] as const) {
      expect(templateDeployment(parsed, which).depends_on).toEqual(
        expect.arrayContaining([expect.stringMatching(/^time_sleep\.Detector_RolePropagation_/)]),
      );
    }
  });
});

describe('grantInvoke and metrics', () => {
  test('grants scoring through a custom role that allows only the score action, scoped to the endpoint', () => {
    const { json, parsed } = synthEndpoint({ ...MINIMAL_PROPS, authMode: 'aad_token' }, (_scope, endpoint) => {
      endpoint.grantInvoke('33333333-3333-3333-3333-333333333333');
    });
    expect(json).toHaveResourceWithProperties(RoleDefinition, {
      permissions: [{ actions: [SCORE_ACTION] }],
      scope: '${join("/", slice(split("/", azurerm_machine_learning_workspace.Detector_Workspace_28B6CAB7.id), 0, 5))}',
      assignable_scopes: [
        '${join("/", slice(split("/", azurerm_machine_learning_workspace.Detector_Workspace_28B6CAB7.id), 0, 5))}',
      ],
    });
    const roleKeys = Object.keys(resourcesOf(parsed, 'azurerm_role_definition'));
    expect(roleKeys).toHaveLength(1);
    expect(json).toHaveResourceWithProperties(RoleAssignment, {
      principal_id: '33333333-3333-3333-3333-333333333333',
      principal_type: 'ServicePrincipal',
      role_definition_id: `\${azurerm_role_definition.${roleKeys[0]}.role_definition_resource_id}`,
      scope:
        '${azurerm_machine_learning_workspace.Detector_Workspace_28B6CAB7.id}/onlineEndpoints/${local.Detector_EndpointName_9B6BE7C9}',
    });
  });

  test('reuses the role for later grants and takes a built-in role or an id when asked', () => {
    const { parsed } = synthEndpoint(MINIMAL_PROPS, (_scope, endpoint) => {
      endpoint.grantInvoke('a');
      endpoint.grantInvoke('b', { id: 'TeamGrant', principalType: 'Group' });
      endpoint.grantInvoke('c', { roleDefinitionName: 'AzureML Data Scientist' });
    });
    expect(Object.keys(resourcesOf(parsed, 'azurerm_role_definition'))).toHaveLength(1);
    const grants = resourcesOf(parsed, 'azurerm_role_assignment');
    const byPrincipal = Object.fromEntries(
      Object.entries(grants).map(([key, g]): [string, Record<string, unknown>] => [
        g.principal_id as string,
        { key, ...g },
      ]),
    );
    expect(byPrincipal.a.key).toMatch(/^Detector_InvokeGrant_/);
    expect(byPrincipal.b.key).toMatch(/^Detector_TeamGrant_/);
    expect(byPrincipal.b.principal_type).toBe('Group');
    expect(byPrincipal.c.key).toMatch(/^Detector_InvokeGrant3_/);
    expect(byPrincipal.c.role_definition_name).toBe('AzureML Data Scientist');
    expect(byPrincipal.c.role_definition_id).toBeUndefined();
  });

  test('an imported endpoint grants scoring and reads metrics the same way', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    const imported = AzureMlDetectorEndpoint.fromEndpointAttributes(stack, 'Imported', {
      endpointName: 'forms-prod',
      workspaceId: WORKSPACE_ID,
      deploymentName: 'green',
    });
    imported.grantInvoke('44444444-4444-4444-4444-444444444444');
    const json = Testing.synth(stack);
    expect(json).toHaveResourceWithProperties(RoleAssignment, { scope: `${WORKSPACE_ID}/onlineEndpoints/forms-prod` });
    expect(imported.metric('GpuUtilizationPercentage', { deploymentLevel: true })).toEqual({
      resourceId: `${WORKSPACE_ID}/onlineEndpoints/forms-prod/deployments/green`,
      metricNamespace: ONLINE_DEPLOYMENT_TYPE,
      metricName: 'GpuUtilizationPercentage',
      aggregation: 'Average',
    });
    const withoutDeployment = AzureMlDetectorEndpoint.fromEndpointAttributes(stack, 'NoDeployment', {
      endpointName: 'forms-prod',
      workspaceId: WORKSPACE_ID,
    });
    expect(() => withoutDeployment.metric('GpuUtilizationPercentage', { deploymentLevel: true })).toThrow(
      /needs the deployment name; pass deploymentName/,
    );
  });

  test('names endpoint and deployment metrics on the right resources', () => {
    const { endpoint } = synthEndpoint();
    expect(endpoint.metricRequestsPerMinute()).toMatchObject({
      resourceId: endpoint.endpointId,
      metricNamespace: ONLINE_ENDPOINT_TYPE,
      metricName: 'RequestsPerMinute',
    });
    expect(endpoint.metricRequestLatency({ aggregation: 'Maximum' })).toMatchObject({
      metricName: 'RequestLatency',
      aggregation: 'Maximum',
    });
    expect(endpoint.metricGpuUtilization()).toMatchObject({
      resourceId: endpoint.deploymentId,
      metricNamespace: ONLINE_DEPLOYMENT_TYPE,
    });
    expect(endpoint.metricGpuMemoryUtilization().metricName).toBe('GpuMemoryUtilizationPercentage');
  });
});

describe('AzureMlDetectorEndpoint weights', () => {
  // Key Vault's Azure RBAC takes a single secret as the scope of a role assignment
  // (https://learn.microsoft.com/azure/key-vault/general/rbac-guide); Azure ML gives the container MSI_ENDPOINT and
  // MSI_SECRET, and a user-assigned identity is named by its client id (azureml-examples
  // cli/endpoints/online/model-1/onlinescoring/score_managedidentity.py).
  test('a Hugging Face token in Key Vault: Key Vault Secrets User on that secret alone, its URL and the identity in the environment', () => {
    const vault = `${RG_ID}/providers/Microsoft.KeyVault/vaults/forms-kv`;
    const { parsed, endpoint } = synthEndpoint({
      ...MINIMAL_PROPS,
      weights: ModelWeights.fromHuggingFace({
        tokenSecret: {
          versionlessId: 'https://forms-kv.vault.azure.net/secrets/hf-token',
          resourceVersionlessId: `${vault}/secrets/hf-token`,
        },
      }),
    });
    const grant = endpoint.roleAssignments.EndpointHfTokenSecretsUser;
    expect(grant).toBeDefined();
    const assignment = Object.values(resourcesOf(parsed, 'azurerm_role_assignment')).find(
      (a) => a.role_definition_name === 'Key Vault Secrets User',
    );
    expect(assignment).toMatchObject({
      scope: `${vault}/secrets/hf-token`,
      principal_id: expect.stringMatching(
        /azurerm_user_assigned_identity\.Detector_EndpointIdentity_\w+\.principal_id/,
      ),
    });
    // The endpoint waits for it to take effect, with the other assignments.
    expect(onlyResource(parsed, 'time_sleep').depends_on).toContainEqual(
      expect.stringMatching(/^azurerm_role_assignment\.Detector_EndpointHfTokenSecretsUser_/),
    );
    const values = String(templateDeployment(parsed, 'deployment').parameters_content);
    expect(values).toContain('"HF_TOKEN_SECRET" = "https://forms-kv.vault.azure.net/secrets/hf-token"');
    expect(values).toMatch(
      /"AZURE_CLIENT_ID" = azurerm_user_assigned_identity\.Detector_EndpointIdentity_\w+\.client_id/,
    );
    // Never the token itself: only where it is.
    expect(values).not.toMatch(/"HF_TOKEN" =/);
    expect(endpoint.summary.weights).toEqual({
      source: 'huggingface',
      description: 'Hugging Face, downloaded at every start (token from the secret store)',
    });
  });

  test('by default from Hugging Face: no model asset, no model in the deployment, no store variables', () => {
    const { parsed, endpoint } = synthEndpoint();
    const template = armTemplate(parsed);
    expect(template.resources.filter((r) => r.type === MODEL_VERSION_TYPE)).toEqual([]);
    expect(
      armResource<ManagedOnlineDeploymentProperties>(template, ONLINE_DEPLOYMENT_TYPE).properties.model,
    ).toBeUndefined();
    expect(Object.keys(template.parameters)).not.toContain('modelUri');
    expect(endpoint.summary.weights?.source).toBe('huggingface');
  });

  // The deployment starts its instances at deploy and waits for the readiness probe
  // (https://learn.microsoft.com/azure/machine-learning/reference-yaml-deployment-managed-online): a container the same
  // deploy creates is still empty then.
  test('a store created by the same deploy is refused, naming the order that works', () => {
    expect(() => synthEndpoint({ ...MINIMAL_PROPS, weights: ModelWeights.fromNewStore() })).toThrow(
      /weights: got "ModelWeights\.fromNewStore\(\) \(a store this construct creates\), created by the same deploy as AzureMlDetectorEndpoint 'stack\/Detector'".*ModelWeightsStore.*\[weights\.store-staged-before-start: /,
    );
  });

  // A model asset's path is a datastore path, azureml://datastores/<name>/paths/<path> (Azure ML "Work with models",
  // supported paths: https://learn.microsoft.com/azure/machine-learning/how-to-manage-models); an https blob URL is
  // not one of them.
  test('a ModelWeightsStore in a stack of its own: a datastore of the workspace, and a model asset on its path the deployment mounts', () => {
    const app = Testing.app();
    const weightsStack = new TerraformStack(app, 'weights');
    const store = new ModelWeightsStore(weightsStack, 'Weights', { location: 'eastus', kind: 'azure-blob' });
    const stack = new TerraformStack(app, 'stack');
    const endpoint = new AzureMlDetectorEndpoint(stack, 'Detector', {
      ...MINIMAL_PROPS,
      weights: ModelWeights.fromStore(store),
    });
    weightsStack.prepareStack();
    stack.prepareStack();
    const storeParsed = JSON.parse(Testing.synth(weightsStack)) as TerraformJson;
    expect(onlyResource(storeParsed, 'azurerm_storage_container')).toMatchObject({
      name: 'model-weights',
      container_access_type: 'private',
    });
    expect(onlyResource(storeParsed, 'azurerm_storage_account')).toMatchObject({
      https_traffic_only_enabled: true,
      min_tls_version: 'TLS1_2',
      allow_nested_items_to_be_public: false,
    });
    const parsed = JSON.parse(Testing.synth(stack)) as TerraformJson;
    expect(parsed.resource.azurerm_storage_container).toBeUndefined();
    // An identity-based datastore (no key or SAS) on the store's container, in the workspace.
    const datastore = onlyResource(parsed, 'azurerm_machine_learning_datastore_blobstorage');
    expect(datastore).toMatchObject({
      name: 'detector_weights',
      workspace_id: expect.stringMatching(/^\$\{azurerm_machine_learning_workspace\.Detector_Workspace_\w+\.id\}$/),
      storage_container_id: expect.stringMatching(/\/blobServices\/default\/containers\//),
    });
    expect(datastore.account_key).toBeUndefined();
    expect(datastore.shared_access_signature).toBeUndefined();
    const template = armTemplate(parsed);
    const model = armResource(template, MODEL_VERSION_TYPE);
    expect(model).toMatchObject({
      apiVersion: ML_API_VERSION,
      properties: { modelType: 'custom_model', modelUri: "[parameters('modelUri')]" },
    });
    const deployment = armResource<ManagedOnlineDeploymentProperties>(template, ONLINE_DEPLOYMENT_TYPE);
    expect(deployment.properties.model).toMatch(
      /^\[resourceId\('Microsoft\.MachineLearningServices\/workspaces\/models\/versions'/,
    );
    expect(deployment.dependsOn).toContainEqual(deployment.properties.model);
    const values = JSON.stringify(templateDeployment(parsed, 'deployment').parameters_content);
    expect(values).toMatch(
      /modelUri.*azureml:\/\/subscriptions\/.*\/resourcegroups\/.*\/workspaces\/.*\/datastores\/.*\/paths\/weights\//,
    );
    expect(templateDeployment(parsed, 'deployment').depends_on).toContainEqual(
      expect.stringMatching(/^azurerm_machine_learning_datastore_blobstorage\./),
    );
    expect(endpoint.weights.source).toMatchObject({
      kind: 'store',
      store: 'azure-blob',
      containerPath: 'platform',
      storeStack: 'weights',
    });
    expect(containerEnvironment(endpoint.deployment, endpoint.weights.source).MODEL_WEIGHTS_DIR).toBe('platform');
    // The endpoint identity reads that container alone (Storage Blob Data Reader scoped to it).
    const grant = Object.values(resourcesOf(parsed, 'azurerm_role_assignment')).find(
      (g) => (g.description as string).endsWith('Storage Blob Data Reader') && String(g.scope).includes('blobServices'),
    );
    expect(grant).toBeDefined();
    expect(endpoint.roleAssignments).toHaveProperty('EndpointWeightsBlobDataReader');
  });

  test('an existing blob container in another account: Storage Blob Data Reader there for the endpoint identity', () => {
    const accountId = `${RG_ID}/providers/Microsoft.Storage/storageAccounts/teamweights`;
    const { endpoint } = synthEndpoint({
      ...MINIMAL_PROPS,
      weights: ModelWeights.fromBlobContainer({
        storageAccountId: accountId,
        storageAccountName: 'teamweights',
        containerName: 'models',
        prefix: 'qwen3-vl-8b',
      }),
    });
    expect(endpoint.weights.source).toMatchObject({
      uri: 'https://teamweights.blob.core.windows.net/models/qwen3-vl-8b/',
    });
    expect(endpoint.summary.weights?.stagingCommands?.[2]).toBe(
      'az storage blob upload-batch --auth-mode login --account-name teamweights --destination models ' +
        '--destination-path qwen3-vl-8b --source form-detector-weights',
    );
    const grant = endpoint.roleAssignments.EndpointWeightsBlobDataReader;
    expect(grant).toBeDefined();
  });
});
