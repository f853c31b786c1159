#!/usr/bin/env node
/**
 * The Vertex AI model deploy step (run by VertexDetectorEndpoint's terraform_data provisioners):
 *
 *   vertex-deploy deploy   [--config <json> | --config-file <path>]
 *   vertex-deploy undeploy [--config <json> | --config-file <path>]
 *
 * Without a flag the config comes from FORM_DETECTOR_VERTEX_DEPLOY_CONFIG. Auth: GOOGLE_OAUTH_ACCESS_TOKEN, else
 * Application Default Credentials. Exits non-zero with the API's status and message when a call fails.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultAccessTokenProvider, VertexApi } from '../lib/gcp/vertex-api';
import {
  parseVertexDeployConfig,
  STORAGE_API_BASE_URL_ENV,
  VERTEX_DEPLOY_CONFIG_ENV,
} from '../lib/gcp/vertex-deploy-config';
import { VertexDeployer } from '../lib/gcp/vertex-deployer';

const USAGE = `usage: vertex-deploy <deploy|undeploy> [--config <json> | --config-file <path>]
  config defaults to $${VERTEX_DEPLOY_CONFIG_ENV}`;

export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const consoleIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

/** Runs the command; resolves to the process exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: Io = consoleIo) {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        'config-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.err(`vertex-deploy: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    io.out(USAGE);
    return 0;
  }
  const [command, ...extra] = parsed.positionals;
  if ((command !== 'deploy' && command !== 'undeploy') || extra.length > 0) {
    io.err(
      `vertex-deploy: expected one command, deploy or undeploy; got ${JSON.stringify(parsed.positionals)}\n${USAGE}`,
    );
    return 2;
  }
  const json =
    parsed.values.config ??
    (parsed.values['config-file'] !== undefined ? readFileSync(parsed.values['config-file'], 'utf8') : undefined) ??
    env[VERTEX_DEPLOY_CONFIG_ENV];
  if (!json) {
    io.err(`vertex-deploy: no config: pass --config, --config-file or set ${VERTEX_DEPLOY_CONFIG_ENV}\n${USAGE}`);
    return 2;
  }

  let api: VertexApi | undefined;
  try {
    const config = parseVertexDeployConfig(json);
    api = new VertexApi({
      region: config.region,
      accessToken: defaultAccessTokenProvider(env),
      baseUrl: env.FORM_DETECTOR_VERTEX_API_BASE_URL?.trim() || undefined,
      storageBaseUrl: env[STORAGE_API_BASE_URL_ENV]?.trim() || undefined,
      pollInitialMs: positiveNumber(env.FORM_DETECTOR_VERTEX_POLL_MS),
      pollMaxMs: positiveNumber(env.FORM_DETECTOR_VERTEX_POLL_MS),
      log: io.out,
    });
    const deployer = new VertexDeployer(config, api, io.out);
    const outcome = command === 'deploy' ? await deployer.deploy() : await deployer.undeploy();
    io.out(JSON.stringify(outcome));
    return 0;
  } catch (e) {
    io.err(`vertex-deploy ${command}: ${(e as Error).message}`);
    return 1;
  } finally {
    await api?.close();
  }
}

function positiveNumber(text: string | undefined): number | undefined {
  const n = Number(text);
  return text && Number.isFinite(n) && n > 0 ? n : undefined;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
