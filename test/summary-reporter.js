// Prints one plain closing line ("tests: N passed, N failed, N skipped") that any CI can read.
// A suite that could not run at all (a syntax error, a failing beforeAll import) counts as failed.
// With ORDERSTREAM_TEST_SUMMARY_FILE set, that line and Jest's own summary block (same numbers,
// same wording) are written there, so a script that runs more steps after the tests (.ci/run
// fuzzes afterwards) can close its output with what the tests did.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest loads reporters as CommonJS
const { writeFileSync } = require('node:fs');

/** "1 failed, 2 skipped, 30 passed, 33 total": Jest's order and words for a summary row. */
const row = (counts, total) =>
  [...counts.filter(([n]) => n > 0).map(([n, word]) => `${n} ${word}`), `${total} total`].join(', ');

/** The plain line and Jest's summary block for an aggregated result. */
const summaryLines = (results, now = Date.now()) => {
  const brokenSuites = results.testResults.filter((r) => r.testExecError).length;
  const { numPassedTests, numFailedTests, numPendingTests } = results;
  const lines = [];
  if (brokenSuites > 0) lines.push(`suites: ${brokenSuites} could not run`);
  lines.push(
    `tests: ${numPassedTests} passed, ${numFailedTests + brokenSuites} failed, ${numPendingTests} skipped`,
  );
  const jest = [
    `Test Suites: ${row(
      [
        [results.numFailedTestSuites, 'failed'],
        [results.numPendingTestSuites, 'skipped'],
        [results.numPassedTestSuites, 'passed'],
      ],
      results.numTotalTestSuites,
    )}`,
    `Tests:       ${row(
      [
        [numFailedTests, 'failed'],
        [numPendingTests, 'skipped'],
        [results.numTodoTests ?? 0, 'todo'],
        [numPassedTests, 'passed'],
      ],
      results.numTotalTests,
    )}`,
    `Snapshots:   ${results.snapshot?.total ?? 0} total`,
    `Time:        ${((now - results.startTime) / 1000).toFixed(3)} s`,
    'Ran all test suites.',
  ];
  return { console: lines, file: [...lines, ...jest] };
};

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { console: lines, file } = summaryLines(results);
    process.stdout.write(`${lines.join('\n')}\n`);
    if (process.env.ORDERSTREAM_TEST_SUMMARY_FILE)
      writeFileSync(process.env.ORDERSTREAM_TEST_SUMMARY_FILE, `${file.join('\n')}\n`);
  }
}
module.exports = SummaryReporter;
module.exports.summaryLines = summaryLines;
