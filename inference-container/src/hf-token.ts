/**
 * The Hugging Face token, read from the cloud's secret store at start-up with the container's own identity
 * (HF_TOKEN_SECRET), and given to vLLM alone. Never logged.
 *
 * - AWS Secrets Manager ARN: GetSecretValue through the AWS SDK, with the execution role's credentials (the SDK's
 *   default chain; `AWS_ENDPOINT_URL_SECRETS_MANAGER` overrides the endpoint, as for any SDK client).
 * - GCP Secret Manager version name: `GET /v1/<name>:access` with the service account's token from the metadata
 *   server (https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets.versions/access).
 * - Azure Key Vault secret URL (`https://<vault>.vault.azure.net/secrets/<name>[/<version>]`): a token for the vault
 *   from Azure ML's managed identity endpoint (`GET {MSI_ENDPOINT}?api-version=2017-09-01&resource=https://vault.azure.net
 *   &clientid=<AZURE_CLIENT_ID>` with the header `secret: {MSI_SECRET}`, as azureml-examples
 *   cli/endpoints/online/model-1/onlinescoring/score_managedidentity.py and MSAL Node's
 *   ManagedIdentitySources/MachineLearning.ts do), then Key Vault's REST `GET {secret URL}?api-version=7.4`
 *   (https://learn.microsoft.com/rest/api/keyvault/secrets/get-secret/get-secret?view=rest-keyvault-secrets-7.4),
 *   whose `value` is the token.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger } from 'pino';
import { request } from 'undici';
import type { Config } from './config';
import { metadataToken } from './model-files';

export class HfTokenError extends Error {}

export async function resolveHfToken(
  reference: string,
  config: Pick<
    Config,
    'secretManagerApiBaseUrl' | 'gceMetadataHost' | 'msiEndpoint' | 'msiSecret' | 'identityClientId' | 'keyVaultBaseUrl'
  >,
  logger: Logger,
): Promise<string> {
  let token: string;
  if (reference.startsWith('arn:')) {
    const region = reference.split(':')[3];
    const client = new SecretsManagerClient({ region });
    try {
      const answer = await client.send(new GetSecretValueCommand({ SecretId: reference }));
      token = answer.SecretString ?? Buffer.from(answer.SecretBinary ?? new Uint8Array()).toString('utf8');
    } catch (error) {
      throw new HfTokenError(`reading the Hugging Face token from ${reference} failed: ${(error as Error).message}`);
    } finally {
      client.destroy();
    }
  } else if (reference.startsWith('projects/')) {
    const name = reference.includes('/versions/') ? reference : `${reference}/versions/latest`;
    const headers = await metadataToken(config.gceMetadataHost, logger);
    const { statusCode, body } = await request(`${config.secretManagerApiBaseUrl}/v1/${name}:access`, { headers });
    if (statusCode !== 200) {
      throw new HfTokenError(
        `reading the Hugging Face token from ${name} failed with HTTP ${statusCode}: ${(await body.text()).slice(0, 200)}`,
      );
    }
    const data = ((await body.json()) as { payload?: { data?: string } }).payload?.data ?? '';
    token = Buffer.from(data, 'base64').toString('utf8');
  } else {
    token = await keyVaultSecret(reference, config);
  }
  token = token.trim();
  if (token === '') throw new HfTokenError(`the secret ${reference} is empty: store the Hugging Face token in it`);
  logger.info({ source: 'controller', secret: reference }, 'read the Hugging Face token from the secret store');
  return token;
}

/** The resource Key Vault tokens are issued for (the 2017-09-01 managed identity API takes a resource, not a scope). */
const KEY_VAULT_RESOURCE = 'https://vault.azure.net';
/** Key Vault's data-plane API version for Get Secret. */
export const KEY_VAULT_API_VERSION = '7.4';
/** Azure ML's managed identity endpoint API version (MSAL Node MachineLearning.ts). */
const AZURE_ML_MSI_API_VERSION = '2017-09-01';

/** A Key Vault secret's value, read with the deployment's managed identity. */
async function keyVaultSecret(
  secretUrl: string,
  config: Pick<Config, 'msiEndpoint' | 'msiSecret' | 'identityClientId' | 'keyVaultBaseUrl'>,
): Promise<string> {
  if (!config.msiEndpoint || !config.msiSecret) {
    throw new HfTokenError(
      `HF_TOKEN_SECRET=${secretUrl} is a Key Vault secret, read with the deployment's managed identity, but ` +
        'MSI_ENDPOINT and MSI_SECRET are not set (Azure ML sets them in an online deployment): run on Azure ML, or ' +
        'stage the weights in the store instead (no token needed)',
    );
  }
  const identity = new URL(config.msiEndpoint);
  identity.searchParams.set('api-version', AZURE_ML_MSI_API_VERSION);
  identity.searchParams.set('resource', KEY_VAULT_RESOURCE);
  if (config.identityClientId) identity.searchParams.set('clientid', config.identityClientId);
  const issued = await request(identity, {
    headers: { secret: config.msiSecret, metadata: 'true' },
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  if (issued.statusCode !== 200) {
    throw new HfTokenError(
      `getting a Key Vault token from the managed identity endpoint failed with HTTP ${issued.statusCode}: ` +
        `${(await issued.body.text()).slice(0, 200)} (is AZURE_CLIENT_ID the endpoint identity's client id?)`,
    );
  }
  const accessToken = ((await issued.body.json()) as { access_token?: string }).access_token;
  if (!accessToken) throw new HfTokenError('the managed identity endpoint answered without an access_token');

  const secret = new URL(secretUrl);
  const url = new URL(`${config.keyVaultBaseUrl ?? secret.origin}${secret.pathname}`);
  url.searchParams.set('api-version', KEY_VAULT_API_VERSION);
  const answer = await request(url, {
    headers: { authorization: `Bearer ${accessToken}` },
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  if (answer.statusCode !== 200) {
    const hint =
      answer.statusCode === 403
        ? ' (the endpoint identity needs Key Vault Secrets User on the secret, and the vault Azure RBAC authorization)'
        : '';
    throw new HfTokenError(
      `reading the Hugging Face token from ${secretUrl} failed with HTTP ${answer.statusCode}: ` +
        `${(await answer.body.text()).slice(0, 200)}${hint}`,
    );
  }
  return ((await answer.body.json()) as { value?: string }).value ?? '';
}
