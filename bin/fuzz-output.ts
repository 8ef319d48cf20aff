/**
 * schemathesis closes its report with a pytest-style banner ("===== 2 warnings in 80.11s =====").
 * CI logs are read by tools that take such a banner for a test run's summary, and this one names
 * no test: the run then reads as one that tested nothing, although Jest's summary came before it.
 * The fuzz step prints that banner as a plain sentence instead; every other line passes unchanged.
 */
const BANNER = /^=+ (.+) in ([\d.]+)s =+$/;

export const plainBanner = (line: string): string => {
  const m = BANNER.exec(line);
  return m ? `schemathesis finished after ${m[2]} s: ${m[1]}` : line;
};
