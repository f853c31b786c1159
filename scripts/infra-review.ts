/**
 * A human-readable review of synthesized infrastructure, built from the synthesized output itself (CloudFormation
 * templates and Terraform JSON), so it shows what would really be deployed: per stack the resources, the
 * permissions granted, GPU type and capacity, scaling rules, public exposure and estimated monthly cost.
 */
import { basename, dirname } from 'node:path';
import { readFileSync } from 'node:fs';
import {
  costComparisonRows,
  formatUsd,
  GPU_DRIVERS_NOT_STATED,
  HOURS_PER_MONTH,
  SUMMARY_METADATA_KEY,
  type DeploymentSummary,
} from '../lib/core';
import { ruleTableRows, summarizeChecks, unexercisedRules, type RuleCheck } from './platform-checks';

type Json = Record<string, unknown>;

export interface StackReview {
  readonly title: string;
  readonly file: string;
  readonly resources: Array<{ type: string; count: number }>;
  readonly permissions: string[];
  readonly scaling: string[];
  readonly exposure: string[];
  readonly deployments: DeploymentSummary[];
}

// ---------------------------------------------------------------------------------------------------------------
// CloudFormation

export function reviewCloudFormation(file: string, displayFile = file): StackReview {
  const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources?: Record<string, Json> };
  const resources = Object.entries(template.Resources ?? {});
  const permissions: string[] = [];
  const scaling: string[] = [];
  const exposure: string[] = [];
  const deployments: DeploymentSummary[] = [];

  for (const [logicalId, resource] of resources) {
    const type = String(resource.Type);
    const props = (resource.Properties ?? {}) as Json;
    const summary = (resource.Metadata as Json | undefined)?.[SUMMARY_METADATA_KEY];
    if (summary) deployments.push(summary as DeploymentSummary);
    if (type === 'AWS::IAM::Policy' || type === 'AWS::IAM::ManagedPolicy') {
      const roles = ((props.Roles as unknown[]) ?? []).map(cfnRef).join(', ');
      for (const statement of asArray((props.PolicyDocument as Json | undefined)?.Statement)) {
        permissions.push(`${roles || logicalId}: ${describeStatement(statement as Json)}`);
      }
    }
    if (type === 'AWS::IAM::Role') {
      const managed = asArray(props.ManagedPolicyArns).map(cfnText);
      if (managed.length > 0) permissions.push(`${logicalId}: managed policies ${managed.join(', ')}`);
      for (const policy of asArray(props.Policies)) {
        for (const statement of asArray(((policy as Json).PolicyDocument as Json | undefined)?.Statement)) {
          permissions.push(`${logicalId}: ${describeStatement(statement as Json)}`);
        }
      }
      const principals = asArray((props.AssumeRolePolicyDocument as Json | undefined)?.Statement).map((s) =>
        cfnText((s as Json).Principal),
      );
      exposure.push(`${logicalId} can be assumed by ${principals.join(', ')}`);
    }
    if (type === 'AWS::ApplicationAutoScaling::ScalableTarget') {
      scaling.push(
        `${logicalId}: ${cfnText(props.ScalableDimension)} from ${cfnText(props.MinCapacity)} to ${cfnText(props.MaxCapacity)}`,
      );
    }
    if (type === 'AWS::ApplicationAutoScaling::ScalingPolicy') {
      const tt = props.TargetTrackingScalingPolicyConfiguration as Json | undefined;
      const step = props.StepScalingPolicyConfiguration as Json | undefined;
      if (tt) {
        const metric = (tt.PredefinedMetricSpecification as Json | undefined)?.PredefinedMetricType ?? 'custom metric';
        scaling.push(
          `${logicalId}: target tracking ${cfnText(metric)} at ${cfnText(tt.TargetValue)}` +
            ` (scale-out cooldown ${cfnText(tt.ScaleOutCooldown ?? 'default')} s, scale-in ${cfnText(tt.ScaleInCooldown ?? 'default')} s)`,
        );
      }
      if (step)
        scaling.push(`${logicalId}: step scaling ${cfnText(step.AdjustmentType)} ${cfnText(step.StepAdjustments)}`);
    }
    if (type === 'AWS::CloudWatch::Alarm') {
      scaling.push(
        `${logicalId}: alarm on ${cfnText(props.Namespace)}/${cfnText(props.MetricName)} ${cfnText(props.ComparisonOperator)} ${cfnText(props.Threshold)}`,
      );
    }
    if (type === 'AWS::SageMaker::Endpoint') {
      exposure.push(`${logicalId}: SageMaker runtime API only, callers need sagemaker:InvokeEndpoint (IAM, SigV4)`);
    }
    if (type === 'AWS::SageMaker::Model' && props.VpcConfig === undefined) {
      exposure.push(`${logicalId}: container has no VPC config (SageMaker-managed network)`);
    }
    if (type === 'AWS::ECR::Repository') {
      exposure.push(`${logicalId}: ECR repository, private (no repository policy)`);
    }
  }
  return {
    title: `CloudFormation stack ${basename(file).replace(/\.template\.json$/, '')}`,
    file: displayFile,
    resources: countTypes(resources.map(([, r]) => String(r.Type))),
    permissions,
    scaling,
    exposure,
    deployments,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Terraform JSON (CDKTF)

const TF_PERMISSION_TYPES = /(_iam_member|_iam_binding|_iam_policy|^azurerm_role_assignment)$/;
const TF_SCALING_TYPES = /^(azurerm_monitor_autoscale_setting)$/;

export function reviewTerraform(file: string, displayFile = file): StackReview {
  const config = JSON.parse(readFileSync(file, 'utf8')) as {
    resource?: Record<string, Record<string, Json>>;
    locals?: Record<string, unknown>;
  };
  const permissions: string[] = [];
  const scaling: string[] = [];
  const exposure: string[] = [];
  const deployments: DeploymentSummary[] = [];
  const types: string[] = [];

  for (const [type, byName] of Object.entries(config.resource ?? {})) {
    for (const [name, resource] of Object.entries(byName)) {
      types.push(type);
      const summary = (resource['//'] as Json | undefined)?.[SUMMARY_METADATA_KEY];
      if (summary) deployments.push(summary as DeploymentSummary);
      if (TF_PERMISSION_TYPES.test(type)) {
        const role = resource.role ?? resource.role_definition_name ?? resource.role_definition_id;
        const who = resource.member ?? resource.members ?? resource.principal_id;
        const where = resource.scope ?? resource.repository ?? resource.bucket ?? resource.project ?? resource.endpoint;
        permissions.push(`${type}.${name}: ${tfText(role)} for ${tfText(who)} on ${tfText(where)}`);
        if (/allUsers|allAuthenticatedUsers/.test(JSON.stringify(who))) {
          exposure.push(`⚠ ${type}.${name} grants ${tfText(role)} to ${tfText(who)} (public)`);
        }
      }
      if (TF_SCALING_TYPES.test(type)) {
        for (const profile of asArray(resource.profile)) {
          const p = profile as Json;
          const capacity = p.capacity as Json;
          scaling.push(
            `${type}.${name}: capacity min ${tfText(capacity?.minimum)}, max ${tfText(capacity?.maximum)}, default ${tfText(capacity?.default)}`,
          );
          for (const rule of asArray(p.rule)) {
            const trigger = (rule as Json).metric_trigger as Json;
            const action = (rule as Json).scale_action as Json;
            scaling.push(
              `  ${tfText(action?.direction)} by ${tfText(action?.value)} when ${tfText(trigger?.metric_name)} ` +
                `${tfText(trigger?.operator)} ${tfText(trigger?.threshold)} (cooldown ${tfText(action?.cooldown)})`,
            );
          }
        }
      }
      if (type === 'google_cloud_run_v2_service') {
        const template = resource.template as Json | undefined;
        const s = template?.scaling as Json | undefined;
        scaling.push(
          `${type}.${name}: instances ${tfText(s?.min_instance_count ?? 0)}–${tfText(s?.max_instance_count)}, ` +
            `concurrency ${tfText(template?.max_instance_request_concurrency)}`,
        );
        exposure.push(`${type}.${name}: ingress ${tfText(resource.ingress ?? 'INGRESS_TRAFFIC_ALL')}`);
      }
      if (type === 'google_vertex_ai_endpoint') {
        exposure.push(
          `${type}.${name}: ${resource.dedicated_endpoint_enabled ? 'dedicated' : 'shared'} public endpoint, ` +
            'callers need aiplatform.endpoints.predict (IAM)',
        );
      }
      if ('public_network_access_enabled' in resource) {
        exposure.push(`${type}.${name}: public network access ${tfText(resource.public_network_access_enabled)}`);
      }
      if (type === 'azurerm_container_registry') {
        exposure.push(`${type}.${name}: admin user ${resource.admin_enabled ? 'ENABLED' : 'disabled'}`);
      }
      if (type === 'azurerm_resource_group_template_deployment') {
        const template = parseMaybeJson(resource.template_content);
        for (const r of asArray((template as Json | undefined)?.resources)) {
          const armType = String((r as Json).type);
          types.push(`  ↳ ARM ${armType}`);
          const props = (r as Json).properties as Json | undefined;
          if (props?.authMode) exposure.push(`ARM ${armType}: auth mode ${tfText(props.authMode)}`);
          if (props?.publicNetworkAccess)
            exposure.push(`ARM ${armType}: public network access ${tfText(props.publicNetworkAccess)}`);
        }
      }
    }
  }
  // The Vertex model deployment runs as a terraform_data step whose config (the REST request) is a local.
  for (const [name, value] of Object.entries(config.locals ?? {})) {
    const resources = (value as Json | undefined)?.dedicatedResources as Json | undefined;
    if (!resources) continue;
    const machine = resources.machineSpec as Json | undefined;
    scaling.push(
      `${name}: Vertex deployed model, ${tfText(resources.minReplicaCount)}–${tfText(resources.maxReplicaCount)} replicas of ` +
        `${tfText(machine?.machineType)} + ${tfText(machine?.acceleratorCount)}× ${tfText(machine?.acceleratorType)}`,
    );
    for (const spec of asArray(resources.autoscalingMetricSpecs)) {
      scaling.push(`  target ${tfText((spec as Json).target)} % on ${tfText((spec as Json).metricName)}`);
    }
  }
  return {
    title: `Terraform stack ${basename(dirname(file))}`,
    file: displayFile,
    resources: countTypes(types),
    permissions,
    scaling,
    exposure,
    deployments,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Markdown

export function renderReview(
  stacks: readonly StackReview[],
  busyHoursPerDay = 8,
  /** Deployments of the other mode, synthesized only for the cost comparison. */
  comparison: readonly DeploymentSummary[] = [],
  /** The platform rules checked against the same output (what `npm run preflight` prints). */
  platformChecks?: readonly RuleCheck[],
): string {
  const lines: string[] = ['# Infrastructure review', ''];
  lines.push(
    'Generated from the synthesized output by `npm run review`. Costs are list-price estimates ' +
      `(${HOURS_PER_MONTH} h a month); check each cloud's pricing page before committing.`,
    '',
  );
  const all = [...stacks.flatMap((s) => s.deployments), ...comparison];
  if (all.length > 0) {
    lines.push('## Cost per cloud and mode', '');
    if (comparison.length > 0) {
      lines.push('Rows of the mode not deployed from this output were synthesized for comparison only.', '');
    }
    const [header, ...rows] = costComparisonRows(all, busyHoursPerDay);
    lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
    for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
    lines.push('');
  }
  for (const stack of stacks) {
    lines.push(`## ${stack.title}`, '', `Source: \`${stack.file}\``, '');
    for (const d of stack.deployments) {
      lines.push(
        `- **${d.service}** \`${d.endpoint}\` (${d.mode}): ${instanceText(d)}, ${d.minCapacity}–${d.maxCapacity} instances, ` +
          `model ${d.model} (${d.quantization}), ${d.maxConcurrency} concurrent detections per instance; ` +
          `${formatUsd(d.monthlyUsdAtMinCapacity)}/month at min capacity (price as of ${d.priceAsOf}: ${d.priceSource}).` +
          (d.startWindowSeconds === undefined ? '' : ` Start window ${d.startWindowSeconds} s.`),
      );
      for (const warning of d.warnings ?? []) lines.push(`  - ⚠ ${warning}`);
    }
    if (stack.deployments.length > 0) lines.push('');
    section(
      lines,
      'Resources',
      stack.resources.map((r) => `${r.type} × ${r.count}`),
    );
    section(lines, 'Permissions granted', stack.permissions);
    section(lines, 'Scaling', stack.scaling);
    section(lines, 'Exposure', stack.exposure);
  }
  if (platformChecks) renderPlatformRules(lines, platformChecks);
  return lines.join('\n');
}

/** The rule table (lib/core/platform-rules) and each rule's result on this output, as `npm run preflight` has them. */
function renderPlatformRules(lines: string[], checks: readonly RuleCheck[]): void {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const table = (rows: readonly string[][]) => {
    const [header, ...body] = rows;
    lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
    for (const row of body) lines.push(`| ${row.map(cell).join(' | ')} |`);
    lines.push('');
  };
  lines.push(
    '## Platform rules',
    '',
    'Every platform rule this project knows (lib/core/platform-rules), checked against the synthesized output of ' +
      'both modes, as `npm run preflight` does. The constructs refuse a violating prop at synth; this catches what ' +
      'an override or an escape hatch put into the output.',
    '',
    `${summarizeChecks(checks)}.`,
    '',
  );
  const failed = checks.filter((c) => c.status === 'FAIL');
  if (failed.length > 0) {
    lines.push(`**${failed.length} rule check${failed.length === 1 ? '' : 's'} failed:**`, '');
    for (const c of failed) lines.push(`- \`${c.rule.id}\` on ${c.deployment.label}: ${c.detail} (<${c.rule.source}>)`);
    lines.push('');
  }
  table([
    ['result', 'rule', 'deployment', 'checked'],
    ...checks.map((c) => [c.status, `\`${c.rule.id}\``, c.deployment.label, c.detail]),
    ...unexercisedRules(checks).map((r) => [
      'SKIP',
      `\`${r.id}\``,
      '(none)',
      'no synthesized deployment it applies to',
    ]),
  ]);
  lines.push(
    ...GPU_DRIVERS_NOT_STATED.map(
      (d) => `- Not checked: the GPU driver of ${d.platform} is not stated (consulted ${d.consulted}).`,
    ),
    '',
  );
  lines.push('### The rules', '');
  const [header, ...rows] = ruleTableRows();
  table([header, ...rows.map(([id, ...rest]) => [`\`${id}\``, ...rest])]);
}

function instanceText(d: DeploymentSummary): string {
  const gpu = d.gpuCount > 1 ? `${d.gpuCount}× ${d.gpu}` : d.gpu;
  return `${d.instanceType}${d.acceleratorType ? ` + ${d.acceleratorType}` : ''} (${gpu})`;
}

function section(lines: string[], title: string, items: string[]): void {
  lines.push(`### ${title}`, '');
  if (items.length === 0) lines.push('_none_');
  for (const item of items) lines.push(item.startsWith('  ') ? `  - ${item.trim()}` : `- ${item}`);
  lines.push('');
}

function countTypes(types: string[]): Array<{ type: string; count: number }> {
  const counts = new Map<string, number>();
  for (const t of types) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts.entries()].map(([type, count]) => ({ type, count }));
}

function describeStatement(statement: Json): string {
  const actions = asArray(statement.Action).map(cfnText);
  const resources = asArray(statement.Resource).map(cfnText);
  const condition = statement.Condition ? ` when ${JSON.stringify(statement.Condition)}` : '';
  return `${String(statement.Effect ?? 'Allow')} ${actions.join(', ')} on ${resources.join(', ')}${condition}`;
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** CloudFormation intrinsics made readable: {Ref: X} → X, Fn::GetAtt → X.Attr, Fn::Join flattened. */
function cfnText(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(cfnText).join(', ');
  if (value && typeof value === 'object') {
    const o = value as Json;
    if ('Ref' in o) return `{${String(o.Ref)}}`;
    if ('Fn::GetAtt' in o) return `{${asArray(o['Fn::GetAtt']).map(String).join('.')}}`;
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(cfnText).join(sep);
    }
    if ('Fn::Sub' in o) return cfnText(asArray(o['Fn::Sub'])[0]);
    return JSON.stringify(o);
  }
  return String(value);
}

function cfnRef(value: unknown): string {
  return cfnText(value);
}

function tfText(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
