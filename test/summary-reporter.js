// Prints one plain closing line ("tests: N passed, N failed, N skipped") that any CI can read.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTotalTestSuites, numFailedTestSuites } =
      results;
    if (numFailedTestSuites > 0 && numFailedTests === 0) {
      process.stdout.write(`suites: ${numFailedTestSuites} of ${numTotalTestSuites} failed to run\n`);
    }
    process.stdout.write(
      `tests: ${numPassedTests} passed, ${numFailedTests + numFailedTestSuites} failed, ${numPendingTests} skipped\n`,
    );
  }
}
module.exports = SummaryReporter;
