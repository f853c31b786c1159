import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUMMARY_METADATA_KEY, type DeploymentSummary } from '../lib/core';

/** Where one synthesized stack was written, and the deployments it records. */
export interface SynthesizedStack {
  readonly file: string;
  readonly summaries: DeploymentSummary[];
}

/** Deployment summaries from a CDK cloud assembly: CloudFormation resource `Metadata` in each template. */
export function readCdkAssembly(outdir: string): SynthesizedStack[] {
  if (!existsSync(outdir)) return [];
  return readdirSync(outdir)
    .filter((f) => f.endsWith('.template.json'))
    .sort()
    .map((f) => {
      const file = join(outdir, f);
      const template = JSON.parse(readFileSync(file, 'utf8')) as {
        Resources?: Record<string, { Metadata?: Record<string, unknown> }>;
      };
      const summaries = Object.values(template.Resources ?? {})
        .map((r) => r.Metadata?.[SUMMARY_METADATA_KEY])
        .filter((s): s is DeploymentSummary => s !== undefined);
      return { file, summaries };
    });
}

/** Deployment summaries from CDKTF output: the `//` comment object of resources in each stack's cdk.tf.json. */
export function readCdktfOutput(outdir: string): SynthesizedStack[] {
  const stacksDir = join(outdir, 'stacks');
  if (!existsSync(stacksDir)) return [];
  return readdirSync(stacksDir)
    .sort()
    .map((stack) => join(stacksDir, stack, 'cdk.tf.json'))
    .filter((file) => existsSync(file))
    .map((file) => {
      const config = JSON.parse(readFileSync(file, 'utf8')) as {
        resource?: Record<string, Record<string, { '//'?: Record<string, unknown> }>>;
      };
      const summaries = Object.values(config.resource ?? {})
        .flatMap((byName) => Object.values(byName))
        .map((r) => r['//']?.[SUMMARY_METADATA_KEY])
        .filter((s): s is DeploymentSummary => s !== undefined);
      return { file, summaries };
    });
}
