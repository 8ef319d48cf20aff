import { call } from '../api';
import { fill, h, table, time } from '../dom';
import { hasRole } from '../session';
import type { DeadLetterRecord, RedriveResult } from '../../../query-api/dead-letter-control';

interface Group {
  group: string;
  count: number;
  redrivable: boolean;
}
/** The record as the admin route sends it: the server's own type, so the two cannot drift. */
type Letter = DeadLetterRecord;

const BASE = '/api/admin/deadletters';

/** Dead letters per consumer group: counts, each record in full on demand, and a re-drive (admin). */
export function renderDeadLetters(main: HTMLElement): void {
  const groups = h('div');
  const detail = h('section', { 'aria-live': 'polite' });
  const state = h('p', { class: 'hint', role: 'status' });
  main.append(h('h1', {}, 'Dead letters'), state, groups, detail);
  if (!hasRole('admin')) {
    state.textContent = 'Dead letters need the admin role.';
    return;
  }

  const showGroup = async (group: string) => {
    const { items, redrivable } = await call<{ items: Letter[]; redrivable: boolean }>(
      `${BASE}/${encodeURIComponent(group)}`,
    );
    fill(
      detail,
      h('h2', { id: 'letters-heading', tabindex: -1 }, `${group}: ${items.length} dead letter(s)`),
      redrivable
        ? null
        : h(
            'p',
            { class: 'hint' },
            'These are events still in the event store: they are replayed, not re-driven.',
          ),
      h(
        'ul',
        { class: 'letters', 'aria-labelledby': 'letters-heading' },
        items.map((d) =>
          h(
            'li',
            { class: 'card' },
            h(
              'p',
              {},
              h('strong', {}, `${d.partition}:${d.offset}`),
              ` ${time(d.at)} from ${d.source ?? '?'}, attempts ${d.attempts ?? '?'}`,
            ),
            h('p', { class: 'reason' }, d.reason ?? ''),
            h(
              'details',
              {},
              h('summary', {}, `Show record ${d.partition}:${d.offset}`),
              h(
                'pre',
                {},
                Object.entries(d.headers)
                  .map(([k, v]) => `${k}: ${v}`)
                  .join('\n'),
              ),
              h('pre', {}, d.value),
            ),
            redrivable
              ? h(
                  'button',
                  {
                    type: 'button',
                    onclick: (event: Event) => {
                      const button = event.currentTarget as HTMLButtonElement;
                      button.disabled = true;
                      call<Pick<RedriveResult, 'to'>>(`${BASE}/${encodeURIComponent(group)}/redrive`, {
                        method: 'POST',
                        json: { partition: d.partition, offset: d.offset },
                      })
                        .then((r) => {
                          state.textContent = `Re-drove ${group} ${d.partition}:${d.offset} to ${r.to}.`;
                          return drawGroups();
                        })
                        .catch((err: Error) => {
                          state.textContent = err.message;
                          button.disabled = false;
                        });
                    },
                  },
                  `Re-drive ${d.partition}:${d.offset}`,
                )
              : null,
          ),
        ),
      ),
    );
    (detail.querySelector('h2') as HTMLElement).focus();
  };

  const drawGroups = async () => {
    const { groups: all } = await call<{ groups: Group[] }>(BASE);
    fill(
      groups,
      table(
        'Dead letters per consumer group',
        ['Group', 'Dead letters', ''],
        all.map((g) => [
          g.group,
          g.count,
          h(
            'button',
            {
              type: 'button',
              disabled: g.count === 0,
              onclick: () => void showGroup(g.group).catch((err: Error) => (state.textContent = err.message)),
            },
            `Show ${g.group}`,
          ),
        ]),
        { id: 'groups-table' },
      ),
    );
  };
  drawGroups().catch((err: Error) => (state.textContent = err.message));
}
