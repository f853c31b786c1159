import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * A fingerprint of everything `npm run synth` reads — the library, the apps, the container sources, the CDK and
 * CDKTF configuration, the lockfile, and the environment variables the stacks read — stored beside the comparison
 * synth so `npm run preflight` can tell whether the last synth is still current.
 */

/** Where the stamp is written (gitignored with the rest of .synth-compare/). */
export const STAMP_FILE = join('.synth-compare', 'synth-stamp.json');

/** Environment variables that change what the ready-made stacks synthesize. */
export const SYNTH_ENV = [
  'FORM_DETECTOR_MODE',
  'GOOGLE_CLOUD_PROJECT',
  'GOOGLE_REGION',
  'AZURE_LOCATION',
  'CDK_DEFAULT_ACCOUNT',
  'CDK_DEFAULT_REGION',
] as const;

const INPUTS = [
  'lib',
  'bin',
  'inference-container/Dockerfile',
  'inference-container/src',
  'cdk.json',
  'cdktf.json',
  'package-lock.json',
];

export interface SynthStamp {
  readonly fingerprint: string;
  /** The clouds synthesized, both modes of each. */
  readonly clouds: readonly string[];
}

export function synthFingerprint(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256');
  const walk = (path: string): void => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const child of readdirSync(path).sort()) walk(join(path, child));
      return;
    }
    hash.update(relative(root, path).split(sep).join('/'));
    hash.update('\0');
    hash.update(readFileSync(path));
    hash.update('\0');
  };
  for (const input of INPUTS) walk(join(root, input));
  for (const name of SYNTH_ENV) hash.update(`${name}=${env[name] ?? ''}\0`);
  return hash.digest('hex');
}

export function readSynthStamp(root: string): SynthStamp | undefined {
  try {
    return JSON.parse(readFileSync(join(root, STAMP_FILE), 'utf8')) as SynthStamp;
  } catch {
    return undefined;
  }
}

export function writeSynthStamp(root: string, stamp: SynthStamp): void {
  writeFileSync(join(root, STAMP_FILE), `${JSON.stringify(stamp, undefined, 2)}\n`);
}

export function removeSynthStamp(root: string): void {
  rmSync(join(root, STAMP_FILE), { force: true });
}

/** Whether the last synth covered every cloud in both modes and nothing it read has changed since. */
export function synthIsCurrent(root: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const stamp = readSynthStamp(root);
  return (
    stamp !== undefined &&
    ['aws', 'gcp', 'azure'].every((c) => stamp.clouds.includes(c)) &&
    stamp.fingerprint === synthFingerprint(root, env)
  );
}
