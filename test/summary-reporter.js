// Prints one plain closing line ("tests: N passed, N failed, N skipped") that any CI can read.
// A suite that could not run at all (a syntax error, a failing beforeAll import) counts as failed.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const brokenSuites = results.testResults.filter((r) => r.testExecError).length;
    const { numPassedTests, numFailedTests, numPendingTests } = results;
    if (brokenSuites > 0) process.stdout.write(`suites: ${brokenSuites} could not run\n`);
    process.stdout.write(
      `tests: ${numPassedTests} passed, ${numFailedTests + brokenSuites} failed, ${numPendingTests} skipped\n`,
    );
  }
}
module.exports = SummaryReporter;
