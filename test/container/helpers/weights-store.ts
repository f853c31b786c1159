/**
 * Local directories laid out as each store presents the weights to the container (WEIGHTS_LAYOUT: the base
 * model's snapshot at the root, the adapter's in adapter/), and recording HTTP stand-ins for the services the
 * container may call: the Hugging Face Hub, Cloud Storage with the metadata server, GCP Secret Manager and AWS
 * Secrets Manager. The files are tiny placeholders: the stand-in vLLM only checks that paths exist.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

export const SHARDS = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];

/** Writes a complete store under `root` (created when absent); returns `root`. */
export function writeStore(root = mkdtempSync(join(tmpdir(), 'weights-store-'))): string {
  mkdirSync(join(root, 'adapter'), { recursive: true });
  writeFileSync(join(root, 'config.json'), '{"model_type": "qwen3_vl"}');
  writeFileSync(
    join(root, 'model.safetensors.index.json'),
    JSON.stringify({
      metadata: {},
      weight_map: { 'a.weight': SHARDS[0], 'b.weight': SHARDS[1], 'c.weight': SHARDS[1] },
    }),
  );
  for (const shard of SHARDS) writeFileSync(join(root, shard), 'weights');
  writeFileSync(join(root, 'tokenizer.json'), '{}');
  writeFileSync(join(root, 'adapter', 'adapter_config.json'), '{"r": 16}');
  writeFileSync(join(root, 'adapter', 'adapter_model.safetensors'), 'lora');
  return root;
}

/** Every file under `dir`, relative, for a GCS stand-in to serve. */
export function filesUnder(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = readFileSync(path);
    }
  };
  walk(dir);
  return out;
}

export interface RecordingServer {
  url: string;
  /** host:port, for variables that take no scheme (GCE_METADATA_HOST). */
  host: string;
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
}

/** An HTTP server that records every request and answers with `handler`. */
export async function recordingServer(
  handler: (req: {
    method: string;
    path: string;
    headers: IncomingMessage['headers'];
    body: string;
  }) =>
    | { status?: number; body?: string | Buffer; headers?: Record<string, string> }
    | Promise<{ status?: number; body?: string | Buffer; headers?: Record<string, string> }>,
): Promise<RecordingServer> {
  const requests: RecordingServer['requests'] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const seen = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    };
    requests.push(seen);
    const answer = await handler(seen);
    res.writeHead(answer.status ?? 200, answer.headers ?? { 'content-type': 'application/json' });
    res.end(answer.body ?? '{}');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** A stand-in of the GCS JSON API and the metadata server, serving `objects` under `bucket`. */
export function gcsHandler(bucket: string, objects: Record<string, Buffer>) {
  return (req: { path: string; headers: IncomingMessage['headers'] }) => {
    const url = new URL(req.path, 'http://x');
    if (url.pathname === '/computeMetadata/v1/instance/service-accounts/default/token') {
      return { body: JSON.stringify({ access_token: 'sa-token', expires_in: 3599 }) };
    }
    if (req.headers.authorization !== 'Bearer sa-token') return { status: 401 };
    if (url.pathname === `/storage/v1/b/${bucket}/o`) {
      const prefix = url.searchParams.get('prefix') ?? '';
      const items = Object.entries(objects)
        .filter(([name]) => name.startsWith(prefix))
        .map(([name, data]) => ({ name, size: String(data.length) }));
      return { body: JSON.stringify({ items }) };
    }
    const media = new RegExp(`^/storage/v1/b/${bucket}/o/(.+)$`).exec(url.pathname);
    const name = media ? decodeURIComponent(media[1]) : '';
    if (media && objects[name]) return { body: objects[name], headers: { 'content-type': 'application/octet-stream' } };
    return { status: 404 };
  };
}
