/**
 * The public API of each subpath export is reviewed as a report (etc/api/<subpath>.api.md, made by API Extractor
 * from the built declarations). A change to what a subpath exports, or to the shape of what it exports, fails here
 * until the report is updated on purpose with `npm run api:update` and committed with the change.
 *
 * Needs `npm run build` first (npm test does it).
 */
import { diffLines } from 'diff';
import { API_SUBPATHS, apiReport } from '../../scripts/api-report';

/** The lines that differ, `-` committed / `+` current, for the failure message. */
function changedLines(committed: string, current: string): string {
  return diffLines(committed, current)
    .filter((part) => part.added || part.removed)
    .flatMap((part) =>
      part.value
        .trimEnd()
        .split('\n')
        .map((line) => `${part.added ? '+' : '-'} ${line}`),
    )
    .slice(0, 40)
    .join('\n');
}

describe('the public API of each subpath export matches its committed report', () => {
  test.each(API_SUBPATHS.map((s) => [s]))('form-detector-stacks/%s', (subpath) => {
    const result = apiReport(subpath);
    // Every type the API uses is exported by some subpath (else users could not name it).
    expect(result.messages).toEqual([]);
    if (result.changed) {
      const committed = result.committed ?? '';
      throw new Error(
        `The public API of form-detector-stacks/${subpath} changed (${result.reportFile}):\n` +
          `${changedLines(committed, result.current)}\n\n` +
          'If the change is intended, run `npm run api:update` and commit the updated report with it; otherwise ' +
          `restore what lib/${subpath}/index.ts exports.`,
      );
    }
  });
});
