/** Model-file resolution, and the gs:// copy against a local stand-in of the GCS JSON API and metadata server. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { copyFromGcs, fromModelDirectory } from '../../inference-container/src/model-files';

const config = { baseModel: 'Qwen/Qwen3-VL-8B-Instruct', loraAdapter: 'org/adapter' };
const tmp = () => mkdtempSync(join(tmpdir(), 'model-files-'));

describe('fromModelDirectory', () => {
  it('uses a non-empty directory as the base model and its adapter/ as the adapter', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'config.json'), '{}');
    mkdirSync(join(dir, 'adapter'));
    writeFileSync(join(dir, 'adapter', 'adapter_config.json'), '{}');
    expect(await fromModelDirectory(dir, config)).toEqual({ model: dir, adapter: join(dir, 'adapter') });
  });

  it('keeps LORA_ADAPTER without adapter/, and ignores absent or empty directories', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'model.safetensors'), 'x');
    expect(await fromModelDirectory(dir, config)).toEqual({ model: dir, adapter: 'org/adapter' });
    expect(await fromModelDirectory(tmp(), config)).toBeNull();
    expect(await fromModelDirectory(join(dir, 'missing'), config)).toBeNull();
  });

  it("follows Azure ML's single nested model directory", async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'qwen'));
    writeFileSync(join(dir, 'qwen', 'config.json'), '{}');
    expect(await fromModelDirectory(dir, config)).toEqual({ model: join(dir, 'qwen'), adapter: 'org/adapter' });
  });
});

describe('copyFromGcs (against a local stand-in of GCS and the metadata server)', () => {
  const objects: Record<string, string> = {
    'models/qwen/config.json': '{"model_type": "qwen3_vl"}',
    'models/qwen/adapter/adapter_config.json': '{"r": 16}',
    'models/qwen/dir/': '',
  };
  const seen: string[] = [];
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push(`${req.method} ${url.pathname} ${req.headers.authorization ?? '-'}`);
      if (url.pathname === '/computeMetadata/v1/instance/service-accounts/default/token') {
        if (req.headers['metadata-flavor'] !== 'Google') return void res.writeHead(403).end();
        return void res.end(JSON.stringify({ access_token: 'tok', expires_in: 3599 }));
      }
      if (req.headers.authorization !== 'Bearer tok') return void res.writeHead(401).end('{"error":"unauthorized"}');
      const list = /^\/storage\/v1\/b\/bucket\/o$/.exec(url.pathname);
      if (list) {
        const prefix = url.searchParams.get('prefix') ?? '';
        const names = Object.keys(objects).filter((n) => n.startsWith(prefix));
        const page = url.searchParams.get('pageToken') ? names.slice(1) : names.slice(0, 1);
        return void res.end(
          JSON.stringify({
            items: page.map((name) => ({ name, size: String(Buffer.byteLength(objects[name])) })),
            nextPageToken: url.searchParams.get('pageToken') ? undefined : 'p2',
          }),
        );
      }
      const media = /^\/storage\/v1\/b\/bucket\/o\/(.+)$/.exec(url.pathname);
      if (media && url.searchParams.get('alt') === 'media') {
        const name = decodeURIComponent(media[1]);
        if (name in objects) return void res.end(objects[name]);
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const address = server.address();
    base = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('copies every object under the prefix with the service-account token, across pages', async () => {
    const dest = tmp();
    const count = await copyFromGcs('gs://bucket/models/qwen', dest, {
      apiBaseUrl: `http://${base}`,
      metadataHost: base,
      logger: pino({ level: 'silent' }),
    });
    expect(count).toBe(2);
    expect(readFileSync(join(dest, 'config.json'), 'utf8')).toBe(objects['models/qwen/config.json']);
    expect(readFileSync(join(dest, 'adapter', 'adapter_config.json'), 'utf8')).toBe('{"r": 16}');
    expect(seen.filter((s) => s.includes('alt') || s.includes('/o/')).every((s) => s.endsWith('Bearer tok'))).toBe(
      true,
    );
    expect(await fromModelDirectory(dest, config)).toEqual({ model: dest, adapter: join(dest, 'adapter') });
  });

  it('fails clearly on an empty prefix and on a non-gs URI', async () => {
    const options = { apiBaseUrl: `http://${base}`, metadataHost: base, logger: pino({ level: 'silent' }) };
    await expect(copyFromGcs('gs://bucket/nothing-here', tmp(), options)).rejects.toThrow(/holds no objects/);
    await expect(copyFromGcs('s3://bucket/x', tmp(), options)).rejects.toThrow(/not a gs:\/\/bucket\/path URI/);
  });
});
