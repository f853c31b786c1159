/**
 * Prints one plain closing line, `N passed, N failed` (and `, N skipped` when any were), as the very last line of
 * the run — after jest's own summary, which the CLI prints once reporters are done — so tools that read a run's
 * closing line see the counts whatever jest's formatting.
 */
class SummaryLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`;
    process.once('exit', () => process.stderr.write(`\n${line}\n`));
  }
}

module.exports = SummaryLineReporter;
