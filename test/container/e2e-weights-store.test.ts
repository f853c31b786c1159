/**
 * Weights from the cloud's store, end to end: the built controller as a process against local directories laid out as
 * each store presents them (a mounted volume, SageMaker's /opt/ml/model, Azure ML's AZUREML_MODEL_DIR nesting, Vertex
 * AI's gs:// AIP_STORAGE_URI copy), with a recording stand-in of the Hugging Face Hub that must see no request.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, startController, waitFor, waitReady, type ControllerProcess } from './helpers/controller-process';
import {
  filesUnder,
  gcsHandler,
  recordingServer,
  SHARDS,
  writeStore,
  type RecordingServer,
} from './helpers/weights-store';

let hub: RecordingServer;
beforeAll(async () => {
  hub = await recordingServer(() => ({ body: '{"id": "stand-in"}' }));
});
afterAll(() => hub.close());
beforeEach(() => hub.requests.splice(0));

/** The one vLLM start, once the controller is ready: model, adapter path and the offline switches it got. */
function onlyStart(ctl: ControllerProcess) {
  const starts = ctl.vllmStarts();
  expect(starts).toHaveLength(1);
  const { argv, env } = starts[0];
  const lora = argv[argv.indexOf('--lora-modules') + 1];
  return { model: argv[1], adapter: lora.slice(lora.indexOf('=') + 1), env };
}

describe('a complete store: local paths, offline vLLM, no request to Hugging Face', () => {
  it('a mounted volume (Cloud Run Cloud Storage volume, Container Apps Azure Files volume)', async () => {
    const store = writeStore();
    const ctl = await startController({
      env: { MODEL_WEIGHTS_DIR: store, MODEL_WEIGHTS_URI: 'gs://weights-bucket/qwen', HF_ENDPOINT: hub.url },
    });
    try {
      expect(onlyStart(ctl)).toEqual({
        model: store,
        adapter: join(store, 'adapter'),
        env: { HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', HF_TOKEN: null },
      });
      const health = await call(`${ctl.url}/health`);
      expect(health.json).toMatchObject({ status: 'ready', weights: { source: 'store', dir: store, missing: [] } });
      expect(hub.requests).toEqual([]);
    } finally {
      await ctl.stop();
    }
  });

  it("SageMaker's /opt/ml/model (MODEL_WEIGHTS_DIR=platform, started with serve)", async () => {
    const store = writeStore();
    const ctl = await startController({
      args: ['serve'],
      portVariable: 'SAGEMAKER_BIND_TO_PORT',
      env: { SAGEMAKER_MODEL_DIR: store, MODEL_WEIGHTS_DIR: 'platform', HF_ENDPOINT: hub.url },
    });
    try {
      expect(onlyStart(ctl)).toMatchObject({ model: store, adapter: join(store, 'adapter') });
      expect(hub.requests).toEqual([]);
    } finally {
      await ctl.stop();
    }
  });

  it("Azure ML's AZUREML_MODEL_DIR, with the model asset's folder one level down", async () => {
    const root = mkdtempSync(join(tmpdir(), 'azureml-models-'));
    const store = writeStore(join(root, 'form-detector-weights'));
    const ctl = await startController({
      env: { AZUREML_MODEL_DIR: root, MODEL_WEIGHTS_DIR: 'platform', HF_ENDPOINT: hub.url },
    });
    try {
      expect(onlyStart(ctl)).toMatchObject({ model: store, adapter: join(store, 'adapter') });
      expect(hub.requests).toEqual([]);
    } finally {
      await ctl.stop();
    }
  });

  it("Vertex AI's gs:// AIP_STORAGE_URI, copied to local disk first", async () => {
    const objects = Object.fromEntries(
      Object.entries(filesUnder(writeStore())).map(([name, data]) => [`models/qwen/${name}`, data]),
    );
    const gcs = await recordingServer(gcsHandler('weights-bucket', objects));
    const cache = join(mkdtempSync(join(tmpdir(), 'vertex-cache-')), 'model');
    try {
      const ctl = await startController({
        portVariable: 'AIP_HTTP_PORT',
        env: {
          AIP_STORAGE_URI: 'gs://weights-bucket/models/qwen',
          MODEL_WEIGHTS_DIR: 'platform',
          MODEL_CACHE_DIR: cache,
          GCS_API_BASE_URL: gcs.url,
          GCE_METADATA_HOST: gcs.host,
          HF_ENDPOINT: hub.url,
        },
      });
      try {
        expect(onlyStart(ctl)).toMatchObject({ model: cache, adapter: join(cache, 'adapter') });
        expect(hub.requests).toEqual([]);
      } finally {
        await ctl.stop();
      }
    } finally {
      await gcs.close();
    }
  });
});

it('without a store the same stand-in Hub is asked (so the checks above can fail)', async () => {
  const ctl = await startController({ env: { HF_ENDPOINT: hub.url } });
  try {
    await waitFor('the stand-in vLLM to ask the Hub', async () => hub.requests.length >= 2);
    expect(hub.requests.map((r) => r.path).sort()).toEqual([
      '/api/models/Qwen/Qwen3-VL-8B-Instruct',
      '/api/models/takumi123xxx/pdfme-form-field-detector-lora',
    ]);
    expect(onlyStart(ctl).env).toEqual({ HF_HUB_OFFLINE: null, TRANSFORMERS_OFFLINE: null, HF_TOKEN: null });
  } finally {
    await ctl.stop();
  }
});

describe('an incomplete store', () => {
  it('keeps the container not ready, names the path, what is missing and the staging command, starts no vLLM; then serves once staged', async () => {
    const store = writeStore();
    rmSync(join(store, SHARDS[1]));
    rmSync(join(store, 'adapter', 'adapter_config.json'));
    const ctl = await startController({
      waitReady: false,
      env: {
        MODEL_WEIGHTS_DIR: store,
        MODEL_WEIGHTS_URI: 's3://weights-bucket/qwen3-vl-8b/',
        WEIGHTS_RECHECK_MS: '300',
        HF_ENDPOINT: hub.url,
      },
    });
    try {
      const health = await waitFor('the store check', async () => {
        const answer = await call(`${ctl.url}/health`);
        return answer.json.status === 'weights_missing' ? answer : undefined;
      });
      expect(health.status).toBe(503);
      expect(health.json.weights).toEqual({
        source: 'store',
        dir: store,
        missing: [`${SHARDS[1]} (named by model.safetensors.index.json)`, 'adapter/adapter_config.json'],
      });
      expect(health.json.reason).toContain(`model weights at ${store} are incomplete`);
      for (const route of ['/ping', '/health/ready']) {
        const answer = await call(`${ctl.url}${route}`);
        expect([answer.status, answer.json.error.code]).toEqual([503, 'not_ready']);
      }
      const logged = ctl.logs
        .map((line) => {
          try {
            return JSON.parse(line);
          } catch {
            return {};
          }
        })
        .find((l) => l.level === 50 && l.missing);
      expect(logged).toMatchObject({
        dir: store,
        missing: [`${SHARDS[1]} (named by model.safetensors.index.json)`, 'adapter/adapter_config.json'],
        staging: [
          'hf download Qwen/Qwen3-VL-8B-Instruct --local-dir form-detector-weights',
          'hf download takumi123xxx/pdfme-form-field-detector-lora --local-dir form-detector-weights/adapter',
          'aws s3 sync form-detector-weights s3://weights-bucket/qwen3-vl-8b/',
        ],
      });
      expect(logged.msg).toContain('aws s3 sync form-detector-weights s3://weights-bucket/qwen3-vl-8b/');
      expect(ctl.vllmStarts()).toEqual([]);
      expect(hub.requests).toEqual([]);

      // Staging completes: the next check finds everything and vLLM starts from the store.
      writeStore(store);
      await waitReady(ctl, 15_000);
      expect(onlyStart(ctl)).toMatchObject({ model: store, env: { HF_HUB_OFFLINE: '1' } });
      expect(hub.requests).toEqual([]);
    } finally {
      await ctl.stop();
    }
  });

  it('an empty mount and a missing directory are reported as such', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'empty-mount-'));
    const ctl = await startController({ waitReady: false, env: { MODEL_WEIGHTS_DIR: empty } });
    try {
      const health = await waitFor('the store check', async () => {
        const answer = await call(`${ctl.url}/health`);
        return answer.json.status === 'weights_missing' ? answer : undefined;
      });
      expect(health.json.weights.missing[0]).toBe('everything (the directory is empty)');
      // Shut down cleanly while waiting for the weights.
      expect(await ctl.stop()).toEqual({ code: 0, signal: null });
    } finally {
      await ctl.stop();
    }
    const gone = join(empty, 'not-mounted');
    const ctl2 = await startController({ waitReady: false, env: { MODEL_WEIGHTS_DIR: gone } });
    try {
      const health = await waitFor('the store check', async () => {
        const answer = await call(`${ctl2.url}/health`);
        return answer.json.status === 'weights_missing' ? answer : undefined;
      });
      expect(health.json.weights.missing[0]).toBe('the directory itself (it does not exist)');
    } finally {
      await ctl2.stop();
    }
  });
});

describe('the Hugging Face token, from the secret store, to vLLM alone', () => {
  it('GCP Secret Manager (REST with the metadata-server token)', async () => {
    const token = 'hf_from_secret_manager';
    const api = await recordingServer((req) => {
      if (req.path.startsWith('/computeMetadata/')) return { body: JSON.stringify({ access_token: 'sa-token' }) };
      if (
        req.path === '/v1/projects/p/secrets/hf-token/versions/latest:access' &&
        req.headers.authorization === 'Bearer sa-token'
      ) {
        return { body: JSON.stringify({ payload: { data: Buffer.from(token).toString('base64') } }) };
      }
      return { status: 404 };
    });
    try {
      const ctl = await startController({
        env: {
          HF_TOKEN_SECRET: 'projects/p/secrets/hf-token',
          SECRET_MANAGER_API_BASE_URL: api.url,
          GCE_METADATA_HOST: api.host,
          HF_ENDPOINT: hub.url,
        },
      });
      try {
        expect(onlyStart(ctl).env?.HF_TOKEN).toBe(token);
        await waitFor('the stand-in vLLM to ask the Hub', async () => hub.requests.length >= 2);
        expect(hub.requests.every((r) => r.headers.authorization === `Bearer ${token}`)).toBe(true);
        expect(ctl.logs.join('\n')).not.toContain(token);
      } finally {
        await ctl.stop();
      }
    } finally {
      await api.close();
    }
  });

  it('AWS Secrets Manager (the AWS SDK, with the role credentials)', async () => {
    const token = 'hf_from_secrets_manager';
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-token-AbCdEf';
    const api = await recordingServer((req) =>
      req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue' && JSON.parse(req.body).SecretId === arn
        ? {
            body: JSON.stringify({ ARN: arn, Name: 'hf-token', SecretString: token }),
            headers: { 'content-type': 'application/x-amz-json-1.1' },
          }
        : { status: 400, body: '{"__type": "ResourceNotFoundException"}' },
    );
    try {
      const ctl = await startController({
        env: {
          HF_TOKEN_SECRET: arn,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: api.url,
          AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'example-secret',
        },
      });
      try {
        expect(onlyStart(ctl).env?.HF_TOKEN).toBe(token);
        expect(api.requests).toHaveLength(1);
        expect(ctl.logs.join('\n')).not.toContain(token);
      } finally {
        await ctl.stop();
      }
    } finally {
      await api.close();
    }
  });

  // Azure ML gives the container MSI_ENDPOINT and MSI_SECRET; a user-assigned identity is named by its client id
  // (azureml-examples cli/endpoints/online/model-1/onlinescoring/score_managedidentity.py: `?clientid=…&resource=…`
  // with the headers `secret` and `Metadata: true`; MSAL Node ManagedIdentitySources/MachineLearning.ts adds
  // api-version=2017-09-01). Key Vault's Get Secret is `GET {vault}/secrets/{name}?api-version=7.4`
  // (https://learn.microsoft.com/rest/api/keyvault/secrets/get-secret/get-secret?view=rest-keyvault-secrets-7.4).
  it('Azure Key Vault (REST with the token of the endpoint identity from Azure ML’s managed identity endpoint)', async () => {
    const token = 'hf_from_key_vault';
    const api = await recordingServer((req) => {
      const url = new URL(req.path, 'http://x');
      if (url.pathname === '/msi/token') {
        const ok =
          req.headers.secret === 'msi-secret' &&
          req.headers.metadata === 'true' &&
          url.searchParams.get('api-version') === '2017-09-01' &&
          url.searchParams.get('resource') === 'https://vault.azure.net' &&
          url.searchParams.get('clientid') === 'endpoint-identity-client-id';
        return ok
          ? { body: JSON.stringify({ access_token: 'vault-token', token_type: 'Bearer', expires_on: '9999999999' }) }
          : { status: 400, body: '{"error": "invalid_request"}' };
      }
      if (
        url.pathname === '/secrets/hf-token' &&
        url.searchParams.get('api-version') === '7.4' &&
        req.headers.authorization === 'Bearer vault-token'
      ) {
        return { body: JSON.stringify({ value: token, id: 'https://forms.vault.azure.net/secrets/hf-token/1' }) };
      }
      return { status: 403, body: '{"error": {"code": "Forbidden"}}' };
    });
    try {
      const ctl = await startController({
        env: {
          HF_TOKEN_SECRET: 'https://forms.vault.azure.net/secrets/hf-token',
          KEY_VAULT_BASE_URL: api.url,
          MSI_ENDPOINT: `${api.url}/msi/token`,
          MSI_SECRET: 'msi-secret',
          AZURE_CLIENT_ID: 'endpoint-identity-client-id',
          HF_ENDPOINT: hub.url,
        },
      });
      try {
        expect(onlyStart(ctl).env?.HF_TOKEN).toBe(token);
        expect(api.requests.map((r) => new URL(r.path, 'http://x').pathname)).toEqual([
          '/msi/token',
          '/secrets/hf-token',
        ]);
        await waitFor('the stand-in vLLM to ask the Hub', async () => hub.requests.length >= 2);
        expect(hub.requests.every((r) => r.headers.authorization === `Bearer ${token}`)).toBe(true);
        // Neither the Hugging Face token nor the vault token reaches a log.
        expect(ctl.logs.join('\n')).not.toContain(token);
        expect(ctl.logs.join('\n')).not.toContain('vault-token');
      } finally {
        await ctl.stop();
      }
    } finally {
      await api.close();
    }
  });

  it('Azure Key Vault refusing the identity: the container stops, naming the secret and the role it needs, no token logged', async () => {
    // The refusal comes a moment later, so the controller is seen listening before it stops.
    const api = await recordingServer(async (req) =>
      req.path.startsWith('/msi/token')
        ? { body: JSON.stringify({ access_token: 'vault-token' }) }
        : await new Promise((done) =>
            setTimeout(
              () =>
                done({ status: 403, body: '{"error": {"code": "Forbidden", "message": "caller is not authorized"}}' }),
              1_000,
            ),
          ),
    );
    try {
      const ctl = await startController({
        env: {
          HF_TOKEN_SECRET: 'https://forms.vault.azure.net/secrets/hf-token',
          KEY_VAULT_BASE_URL: api.url,
          MSI_ENDPOINT: `${api.url}/msi/token`,
          MSI_SECRET: 'msi-secret',
        },
        waitReady: false,
      });
      try {
        expect((await ctl.exited).code).toBe(1);
        const logs = ctl.logs.join('\n');
        expect(logs).toMatch(
          /reading the Hugging Face token from https:\/\/forms\.vault\.azure\.net\/secrets\/hf-token failed with HTTP 403/,
        );
        expect(logs).toMatch(/Key Vault Secrets User on the secret/);
        expect(logs).not.toContain('vault-token');
        expect(ctl.vllmStarts()).toHaveLength(0);
      } finally {
        await ctl.stop();
      }
    } finally {
      await api.close();
    }
  });
});
