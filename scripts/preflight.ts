/**
 * `npm run preflight`: checks every platform rule this project knows (lib/core/platform-rules) against what the
 * ready-made stacks synthesize — DetectorAwsStack, DetectorGcpStack and DetectorAzureStack, each in both modes —
 * and prints one line per rule and deployment: PASS / FAIL / SKIP, the rule, the deployment, the values checked (or
 * the offending value and the fix), and the rule's source. Exits 1 when any rule fails.
 *
 * It reuses the last `npm run synth` (cdk.out, cdktf.out and .synth-compare/) when nothing it read has changed since
 * (scripts/synth-stamp.ts), and synthesizes otherwise. `--no-synth` checks whatever output is there;
 * `--cdk-out DIR` / `--cdktf-out DIR` (repeatable) check those directories only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  checkPlatformRules,
  formatChecks,
  readSynthesizedDeployments,
  summarizeChecks,
  type RuleCheck,
} from './platform-checks';
import { GPU_DRIVERS_NOT_STATED } from '../lib/core';
import { synthIsCurrent } from './synth-stamp';

const root = resolve(__dirname, '..', '..');

/** The output `npm run synth` leaves: the chosen mode in cdk.out / cdktf.out, the other under .synth-compare/. */
export function defaultOutputDirectories(base: string): { cdkOut: string[]; cdktfOut: string[] } {
  const compare = join(base, '.synth-compare');
  const modes = existsSync(compare)
    ? readdirSync(compare, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => join(compare, d.name))
    : [];
  return {
    cdkOut: [join(base, 'cdk.out'), ...modes.map((m) => join(m, 'cdk.out'))],
    cdktfOut: [join(base, 'cdktf.out'), ...modes.map((m) => join(m, 'cdktf.out'))],
  };
}

/** Checks the synthesized output in these directories; what `npm run preflight` prints, and whether it passed. */
export function preflight(dirs: { cdkOut?: readonly string[]; cdktfOut?: readonly string[] }): {
  readonly checks: RuleCheck[];
  readonly report: string;
  readonly passed: boolean;
} {
  const deployments = readSynthesizedDeployments(dirs);
  const checks = checkPlatformRules(deployments);
  const failed = checks.filter((c) => c.status === 'FAIL');
  const report = [
    formatChecks(checks),
    '',
    ...GPU_DRIVERS_NOT_STATED.map(
      (d) =>
        `NOTE  the GPU driver of ${d.platform} is not stated (${d.consulted}): the image's CUDA is not checked there`,
    ),
    '',
    summarizeChecks(checks),
    ...(failed.length > 0
      ? [
          `✖ ${failed.length} rule check${failed.length === 1 ? '' : 's'} failed: a deploy of this output would hit them.`,
        ]
      : ['✔ No platform rule is broken by the synthesized output.']),
  ].join('\n');
  return { checks, report, passed: failed.length === 0 && deployments.length > 0 };
}

/**
 * The command: `args` as on the command line; returns the exit code — 0 all pass, 1 a rule fails (or the synth
 * failed), 2 nothing synthesized to check.
 */
export function main(args: readonly string[] = process.argv.slice(2)): number {
  const { values } = parseArgs({
    args: [...args],
    options: {
      'no-synth': { type: 'boolean', default: false },
      'cdk-out': { type: 'string', multiple: true },
      'cdktf-out': { type: 'string', multiple: true },
    },
  });
  const explicit = values['cdk-out'] !== undefined || values['cdktf-out'] !== undefined;
  const dirs = explicit
    ? {
        cdkOut: (values['cdk-out'] ?? []).map((d) => resolve(d)),
        cdktfOut: (values['cdktf-out'] ?? []).map((d) => resolve(d)),
      }
    : defaultOutputDirectories(root);

  if (!explicit && !values['no-synth']) {
    if (synthIsCurrent(root)) {
      console.log('Reusing the last `npm run synth` output: nothing it read has changed since.');
    } else {
      console.log('Synthesizing every cloud in both modes (the last synth is missing or out of date)…');
      const result = spawnSync(process.execPath, [join(root, 'dist', 'scripts', 'synth.js')], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, SYNTH_COMPARE: '1' },
      });
      if (result.status !== 0) {
        console.error(`${result.stdout}\n${result.stderr}\n✖ The synth failed (output above).`);
        return result.status ?? 1;
      }
    }
  }

  const { report, passed, checks } = preflight(dirs);
  if (checks.length === 0) {
    const where = [...(dirs.cdkOut ?? []), ...(dirs.cdktfOut ?? [])].map((d) => relative(process.cwd(), d) || d);
    console.error(`Nothing synthesized was found in ${where.join(', ')}; run \`npm run synth\` first.`);
    return 2;
  }
  console.log(report);
  return passed ? 0 : 1;
}

if (require.main === module) process.exitCode = main();
