/**
 * `npm run review [file.md]`: synthesizes every cloud (as `npm run synth` does) unless `--no-synth`, then writes a
 * Markdown review of the synthesized infrastructure, by default to `infra-review.md`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderReview, reviewCloudFormation, reviewTerraform, type StackReview } from './infra-review';
import { checkPlatformRules, readSynthesizedDeployments } from './platform-checks';
import { readCdkAssembly, readCdktfOutput } from './synthesized-summaries';

const root = resolve(__dirname, '..', '..');
const { values, positionals } = parseArgs({
  options: {
    'no-synth': { type: 'boolean', default: false },
    'busy-hours': { type: 'string', default: '8' },
    'cdk-out': { type: 'string', default: 'cdk.out' },
    'cdktf-out': { type: 'string', default: 'cdktf.out' },
  },
  allowPositionals: true,
});
const busyHours = Number(values['busy-hours']);
if (!(busyHours >= 0 && busyHours <= 24)) {
  console.error(`--busy-hours must be a number of hours from 0 to 24; got ${values['busy-hours']}`);
  process.exit(2);
}
const outFile = resolve(positionals[0] ?? 'infra-review.md');

if (!values['no-synth']) {
  const result = spawnSync(process.execPath, [join(root, 'dist', 'scripts', 'synth.js')], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const stacks: StackReview[] = [];
const cdkOut = resolve(root, values['cdk-out']);
if (existsSync(cdkOut)) {
  for (const f of readdirSync(cdkOut)
    .filter((f) => f.endsWith('.template.json'))
    .sort()) {
    const file = join(cdkOut, f);
    stacks.push(reviewCloudFormation(file, relative(root, file)));
  }
}
const tfStacks = resolve(root, values['cdktf-out'], 'stacks');
if (existsSync(tfStacks)) {
  for (const stack of readdirSync(tfStacks).sort()) {
    const file = join(tfStacks, stack, 'cdk.tf.json');
    if (existsSync(file)) stacks.push(reviewTerraform(file, relative(root, file)));
  }
}
// The other mode, synthesized by `npm run synth` for the cost comparison only.
const compareDir = resolve(root, '.synth-compare');
const compareModes = existsSync(compareDir)
  ? readdirSync(compareDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
  : [];
const comparison = existsSync(compareDir)
  ? compareModes.flatMap((mode) => [
      ...readCdkAssembly(join(compareDir, mode, 'cdk.out')).flatMap((s) => s.summaries),
      ...readCdktfOutput(join(compareDir, mode, 'cdktf.out')).flatMap((s) => s.summaries),
    ])
  : [];
if (stacks.length === 0) {
  console.error('Nothing synthesized was found; run `npm run synth` first (or drop --no-synth).');
  process.exit(1);
}
// The platform rules on both modes, as `npm run preflight` checks them.
const platformChecks = checkPlatformRules(
  readSynthesizedDeployments({
    cdkOut: [cdkOut, ...compareModes.map((mode) => join(compareDir, mode, 'cdk.out'))],
    cdktfOut: [resolve(root, values['cdktf-out']), ...compareModes.map((mode) => join(compareDir, mode, 'cdktf.out'))],
  }),
);
writeFileSync(outFile, renderReview(stacks, busyHours, comparison, platformChecks) + '\n');
const failed = platformChecks.filter((c) => c.status === 'FAIL').length;
if (failed > 0) console.error(`✖ ${failed} platform rule check${failed === 1 ? '' : 's'} failed (see the review).`);
console.log(`\nInfra review written to ${relative(process.cwd(), outFile) || outFile}`);
