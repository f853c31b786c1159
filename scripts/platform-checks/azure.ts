/** The Azure ML and Container Apps deployments of a Terraform stack, with the values the platform rules check. */
import {
  AZURE_INSTANCES,
  CONTAINER_APPS_GPU_PROFILES,
  SUMMARY_METADATA_KEY,
  type DeploymentSummary,
  type EndpointPut,
  type GpuInstance,
  type RoleConsumer,
} from '../../lib/core';
import {
  durationSeconds,
  envFromList,
  deploymentOf,
  literalNumber,
  metadata,
  notChecked,
  parseJson,
  storeOrderInputs,
  terraformReferenceTo,
  values,
  vllmInputs,
  weightsOrigin,
  type Json,
  type RuleInputs,
  type SynthesizedDeployment,
  type TerraformConfig,
} from './inputs';

function hclStringPairs(text: unknown, after: string): Record<string, string> {
  if (typeof text !== 'string') return {};
  const start = text.indexOf(after);
  if (start < 0) return {};
  const body = text.slice(start + after.length, text.indexOf('}', start + after.length));
  return Object.fromEntries(
    [...body.matchAll(/"([A-Za-z_][A-Za-z0-9_]*)" = "((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
  );
}

/**
 * Role consumers of a stack: what runs as a user-assigned identity granted a role in the stack, or depends on a role
 * assignment (directly or through a time_sleep); with the waits between them.
 */
function roleConsumers(config: TerraformConfig): RoleConsumer[] {
  const resources = config.resource ?? {};
  const sleeps = resources.time_sleep ?? {};
  const dependsOn = (r: Json) => (r.depends_on as string[] | undefined) ?? [];
  const isAssignment = (ref: string) => ref.startsWith('azurerm_role_assignment.');
  const followsAssignments = (ref: string) =>
    ref.startsWith('time_sleep.') && dependsOn(sleeps[ref.slice('time_sleep.'.length)] ?? {}).some(isAssignment);
  // The user-assigned identities granted a role here: whatever runs as one of them uses the assignments, whether
  // or not it says so in depends_on.
  const granted = new Set(
    Object.values(resources.azurerm_role_assignment ?? {}).flatMap((a) =>
      [...String(a.principal_id ?? '').matchAll(/azurerm_user_assigned_identity\.([\w-]+)\./g)].map(
        (m) => `azurerm_user_assigned_identity.${m[1]}`,
      ),
    ),
  );
  const consumers: RoleConsumer[] = [];
  for (const [type, byName] of Object.entries(resources)) {
    if (type === 'time_sleep' || type === 'azurerm_role_assignment' || type === 'azurerm_user_assigned_identity') {
      continue;
    }
    for (const [name, resource] of Object.entries(byName)) {
      const deps = dependsOn(resource);
      const { depends_on: _deps, '//': _meta, ...body } = resource;
      const text = JSON.stringify(body);
      const identities = [...granted].filter((id) => text.includes(`${id}.`));
      if (identities.length === 0 && !deps.some((d) => isAssignment(d) || followsAssignments(d))) continue;
      const waits = deps.filter(followsAssignments).map((d) => ({
        name: d,
        seconds: durationSeconds(sleeps[d.slice('time_sleep.'.length)].create_duration) ?? 0,
      }));
      consumers.push({ where: `${type}.${name}`, unwaitedAssignments: deps.filter(isAssignment), waits, identities });
    }
  }
  return consumers;
}

function roleInputs(config: TerraformConfig): RuleInputs {
  const consumers = roleConsumers(config);
  if (consumers.length === 0) return notChecked('no resource here uses a role assignment made in the stack');
  return values({
    what: consumers
      .map((c) => `${c.where} after ${c.waits.map((w) => `${w.seconds} s`).join(', ') || 'no wait'}`)
      .join('; '),
    input: { consumers },
  });
}

export function azureMlDeployment(
  file: string,
  stack: string,
  config: TerraformConfig,
  resource: Json,
  template: Json,
): SynthesizedDeployment {
  const summary = metadata(resource, SUMMARY_METADATA_KEY) as DeploymentSummary | undefined;
  const armResources = (template.resources as Json[] | undefined) ?? [];
  const armDeployment = armResources.find(
    (r) => r.type === 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments',
  ) as Json;
  const properties = (armDeployment.properties ?? {}) as Json;
  const requestTimeout = durationSeconds(((properties.requestSettings ?? {}) as Json).requestTimeout);
  const instanceType = String(properties.instanceType);
  const env = hclStringPairs(resource.parameters_content, '"environmentVariables" = {"value" = {');

  // Every endpoint PUT in the stack's template deployments, and whether Terraform re-applies it.
  const puts: EndpointPut[] = [];
  for (const [tdName, td] of Object.entries(config.resource?.azurerm_resource_group_template_deployment ?? {})) {
    const createOnly = ((td.lifecycle as Json | undefined)?.ignore_changes ?? undefined) === 'all';
    const collect = (t: Json | undefined, where: string): void => {
      for (const r of (t?.resources as Json[] | undefined) ?? []) {
        if (r.type === 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints') {
          puts.push({ where, carriesTraffic: (r.properties as Json | undefined)?.traffic !== undefined, createOnly });
        }
        // A nested deployment's inner template is re-applied with its parent.
        if (r.type === 'Microsoft.Resources/deployments') {
          collect(((r.properties ?? {}) as Json).template as Json | undefined, `${where} (nested ${String(r.name)})`);
        }
      }
    };
    collect(parseJson(td.template_content), `azurerm_resource_group_template_deployment.${tdName}`);
  }

  const autoscale = Object.values(config.resource?.azurerm_monitor_autoscale_setting ?? {});
  const cooldowns = autoscale.flatMap((a) =>
    ((a.profile as Json[] | undefined) ?? []).flatMap((p) =>
      ((p.rule as Json[] | undefined) ?? []).map((r) => String(((r.scale_action ?? {}) as Json).cooldown)),
    ),
  );
  const inputs: Record<string, RuleInputs> = {
    'azure-ml.request-timeout':
      requestTimeout === undefined
        ? notChecked('requestSettings.requestTimeout is not a literal')
        : values({
            what: `requestSettings.requestTimeout ${String(((properties.requestSettings ?? {}) as Json).requestTimeout)}`,
            input: { requestTimeoutMs: requestTimeout * 1000 },
          }),
    'azure-ml.traffic-kept-on-update': values({
      what: puts
        .map(
          (p) =>
            `${p.where}: ${p.carriesTraffic ? 'with traffic' : 'no traffic'}${p.createOnly ? ' (create-once)' : ''}`,
        )
        .join('; '),
      input: { puts },
    }),
    'azure.role-assignment-propagation': roleInputs(config),
    // The deployment starts its instances at deploy: a model on a container the same deploy creates is still empty.
    'weights.store-staged-before-start': storeOrderInputs(
      'the online deployment',
      terraformReferenceTo(
        [
          resource.parameters_content,
          ...Object.values(config.resource?.azurerm_machine_learning_datastore_blobstorage ?? {}),
        ],
        ['azurerm_storage_container'],
      ),
      true,
    ),
    'azure-monitor.autoscale-cooldown':
      cooldowns.length === 0
        ? notChecked('no autoscale setting in the stack')
        : values(
            ...cooldowns.map((c) => ({ what: `cooldown ${c}`, input: { seconds: durationSeconds(c) ?? Number.NaN } })),
          ),
  };
  Object.assign(
    inputs,
    vllmInputs(
      env,
      (AZURE_INSTANCES as Record<string, GpuInstance>)[instanceType],
      'the ARM deployment',
      'azure-ml-endpoint',
    ),
  );
  return deploymentOf(file, stack, 'azure-ml-endpoint', summary, inputs);
}

export function containerAppsDeployment(
  file: string,
  stack: string,
  config: TerraformConfig,
  app: Json,
): SynthesizedDeployment {
  const summary = metadata(app, SUMMARY_METADATA_KEY) as DeploymentSummary | undefined;
  const template = (app.template ?? {}) as Json;
  const container = (((template.container as Json[] | undefined) ?? [])[0] ?? {}) as Json;
  const probes = (['startup_probe', 'liveness_probe', 'readiness_probe'] as const).flatMap((key) =>
    ((container[key] as Json[] | undefined) ?? []).map((p) => ({
      what: `${key} initial ${String(p.initial_delay)} s, period ${String(p.interval_seconds)} s, timeout ${String(p.timeout)} s, failures ${String(p.failure_count_threshold)}`,
      input: {
        probe: key.replace(/_probe$/, 'Probe'),
        initialDelaySeconds: literalNumber(p.initial_delay),
        periodSeconds: literalNumber(p.interval_seconds),
        timeoutSeconds: literalNumber(p.timeout),
        failureThreshold: literalNumber(p.failure_count_threshold),
        successThreshold: literalNumber(p.success_count_threshold),
      },
    })),
  );
  const groups = Object.values(config.resource?.azurerm_resource_group ?? {});
  const region = groups.length === 1 && typeof groups[0].location === 'string' ? groups[0].location : undefined;
  // The GPU profile: the environment template's workload profile type, else the summary's.
  const environmentTemplates = Object.values(config.resource?.azurerm_resource_group_template_deployment ?? {})
    .map((td) => parseJson(td.template_content))
    .flatMap((t) => (t?.resources as Json[] | undefined) ?? [])
    .filter((r) => r.type === 'Microsoft.App/managedEnvironments');
  const profileType = environmentTemplates
    .flatMap((r) => ((r.properties as Json).workloadProfiles as Json[] | undefined) ?? [])
    .find((w) => w.name === app.workload_profile_name)?.workloadProfileType;
  const profile = String(profileType ?? summary?.instanceType ?? '');
  const maxReplicas = literalNumber(template.max_replicas);
  const inputs: Record<string, RuleInputs> = {
    'container-apps.probe-ranges': values(...probes),
    'container-apps.gpu-region': region
      ? values({ what: region, input: { region } })
      : notChecked('the region is in an existing resource group'),
    'container-apps.max-replicas':
      maxReplicas === undefined
        ? notChecked('max_replicas is not a literal')
        : values({ what: `max_replicas ${maxReplicas}`, input: { maxReplicas } }),
    'azure.role-assignment-propagation': roleInputs(config),
    'container-apps.replica-storage': replicaStorageInputs(envFromList(container.env), literalNumber(container.cpu)),
    // Warm replicas start with the revision: a share the same deploy creates is still empty then.
    'weights.store-staged-before-start': storeOrderInputs(
      'the container app',
      terraformReferenceTo(Object.values(config.resource?.azurerm_container_app_environment_storage ?? {}), [
        'azurerm_storage_share',
      ]),
      (literalNumber(template.min_replicas) ?? 0) > 0,
    ),
  };
  Object.assign(
    inputs,
    vllmInputs(
      envFromList(container.env),
      (CONTAINER_APPS_GPU_PROFILES as Record<string, GpuInstance>)[profile],
      'the GPU workload profile',
      'container-apps-service',
    ),
  );
  return deploymentOf(file, stack, 'container-apps-service', summary, inputs);
}

/** Where the replica's weights come from (a mounted store, the image, or a download at start) and its vCPUs. */
function replicaStorageInputs(env: Record<string, unknown>, vcpus: number | undefined): RuleInputs {
  if (vcpus === undefined) return notChecked('the container cpu is not a literal');
  const { source, storeDir, downloadGiB } = weightsOrigin(env);
  if (downloadGiB === undefined) return notChecked('the base model is not a profile whose download size is known');
  return values({
    what: `${vcpus} vCPU, weights ${source === 'store' ? `mounted at ${storeDir}` : source === 'image' ? 'in the image' : `downloaded (~${downloadGiB.toFixed(0)} GiB)`}`,
    input: { source, downloadGiB, vcpus },
  });
}
