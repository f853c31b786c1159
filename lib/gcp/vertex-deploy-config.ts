/**
 * What the Vertex deploy step is told to do: the JSON the `terraform_data` step stores in its `input` and passes to
 * `bin/vertex-deploy`. Shaped like the Vertex AI REST v1 request bodies it becomes, so the synthesized Terraform shows
 * exactly what is sent. No cdktf import here: the deploy command loads this file without any IaC framework.
 */
import { createHash } from 'node:crypto';
import { VERTEX_PROBE_TIMEOUT } from '../core/platform-rules/gcp';

/** Bumped when the meaning of a field changes, so an old step's input is never misread. */
export const VERTEX_DEPLOY_CONFIG_VERSION = 1;

/** The environment variable the deploy command reads its config from (the provisioners set it). */
export const VERTEX_DEPLOY_CONFIG_ENV = 'FORM_DETECTOR_VERTEX_DEPLOY_CONFIG';

/** Overrides `https://{region}-aiplatform.googleapis.com` (tests point it at a local stand-in). */
export const VERTEX_API_BASE_URL_ENV = 'FORM_DETECTOR_VERTEX_API_BASE_URL';

/** Overrides `https://storage.googleapis.com`, where the step checks the weights are staged (tests: a stand-in). */
export const STORAGE_API_BASE_URL_ENV = 'FORM_DETECTOR_STORAGE_API_BASE_URL';

/** Label on every Model the deploy step uploads; the value is the config hash. */
export const CONFIG_HASH_LABEL = 'form-detector-config';
/** Label on every Model the deploy step uploads, naming the endpoint it was uploaded for. */
export const ENDPOINT_LABEL = 'form-detector-endpoint';
/** DeployedModel display names start with this, followed by the config hash. */
export const DEPLOYED_MODEL_PREFIX = 'detector-';

/** Vertex's accelerator duty-cycle autoscaling metric. */
export const DUTY_CYCLE_METRIC = 'aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle';

export interface VertexProbe {
  readonly httpGet: { readonly path: string; readonly port: number };
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
}

/** REST `ModelContainerSpec` (the fields we set). */
export interface VertexContainerSpec {
  readonly imageUri: string;
  readonly env: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  readonly ports: ReadonlyArray<{ readonly containerPort: number }>;
  readonly predictRoute: string;
  readonly healthRoute: string;
  /** int64, sent as a decimal string as the JSON mapping of int64 is. */
  readonly sharedMemorySizeMb: string;
  /** protobuf Duration, e.g. `3600s`. */
  readonly deploymentTimeout: string;
  readonly startupProbe: VertexProbe;
  readonly healthProbe: VertexProbe;
}

/** REST `DedicatedResources`. */
export interface VertexDedicatedResources {
  readonly machineSpec: {
    readonly machineType: string;
    readonly acceleratorType: string;
    readonly acceleratorCount: number;
  };
  readonly minReplicaCount: number;
  readonly maxReplicaCount: number;
  readonly autoscalingMetricSpecs: ReadonlyArray<{ readonly metricName: string; readonly target: number }>;
}

export interface VertexDeployConfig {
  readonly version: number;
  readonly project: string;
  readonly region: string;
  /** The endpoint's id (the last segment of its resource name). */
  readonly endpointId: string;
  /** Display name of the uploaded Model (the config hash is appended). */
  readonly modelDisplayName: string;
  /** Labels for the uploaded Model (the deploy step adds its own two). */
  readonly labels: Readonly<Record<string, string>>;
  readonly containerSpec: VertexContainerSpec;
  /** `gs://` prefix copied to the container's AIP_STORAGE_URI; empty string for none. */
  readonly artifactUri: string;
  readonly dedicatedResources: VertexDedicatedResources;
  /** Email of the service account the container runs as. */
  readonly serviceAccount: string;
  readonly enableContainerLogging: boolean;
  /** Longest wait for one long-running operation (upload, deploy, undeploy, delete), seconds. */
  readonly operationTimeoutSeconds: number;
}

/**
 * The hash that keys a deployment: 16 hex digits of SHA-256 over the config in canonical JSON (keys sorted), so the
 * same image and config always give the same hash whatever order Terraform serialized them in.
 */
export function configHash(config: VertexDeployConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Reads and checks a config (from the step's `input`, as JSON). Terraform may turn numbers into strings inside a
 * dynamic value, so numeric fields are accepted as either and normalized.
 */
export function parseVertexDeployConfig(json: string): VertexDeployConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new Error(`the deploy config is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const problems: string[] = [];
  const obj = (v: unknown, path: string): Record<string, unknown> => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    problems.push(`${path} must be an object`);
    return {};
  };
  const str = (v: unknown, path: string, allowEmpty = false): string => {
    if (typeof v === 'string' && (allowEmpty || v !== '')) return v;
    problems.push(`${path} must be a ${allowEmpty ? '' : 'non-empty '}string`);
    return '';
  };
  const num = (v: unknown, path: string): number => {
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n === 'number' && Number.isFinite(n)) return n;
    problems.push(`${path} must be a number`);
    return 0;
  };
  const bool = (v: unknown, path: string): boolean => {
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    problems.push(`${path} must be true or false`);
    return false;
  };
  const probe = (v: unknown, path: string): VertexProbe => {
    const p = obj(v, path);
    const get = obj(p.httpGet, `${path}.httpGet`);
    const parsed = {
      httpGet: { path: str(get.path, `${path}.httpGet.path`), port: num(get.port, `${path}.httpGet.port`) },
      periodSeconds: num(p.periodSeconds, `${path}.periodSeconds`),
      timeoutSeconds: num(p.timeoutSeconds, `${path}.timeoutSeconds`),
      failureThreshold: num(p.failureThreshold, `${path}.failureThreshold`),
    };
    // The rule models.upload enforces with INVALID_ARGUMENT, checked before anything is uploaded.
    for (const v of VERTEX_PROBE_TIMEOUT.check({ probe: path.split('.').pop() ?? path, ...parsed })) {
      problems.push(`${path}: ${v.value}; ${v.fix} [${VERTEX_PROBE_TIMEOUT.id}: ${VERTEX_PROBE_TIMEOUT.source}]`);
    }
    return parsed;
  };
  const stringMap = (v: unknown, path: string): Record<string, string> => {
    const m = obj(v ?? {}, path);
    return Object.fromEntries(Object.entries(m).map(([k, x]) => [k, str(x, `${path}.${k}`, true)]));
  };
  const list = (v: unknown, path: string): unknown[] => {
    if (Array.isArray(v)) return v;
    problems.push(`${path} must be a list`);
    return [];
  };

  const c = obj(raw, 'config');
  const version = num(c.version, 'version');
  if (version !== VERTEX_DEPLOY_CONFIG_VERSION && problems.length === 0) {
    problems.push(
      `version ${version} is not supported by this deploy command (it reads ${VERTEX_DEPLOY_CONFIG_VERSION})`,
    );
  }
  const cs = obj(c.containerSpec, 'containerSpec');
  const dr = obj(c.dedicatedResources, 'dedicatedResources');
  const ms = obj(dr.machineSpec, 'dedicatedResources.machineSpec');
  const config: VertexDeployConfig = {
    version,
    project: str(c.project, 'project'),
    region: str(c.region, 'region'),
    endpointId: str(c.endpointId, 'endpointId'),
    modelDisplayName: str(c.modelDisplayName, 'modelDisplayName'),
    labels: stringMap(c.labels, 'labels'),
    containerSpec: {
      imageUri: str(cs.imageUri, 'containerSpec.imageUri'),
      env: list(cs.env, 'containerSpec.env').map((e, i) => {
        const o = obj(e, `containerSpec.env[${i}]`);
        return {
          name: str(o.name, `containerSpec.env[${i}].name`),
          value: str(o.value, `containerSpec.env[${i}].value`, true),
        };
      }),
      ports: list(cs.ports, 'containerSpec.ports').map((p, i) => ({
        containerPort: num(
          obj(p, `containerSpec.ports[${i}]`).containerPort,
          `containerSpec.ports[${i}].containerPort`,
        ),
      })),
      predictRoute: str(cs.predictRoute, 'containerSpec.predictRoute'),
      healthRoute: str(cs.healthRoute, 'containerSpec.healthRoute'),
      sharedMemorySizeMb: String(num(cs.sharedMemorySizeMb, 'containerSpec.sharedMemorySizeMb')),
      deploymentTimeout: str(cs.deploymentTimeout, 'containerSpec.deploymentTimeout'),
      startupProbe: probe(cs.startupProbe, 'containerSpec.startupProbe'),
      healthProbe: probe(cs.healthProbe, 'containerSpec.healthProbe'),
    },
    artifactUri: str(c.artifactUri ?? '', 'artifactUri', true),
    dedicatedResources: {
      machineSpec: {
        machineType: str(ms.machineType, 'dedicatedResources.machineSpec.machineType'),
        acceleratorType: str(ms.acceleratorType, 'dedicatedResources.machineSpec.acceleratorType'),
        acceleratorCount: num(ms.acceleratorCount, 'dedicatedResources.machineSpec.acceleratorCount'),
      },
      minReplicaCount: num(dr.minReplicaCount, 'dedicatedResources.minReplicaCount'),
      maxReplicaCount: num(dr.maxReplicaCount, 'dedicatedResources.maxReplicaCount'),
      autoscalingMetricSpecs: list(dr.autoscalingMetricSpecs, 'dedicatedResources.autoscalingMetricSpecs').map(
        (s, i) => {
          const o = obj(s, `dedicatedResources.autoscalingMetricSpecs[${i}]`);
          return {
            metricName: str(o.metricName, `dedicatedResources.autoscalingMetricSpecs[${i}].metricName`),
            target: num(o.target, `dedicatedResources.autoscalingMetricSpecs[${i}].target`),
          };
        },
      ),
    },
    serviceAccount: str(c.serviceAccount, 'serviceAccount'),
    enableContainerLogging: bool(c.enableContainerLogging, 'enableContainerLogging'),
    operationTimeoutSeconds: num(c.operationTimeoutSeconds, 'operationTimeoutSeconds'),
  };
  if (problems.length > 0) {
    throw new Error(`the deploy config is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return config;
}
