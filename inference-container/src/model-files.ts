/**
 * Where vLLM loads the model from (CONTRACT.md "Model files"):
 * - SageMaker: a non-empty /opt/ml/model is the base model directory; its `adapter/` subdirectory, when
 *   present, is the adapter.
 * - Azure ML: AZUREML_MODEL_DIR likewise (Azure nests registered models one level down, so a single
 *   subdirectory holding config.json is followed).
 * - Vertex AI: a gs:// AIP_STORAGE_URI is copied to local disk first (GCS JSON API, with the token of the
 *   instance's service account from the metadata server), then treated likewise.
 * - Otherwise BASE_MODEL and LORA_ADAPTER are passed to vLLM as Hugging Face ids.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { Agent, RetryAgent, request, type Dispatcher } from 'undici';
import type { Config } from './config';

export interface ModelFiles {
  model: string;
  adapter: string | null;
  source: 'sagemaker' | 'azure' | 'vertex' | 'hub' | 'store';
}

async function entriesOf(dir: string): Promise<string[] | null> {
  try {
    return await readdir(dir);
  } catch {
    return null;
  }
}

async function isNonEmptyDir(dir: string): Promise<boolean> {
  const entries = await entriesOf(dir);
  return entries !== null && entries.length > 0;
}

const looksLikeModel = (entries: string[]) =>
  entries.includes('config.json') || entries.some((e) => e.endsWith('.safetensors'));

/** Base model and adapter from a model directory, or null when the directory is absent or empty. */
export async function fromModelDirectory(
  dir: string,
  config: Pick<Config, 'baseModel' | 'loraAdapter'>,
): Promise<{ model: string; adapter: string | null } | null> {
  const entries = await entriesOf(dir);
  if (!entries || entries.length === 0) return null;
  let root = dir;
  if (!looksLikeModel(entries) && !entries.includes('adapter')) {
    // Azure ML mounts <model name>/<version>/...: follow a single subdirectory that holds the model.
    const subdirs = [];
    for (const entry of entries) {
      if ((await stat(join(dir, entry))).isDirectory()) subdirs.push(entry);
    }
    if (subdirs.length === 1 && looksLikeModel((await entriesOf(join(dir, subdirs[0]))) ?? [])) {
      root = join(dir, subdirs[0]);
    }
  }
  const rootEntries = (await entriesOf(root)) ?? [];
  const adapterDir = join(root, 'adapter');
  const adapter = (await isNonEmptyDir(adapterDir)) ? adapterDir : config.loraAdapter;
  // A directory holding only adapter/ keeps the base model from BASE_MODEL.
  const model = !looksLikeModel(rootEntries) && adapter === adapterDir ? config.baseModel : root;
  return { model, adapter };
}

interface GcsObject {
  name: string;
  size?: string;
}

/** Copies every object under gs://bucket/prefix into `destination`, keeping relative paths. */
export async function copyFromGcs(
  uri: string,
  destination: string,
  options: { apiBaseUrl: string; metadataHost: string; logger: Logger; dispatcher?: Dispatcher },
): Promise<number> {
  const match = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`AIP_STORAGE_URI=${uri} is not a gs://bucket/path URI`);
  const [, bucket, rawPrefix] = match;
  const prefix = rawPrefix && !rawPrefix.endsWith('/') ? `${rawPrefix}/` : rawPrefix;
  const dispatcher =
    options.dispatcher ??
    new RetryAgent(new Agent({ connect: { timeout: 10_000 } }), {
      maxRetries: 4,
      statusCodes: [429, 500, 502, 503, 504],
    });
  const headers = await metadataToken(options.metadataHost, options.logger);
  const root = resolve(destination);

  const objects: GcsObject[] = [];
  let pageToken: string | undefined;
  do {
    const query = new URLSearchParams({ prefix, fields: 'items(name,size),nextPageToken' });
    if (pageToken) query.set('pageToken', pageToken);
    const url = `${options.apiBaseUrl}/storage/v1/b/${encodeURIComponent(bucket)}/o?${query}`;
    const { statusCode, body } = await request(url, { headers, dispatcher });
    if (statusCode !== 200) {
      throw new Error(`listing ${uri} failed with HTTP ${statusCode}: ${(await body.text()).slice(0, 300)}`);
    }
    const page = (await body.json()) as { items?: GcsObject[]; nextPageToken?: string };
    objects.push(...(page.items ?? []).filter((o) => !o.name.endsWith('/')));
    pageToken = page.nextPageToken;
  } while (pageToken);
  if (objects.length === 0) throw new Error(`${uri} holds no objects: upload the model files there`);

  const queue = [...objects];
  const worker = async () => {
    for (let object = queue.shift(); object; object = queue.shift()) {
      const target = resolve(root, object.name.slice(prefix.length));
      if (!target.startsWith(root + sep)) throw new Error(`object name ${object.name} escapes ${root}`);
      const expected = object.size === undefined ? undefined : Number(object.size);
      const existing = await stat(target).catch(() => null);
      if (existing && expected !== undefined && existing.size === expected) continue; // kept from an earlier start
      await mkdir(dirname(target), { recursive: true });
      const url = `${options.apiBaseUrl}/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(object.name)}?alt=media`;
      const { statusCode, body } = await request(url, { headers, dispatcher });
      if (statusCode !== 200) {
        throw new Error(
          `downloading gs://${bucket}/${object.name} failed with HTTP ${statusCode}: ${(await body.text()).slice(0, 300)}`,
        );
      }
      await pipeline(body, createWriteStream(target));
      const written = (await stat(target)).size;
      if (expected !== undefined && written !== expected) {
        throw new Error(`gs://${bucket}/${object.name}: got ${written} bytes, expected ${expected}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, objects.length) }, worker));
  options.logger.info(
    { source: 'controller', uri, files: objects.length, destination: root },
    'copied model files from GCS',
  );
  return objects.length;
}

/** The service account's token from the metadata server; none (anonymous) when there is no metadata server. */
export async function metadataToken(metadataHost: string, logger: Logger): Promise<Record<string, string>> {
  try {
    const { statusCode, body } = await request(
      `http://${metadataHost}/computeMetadata/v1/instance/service-accounts/default/token`,
      { headers: { 'metadata-flavor': 'Google' }, headersTimeout: 5_000, bodyTimeout: 5_000 },
    );
    if (statusCode !== 200) throw new Error(`HTTP ${statusCode}: ${(await body.text()).slice(0, 200)}`);
    const token = (await body.json()) as { access_token?: string };
    if (!token.access_token) throw new Error('no access_token in the answer');
    return { authorization: `Bearer ${token.access_token}` };
  } catch (error) {
    logger.warn(
      { source: 'controller', error: (error as Error).message },
      'no metadata-server token: calling Google APIs anonymously',
    );
    return {};
  }
}

export async function resolveModelFiles(config: Config, logger: Logger): Promise<ModelFiles> {
  const sagemaker = await fromModelDirectory(config.sagemakerModelDir, config);
  if (sagemaker) return { ...sagemaker, source: 'sagemaker' };
  if (config.azureModelDir) {
    const azure = await fromModelDirectory(config.azureModelDir, config);
    if (azure) return { ...azure, source: 'azure' };
    logger.warn({ source: 'controller', dir: config.azureModelDir }, 'AZUREML_MODEL_DIR is empty: using the HF ids');
  }
  if (config.aipStorageUri) {
    const dir = config.aipStorageUri.startsWith('gs://') ? config.modelCacheDir : config.aipStorageUri;
    if (config.aipStorageUri.startsWith('gs://')) {
      await copyFromGcs(config.aipStorageUri, dir, {
        apiBaseUrl: config.gcsApiBaseUrl,
        metadataHost: config.gceMetadataHost,
        logger,
      });
    }
    const vertex = await fromModelDirectory(dir, config);
    if (vertex) return { ...vertex, source: 'vertex' };
  }
  return { model: config.baseModel, adapter: config.loraAdapter, source: 'hub' };
}
