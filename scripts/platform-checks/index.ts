/**
 * The platform rules (lib/core/platform-rules) checked against synthesized output: the values a real deploy would
 * send are read back from the CloudFormation templates and the Terraform JSON — including the ARM templates inside
 * `azurerm_resource_group_template_deployment` and the Vertex deploy config the `terraform_data` step carries — and
 * each rule's own `check` runs on them. `npm run preflight` prints the result; `npm run review` carries it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PLATFORM_RULES, ruleSources, type AnyPlatformRule, type RuleViolation } from '../../lib/core';
import { cloudFormationDeployments } from './aws';
import { azureMlDeployment, containerAppsDeployment } from './azure';
import { cloudRunDeployment, vertexDeployment } from './gcp';
import {
  parseJson,
  type CheckStatus,
  type Json,
  type RuleCheck,
  type SynthesizedDeployment,
  type TerraformConfig,
} from './inputs';

export { durationSeconds } from './inputs';
export type { CheckStatus, RuleCheck, RuleInputs, SynthesizedDeployment } from './inputs';

/** Every deployment in the given cdk.out and cdktf.out directories (missing directories are skipped). */
export function readSynthesizedDeployments(dirs: {
  readonly cdkOut?: readonly string[];
  readonly cdktfOut?: readonly string[];
}): SynthesizedDeployment[] {
  const found: SynthesizedDeployment[] = [];
  for (const dir of dirs.cdkOut ?? []) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)
      .filter((f) => f.endsWith('.template.json'))
      .sort()) {
      found.push(...cloudFormationDeployments(join(dir, f)));
    }
  }
  for (const dir of dirs.cdktfOut ?? []) {
    const stacks = join(dir, 'stacks');
    if (!existsSync(stacks)) continue;
    for (const stack of readdirSync(stacks).sort()) {
      const file = join(stacks, stack, 'cdk.tf.json');
      if (existsSync(file)) found.push(...terraformDeployments(file));
    }
  }
  return found;
}

function terraformDeployments(file: string): SynthesizedDeployment[] {
  const config = JSON.parse(readFileSync(file, 'utf8')) as TerraformConfig;
  const stack = basename(dirname(file));
  const resources = config.resource ?? {};
  const found: SynthesizedDeployment[] = [];
  for (const resource of Object.values(resources.google_vertex_ai_endpoint ?? {})) {
    found.push(vertexDeployment(file, stack, config, resource));
  }
  for (const resource of Object.values(resources.google_cloud_run_v2_service ?? {})) {
    found.push(cloudRunDeployment(file, stack, resource));
  }
  for (const resource of Object.values(resources.azurerm_resource_group_template_deployment ?? {})) {
    const template = parseJson(resource.template_content);
    const types = ((template?.resources as Json[] | undefined) ?? []).map((r) => r.type);
    if (types.includes('Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments')) {
      found.push(azureMlDeployment(file, stack, config, resource, template as Json));
    }
  }
  for (const resource of Object.values(resources.azurerm_container_app ?? {})) {
    found.push(containerAppsDeployment(file, stack, config, resource));
  }
  return found;
}

/** Every rule that applies to each deployment, checked: one result per rule and deployment. */
export function checkPlatformRules(deployments: readonly SynthesizedDeployment[]): RuleCheck[] {
  const checks: RuleCheck[] = [];
  for (const deployment of deployments) {
    for (const rule of PLATFORM_RULES.filter((r) => r.appliesTo.includes(deployment.target))) {
      checks.push(checkOne(rule, deployment));
    }
  }
  return checks;
}

function checkOne(rule: AnyPlatformRule, deployment: SynthesizedDeployment): RuleCheck {
  const skip = (detail: string): RuleCheck => ({ rule, deployment, status: 'SKIP', detail, violations: [] });
  if (rule.preflight !== true) return skip(`not checkable on synthesized output: ${rule.preflight.notChecked}`);
  const inputs = deployment.inputs[rule.id];
  if (!inputs) return skip('not read from this output');
  if ('notChecked' in inputs) return skip(inputs.notChecked);
  if (inputs.values.length === 0) return skip('nothing to check here');
  const violations = inputs.values.flatMap(({ what, input }) =>
    rule.check(input).map((v: RuleViolation) => ({ ...v, what })),
  );
  if (violations.length > 0) {
    return {
      rule,
      deployment,
      status: rule.severity === 'warning' ? 'WARN' : 'FAIL',
      detail: violations.map((v) => `${v.at ? `${v.at}: ` : ''}${v.value} — ${v.fix}`).join(' | '),
      violations,
    };
  }
  return { rule, deployment, status: 'PASS', detail: inputs.values.map((v) => v.what).join('; '), violations: [] };
}

/** The rules no deployment in the output exercised (each is then listed once, as not applicable). */
export function unexercisedRules(checks: readonly RuleCheck[]): AnyPlatformRule[] {
  const seen = new Set(checks.map((c) => c.rule.id));
  return PLATFORM_RULES.filter((r) => !seen.has(r.id));
}

/** One line per rule and deployment: status, rule id, deployment, value or reason, source URL. */
export function formatChecks(checks: readonly RuleCheck[]): string {
  const idWidth = Math.max(...PLATFORM_RULES.map((r) => r.id.length));
  const labelWidth = Math.max(0, ...checks.map((c) => c.deployment.label.length));
  const lines = checks.map(
    (c) =>
      `${c.status}  ${c.rule.id.padEnd(idWidth)}  ${c.deployment.label.padEnd(labelWidth)}  ${c.detail}  <${c.rule.source}>`,
  );
  for (const rule of unexercisedRules(checks)) {
    lines.push(
      `SKIP  ${rule.id.padEnd(idWidth)}  ${'(no deployment)'.padEnd(labelWidth)}  no synthesized deployment it applies to  <${rule.source}>`,
    );
  }
  return lines.join('\n');
}

/** `35 rules × 6 deployments: 150 pass, 0 fail, 1 warning, 20 not checkable`. */
export function summarizeChecks(checks: readonly RuleCheck[]): string {
  const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  const deployments = new Set(checks.map((c) => c.deployment)).size;
  return (
    `${PLATFORM_RULES.length} rules × ${deployments} deployments: ${count('PASS')} pass, ${count('FAIL')} fail, ` +
    `${count('WARN')} warning${count('WARN') === 1 ? '' : 's'}, ${count('SKIP')} not checkable on the output`
  );
}

/** The rule table itself: id, platform, statement, where it is enforced, sources, what is unverified. */
export function ruleTableRows(): string[][] {
  const where = (e: AnyPlatformRule['synth']) => (e === true ? 'yes' : `no (${e.notChecked})`);
  return [
    ['rule', 'platform', 'statement', 'synth', 'preflight', 'source', 'unverified'],
    ...PLATFORM_RULES.map((r) => [
      r.id,
      r.platform,
      r.statement,
      where(r.synth),
      where(r.preflight),
      ruleSources(r).join(' ; '),
      r.unverified ?? '',
    ]),
  ];
}
