import { call } from '../api';
import { fill, h } from '../dom';
import { hasRole } from '../session';

const BASE = '/api/admin/projections/replay';

/** Rebuilds the read models from the event log beside the live ones; progress is polled each second. */
export function renderReplay(main: HTMLElement): () => void {
  let timer: ReturnType<typeof setInterval> | undefined;
  const progress = h('progress', {
    id: 'replay-progress',
    max: 1,
    value: 0,
    'aria-label': 'Replay progress',
  });
  const report = h('pre', { id: 'replay-report' });
  const state = h('p', { class: 'hint', role: 'status' });
  const start = h('button', { type: 'button', disabled: !hasRole('admin') }, 'Start a replay');
  start.addEventListener('click', () => {
    start.disabled = true;
    call<{ jobId: string; statusUrl: string }>(BASE, { method: 'POST', json: {} })
      .then(({ jobId, statusUrl }) => {
        state.textContent = `Replay ${jobId} started.`;
        timer = setInterval(() => {
          call<Record<string, unknown>>(statusUrl)
            .then((p) => {
              report.textContent = JSON.stringify(p, null, 2);
              if (typeof p.percent === 'number') progress.value = p.percent / 100;
              const finished = p.finishedAt !== undefined || p.error !== undefined;
              if (finished) {
                progress.value = 1;
                state.textContent = `Replay ${jobId}: ${String(p.status)}.`;
                clearInterval(timer);
                start.disabled = false;
              }
            })
            .catch((err: Error) => (state.textContent = err.message));
        }, 1_000);
      })
      .catch((err: Error) => {
        state.textContent = err.message;
        start.disabled = false;
      });
  });
  fill(
    main,
    h('h1', {}, 'Replay'),
    h(
      'p',
      {},
      'Rebuilds every view from the event log into new collections, then swaps them in; reads go on meanwhile.',
    ),
    hasRole('admin') ? null : h('p', { class: 'hint' }, 'Starting a replay needs the admin role.'),
    start,
    state,
    progress,
    report,
  );
  return () => clearInterval(timer);
}
