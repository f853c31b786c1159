/**
 * The Hugging Face token, read from the cloud's secret store at start-up with the container's own identity
 * (HF_TOKEN_SECRET), and given to vLLM alone. Never logged.
 *
 * - AWS Secrets Manager ARN: GetSecretValue through the AWS SDK, with the execution role's credentials (the SDK's
 *   default chain; `AWS_ENDPOINT_URL_SECRETS_MANAGER` overrides the endpoint, as for any SDK client).
 * - GCP Secret Manager version name: `GET /v1/<name>:access` with the service account's token from the metadata
 *   server (https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets.versions/access).
 * - Azure Key Vault secret URLs are recognised but not read here: on Azure the token is not supported yet.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger } from 'pino';
import { request } from 'undici';
import type { Config } from './config';
import { metadataToken } from './model-files';

export class HfTokenError extends Error {}

export async function resolveHfToken(
  reference: string,
  config: Pick<Config, 'secretManagerApiBaseUrl' | 'gceMetadataHost'>,
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
    throw new HfTokenError(
      `HF_TOKEN_SECRET=${reference}: reading an Azure Key Vault secret is not supported; stage the weights in the ` +
        'store instead (no token needed)',
    );
  }
  token = token.trim();
  if (token === '') throw new HfTokenError(`the secret ${reference} is empty: store the Hugging Face token in it`);
  logger.info({ source: 'controller', secret: reference }, 'read the Hugging Face token from the secret store');
  return token;
}
