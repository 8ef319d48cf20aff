import { profileMarkdown, summarizeProfiles } from '../benchmarks/lib/cpu-profile';

/** `npm run profile:summary -- <dir>`: where the busy time of each `.cpuprofile` in <dir> went. */
const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: npm run profile:summary -- <directory of .cpuprofile files>\n');
  process.exit(2);
}
process.stdout.write(`${profileMarkdown(summarizeProfiles(dir), 12)}\n`);
