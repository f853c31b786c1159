/**
 * The platform rules (lib/core/platform-rules) checked against synthesized output: the values a real deploy would
 * send are read back from the CloudFormation templates and the Terraform JSON — including the ARM templates inside
 * `azurerm_resource_group_template_deployment` and the Vertex deploy config the `terraform_data` step carries — and
 * each rule's own `check` runs on them. `npm run preflight` prints the result; `npm run review` carries it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  AWS_INSTANCES,
  AZURE_INSTANCES,
  cloudRunGpuInstance,
  CLOUD_RUN_L4_DRIVER,
  CONTAINER_APPS_GPU_PROFILES,
  CONTAINER_ENV,
  cudaFit,
  gcpMachine,
  IMAGE_METADATA_KEY,
  isQuantization,
  MODEL_PROFILES,
  PLATFORM_RULES,
  ruleSources,
  sagemakerDriver,
  sagemakerDriverRemedy,
  SUMMARY_METADATA_KEY,
  type AnyPlatformRule,
  type DeploymentSummary,
  type EndpointPut,
  type GpuInstance,
  type HostDriver,
  type ImageRecord,
  type RoleConsumer,
  type RuleTarget,
  type RuleViolation,
  type SizingInput,
} from '../lib/core';

type Json = Record<string, unknown>;

/** One deployment found in the synthesized output, with what the rules read from it. */
export interface SynthesizedDeployment {
  /** The synthesized file it came from. */
  readonly file: string;
  /** `FormDetector (always-on)`. */
  readonly label: string;
  readonly target: RuleTarget;
  readonly summary?: DeploymentSummary;
  /** The values each rule checks, by rule id; a rule without an entry is not checkable on this output. */
  readonly inputs: Readonly<Record<string, RuleInputs>>;
}

/** The inputs of one rule on one deployment: each with what it is, or why none can be read. */
export type RuleInputs =
  | { readonly values: ReadonlyArray<{ readonly what: string; readonly input: unknown }> }
  | { readonly notChecked: string };

export type CheckStatus = 'PASS' | 'FAIL' | 'SKIP';

/** One line of the preflight: a rule on a deployment. */
export interface RuleCheck {
  readonly rule: AnyPlatformRule;
  readonly deployment: SynthesizedDeployment;
  readonly status: CheckStatus;
  /** What was checked (PASS), the violations (FAIL), or why it was not checked (SKIP). */
  readonly detail: string;
  readonly violations: ReadonlyArray<RuleViolation & { readonly what: string }>;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading synthesized output

/** Every deployment in the given cdk.out and cdktf.out directories (missing directories are skipped). */
export function readSynthesizedDeployments(dirs: {
  readonly cdkOut?: readonly string[];
  readonly cdktfOut?: readonly string[];
}): SynthesizedDeployment[] {
  const found: SynthesizedDeployment[] = [];
  for (const dir of dirs.cdkOut ?? []) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)
      .filter((f) => f.endsWith('.template.json'))
      .sort()) {
      found.push(...cloudFormationDeployments(join(dir, f)));
    }
  }
  for (const dir of dirs.cdktfOut ?? []) {
    const stacks = join(dir, 'stacks');
    if (!existsSync(stacks)) continue;
    for (const stack of readdirSync(stacks).sort()) {
      const file = join(stacks, stack, 'cdk.tf.json');
      if (existsSync(file)) found.push(...terraformDeployments(file));
    }
  }
  return found;
}

function label(stack: string, summary: DeploymentSummary | undefined, target: RuleTarget): string {
  const mode = summary?.mode ?? (/component|cloud-run|container-apps/.test(target) ? 'on-demand' : 'always-on');
  return `${stack} (${mode})`;
}

const values = (...items: Array<{ what: string; input: unknown }>): RuleInputs => ({ values: items });
const notChecked = (why: string): RuleInputs => ({ notChecked: why });

/** A number from a literal (number or numeric string); undefined for tokens and expressions. */
function literalNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/** Seconds of a protobuf/Terraform duration (`3600s`) or an ISO-8601 one (`PT2M55S`). */
export function durationSeconds(value: unknown): number | undefined {
  if (typeof value !== 'string') return literalNumber(value);
  const proto = /^(\d+(?:\.\d+)?)s$/.exec(value);
  if (proto) return Number(proto[1]);
  const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value);
  if (!iso || value === 'P' || value === 'PT') return undefined;
  const [, d, h, m, s] = iso;
  return Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
}

/** `: native` or `: by CUDA minor-version compatibility`, when the driver runs the image. */
function fitNote(driver: HostDriver, imageCuda: string): string {
  const fit = cudaFit(driver, imageCuda);
  return fit.runs ? (fit.how === 'native' ? ': native' : ': by CUDA minor-version compatibility') : '';
}

/** The model, quantization and vLLM settings from a container environment, for the vLLM rules. */
function vllmInputs(
  env: Record<string, unknown>,
  instance: GpuInstance | undefined,
  where: string,
): {
  fit: RuleInputs;
  quantization: RuleInputs;
} {
  if (!instance) {
    const why = `the GPU instance could not be read from ${where}`;
    return { fit: notChecked(why), quantization: notChecked(why) };
  }
  const quantization = env[CONTAINER_ENV.quantization];
  const q = typeof quantization === 'string' && isQuantization(quantization) ? quantization : undefined;
  const quantizationInputs = q
    ? values({ what: `${q} on ${instance.gpu.name}`, input: { quantization: q, gpu: instance.gpu } })
    : notChecked(`${CONTAINER_ENV.quantization} is not a literal quantization in the container environment`);
  const baseModel = env[CONTAINER_ENV.baseModel];
  const adapter = env[CONTAINER_ENV.loraAdapter];
  const model = Object.values(MODEL_PROFILES).find((m) => m.baseModel === baseModel || m.loraAdapter === adapter);
  const maxModelLength = literalNumber(env[CONTAINER_ENV.maxModelLen]);
  const gpuMemoryUtilization = literalNumber(env[CONTAINER_ENV.gpuMemoryUtilization]);
  if (!model || !q || maxModelLength === undefined || gpuMemoryUtilization === undefined) {
    return {
      quantization: quantizationInputs,
      fit: notChecked(
        'the model profile is not recoverable from the container environment (weights from a local path); ' +
          'checked at synth',
      ),
    };
  }
  const input: SizingInput = { model, quantization: q, instance, maxModelLength, gpuMemoryUtilization };
  return {
    quantization: quantizationInputs,
    fit: values({
      what: `Qwen3-VL-${model.name} ${q} on ${instance.instanceType} at ${maxModelLength} tokens`,
      input,
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// AWS: CloudFormation

function cloudFormationDeployments(file: string): SynthesizedDeployment[] {
  const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources?: Record<string, Json> };
  const resources = template.Resources ?? {};
  const stack = basename(file).replace(/\.template\.json$/, '');
  const byType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const props = (r: Json) => (r.Properties ?? {}) as Json;
  const refName = (v: unknown): string | undefined => {
    const getAtt = (v as Json | undefined)?.['Fn::GetAtt'];
    return Array.isArray(getAtt) ? String(getAtt[0]) : undefined;
  };

  return byType('AWS::SageMaker::Endpoint').map(([, endpoint]) => {
    const summary = (endpoint.Metadata as Json | undefined)?.[SUMMARY_METADATA_KEY] as DeploymentSummary | undefined;
    const configId = refName(props(endpoint).EndpointConfigName);
    const config = configId ? resources[configId] : undefined;
    const configProps = config ? props(config) : {};
    const variants = (configProps.ProductionVariants as Json[] | undefined) ?? [];
    const variant = variants[0] ?? {};
    const endpointId = Object.entries(resources).find(([, r]) => r === endpoint)?.[0];
    const component = byType('AWS::SageMaker::InferenceComponent').find(
      ([, r]) => refName(props(r).EndpointName) === endpointId,
    )?.[1];
    const modelId = component
      ? refName(((props(component).Specification ?? {}) as Json).ModelName)
      : refName(variant.ModelName);
    const model = modelId ? resources[modelId] : undefined;
    const env = (((model ? props(model).PrimaryContainer : undefined) ?? {}) as Json).Environment as
      Record<string, unknown> | undefined;
    const image = (model?.Metadata as Json | undefined)?.[IMAGE_METADATA_KEY] as ImageRecord | undefined;
    const target: RuleTarget = component ? 'sagemaker-inference-component' : 'sagemaker-endpoint';
    const instanceType = typeof variant.InstanceType === 'string' ? variant.InstanceType : undefined;
    const instance = instanceType ? (AWS_INSTANCES as Record<string, GpuInstance>)[instanceType] : undefined;
    const ami = typeof variant.InferenceAmiVersion === 'string' ? variant.InferenceAmiVersion : undefined;

    const inputs: Record<string, RuleInputs> = {};
    const timeouts = [
      ['ContainerStartupHealthCheckTimeoutInSeconds', variant.ContainerStartupHealthCheckTimeoutInSeconds],
      ['ModelDataDownloadTimeoutInSeconds', variant.ModelDataDownloadTimeoutInSeconds],
      ...(component
        ? Object.entries(((props(component).Specification as Json)?.StartupParameters ?? {}) as Json).map(
            ([k, v]) => [`InferenceComponent ${k}`, v] as const,
          )
        : []),
    ] as const;
    inputs['sagemaker.startup-timeouts'] = values(
      ...timeouts
        .filter(([, v]) => v !== undefined)
        .map(([what, v]) => ({ what: `${what} ${String(v)}`, input: { seconds: literalNumber(v) ?? Number.NaN } })),
    );
    if (instanceType) {
      const amiInput = { inferenceAmiVersion: ami, instanceType };
      const amiWhat = `InferenceAmiVersion ${ami ?? '(none)'} on ${instanceType}`;
      for (const id of [
        'sagemaker.inference-ami-set',
        'sagemaker.inference-ami-accepted',
        'sagemaker.inference-ami-instance',
      ]) {
        inputs[id] = values({ what: amiWhat, input: amiInput });
      }
      const driver = sagemakerDriver(ami);
      inputs['sagemaker.ami-driver-runs-image'] = !image?.cudaVersion
        ? notChecked(`the model records no image CUDA version (${IMAGE_METADATA_KEY} metadata)`)
        : !driver
          ? notChecked(`the AMI ${ami} has no known driver (see sagemaker.inference-ami-accepted)`)
          : values({
              what: `${ami ?? 'default AMI'} (driver ${driver.branch}, CUDA ${driver.cuda}) with an image of CUDA ${image.cudaVersion}${fitNote(driver, image.cudaVersion)}`,
              input: {
                driver,
                imageCuda: image.cudaVersion,
                host: ami ? `AMI ${ami}` : `SageMaker's default AMI for ${instanceType}`,
                remedy: sagemakerDriverRemedy(image.cudaVersion),
              },
            });
      const storage = {
        instanceType,
        localNvme: instance?.localNvme ?? false,
        volumeSizeGb: literalNumber(variant.VolumeSizeInGB),
        kmsKey: configProps.KmsKeyId !== undefined,
      };
      const storageWhat = `${instanceType}: VolumeSizeInGB ${String(variant.VolumeSizeInGB ?? 'unset')}, KmsKeyId ${
        configProps.KmsKeyId === undefined ? 'unset' : 'set'
      }`;
      for (const id of ['sagemaker.nvme-no-volume-size', 'sagemaker.volume-size-range', 'sagemaker.nvme-no-kms-key']) {
        inputs[id] = values({ what: storageWhat, input: storage });
      }
    }
    if (env) {
      const literal = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : undefined] as const),
      );
      inputs['sagemaker.environment-limits'] = values({
        what: `${Object.keys(env).length} variables`,
        input: { environment: literal },
      });
      const timeout = literalNumber(env[CONTAINER_ENV.requestTimeoutMs]);
      inputs['sagemaker.invocation-timeout'] =
        timeout === undefined
          ? notChecked(`${CONTAINER_ENV.requestTimeoutMs} is not a literal`)
          : values({ what: `${CONTAINER_ENV.requestTimeoutMs} ${timeout}`, input: { requestTimeoutMs: timeout } });
      const vllm = vllmInputs(env, instance, 'the production variant');
      inputs['vllm.gpu-memory-fit'] = vllm.fit;
      inputs['vllm.quantization-compute-capability'] = vllm.quantization;
    }
    const name = props(endpoint).EndpointName;
    inputs['sagemaker.endpoint-name'] =
      typeof name === 'string'
        ? values({ what: name, input: { name } })
        : notChecked('the endpoint name is generated by CloudFormation at deploy time');
    if (component) {
      const icName = props(component).InferenceComponentName;
      inputs['sagemaker.inference-component-name'] =
        typeof icName === 'string'
          ? values({ what: icName, input: { name: icName } })
          : notChecked('the inference component name is only known at deploy time');
    }
    return { file, label: label(stack, summary, target), target, summary, inputs };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// GCP and Azure: Terraform JSON

interface TerraformConfig {
  readonly resource?: Record<string, Record<string, Json>>;
  readonly locals?: Record<string, unknown>;
}

function terraformDeployments(file: string): SynthesizedDeployment[] {
  const config = JSON.parse(readFileSync(file, 'utf8')) as TerraformConfig;
  const stack = basename(dirname(file));
  const resources = config.resource ?? {};
  const found: SynthesizedDeployment[] = [];
  for (const resource of Object.values(resources.google_vertex_ai_endpoint ?? {})) {
    found.push(vertexDeployment(file, stack, config, resource));
  }
  for (const resource of Object.values(resources.google_cloud_run_v2_service ?? {})) {
    found.push(cloudRunDeployment(file, stack, resource));
  }
  for (const resource of Object.values(resources.azurerm_resource_group_template_deployment ?? {})) {
    const template = parseJson(resource.template_content);
    const types = ((template?.resources as Json[] | undefined) ?? []).map((r) => r.type);
    if (types.includes('Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments')) {
      found.push(azureMlDeployment(file, stack, config, resource, template as Json));
    }
  }
  for (const resource of Object.values(resources.azurerm_container_app ?? {})) {
    found.push(containerAppsDeployment(file, stack, config, resource));
  }
  return found;
}

function parseJson(value: unknown): Json | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value) as Json;
  } catch {
    return undefined;
  }
}

const metadata = (resource: Json, key: string): unknown => (resource['//'] as Json | undefined)?.[key];

function envFromList(list: unknown): Record<string, unknown> {
  return Object.fromEntries(
    ((list as Array<{ name: string; value: unknown }> | undefined) ?? []).map((e) => [e.name, e.value]),
  );
}

function vertexDeployment(file: string, stack: string, config: TerraformConfig, endpoint: Json): SynthesizedDeployment {
  const summary = metadata(endpoint, SUMMARY_METADATA_KEY) as DeploymentSummary | undefined;
  const deployConfig = Object.values(config.locals ?? {}).find(
    (l) => (l as Json | undefined)?.containerSpec !== undefined && (l as Json).dedicatedResources !== undefined,
  ) as Json | undefined;
  const inputs: Record<string, RuleInputs> = {};
  if (!deployConfig) {
    const why = 'no Vertex deploy config (terraform_data input) in the stack';
    for (const id of ['vertex.probe-timeout-exceeds-period', 'vertex.deployment-timeout', 'gce.accelerator-machine']) {
      inputs[id] = notChecked(why);
    }
  } else {
    const spec = deployConfig.containerSpec as Json;
    inputs['vertex.probe-timeout-exceeds-period'] = values(
      ...(['startupProbe', 'healthProbe'] as const).map((probe) => {
        const p = (spec[probe] ?? {}) as Json;
        const periodSeconds = literalNumber(p.periodSeconds) ?? Number.NaN;
        const timeoutSeconds = literalNumber(p.timeoutSeconds) ?? Number.NaN;
        return {
          what: `${probe} period ${periodSeconds} s, timeout ${timeoutSeconds} s`,
          input: { probe, periodSeconds, timeoutSeconds },
        };
      }),
    );
    const timeout = durationSeconds(spec.deploymentTimeout);
    inputs['vertex.deployment-timeout'] = values({
      what: `deploymentTimeout ${String(spec.deploymentTimeout)}`,
      input: { seconds: timeout ?? Number.NaN },
    });
    const machine = ((deployConfig.dedicatedResources as Json).machineSpec ?? {}) as Json;
    inputs['gce.accelerator-machine'] = values({
      what: `${String(machine.machineType)} + ${String(machine.acceleratorType)}`,
      input: { machineType: String(machine.machineType), acceleratorType: String(machine.acceleratorType) },
    });
    const env = envFromList(spec.env);
    const timeoutMs = literalNumber(env[CONTAINER_ENV.requestTimeoutMs]);
    inputs['vertex.inference-timeout'] =
      timeoutMs === undefined
        ? notChecked(`${CONTAINER_ENV.requestTimeoutMs} is not a literal`)
        : values({ what: `${CONTAINER_ENV.requestTimeoutMs} ${timeoutMs}`, input: { requestTimeoutMs: timeoutMs } });
    const lookup = gcpMachine(
      String(machine.machineType),
      String(machine.acceleratorType),
      literalNumber(machine.acceleratorCount) ?? 1,
    );
    const vllm = vllmInputs(env, lookup.ok ? lookup.value : undefined, 'the deploy config machine spec');
    inputs['vllm.gpu-memory-fit'] = vllm.fit;
    inputs['vllm.quantization-compute-capability'] = vllm.quantization;
  }
  return {
    file,
    label: label(stack, summary, 'vertex-endpoint'),
    target: 'vertex-endpoint',
    summary,
    inputs,
  };
}

function cloudRunDeployment(file: string, stack: string, service: Json): SynthesizedDeployment {
  const summary = metadata(service, SUMMARY_METADATA_KEY) as DeploymentSummary | undefined;
  const image = metadata(service, IMAGE_METADATA_KEY) as ImageRecord | undefined;
  const template = (service.template ?? {}) as Json;
  const container = (((template.containers as Json[] | undefined) ?? [])[0] ?? {}) as Json;
  const limits = ((container.resources as Json | undefined)?.limits ?? {}) as Json;
  const cpu = literalNumber(limits.cpu);
  const memoryGiB = typeof limits.memory === 'string' ? literalNumber(limits.memory.replace(/Gi$/, '')) : undefined;
  const startup = (container.startup_probe ?? {}) as Json;
  const liveness = (container.liveness_probe ?? {}) as Json;
  const startupInput = {
    initialDelaySeconds: literalNumber(startup.initial_delay_seconds) ?? 0,
    periodSeconds: literalNumber(startup.period_seconds) ?? 10,
    failureThreshold: literalNumber(startup.failure_threshold) ?? 3,
  };
  const inputs: Record<string, RuleInputs> = {
    'cloud-run.gpu-cpu-memory':
      cpu === undefined || memoryGiB === undefined
        ? notChecked('cpu or memory is not a literal')
        : values({ what: `${cpu} vCPU, ${memoryGiB} GiB`, input: { cpu, memoryGiB } }),
    'cloud-run.startup-probe-window': values({
      what: `${startupInput.failureThreshold} × ${startupInput.periodSeconds} s`,
      input: startupInput,
    }),
    'cloud-run.startup-initial-delay': values({
      what: `initial delay ${startupInput.initialDelaySeconds} s`,
      input: startupInput,
    }),
    'cloud-run.probe-period-covers-timeout': values(
      ...(
        [
          ['startupProbe', startup],
          ['livenessProbe', liveness],
        ] as const
      )
        .filter(([, p]) => Object.keys(p).length > 0)
        .map(([probe, p]) => {
          const periodSeconds = literalNumber(p.period_seconds) ?? 10;
          const timeoutSeconds = literalNumber(p.timeout_seconds) ?? 1;
          return {
            what: `${probe} period ${periodSeconds} s, timeout ${timeoutSeconds} s`,
            input: { probe, periodSeconds, timeoutSeconds },
          };
        }),
    ),
    'cloud-run.gpu-region':
      typeof service.location === 'string'
        ? values({ what: service.location, input: { region: service.location } })
        : notChecked('the location is not a literal'),
    'cloud-run.request-timeout': values({
      what: `timeout ${String(template.timeout)}`,
      input: { seconds: durationSeconds(template.timeout) ?? Number.NaN },
    }),
    'cloud-run.driver-runs-image': image?.cudaVersion
      ? values({
          what: `driver ${CLOUD_RUN_L4_DRIVER.version} (CUDA ${CLOUD_RUN_L4_DRIVER.cuda}) with an image of CUDA ${image.cudaVersion}${fitNote(CLOUD_RUN_L4_DRIVER, image.cudaVersion)}`,
          input: {
            driver: CLOUD_RUN_L4_DRIVER,
            imageCuda: image.cudaVersion,
            host: "Cloud Run's L4 driver",
            remedy: 'serve a CUDA 12.x build of the image, or use Vertex AI',
          },
        })
      : notChecked(`the image's CUDA version is not recorded (an image passed in without imageCudaVersion)`),
  };
  const vllm = vllmInputs(
    envFromList(container.env),
    cpu !== undefined && memoryGiB !== undefined ? cloudRunGpuInstance(cpu, memoryGiB) : undefined,
    'the container resources',
  );
  inputs['vllm.gpu-memory-fit'] = vllm.fit;
  inputs['vllm.quantization-compute-capability'] = vllm.quantization;
  return {
    file,
    label: label(stack, summary, 'cloud-run-service'),
    target: 'cloud-run-service',
    summary,
    inputs,
  };
}

/** The literal string values of an HCL `"NAME" = "value"` map inside parameters_content (jsonencode of HCL). */
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

function azureMlDeployment(
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
    'azure-monitor.autoscale-cooldown':
      cooldowns.length === 0
        ? notChecked('no autoscale setting in the stack')
        : values(
            ...cooldowns.map((c) => ({ what: `cooldown ${c}`, input: { seconds: durationSeconds(c) ?? Number.NaN } })),
          ),
  };
  const vllm = vllmInputs(env, (AZURE_INSTANCES as Record<string, GpuInstance>)[instanceType], 'the ARM deployment');
  inputs['vllm.gpu-memory-fit'] = vllm.fit;
  inputs['vllm.quantization-compute-capability'] = vllm.quantization;
  return { file, label: label(stack, summary, 'azure-ml-endpoint'), target: 'azure-ml-endpoint', summary, inputs };
}

function containerAppsDeployment(
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
  };
  const vllm = vllmInputs(
    envFromList(container.env),
    (CONTAINER_APPS_GPU_PROFILES as Record<string, GpuInstance>)[profile],
    'the GPU workload profile',
  );
  inputs['vllm.gpu-memory-fit'] = vllm.fit;
  inputs['vllm.quantization-compute-capability'] = vllm.quantization;
  return {
    file,
    label: label(stack, summary, 'container-apps-service'),
    target: 'container-apps-service',
    summary,
    inputs,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Checking

/** Every rule that applies to each deployment, checked: one result per rule and deployment. */
export function checkPlatformRules(deployments: readonly SynthesizedDeployment[]): RuleCheck[] {
  const checks: RuleCheck[] = [];
  for (const deployment of deployments) {
    for (const rule of PLATFORM_RULES.filter((r) => r.appliesTo.includes(deployment.target))) {
      checks.push(checkOne(rule, deployment));
    }
  }
  return checks;
}

function checkOne(rule: AnyPlatformRule, deployment: SynthesizedDeployment): RuleCheck {
  const skip = (detail: string): RuleCheck => ({ rule, deployment, status: 'SKIP', detail, violations: [] });
  if (rule.preflight !== true) return skip(`not checkable on synthesized output: ${rule.preflight.notChecked}`);
  const inputs = deployment.inputs[rule.id];
  if (!inputs) return skip('not read from this output');
  if ('notChecked' in inputs) return skip(inputs.notChecked);
  if (inputs.values.length === 0) return skip('nothing to check here');
  const violations = inputs.values.flatMap(({ what, input }) =>
    rule.check(input).map((v: RuleViolation) => ({ ...v, what })),
  );
  if (violations.length > 0) {
    return {
      rule,
      deployment,
      status: 'FAIL',
      detail: violations.map((v) => `${v.at ? `${v.at}: ` : ''}${v.value} — ${v.fix}`).join(' | '),
      violations,
    };
  }
  return { rule, deployment, status: 'PASS', detail: inputs.values.map((v) => v.what).join('; '), violations: [] };
}

/** The rules no deployment in the output exercised (each is then listed once, as not applicable). */
export function unexercisedRules(checks: readonly RuleCheck[]): AnyPlatformRule[] {
  const seen = new Set(checks.map((c) => c.rule.id));
  return PLATFORM_RULES.filter((r) => !seen.has(r.id));
}

/** One line per rule and deployment: status, rule id, deployment, value or reason, source URL. */
export function formatChecks(checks: readonly RuleCheck[]): string {
  const idWidth = Math.max(...PLATFORM_RULES.map((r) => r.id.length));
  const labelWidth = Math.max(0, ...checks.map((c) => c.deployment.label.length));
  const lines = checks.map(
    (c) =>
      `${c.status}  ${c.rule.id.padEnd(idWidth)}  ${c.deployment.label.padEnd(labelWidth)}  ${c.detail}  <${c.rule.source}>`,
  );
  for (const rule of unexercisedRules(checks)) {
    lines.push(
      `SKIP  ${rule.id.padEnd(idWidth)}  ${'(no deployment)'.padEnd(labelWidth)}  no synthesized deployment it applies to  <${rule.source}>`,
    );
  }
  return lines.join('\n');
}

/** `32 rules × 6 deployments: 150 pass, 0 fail, 20 not checkable`. */
export function summarizeChecks(checks: readonly RuleCheck[]): string {
  const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  const deployments = new Set(checks.map((c) => c.deployment)).size;
  return (
    `${PLATFORM_RULES.length} rules × ${deployments} deployments: ${count('PASS')} pass, ${count('FAIL')} fail, ` +
    `${count('SKIP')} not checkable on the output`
  );
}

/** The rule table itself: id, platform, statement, where it is enforced, sources, what is unverified. */
export function ruleTableRows(): string[][] {
  const where = (e: AnyPlatformRule['synth']) => (e === true ? 'yes' : `no (${e.notChecked})`);
  return [
    ['rule', 'platform', 'statement', 'synth', 'preflight', 'source', 'unverified'],
    ...PLATFORM_RULES.map((r) => [
      r.id,
      r.platform,
      r.statement,
      where(r.synth),
      where(r.preflight),
      ruleSources(r).join(' ; '),
      r.unverified ?? '',
    ]),
  ];
}
