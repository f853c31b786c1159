/**
 * What the preflight reads off synthesized output: one deployment per detector construct, with the values each
 * platform rule checks (or why it cannot), and the helpers the per-cloud readers share.
 */
import {
  CONTAINER_ENV,
  cudaFit,
  huggingFaceDownloadGiB,
  isQuantization,
  MODEL_PROFILES,
  PLATFORM_LIMITS,
  type AnyPlatformRule,
  type DeploymentSummary,
  type GpuInstance,
  type GpuMemoryFitInput,
  type HostDriver,
  type ModelProfile,
  type Platform,
  type RuleTarget,
  type RuleViolation,
} from '../../lib/core';

export type Json = Record<string, unknown>;

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

/** WARN: a warning rule (an estimate, not a limit) is broken; it does not fail the preflight. */
export type CheckStatus = 'PASS' | 'FAIL' | 'WARN' | 'SKIP';

/** One line of the preflight: a rule on a deployment. */
export interface RuleCheck {
  readonly rule: AnyPlatformRule;
  readonly deployment: SynthesizedDeployment;
  readonly status: CheckStatus;
  /** What was checked (PASS), the violations (FAIL), or why it was not checked (SKIP). */
  readonly detail: string;
  readonly violations: ReadonlyArray<RuleViolation & { readonly what: string }>;
}

/** The platform (and so the GPU choice) of each target, for the sizing rule's fix. */
const TARGET_PLATFORMS: Readonly<Record<RuleTarget, Platform>> = {
  'sagemaker-endpoint': 'sagemaker',
  'sagemaker-inference-component': 'sagemaker',
  'vertex-endpoint': 'vertex',
  'cloud-run-service': 'cloudRun',
  'azure-ml-endpoint': 'azureMl',
  'container-apps-service': 'containerApps',
};

export function label(stack: string, summary: DeploymentSummary | undefined, target: RuleTarget): string {
  const mode = summary?.mode ?? (/component|cloud-run|container-apps/.test(target) ? 'on-demand' : 'always-on');
  return `${stack} (${mode})`;
}

export const values = (...items: Array<{ what: string; input: unknown }>): RuleInputs => ({ values: items });
export const notChecked = (why: string): RuleInputs => ({ notChecked: why });

/** A number from a literal (number or numeric string); undefined for tokens and expressions. */
export function literalNumber(value: unknown): number | undefined {
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
export function fitNote(driver: HostDriver, imageCuda: string): string {
  const fit = cudaFit(driver, imageCuda);
  return fit.runs ? (fit.how === 'native' ? ': native' : ': by CUDA minor-version compatibility') : '';
}

/** A deployment read off the output, labelled with its stack and mode. */
export function deploymentOf(
  file: string,
  stack: string,
  target: RuleTarget,
  summary: DeploymentSummary | undefined,
  inputs: Readonly<Record<string, RuleInputs>>,
): SynthesizedDeployment {
  return { file, label: label(stack, summary, target), target, summary, inputs };
}

/** The vLLM rules' inputs (memory fit, quantization on the GPU), by rule id, from a container environment. */
export function vllmInputs(
  env: Record<string, unknown>,
  instance: GpuInstance | undefined,
  where: string,
  target: RuleTarget,
): Record<string, RuleInputs> {
  const byRule = (r: { fit: RuleInputs; quantization: RuleInputs }): Record<string, RuleInputs> => ({
    'vllm.gpu-memory-fit': r.fit,
    'vllm.quantization-compute-capability': r.quantization,
  });
  return byRule(vllmRuleInputs(env, instance, where, target));
}

function vllmRuleInputs(
  env: Record<string, unknown>,
  instance: GpuInstance | undefined,
  where: string,
  target: RuleTarget,
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
  const input: GpuMemoryFitInput = {
    model,
    quantization: q,
    instance,
    maxModelLength,
    gpuMemoryUtilization,
    gpu: PLATFORM_LIMITS[TARGET_PLATFORMS[target]].gpu,
  };
  return {
    quantization: quantizationInputs,
    fit: values({
      what: `Qwen3-VL-${model.name} ${q} on ${instance.instanceType} at ${maxModelLength} tokens`,
      input,
    }),
  };
}

export interface TerraformConfig {
  readonly resource?: Record<string, Record<string, Json>>;
  readonly locals?: Record<string, unknown>;
}

export function parseJson(value: unknown): Json | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value) as Json;
  } catch {
    return undefined;
  }
}

export const metadata = (resource: Json, key: string): unknown => (resource['//'] as Json | undefined)?.[key];

export function envFromList(list: unknown): Record<string, unknown> {
  return Object.fromEntries(
    ((list as Array<{ name: string; value: unknown }> | undefined) ?? []).map((e) => [e.name, e.value]),
  );
}

/**
 * The inputs of rule weights.store-staged-before-start: the store resource the deployment reads when the same deploy
 * creates it (else undefined), and whether the platform starts the container at deploy.
 */
export function storeOrderInputs(
  serving: string,
  sameDeployStore: string | undefined,
  startsAtDeploy: boolean,
): RuleInputs {
  return values({
    what:
      sameDeployStore === undefined
        ? 'reads no store created by the same deploy'
        : `reads ${sameDeployStore}, created by the same deploy; ${startsAtDeploy ? 'starts the container at deploy' : 'starts nothing at deploy'}`,
    input: {
      serving,
      store: sameDeployStore ?? '(none)',
      storeCreatedInSameDeploy: sameDeployStore !== undefined,
      startsAtDeploy,
    },
  });
}

/** The first `${<type>.<name>…}` reference to one of `types` in a Terraform value, as `<type>.<name>`. */
export function terraformReferenceTo(value: unknown, types: readonly string[]): string | undefined {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  for (const type of types) {
    const match = new RegExp(`\\$\\{${type}\\.([\\w-]+)\\.`).exec(text);
    if (match) return `${type}.${match[1]}`;
  }
  return undefined;
}

/**
 * Where a synthesized container's weights come from, read off its environment: a store (MODEL_WEIGHTS_DIR), a
 * directory in the image (an absolute or relative BASE_MODEL), or a Hugging Face download at start — with the model
 * profile when BASE_MODEL is one, and then the download's size.
 */
export interface WeightsOrigin {
  readonly source: 'store' | 'image' | 'huggingface';
  /** MODEL_WEIGHTS_DIR and MODEL_WEIGHTS_URI, for a store. */
  readonly storeDir?: string;
  readonly storeUri?: string;
  readonly model?: ModelProfile;
  /** GiB downloaded at every start: 0 from a store or the image; undefined when the base model is not a profile. */
  readonly downloadGiB?: number;
}

export function weightsOrigin(env: Record<string, unknown>): WeightsOrigin {
  const baseModel = env[CONTAINER_ENV.baseModel];
  const storeDir = env[CONTAINER_ENV.modelWeightsDir];
  const model = Object.values(MODEL_PROFILES).find((m) => m.baseModel === baseModel);
  if (typeof storeDir === 'string') {
    return { source: 'store', storeDir, storeUri: String(env[CONTAINER_ENV.modelWeightsUri]), model, downloadGiB: 0 };
  }
  if (typeof baseModel === 'string' && (baseModel.startsWith('/') || baseModel.startsWith('.'))) {
    return { source: 'image', model, downloadGiB: 0 };
  }
  return { source: 'huggingface', model, downloadGiB: model ? huggingFaceDownloadGiB({ model }) : undefined };
}
