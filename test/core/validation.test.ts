import { Duration, DetectorValidationError, resolveDeploymentMode, ValidationErrors } from '../../lib/core';

describe('ValidationErrors', () => {
  test('collects every problem and throws one DetectorValidationError carrying them as { prop, value, fix }', () => {
    const errors = new ValidationErrors("Thing 'Stack/T'");
    errors.add('maxConcurrency', 0, 'use a whole number from 1 to 256');
    errors.check('model', '32X', (m) => m === '8B', 'use one of 8B, 32B');
    errors.check('maxNewTokens', 2048, (n) => n > 0, 'never shown');

    let thrown: unknown;
    try {
      errors.throwIfAny();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DetectorValidationError);
    const error = thrown as DetectorValidationError;
    expect(error.subject).toBe("Thing 'Stack/T'");
    expect(error.problems).toEqual([
      { prop: 'maxConcurrency', value: '0', fix: 'use a whole number from 1 to 256' },
      { prop: 'model', value: '"32X"', fix: 'use one of 8B, 32B' },
    ]);
    expect(error.props).toEqual(['maxConcurrency', 'model']);
    expect(error.message).toBe(
      "Invalid Thing 'Stack/T':\n" +
        '  - maxConcurrency: got 0; use a whole number from 1 to 256\n' +
        '  - model: got "32X"; use one of 8B, 32B',
    );
  });

  test('throws nothing when there is no problem, and skips values the framework resolves later', () => {
    const errors = new ValidationErrors('Thing', (v) => v === '${Token[1]}');
    errors.check('name', '${Token[1]}', () => false, 'never shown');
    expect(errors.count).toBe(0);
    expect(() => errors.throwIfAny()).not.toThrow();
  });

  test('wholeSeconds reports a fractional duration under the prop instead of throwing, and falls back', () => {
    const errors = new ValidationErrors('Thing');
    expect(errors.wholeSeconds('requestTimeout', Duration.millis(1500), 170)).toBe(170);
    expect(errors.wholeSeconds('startupTimeout', Duration.minutes(2), 60)).toBe(120);
    expect(errors.wholeSeconds('deploymentTimeout', undefined, 60)).toBe(60);
    expect(errors.problems).toEqual([
      { prop: 'requestTimeout', value: '1.5s', fix: 'use a whole number of seconds, e.g. Duration.seconds(30)' },
    ]);
  });
});

describe('resolveDeploymentMode', () => {
  test('an unknown mode joins the stack error under the source it came from, and always-on is assumed', () => {
    const errors = new ValidationErrors('Stack');
    expect(resolveDeploymentMode({ context: 'serverless' }, errors, ', e.g. -c mode=on-demand')).toBe('always-on');
    expect(errors.problems).toEqual([
      { prop: "context 'mode'", value: '"serverless"', fix: 'use one of always-on, on-demand, e.g. -c mode=on-demand' },
    ]);
  });
});
