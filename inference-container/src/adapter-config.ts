/**
 * Rank and target modules of the LoRA adapter, from its adapter_config.json (PEFT's LoraConfig: `r`, and
 * `target_modules` as a list of module names or a regular expression;
 * https://huggingface.co/docs/peft/package_reference/lora), so readiness can show what vLLM was given.
 *
 * A local directory is read directly. A Hugging Face id is looked up in the local Hugging Face cache only — vLLM
 * downloads an adapter given as an id into that cache when it loads it (vllm/lora/utils.py
 * `get_adapter_absolute_path`, through huggingface_hub) — never fetched: the layout is
 * `$HF_HUB_CACHE` (else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`) `/models--<org>--<name>/refs/main` naming
 * the commit, and `snapshots/<commit>/adapter_config.json` (https://huggingface.co/docs/hub/local-cache).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export interface AdapterConfigFacts {
  rank: number | null;
  targetModules: string[] | string | null;
  /** The file read, or null. */
  configPath: string | null;
  /** Why rank and target modules are unknown; undefined when they were read. */
  error?: string;
}

/** The Hugging Face hub cache directory, as huggingface_hub resolves it. */
export function huggingFaceCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  return join(homedir(), '.cache', 'huggingface', 'hub');
}

/** A Hugging Face model id (`org/name`), as opposed to a path on disk. */
const looksLikeHubId = (adapter: string) =>
  !isAbsolute(adapter) && !adapter.startsWith('.') && !adapter.startsWith('~') && /^[\w.-]+\/[\w.-]+$/.test(adapter);

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Where adapter_config.json of `adapter` is on this machine, or why it cannot be known without a download. Like
 * vLLM, a relative path that exists on disk wins over a Hugging Face id of the same spelling.
 */
async function locate(adapter: string, env: NodeJS.ProcessEnv): Promise<{ path: string } | { error: string }> {
  const local = join(adapter, 'adapter_config.json');
  if (!looksLikeHubId(adapter) || (await readText(local)) !== null) return { path: local };
  const repo = join(huggingFaceCacheDir(env), `models--${adapter.replace('/', '--')}`);
  const commit = (await readText(join(repo, 'refs', 'main')))?.trim();
  if (!commit) {
    return {
      error: `${adapter} is a Hugging Face id that is not in the local cache (${repo}) yet; vLLM downloads it when it loads the adapter`,
    };
  }
  return { path: join(repo, 'snapshots', commit, 'adapter_config.json') };
}

export async function readAdapterConfig(
  adapter: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AdapterConfigFacts> {
  const unknown = (error: string, configPath: string | null = null): AdapterConfigFacts => ({
    rank: null,
    targetModules: null,
    configPath,
    error,
  });
  const where = await locate(adapter, env);
  if ('error' in where) return unknown(where.error);
  const text = await readText(where.path);
  if (text === null) return unknown(`${where.path} cannot be read`);
  let config: { r?: unknown; target_modules?: unknown };
  try {
    config = JSON.parse(text) as typeof config;
  } catch (error) {
    return unknown(`${where.path} is not JSON (${(error as Error).message})`, where.path);
  }
  const rank = typeof config.r === 'number' && Number.isInteger(config.r) && config.r > 0 ? config.r : null;
  const modules = config.target_modules;
  const targetModules =
    typeof modules === 'string' || (Array.isArray(modules) && modules.every((m) => typeof m === 'string'))
      ? (modules as string[] | string)
      : null;
  const missing = [rank === null ? '"r"' : null, targetModules === null ? '"target_modules"' : null].filter(Boolean);
  return {
    rank,
    targetModules,
    configPath: where.path,
    ...(missing.length > 0 ? { error: `${where.path} has no valid ${missing.join(' or ')}` } : {}),
  };
}
