// Prints one plain closing line ("tests: N passed, N failed, N skipped") that any CI can read.
// A suite that could not run at all (a syntax error, a failing beforeAll import) counts as failed.
// With ORDERSTREAM_TEST_SUMMARY_FILE set, the line is also written there, so a script that runs
// more steps after the tests (.ci/run fuzzes afterwards) can close its output with it.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest loads reporters as CommonJS
const { writeFileSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const brokenSuites = results.testResults.filter((r) => r.testExecError).length;
    const { numPassedTests, numFailedTests, numPendingTests } = results;
    if (brokenSuites > 0) process.stdout.write(`suites: ${brokenSuites} could not run\n`);
    const line = `tests: ${numPassedTests} passed, ${numFailedTests + brokenSuites} failed, ${numPendingTests} skipped\n`;
    process.stdout.write(line);
    if (process.env.ORDERSTREAM_TEST_SUMMARY_FILE)
      writeFileSync(process.env.ORDERSTREAM_TEST_SUMMARY_FILE, line);
  }
}
module.exports = SummaryReporter;
