/**
 * `npm run synth [aws|gcp|azure]`: synthesizes the clouds offline with no credentials (the real `cdk synth` and
 * `cdktf synth`), then prints where the output went and what each stack deploys, read back from that output.
 *
 * The mode picked by FORM_DETECTOR_MODE (default always-on) goes to cdk.out/ and cdktf.out/, where `cdk deploy`
 * and `cdktf deploy` read it. The other mode is synthesized too, into .synth-compare/, so the cost table compares
 * always-on with on-demand as each would really be configured (SYNTH_COMPARE=0 skips it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import {
  DEPLOYMENT_MODE_ENV,
  DEPLOYMENT_MODES,
  deployFlow,
  formatCostComparison,
  formatProblem,
  formatSummaries,
  resolveDeploymentMode,
  ValidationErrors,
  type Cloud,
  type DeploymentMode,
} from '../lib/core';
import { removeSynthStamp, synthFingerprint, writeSynthStamp } from './synth-stamp';
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
const modeErrors = new ValidationErrors('npm run synth');
const mode: DeploymentMode = resolveDeploymentMode({ env: process.env[DEPLOYMENT_MODE_ENV] }, modeErrors);
if (modeErrors.count > 0) {
  console.error(modeErrors.problems.map(formatProblem).join('\n'));
  process.exit(2);
}
const compare = process.env.SYNTH_COMPARE !== '0';
const COMPARE_DIR = '.synth-compare';

// Offline, no credentials, no telemetry: nothing here needs an account.
const baseEnv: NodeJS.ProcessEnv = {
  ...process.env,
  CHECKPOINT_DISABLE: '1',
  DISABLE_VERSION_CHECK: '1',
  CDK_DISABLE_VERSION_CHECK: 'true',
  AWS_EC2_METADATA_DISABLED: 'true',
  CI: process.env.CI ?? 'true',
};
// cdktf synth calls terraform, which reads its CLI configuration from TF_CLI_CONFIG_FILE: a path to a file that does
// not exist makes every call print an error box, though synthesis needs no CLI configuration at all.
if (baseEnv.TF_CLI_CONFIG_FILE && !existsSync(baseEnv.TF_CLI_CONFIG_FILE)) delete baseEnv.TF_CLI_CONFIG_FILE;

function run(title: string, command: string, args: string[], env: NodeJS.ProcessEnv): void {
  console.log(`\n▶ ${title}: ${[command, ...args].join(' ')}`);
  const bin = resolve(root, 'node_modules', '.bin', command);
  const result = spawnSync(bin, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error(`✖ ${title} failed (exit ${result.status ?? result.signal}); see the output above.`);
    process.exit(result.status ?? 1);
  }
}

/** Synthesizes the requested clouds in one mode into cdkOut / cdktfOut and reads their summaries back. */
function synthesize(synthMode: DeploymentMode, cdkOut: string, cdktfOut: string): SynthesizedStack[] {
  const env = { ...baseEnv, [DEPLOYMENT_MODE_ENV]: synthMode };
  const stacks: SynthesizedStack[] = [];
  if (clouds.includes('aws')) {
    // `npm run synth` has just built; --build '' skips cdk.json's build step so it does not run twice.
    const args = ['synth', '--quiet', '--no-notices', '--no-version-reporting', '--build', '', '--output', cdkOut];
    run(`AWS (CDK), ${synthMode}`, 'cdk', args, env);
    stacks.push(...readCdkAssembly(resolve(root, cdkOut)));
  }
  if (clouds.includes('gcp') || clouds.includes('azure')) {
    run(`GCP and Azure (CDKTF), ${synthMode}`, 'cdktf', ['synth', '--output', cdktfOut], env);
    stacks.push(...readCdktfOutput(resolve(root, cdktfOut)));
  }
  return stacks;
}

// Taken before synthesizing, so a source edited meanwhile makes the stamp stale rather than wrongly current; the old
// stamp goes first, so output rewritten by a partial or single-mode synth is never taken as current.
const fingerprint = synthFingerprint(root);
removeSynthStamp(root);
const stacks = synthesize(mode, 'cdk.out', 'cdktf.out');
const other = DEPLOYMENT_MODES.find((m) => m !== mode) as DeploymentMode;
const otherStacks = compare
  ? synthesize(other, join(COMPARE_DIR, other, 'cdk.out'), join(COMPARE_DIR, other, 'cdktf.out'))
  : [];
// Both modes of these clouds are now on disk and current: `npm run preflight` may reuse them.
if (compare) writeSynthStamp(root, { fingerprint, clouds });

const inScope = (list: SynthesizedStack[]) =>
  list.flatMap((s) => s.summaries).filter((summary) => clouds.includes(summary.cloud));

/** The stack a synthesized file belongs to: `<stack>.template.json` (CDK) or `stacks/<stack>/cdk.tf.json` (CDKTF). */
const stackName = (file: string): string =>
  file.endsWith('.template.json') ? basename(file).replace(/\.template\.json$/, '') : basename(dirname(file));

/** The first-deploy order of every deployment of these stacks that reads a store, as printable lines. */
function deployOrders(list: SynthesizedStack[], indent: string): string[] {
  return list.flatMap((stack) =>
    stack.summaries
      .filter((s) => clouds.includes(s.cloud))
      .flatMap((summary) => {
        const flow = deployFlow(summary, stackName(stack.file));
        return flow ? [`${indent}${summary.service} (${summary.mode}):`, ...flow.map((l) => `${indent}  ${l}`)] : [];
      }),
  );
}

console.log(`\nSynthesized (${mode}; deploy with \`cdk deploy\` / \`cdktf deploy\`):`);
// The stacks that hold only a weights store, by name, with the detector stack that reads each.
const storeStacks = new Map(
  stacks.flatMap((stack) =>
    stack.summaries
      .filter((s) => clouds.includes(s.cloud))
      .flatMap((s) => {
        const by = s.weights?.storeCreatedBy;
        return typeof by === 'object' ? [[by.stack, stackName(stack.file)] as const] : [];
      }),
  ),
);
for (const stack of stacks) {
  const summaries = stack.summaries.filter((s) => clouds.includes(s.cloud));
  if (summaries.length === 0 && stack.summaries.length > 0) continue;
  const readBy = storeStacks.get(stackName(stack.file));
  if (summaries.length === 0 && readBy !== undefined) {
    console.log(`\n${relative(root, stack.file)}`);
    console.log(`  the weights store of ${readBy}: deploy it and stage the weights before ${readBy} (order above)`);
    continue;
  }
  if (summaries.length === 0 && stacks.some((s) => s.summaries.length > 0) && clouds.length < 3) continue;
  console.log(`\n${relative(root, stack.file)}`);
  console.log(formatSummaries(summaries, busyHoursPerDay));
  const order = deployOrders([stack], '    ');
  if (order.length > 0) console.log(['    first deploy, in this order:', ...order.slice(1)].join('\n'));
}
const missing = clouds.filter((c) => !inScope(stacks).some((d) => d.cloud === c));
if (missing.length > 0) {
  console.error(`\n✖ No ${missing.join(', ')} deployment was found in the synthesized output.`);
  process.exit(1);
}
if (compare) {
  console.log(`\nCost per cloud and mode (${other} synthesized into ${COMPARE_DIR}/${other}/ for the comparison):\n`);
  console.log(formatCostComparison([...inScope(stacks), ...inScope(otherStacks)], busyHoursPerDay));
  const otherOrders = deployOrders(otherStacks, '  ');
  if (otherOrders.length > 0) {
    console.log(`\nFirst deploy of the ${other} deployments that read a weights store, in this order:\n`);
    console.log(otherOrders.join('\n'));
  }
}
console.log(
  `\nCosts are list-price estimates (see lib/core/gpu-catalog.ts and on-demand.ts for sources and dates); ` +
    `BUSY_HOURS_PER_DAY=${busyHoursPerDay}.`,
);
