import { h } from '../dom';
import { signIn } from '../session';

/** Paste a token minted by `npm run -s token -- --role admin --sub ops-1` (or the identity provider's). */
export function renderSignIn(main: HTMLElement): void {
  const error = h('p', { id: 'token-error', class: 'error', role: 'alert' });
  const input = h('textarea', {
    id: 'token',
    name: 'token',
    rows: 4,
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'token-help token-error',
  });
  const form = h(
    'form',
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        const who = signIn(input.value);
        if (!who) {
          error.textContent = 'That is not a JWT: three base64url parts separated by dots.';
          input.focus();
          return;
        }
        location.hash = '#/feed';
      },
    },
    h('label', { for: 'token' }, 'Bearer token'),
    input,
    h(
      'p',
      { id: 'token-help', class: 'hint' },
      'Roles decide what you may do: operator reads, admin also re-drives, replays and injects failures. ' +
        'Locally: npm run -s token -- --role admin --sub ops-1',
    ),
    error,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  main.append(h('h1', {}, 'Sign in'), form);
}
