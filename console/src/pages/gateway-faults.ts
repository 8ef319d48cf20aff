import { call } from '../api';
import { h } from '../dom';

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
  const result = h('p', { class: 'result', role: 'status' }, 'Reading the knobs…');
  // Disabled until the current knobs are shown, so they cannot overwrite what the operator typed.
  const fieldset = h('fieldset', { class: 'inline', disabled: true });
  const show = (knobs: Knobs) => {
    for (const f of fields) f.input.value = String(knobs[f.name]);
    const active = Object.entries(knobs).filter(([, v]) => v > 0);
    result.textContent =
      active.length === 0
        ? 'The gateway behaves.'
        : `Injected: ${active.map(([k, v]) => `${k} ${v}`).join(', ')}`;
  };
  call<Knobs>(PATH)
    .then((knobs) => {
      show(knobs);
      fieldset.disabled = false;
    })
    .catch((err: Error) => (result.textContent = err.message));
  fieldset.append(
    h('legend', { class: 'visually-hidden' }, 'Failure rates'),
    ...fields.map((f) => h('div', { class: 'field' }, f.label, f.input)),
    h('button', { type: 'submit' }, 'Apply to the gateway'),
  );
  return h(
    'section',
    { 'aria-labelledby': 'gw-heading', class: 'card' },
    h('h2', { id: 'gw-heading' }, 'Payment gateway failures'),
    h(
      'form',
      {
        onsubmit: (event: Event) => {
          event.preventDefault();
          const knobs = Object.fromEntries(fields.map((f) => [f.name, Number(f.input.value)]));
          call<Knobs>(PATH, { method: 'POST', json: knobs })
            .then((applied) => {
              show(applied);
            })
            .catch((err: Error) => (result.textContent = err.message));
        },
      },
      fieldset,
    ),
    result,
  );
}
