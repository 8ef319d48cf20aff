/**
 * A command answered the way a client of the command API sees it: a reply that outlived the
 * request's timeout answers 202 with a status URL (DESIGN §7), and a client polls that URL until
 * the outcome is known. Tests that load the machine (CI runs suites side by side) meet the 202
 * honestly, so they follow it instead of expecting the reply within the request.
 */
import { eventually } from './eventually';

export type CommandAnswer = { status: number; json: Record<string, unknown> };

/**
 * Sends with `send`; when the answer is 202 pending, polls its `statusUrl` on `baseUrl` (with
 * `headers`) until the outcome arrives or `timeoutMs` passes.
 */
export async function settledCommand(
  send: () => Promise<Response>,
  baseUrl: string,
  headers: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<CommandAnswer> {
  const first = await send();
  const answer: CommandAnswer = {
    status: first.status,
    json: (await first.json()) as Record<string, unknown>,
  };
  if (answer.status !== 202 || typeof answer.json.statusUrl !== 'string') return answer;
  const statusUrl = answer.json.statusUrl;
  return eventually(
    `the outcome of command ${String(answer.json.commandId)} at ${statusUrl}`,
    async () => {
      const res = await fetch(`${baseUrl}${statusUrl}`, { headers });
      if (res.status === 202) return undefined;
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    },
    timeoutMs,
  );
}
