/**
 * `npm run synth [aws|gcp|azure]`: synthesizes the clouds offline with no credentials (the real `cdk synth` and
 * `cdktf synth`), then prints where the output went and what each stack deploys, read back from that output.
 */
import { spawnSync } from 'node:child_process';
import { relative, resolve } from 'node:path';
import { formatSummaries, type Cloud } from '../lib/core';
import { readCdkAssembly, readCdktfOutput, type SynthesizedStack } from './synthesized-summaries';

const root = resolve(__dirname, '..', '..');
/** Hours a day an on-demand deployment is busy, for the cost comparison (BUSY_HOURS_PER_DAY, default 8). */
const busyHoursPerDay = Number(process.env.BUSY_HOURS_PER_DAY ?? 8);
if (!(busyHoursPerDay >= 0 && busyHoursPerDay <= 24)) {
  console.error(`BUSY_HOURS_PER_DAY must be a number of hours from 0 to 24; got ${process.env.BUSY_HOURS_PER_DAY}`);
  process.exit(2);
}
const requested = process.argv.slice(2);
const clouds: Cloud[] = requested.length > 0 ? (requested as Cloud[]) : ['aws', 'gcp', 'azure'];
const unknown = clouds.filter((c) => !['aws', 'gcp', 'azure'].includes(c));
if (unknown.length > 0) {
  console.error(`Unknown cloud ${unknown.join(', ')}; use aws, gcp or azure (or nothing for all three).`);
  process.exit(2);
}

// Offline, no credentials, no telemetry: nothing here needs an account.
const env: NodeJS.ProcessEnv = {
  ...process.env,
  CHECKPOINT_DISABLE: '1',
  DISABLE_VERSION_CHECK: '1',
  CDK_DISABLE_VERSION_CHECK: 'true',
  AWS_EC2_METADATA_DISABLED: 'true',
  CI: process.env.CI ?? 'true',
};

function run(title: string, command: string, args: string[]): void {
  console.log(`\n▶ ${title}: ${[command, ...args].join(' ')}`);
  const bin = resolve(root, 'node_modules', '.bin', command);
  const result = spawnSync(bin, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error(`✖ ${title} failed (exit ${result.status ?? result.signal}); see the output above.`);
    process.exit(result.status ?? 1);
  }
}

const stacks: SynthesizedStack[] = [];
if (clouds.includes('aws')) {
  // `npm run synth` has just built; --build '' skips cdk.json's build step so it does not run twice.
  run('AWS (CDK)', 'cdk', [
    'synth',
    '--quiet',
    '--no-notices',
    '--no-version-reporting',
    '--build',
    '',
    '--output',
    'cdk.out',
  ]);
  stacks.push(...readCdkAssembly(resolve(root, 'cdk.out')));
}
if (clouds.includes('gcp') || clouds.includes('azure')) {
  run('GCP and Azure (CDKTF)', 'cdktf', ['synth', '--output', 'cdktf.out']);
  stacks.push(...readCdktfOutput(resolve(root, 'cdktf.out')));
}

console.log('\nSynthesized:');
for (const stack of stacks) {
  const inScope = stack.summaries.filter((s) => clouds.includes(s.cloud));
  if (inScope.length === 0 && stack.summaries.length > 0) continue;
  console.log(`\n${relative(root, stack.file)}`);
  console.log(formatSummaries(inScope, busyHoursPerDay));
}
const missing = clouds.filter((c) => !stacks.some((s) => s.summaries.some((d) => d.cloud === c)));
if (missing.length > 0) {
  console.error(`\n✖ No ${missing.join(', ')} deployment was found in the synthesized output.`);
  process.exit(1);
}
console.log('\nCosts are estimates from list prices (see lib/core/gpu-catalog.ts for sources and dates).');
