import { call } from '../api';
import { announce, h } from '../dom';

interface Knobs {
  errorRate: number;
  latencyMs: number;
  timeoutRate: number;
  declineRate: number;
}

const PATH = '/api/admin/simulators/payment-gateway/failures';

/** The payment gateway simulator's fault knobs, through the query API's admin route. */
export function gatewayFaultsForm(): HTMLElement {
  const field = (name: keyof Knobs, label: string, max: number, step: string) => ({
    name,
    label: h('label', { for: `gw-${name}` }, label),
    input: h('input', { id: `gw-${name}`, name, type: 'number', min: 0, max, step, value: 0 }),
  });
  const fields = [
    field('declineRate', 'Decline rate (0–1)', 1, '0.05'),
    field('errorRate', 'Error rate (0–1)', 1, '0.05'),
    field('timeoutRate', 'Timeout rate (0–1)', 1, '0.05'),
    field('latencyMs', 'Latency (ms)', 60_000, '50'),
  ];
  const result = h('p', { class: 'result', role: 'status' });
  const show = (knobs: Knobs) => {
    for (const f of fields) f.input.value = String(knobs[f.name]);
    const active = Object.entries(knobs).filter(([, v]) => v > 0);
    result.textContent =
      active.length === 0
        ? 'The gateway behaves.'
        : `Injected: ${active.map(([k, v]) => `${k} ${v}`).join(', ')}`;
  };
  call<Knobs>(PATH)
    .then(show)
    .catch((err: Error) => (result.textContent = err.message));
  return h(
    'section',
    { 'aria-labelledby': 'gw-heading', class: 'card' },
    h('h2', { id: 'gw-heading' }, 'Payment gateway failures'),
    h(
      'form',
      {
        class: 'inline',
        onsubmit: (event: Event) => {
          event.preventDefault();
          const knobs = Object.fromEntries(fields.map((f) => [f.name, Number(f.input.value)]));
          call<Knobs>(PATH, { method: 'POST', json: knobs })
            .then((applied) => {
              show(applied);
              announce('Gateway failures applied');
            })
            .catch((err: Error) => (result.textContent = err.message));
        },
      },
      fields.flatMap((f) => [f.label, f.input]),
      h('button', { type: 'submit' }, 'Apply to the gateway'),
    ),
    result,
  );
}
