import 'uplot/dist/uPlot.min.css';
import './style.css';
import { loadSettings } from './api';
import { fill, h } from './dom';
import { renderCharts } from './pages/charts';
import { renderDeadLetters } from './pages/dead-letters';
import { renderFeed } from './pages/feed';
import { renderHealth } from './pages/health';
import { renderOrder } from './pages/order';
import { renderReplay } from './pages/replay';
import { renderSignIn } from './pages/sign-in';
import { renderStock } from './pages/stock';
import { identity, signOut } from './session';

/** A page draws into `main` and returns what stops its timers and streams when the operator leaves. */
export type Page = (main: HTMLElement, param: string) => (() => void) | void;

const ROUTES: [RegExp, Page, string][] = [
  [/^#\/feed$/, renderFeed, 'Live feed'],
  [/^#\/orders\/([^/]+)$/, renderOrder, 'Order'],
  [/^#\/stock$/, renderStock, 'Stock'],
  [/^#\/health$/, renderHealth, 'Health'],
  [/^#\/deadletters$/, renderDeadLetters, 'Dead letters'],
  [/^#\/replay$/, renderReplay, 'Replay'],
  [/^#\/charts$/, renderCharts, 'Charts'],
  [/^#\/sign-in$/, renderSignIn, 'Sign in'],
];

let leave: (() => void) | void;

function renderWho(): void {
  const who = identity();
  const box = document.getElementById('who') as HTMLElement;
  if (!who) return fill(box, h('a', { href: '#/sign-in', class: 'button' }, 'Sign in'));
  fill(
    box,
    h('span', {}, `${who.subject} (${who.roles.join(', ')})`),
    h(
      'button',
      {
        type: 'button',
        onclick: () => {
          signOut();
          location.hash = '#/sign-in';
          renderWho();
        },
      },
      'Sign out',
    ),
  );
}

function route(): void {
  const main = document.getElementById('main') as HTMLElement;
  if (typeof leave === 'function') leave();
  leave = undefined;
  const hash = location.hash || '#/feed';
  if (!identity() && hash !== '#/sign-in') {
    location.replace('#/sign-in');
    return;
  }
  const found = ROUTES.find(([pattern]) => pattern.test(hash));
  if (!found) {
    location.replace('#/feed');
    return;
  }
  const [pattern, page, title] = found;
  document.title = `${title} · orderstream console`;
  for (const link of document.querySelectorAll<HTMLAnchorElement>('#nav a')) {
    if (hash.startsWith(link.getAttribute('href') ?? '')) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  main.replaceChildren();
  leave = page(main, decodeURIComponent(pattern.exec(hash)?.[1] ?? ''));
  renderWho();
  // Keyboard and screen-reader users start at the new page's heading, not at the old link.
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

// The skip link cannot be a plain "#main": the hash is the route, so it moves the focus itself.
document.querySelector('.skip')?.addEventListener('click', (event) => {
  event.preventDefault();
  (document.getElementById('main') as HTMLElement).focus();
});

void loadSettings().then(() => {
  window.addEventListener('hashchange', route);
  route();
});
