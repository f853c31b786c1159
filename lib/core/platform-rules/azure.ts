import { platformRule, seconds, unless, type RuleViolation } from './rule';

const AZURE_ML_DEPLOYMENT_YAML =
  'https://learn.microsoft.com/azure/machine-learning/reference-yaml-deployment-managed-online';
const CONTAINER_APPS_STORAGE_MOUNTS = 'https://learn.microsoft.com/azure/container-apps/storage-mounts';
const CONTAINER_APP_RESOURCE =
  'https://registry.terraform.io/providers/hashicorp/azurerm/4.55.0/docs/resources/container_app';

/** Azure's limits this project checks, with their sources. */
export const AZURE_LIMITS = {
  /** Managed online deployment `request_timeout_ms`: default 5000, at most 180000. */
  azureMlMaxRequestTimeoutMs: 180_000,
  /** Azure RBAC: "it can take up to 10 minutes for changes to take effect". */
  roleAssignmentPropagationSeconds: 600,
  /** Container Apps probe ranges in azurerm 4.55 (`azurerm_container_app` docs). */
  containerAppsProbe: {
    initialDelaySeconds: { min: 0, max: 60 },
    periodSeconds: { min: 1, max: 240 },
    timeoutSeconds: { min: 1, max: 240 },
    failureThreshold: { min: 1, max: 30 },
    successThreshold: { min: 1, max: 10 },
  },
  /** Replicas per container app (unverified). */
  containerAppsMaxReplicas: 1000,
  /** Azure Monitor autoscale cooldown: "Must be between 1 minute and 1 week". */
  autoscaleCooldownSeconds: { min: 60, max: 7 * 24 * 3600 },
} as const;

/**
 * Container Apps ephemeral storage per replica, by the vCPUs allocated to it (container- and replica-scoped storage
 * together): 0.25 or lower 1 GiB, 0.5 or lower 2 GiB, 1 or lower 4 GiB, over 1 8 GiB.
 */
export const CONTAINER_APPS_EPHEMERAL_STORAGE_GIB: readonly { readonly maxVcpus: number; readonly gib: number }[] = [
  { maxVcpus: 0.25, gib: 1 },
  { maxVcpus: 0.5, gib: 2 },
  { maxVcpus: 1, gib: 4 },
  { maxVcpus: Number.POSITIVE_INFINITY, gib: 8 },
];

/** The ephemeral storage of a Container Apps replica with `vcpus`, GiB. */
export function containerAppsEphemeralStorageGiB(vcpus: number): number {
  return (CONTAINER_APPS_EPHEMERAL_STORAGE_GIB.find((t) => vcpus <= t.maxVcpus) ?? { gib: 8 }).gib;
}

/** Regions the Container Apps serverless GPU docs list (articles/container-apps/gpu-serverless-overview.md). */
export const CONTAINER_APPS_GPU_REGIONS = ['westus3', 'australiaeast', 'swedencentral'] as const;

export const AZURE_ML_REQUEST_TIMEOUT = platformRule<{ requestTimeoutMs: number }>({
  id: 'azure-ml.request-timeout',
  platform: 'Azure ML',
  statement: "A managed online deployment's request_timeout_ms is at most 180000 (180 s)",
  source: AZURE_ML_DEPLOYMENT_YAML,
  appliesTo: ['azure-ml-endpoint'],
  synth: true,
  preflight: true,
  check: ({ requestTimeoutMs }) =>
    unless(
      requestTimeoutMs >= 1 && requestTimeoutMs <= AZURE_LIMITS.azureMlMaxRequestTimeoutMs,
      `${requestTimeoutMs / 1000} s`,
      'Azure ML allows request_timeout_ms up to 180 s, and the endpoint must outlast the container: lower ' +
        'requestTimeout to at most 175 s',
    ),
});

/** One PUT of the online endpoint in a template that `terraform apply` re-applies. */
export interface EndpointPut {
  /** Where the PUT is, e.g. `azurerm_resource_group_template_deployment.Detector`. */
  readonly where: string;
  /** Whether the PUT carries `properties.traffic`. */
  readonly carriesTraffic: boolean;
  /** Whether the PUT runs only when the endpoint is created (a create-once template Terraform never re-applies). */
  readonly createOnly: boolean;
}

export const AZURE_ML_TRAFFIC_ON_UPDATE = platformRule<{ puts: readonly EndpointPut[] }>({
  id: 'azure-ml.traffic-kept-on-update',
  platform: 'Azure ML',
  statement:
    'Every PUT of the online endpoint that an update re-applies carries its traffic: ARM resets properties a ' +
    'redeployed resource leaves out, and traffic cannot name a deployment that does not exist yet (so only the ' +
    'create-once PUT goes without it)',
  source: 'https://learn.microsoft.com/azure/azure-resource-manager/templates/deployment-modes#incremental-mode',
  alsoSee: [
    'https://learn.microsoft.com/azure/machine-learning/reference-yaml-endpoint-online ("traffic … cannot be set at creation")',
    'https://learn.microsoft.com/rest/api/azureml/online-endpoints/create-or-update?view=rest-azureml-2024-10-01',
  ],
  appliesTo: ['azure-ml-endpoint'],
  synth: { notChecked: 'no prop controls it: the construct builds the templates so' },
  preflight: true,
  check: ({ puts }) =>
    puts
      .filter((p) => !p.carriesTraffic && !p.createOnly)
      .map((p): RuleViolation => ({
        value: `an endpoint PUT without traffic in ${p.where}`,
        fix:
          're-applying it resets the endpoint to no traffic until a later step sets it again: carry the traffic ' +
          'in every re-applied PUT, and create the bare endpoint once (a template Terraform never re-applies)',
      })),
});

/** A resource that uses an identity's role assignments (an image pull, a blob read, a workspace's access). */
export interface RoleConsumer {
  readonly where: string;
  /** Role assignments it depends on with no wait in between. */
  readonly unwaitedAssignments: readonly string[];
  /** Waits it depends on that follow role assignments: their durations, seconds. */
  readonly waits: readonly { readonly name: string; readonly seconds: number }[];
  /** Identities it runs as that are granted roles in the same stack (what makes it a user of the assignments). */
  readonly identities?: readonly string[];
}

export const AZURE_ROLE_PROPAGATION = platformRule<{ consumers: readonly RoleConsumer[] }>({
  id: 'azure.role-assignment-propagation',
  platform: 'Azure RBAC',
  statement:
    'A role assignment can take up to 10 minutes to take effect: what uses it (an image pull with AcrPull, a blob ' +
    'read) starts at least 10 minutes after the assignment',
  source:
    'https://learn.microsoft.com/azure/role-based-access-control/troubleshooting#symptom---role-assignment-changes-are-not-being-detected',
  appliesTo: ['azure-ml-endpoint', 'container-apps-service'],
  synth: { notChecked: 'no prop controls it: the construct puts a time_sleep between the assignments and their use' },
  preflight: true,
  check: ({ consumers }) => {
    const min = AZURE_LIMITS.roleAssignmentPropagationSeconds;
    const found: RuleViolation[] = [];
    for (const c of consumers) {
      if (c.unwaitedAssignments.length > 0) {
        found.push({
          value: `${c.where} depends on ${c.unwaitedAssignments.join(', ')} directly`,
          fix: `wait at least ${seconds(min)} after the assignments (a time_sleep between them and their use)`,
        });
      }
      if (c.unwaitedAssignments.length === 0 && c.waits.length === 0) {
        found.push({
          value: `${c.where} runs as ${c.identities?.join(', ') || 'an identity granted roles here'} and waits for none of its role assignments`,
          fix: `make it depend on a wait of at least ${seconds(min)} after the assignments (a time_sleep)`,
        });
      }
      for (const w of c.waits.filter((w) => w.seconds < min)) {
        found.push({
          value: `${c.where} waits ${seconds(w.seconds)} (${w.name})`,
          fix: `wait at least ${seconds(min)}: Azure documents up to 10 minutes for role assignments to take effect`,
        });
      }
    }
    return found;
  },
});

/** Where a replica's weights come from, for the storage rule. */
export interface ReplicaWeightsInput {
  /** `huggingface`: downloaded into the replica at start; `store`: mounted (Azure Files); `image`: baked in. */
  readonly source: 'huggingface' | 'store' | 'image';
  /** What a start downloads from Hugging Face, GiB (16-bit safetensors of the base model). */
  readonly downloadGiB: number;
  /** vCPUs of the replica (its ephemeral storage depends on them). */
  readonly vcpus: number;
}

export const CONTAINER_APPS_REPLICA_STORAGE = platformRule<ReplicaWeightsInput>({
  id: 'container-apps.replica-storage',
  platform: 'Azure Container Apps',
  statement:
    'A replica over 1 vCPU has 8 GiB of ephemeral storage (container file system included, no capacity ' +
    'guarantee): weights downloaded at every start do not fit; Azure Files is the permanent storage an app mounts',
  source: CONTAINER_APPS_STORAGE_MOUNTS,
  appliesTo: ['container-apps-service'],
  synth: true,
  preflight: true,
  check: ({ source, downloadGiB, vcpus }) => {
    const storage = containerAppsEphemeralStorageGiB(vcpus);
    return unless(
      source !== 'huggingface' || downloadGiB <= storage,
      `a Hugging Face download of ~${downloadGiB.toFixed(0)} GiB at every start`,
      `a replica with ${vcpus} vCPU has ${storage} GiB of ephemeral storage (the container file system has no ` +
        'capacity guarantee), so the first request would fail after a successful deploy. Stage the weights in ' +
        'Azure Files: leave weights out (ModelWeights.fromNewStore(), a share created here) or pass ' +
        'ModelWeights.fromAzureFiles(...)',
    );
  },
});

export const CONTAINER_APPS_GPU_REGION = platformRule<{ region: string }>({
  id: 'container-apps.gpu-region',
  platform: 'Azure Container Apps',
  statement: `Serverless GPUs are offered in ${CONTAINER_APPS_GPU_REGIONS.join(', ')}`,
  source: 'https://learn.microsoft.com/azure/container-apps/gpu-serverless-overview',
  unverified: 'the region list grows; recheck the page',
  appliesTo: ['container-apps-service'],
  synth: true,
  preflight: true,
  check: ({ region }) =>
    unless(
      (CONTAINER_APPS_GPU_REGIONS as readonly string[]).includes(region.toLowerCase().replace(/\s+/g, '')),
      region,
      `Container Apps serverless GPUs are offered in ${CONTAINER_APPS_GPU_REGIONS.join(', ')} (per the catalog); ` +
        'pick one of those regions',
    ),
});

export interface ContainerAppsProbeInput {
  readonly probe: string;
  readonly initialDelaySeconds?: number;
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly failureThreshold?: number;
  readonly successThreshold?: number;
}

export const CONTAINER_APPS_PROBE_RANGES = platformRule<ContainerAppsProbeInput>({
  id: 'container-apps.probe-ranges',
  platform: 'Azure Container Apps',
  statement:
    'Probe initial delay 0–60 s, period 1–240 s, timeout 1–240 s, failure threshold 1–30, success threshold 1–10',
  source: CONTAINER_APP_RESOURCE,
  appliesTo: ['container-apps-service'],
  synth: true,
  preflight: true,
  check: (input) => {
    const L = AZURE_LIMITS.containerAppsProbe;
    const ranges: [keyof typeof L, number | undefined, string][] = [
      ['initialDelaySeconds', input.initialDelaySeconds, 'initialDelay'],
      ['periodSeconds', input.periodSeconds, 'period'],
      ['timeoutSeconds', input.timeoutSeconds, 'timeout'],
      ['failureThreshold', input.failureThreshold, 'failureThreshold'],
      ['successThreshold', input.successThreshold, 'successThreshold'],
    ];
    return ranges.flatMap(([key, value, at]) => {
      if (value === undefined) return [];
      const { min, max } = L[key];
      const unit = key.endsWith('Seconds') ? ' s' : '';
      return unless(
        Number.isInteger(value) && value >= min && value <= max,
        value,
        `use ${min} to ${max}${unit} (the Container Apps limit)` +
          (at === 'initialDelay' ? '; the startup probe already waits for the model load' : ''),
        at,
      );
    });
  },
});

export const CONTAINER_APPS_MAX_REPLICAS = platformRule<{ maxReplicas: number }>({
  id: 'container-apps.max-replicas',
  platform: 'Azure Container Apps',
  statement: 'A container app runs at most 1000 replicas',
  source: 'https://learn.microsoft.com/azure/container-apps/scale-app',
  unverified: 'the 1000-replica limit was not found on the page',
  appliesTo: ['container-apps-service'],
  synth: true,
  preflight: true,
  check: ({ maxReplicas }) =>
    unless(
      maxReplicas <= AZURE_LIMITS.containerAppsMaxReplicas,
      maxReplicas,
      `use at most ${AZURE_LIMITS.containerAppsMaxReplicas} (the Container Apps replica limit); GPU quota is usually ` +
        'far lower',
    ),
});

export const AZURE_AUTOSCALE_COOLDOWN = platformRule<{ seconds: number }>({
  id: 'azure-monitor.autoscale-cooldown',
  platform: 'Azure Monitor',
  statement: 'An autoscale action\'s cooldown "Must be between 1 minute and 1 week" (whole minutes here)',
  source: 'https://registry.terraform.io/providers/hashicorp/azurerm/4.55.0/docs/resources/monitor_autoscale_setting',
  appliesTo: ['azure-ml-endpoint'],
  synth: true,
  preflight: true,
  check: ({ seconds: s }) => {
    const { min, max } = AZURE_LIMITS.autoscaleCooldownSeconds;
    return unless(
      s >= min && s <= max && s % 60 === 0,
      seconds(s),
      'use whole minutes, at least 1 (Azure Monitor autoscale cooldowns run from 1 minute to 1 week)',
    );
  },
});
