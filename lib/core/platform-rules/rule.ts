/**
 * One platform rule: a limit, a range, a required pairing or a driver fact about a cloud service or vLLM, written
 * once with the page (or source file at a tag) that states it, and a pure check over plain values.
 *
 * The constructs call `check` with their own props and report a violation into their `ValidationErrors` under the
 * prop's name (synth time); `npm run preflight` extracts the same values from the synthesized CloudFormation or
 * Terraform JSON and calls the same `check` (see scripts/platform-checks.ts).
 */

/** The service (or component) a rule belongs to, as preflight groups and names it. */
export type RulePlatform =
  | 'SageMaker'
  | 'Vertex AI'
  | 'Compute Engine GPUs'
  | 'Cloud Run'
  | 'Azure ML'
  | 'Azure Container Apps'
  | 'Azure RBAC'
  | 'Azure Monitor'
  | 'NVIDIA CUDA'
  | 'Model weights'
  | 'vLLM';

/** The deployments a rule can apply to, one per construct (preflight evaluates a rule only where it applies). */
export type RuleTarget =
  | 'sagemaker-endpoint'
  | 'sagemaker-inference-component'
  | 'vertex-endpoint'
  | 'cloud-run-service'
  | 'azure-ml-endpoint'
  | 'container-apps-service';

export const ALL_TARGETS: readonly RuleTarget[] = [
  'sagemaker-endpoint',
  'sagemaker-inference-component',
  'vertex-endpoint',
  'cloud-run-service',
  'azure-ml-endpoint',
  'container-apps-service',
];

/** `true` when a rule is enforced there, else why it cannot be. */
export type Enforcement = true | { readonly notChecked: string };

/** A value that breaks a rule, and what to do instead. */
export interface RuleViolation {
  /** The offending value: a number, or text such as `30 s` or `ml.g5.xlarge` (quoted in messages). */
  readonly value: string | number;
  /** What to send instead, and why. */
  readonly fix: string;
  /** A path below the checked prop when one input holds several values (`timeoutSeconds`, an env name). */
  readonly at?: string;
}

export interface PlatformRule<Input> {
  /** Stable id, `<platform>.<what>`: tests, preflight output and messages name the rule by it. */
  readonly id: string;
  readonly platform: RulePlatform;
  /** The rule in one sentence. */
  readonly statement: string;
  /** The page that states it, or the source file (repository, path and tag). */
  readonly source: string;
  /** Further sources the rule relies on. */
  readonly alsoSee?: readonly string[];
  /** Set when the fact could not be verified against its source: what is unverified. */
  readonly unverified?: string;
  readonly appliesTo: readonly RuleTarget[];
  /**
   * `warning` for a rule about an estimate rather than a limit (an expected cold start against a start window): a
   * construct warns at synth and records it in its summary, and preflight reports WARN, without refusing or failing.
   * @default 'error'
   */
  readonly severity?: 'error' | 'warning';
  /** Whether a construct refuses (or, for a warning, warns about) a violating prop at synth. */
  readonly synth: Enforcement;
  /** Whether `npm run preflight` checks the synthesized output. */
  readonly preflight: Enforcement;
  /** Every violation of the rule by `input`; empty when it holds. */
  check(input: Input): RuleViolation[];
}

/** Any rule, whatever its input (for the table). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPlatformRule = PlatformRule<any>;

/** Declares a rule (an identity function that keeps the input type). */
export function platformRule<Input>(rule: PlatformRule<Input>): PlatformRule<Input> {
  return rule;
}

/** `[violation]` when `ok` is false, else `[]`: the common shape of a one-value check. */
export function unless(ok: boolean, value: string | number, fix: string, at?: string): RuleViolation[] {
  return ok ? [] : [{ value, fix, ...(at === undefined ? {} : { at }) }];
}

/** `n s`, for messages. */
export function seconds(n: number): string {
  return `${n} s`;
}
