import { plainBanner } from './fuzz-output';

describe('plainBanner', () => {
  it('turns the closing pytest-style banner into a plain sentence', () => {
    const banner = '============================= 2 warnings in 80.11s =============================';
    expect(plainBanner(banner)).toBe('schemathesis finished after 80.11 s: 2 warnings');
  });

  it('rewrites a failing run the same way, keeping its counts', () => {
    expect(plainBanner('==== 3 failures, 1 warning in 9.5s ====')).toBe(
      'schemathesis finished after 9.5 s: 3 failures, 1 warning',
    );
  });

  it('leaves section headers and every other line as they are', () => {
    for (const line of [
      '=================================== SUMMARY ====================================',
      '  2039 generated, 2039 passed',
      '✓ fuzz      query API: schemathesis exited with 0 (82.9s)',
      '',
    ])
      expect(plainBanner(line)).toBe(line);
  });
});
