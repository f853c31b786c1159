/**
 * Weights staged in the cloud's store (CONTRACT.md "Model files"): MODEL_WEIGHTS_DIR names the directory the
 * container reads them from — a mounted volume (Cloud Run Cloud Storage volume, Container Apps Azure Files volume),
 * /opt/ml/model, or `platform` for where the platform put the model (SageMaker /opt/ml/model, Azure ML
 * AZUREML_MODEL_DIR, Vertex AI's gs:// AIP_STORAGE_URI copied to local disk first).
 *
 * The layout is the contract's WEIGHTS_LAYOUT: the base model's snapshot at the root, the adapter's in `adapter/`.
 * The store is checked before vLLM starts: config.json, the safetensors shards (all those the index names), and the
 * adapter's config and weights. Anything missing keeps the container not ready with an error that names the path,
 * what is missing and the staging command; it never falls back to Hugging Face.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Logger } from 'pino';
import { ENV, WEIGHTS_LAYOUT, weightsStagingCommands } from './contract';
import type { Config } from './config';
import { copyFromGcs } from './model-files';

/** A store that holds everything vLLM needs. */
export interface CompleteStore {
  readonly complete: true;
  /** The directory checked (after following the platform's nesting). */
  readonly dir: string;
  /** The base model directory vLLM is given. */
  readonly model: string;
  /** The adapter directory vLLM is given; null without an adapter. */
  readonly adapter: string | null;
}

/** A store that does not (yet) hold everything: the container stays not ready. */
export interface IncompleteStore {
  readonly complete: false;
  readonly dir: string;
  /** What is missing, as paths relative to `dir` or as a sentence. */
  readonly missing: string[];
  /** The commands that stage the weights. */
  readonly staging: string[];
  /** One line for the log and the health answer. */
  readonly message: string;
}

export type StoreCheck = CompleteStore | IncompleteStore;

async function entriesOf(dir: string): Promise<string[] | null> {
  try {
    return await readdir(dir);
  } catch {
    return null;
  }
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}

/**
 * Azure ML mounts a registered model at `AZUREML_MODEL_DIR/<folder>/…`: a root without config.json or adapter/ whose
 * only entry is a directory is followed into it.
 */
async function followSingleDirectory(dir: string): Promise<string> {
  const entries = (await entriesOf(dir)) ?? [];
  if (entries.includes('config.json') || entries.includes(WEIGHTS_LAYOUT.adapterDirectory)) return dir;
  const visible = entries.filter((e) => !e.startsWith('.'));
  if (visible.length !== 1) return dir;
  const only = join(dir, visible[0]);
  return (await stat(only).catch(() => null))?.isDirectory() ? only : dir;
}

/** What a Hugging Face model snapshot lacks: config.json and the safetensors weights (every shard the index names). */
export async function missingModelFiles(dir: string): Promise<string[]> {
  const entries = await entriesOf(dir);
  if (entries === null) return ['the directory itself (it does not exist)'];
  if (entries.length === 0) return ['everything (the directory is empty)'];
  const missing: string[] = [];
  if (!entries.includes('config.json')) missing.push('config.json');
  const index = 'model.safetensors.index.json';
  if (entries.includes(index)) {
    let shards: string[] = [];
    try {
      const parsed = JSON.parse(await readFile(join(dir, index), 'utf8')) as { weight_map?: Record<string, string> };
      shards = [...new Set(Object.values(parsed.weight_map ?? {}))];
      if (shards.length === 0) missing.push(`the shards (${index} names none)`);
    } catch (error) {
      missing.push(`a readable ${index} (${(error as Error).message})`);
    }
    for (const shard of shards.sort()) {
      if (!(await isFile(join(dir, shard)))) missing.push(`${shard} (named by ${index})`);
    }
  } else if (!entries.some((e) => e.endsWith('.safetensors'))) {
    missing.push('*.safetensors weights (or model.safetensors.index.json and its shards)');
  }
  return missing;
}

/** What a PEFT LoRA adapter snapshot lacks: adapter_config.json and adapter_model.safetensors (or .bin). */
export async function missingAdapterFiles(dir: string): Promise<string[]> {
  const entries = await entriesOf(dir);
  if (entries === null || entries.length === 0) {
    return ['adapter_config.json', 'adapter_model.safetensors'];
  }
  const missing: string[] = [];
  if (!entries.includes('adapter_config.json')) missing.push('adapter_config.json');
  if (!entries.includes('adapter_model.safetensors') && !entries.includes('adapter_model.bin')) {
    missing.push('adapter_model.safetensors');
  }
  return missing;
}

/** The directory MODEL_WEIGHTS_DIR names, copying a gs:// AIP_STORAGE_URI to local disk first. */
export async function storeDirectory(
  config: Config,
  logger: Logger,
): Promise<{ dir: string } | { problem: string; dir: string }> {
  const setting = config.modelWeightsDir ?? '';
  if (setting !== WEIGHTS_LAYOUT.platform) return { dir: setting };
  switch (config.platform) {
    case 'sagemaker':
      return { dir: config.sagemakerModelDir };
    case 'azure':
      return { dir: config.azureModelDir ?? '' };
    case 'vertex': {
      const uri = config.aipStorageUri;
      if (!uri) {
        return { dir: '(none)', problem: `${ENV.vertexStorageUri} is not set: give the model an artifactUri` };
      }
      if (!uri.startsWith('gs://')) return { dir: uri };
      try {
        await copyFromGcs(uri, config.modelCacheDir, {
          apiBaseUrl: config.gcsApiBaseUrl,
          metadataHost: config.gceMetadataHost,
          logger,
        });
      } catch (error) {
        return { dir: uri, problem: `copying ${uri} failed: ${(error as Error).message}` };
      }
      return { dir: config.modelCacheDir };
    }
    default:
      return {
        dir: '(none)',
        problem:
          `${ENV.modelWeightsDir}=${WEIGHTS_LAYOUT.platform} needs a platform that places the model (SageMaker, ` +
          'Azure ML or Vertex AI); give the directory instead',
      };
  }
}

/** Checks the store and says what vLLM is given, or what is missing. */
export async function checkStore(config: Config, logger: Logger): Promise<StoreCheck> {
  const staging = weightsStagingCommands({
    baseModel: isAbsolute(config.baseModel) ? '<base model id>' : config.baseModel,
    loraAdapter: config.loraAdapter && !isAbsolute(config.loraAdapter) ? config.loraAdapter : null,
    storeUri: config.modelWeightsUri ?? config.modelWeightsDir ?? '',
  });
  const incomplete = (dir: string, missing: string[]): IncompleteStore => ({
    complete: false,
    dir,
    missing,
    staging,
    message:
      `model weights at ${dir} are incomplete: missing ${missing.join(', ')}. Stage them (base model at the ` +
      `root, adapter in ${WEIGHTS_LAYOUT.adapterDirectory}/) with: ${staging.join(' && ')}`,
  });

  const located = await storeDirectory(config, logger);
  if ('problem' in located) return incomplete(located.dir, [located.problem]);
  if (located.dir === '') return incomplete('(unset)', [`${ENV.azureModelDir} (Azure ML sets it for a model)`]);
  const dir = await followSingleDirectory(located.dir);
  // A BASE_MODEL or LORA_ADAPTER that is an absolute path names a directory of its own (a custom layout).
  const model = isAbsolute(config.baseModel) ? config.baseModel : dir;
  const adapter = config.loraAdapter
    ? isAbsolute(config.loraAdapter)
      ? config.loraAdapter
      : join(dir, WEIGHTS_LAYOUT.adapterDirectory)
    : null;
  const relative = (path: string, file: string) =>
    path === dir ? file : path.startsWith(`${dir}/`) ? `${path.slice(dir.length + 1)}/${file}` : join(path, file);
  const missing = (await missingModelFiles(model)).map((f) => (f.includes(' ') ? f : relative(model, f)));
  if (adapter) {
    missing.push(...(await missingAdapterFiles(adapter)).map((f) => relative(adapter, f)));
  }
  if (missing.length > 0) return incomplete(dir, missing);
  return { complete: true, dir, model, adapter };
}
