/**
 * The six detector constructs (SageMaker always-on and on-demand, Vertex AI, Cloud Run, Azure ML, Container Apps)
 * hold to one standard: the container gets the environment the contract names (inference-container/CONTRACT.md),
 * the deployment summary has the same keys, and bad model props are refused as one DetectorValidationError under
 * the prop the user wrote.
 */
import 'cdktf/lib/testing/adapters/jest';
import { ENV } from '../../inference-container/src/contract';
import { DetectorValidationError, type DeploymentSummary } from '../../lib/core';
import { SIX_CONSTRUCTS, type CommonProps, type ConstructUnderTest } from './helpers';

/** The model and serving settings every deployment passes (lib/core/container-environment.ts). */
const MODEL_ENV = [
  ENV.baseModel,
  ENV.loraAdapter,
  ENV.use4bit,
  ENV.quantization,
  ENV.maxConcurrency,
  ENV.maxNumSeqs,
  ENV.maxModelLen,
  ENV.gpuMemoryUtilization,
  ENV.maxNewTokens,
  ENV.requestTimeoutMs,
  ENV.maxImageSide,
  ENV.maxLoraRank,
].sort();
/** Set together when the weights come from a store next to the GPU (every construct's default differs). */
const STORE_ENV: readonly string[] = [ENV.modelWeightsDir, ENV.modelWeightsUri];
/** Summary keys only some platforms have: the GCP accelerator, Cloud Run's start window and its warning. */
const OPTIONAL_SUMMARY_KEYS = ['acceleratorType', 'startWindowSeconds', 'warnings'];

const built = new Map(SIX_CONSTRUCTS.map((c) => [c.name, c.build({})]));
const cases = SIX_CONSTRUCTS.map((c) => [c.name, c] as const);

describe('the same container environment on all six constructs', () => {
  test.each(cases)('%s passes exactly the contract’s model variables, and both store variables or neither', (name) => {
    const keys = Object.keys(built.get(name)!.environment);
    expect(keys.filter((k) => !STORE_ENV.includes(k)).sort()).toEqual(MODEL_ENV);
    expect([0, 2]).toContain(keys.filter((k) => STORE_ENV.includes(k)).length);
  });

  test('the model, adapter and quantization are the same everywhere by default', () => {
    const identity = (e: Record<string, string>) => [e[ENV.baseModel], e[ENV.loraAdapter], e[ENV.quantization]];
    const all = [...built.values()].map((b) => identity(b.environment));
    for (const one of all) expect(one).toEqual(all[0]);
    expect(all[0]).toEqual([
      'Qwen/Qwen3-VL-8B-Instruct',
      'takumi123xxx/pdfme-form-field-detector-lora',
      'bitsandbytes',
    ]);
  });
});

describe('the same summary keys on all six constructs', () => {
  const required = (s: DeploymentSummary) =>
    Object.keys(s)
      .filter((k) => !OPTIONAL_SUMMARY_KEYS.includes(k))
      .sort();

  test.each(cases)('%s records every required key, weights included', (name) => {
    const first = built.get(SIX_CONSTRUCTS[0].name)!.summary;
    expect(required(built.get(name)!.summary)).toEqual(required(first));
    expect(required(first)).toContain('weights');
    expect(required(first)).toContain('coldStart');
  });
});

/** Builds, expecting one DetectorValidationError; returns the props it names. */
function refusedProps(construct: ConstructUnderTest, props: CommonProps): string[] {
  let thrown: unknown;
  try {
    construct.build(props);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(DetectorValidationError);
  return (thrown as DetectorValidationError).props;
}

describe('bad model props are refused under the right prop name on all six constructs', () => {
  test.each(cases)('%s', (_name, construct) => {
    expect(refusedProps(construct, { model: '32X' })).toEqual(['model']);
    expect(refusedProps(construct, { quantization: 'int3' })).toEqual(['quantization']);
    expect(refusedProps(construct, { maxConcurrency: 0 })).toEqual(['maxConcurrency']);
    // A fraction of a second: reported under the prop, in the same error, never thrown as a bare Error.
    expect(refusedProps(construct, { requestTimeout: construct.millis(1500) })).toEqual(['requestTimeout']);
    expect(refusedProps(construct, { modelLoadTimeout: construct.millis(90_500) })).toEqual(['modelLoadTimeout']);
    // All at once: one error, every problem.
    expect(
      refusedProps(construct, {
        model: '32X',
        quantization: 'int3',
        maxConcurrency: 0,
        requestTimeout: construct.millis(1500),
      }).sort(),
    ).toEqual(['maxConcurrency', 'model', 'quantization', 'requestTimeout']);
  });
});

// Each platform's behaviour at deploy is the rule's (lib/core/platform-rules/first-deploy.ts, with its sources): Cloud
// Run checks a new revision's health (v2 Condition.RevisionReason), Vertex AI's deployModel waits for the replicas,
// Azure ML for the readiness probe, SageMaker for the variant's health check; an inference component at CopyCount 0
// and a container app at 0 replicas start nothing.
describe('a store created by the same deploy, on all six constructs', () => {
  test.each(cases)(
    '%s refuses it under weights where the platform starts the container at deploy, else accepts it',
    (_name, construct) => {
      const weights = construct.newStore();
      if (!construct.startsAtDeploy) {
        expect(construct.build({ weights }).summary.weights?.storeCreatedBy).toBe('this-stack');
        return;
      }
      let thrown: unknown;
      try {
        construct.build({ weights });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(DetectorValidationError);
      const problems = (thrown as DetectorValidationError).problems;
      expect(problems.map((p) => p.prop)).toEqual(['weights']);
      expect(problems[0].fix).toMatch(
        /ModelWeightsStore.*ModelWeights\.fromStore\(store\).*\[weights\.store-staged-before-start: /,
      );
    },
  );
});
