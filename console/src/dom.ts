/** A tiny element builder: enough for tables and forms without a framework. */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces an element's content. */
export const fill = (el: Element, ...children: (Child | Child[])[]): void => {
  el.replaceChildren();
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
};

/** A table with a caption and column headers, for screen readers as much as for eyes. */
export const table = (caption: string, headers: string[], rows: Child[][], attrs: Attrs = {}): HTMLElement =>
  h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      attrs,
      h('caption', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((text) => h('th', { scope: 'col' }, text)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.length === 0
          ? h('tr', {}, h('td', { colspan: headers.length }, 'None.'))
          : rows.map((cells) =>
              h(
                'tr',
                {},
                cells.map((cell) => h('td', {}, cell)),
              ),
            ),
      ),
    ),
  );

export const time = (iso: string | undefined): string =>
  iso ? new Date(iso).toLocaleTimeString(undefined, { hour12: false }) : '';

export const money = (minor: number | undefined, currency = 'EUR'): string =>
  minor === undefined ? '' : `${(minor / 100).toFixed(2)} ${currency}`;

export const statusBadge = (status: string): HTMLElement =>
  h('span', { class: `badge status-${status.toLowerCase()}` }, status);
