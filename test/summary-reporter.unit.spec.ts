// eslint-disable-next-line @typescript-eslint/no-require-imports -- the reporter is CommonJS, as Jest loads it
const { summaryLines } = require('./summary-reporter.js') as {
  summaryLines: (results: object, now: number) => { console: string[]; file: string[] };
};

const results = (over: object) => ({
  testResults: [{ testExecError: undefined }],
  numPassedTests: 0,
  numFailedTests: 0,
  numPendingTests: 0,
  numTodoTests: 0,
  numTotalTests: 0,
  numPassedTestSuites: 0,
  numFailedTestSuites: 0,
  numPendingTestSuites: 0,
  numTotalTestSuites: 0,
  snapshot: { total: 0 },
  startTime: 1_000,
  ...over,
});

describe('summaryLines', () => {
  it("closes the file with Jest's own summary block for a green run", () => {
    const { console, file } = summaryLines(
      results({
        numPassedTests: 1514,
        numTotalTests: 1514,
        numPassedTestSuites: 159,
        numTotalTestSuites: 159,
      }),
      1_031_500,
    );
    expect(console).toEqual(['tests: 1514 passed, 0 failed, 0 skipped']);
    expect(file).toEqual([
      'tests: 1514 passed, 0 failed, 0 skipped',
      'Test Suites: 159 passed, 159 total',
      'Tests:       1514 passed, 1514 total',
      'Snapshots:   0 total',
      'Time:        1030.500 s',
      'Ran all test suites.',
    ]);
  });

  it('names failures, skips and suites that could not run, in Jest’s order', () => {
    const { file } = summaryLines(
      results({
        testResults: [{ testExecError: { message: 'SyntaxError' } }, {}],
        numPassedTests: 10,
        numFailedTests: 2,
        numPendingTests: 1,
        numTotalTests: 13,
        numPassedTestSuites: 3,
        numFailedTestSuites: 2,
        numTotalTestSuites: 5,
      }),
      2_000,
    );
    expect(file.slice(0, 4)).toEqual([
      'suites: 1 could not run',
      'tests: 10 passed, 3 failed, 1 skipped',
      'Test Suites: 2 failed, 3 passed, 5 total',
      'Tests:       2 failed, 1 skipped, 10 passed, 13 total',
    ]);
  });
});
