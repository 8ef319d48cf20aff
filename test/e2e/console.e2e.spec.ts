import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from '../../lib/adapters/kafka/types';
import type { Page } from 'playwright-core';
import { listProducts } from '../../domain/catalog/catalog';
import { createKafka } from '../../lib/adapters/kafka/client';
import { readDeadLetters } from '../../lib/adapters/kafka/dead-letters';
import { headerString } from '../../lib/adapters/kafka/headers';
import type { TopicNames } from '../../topics/names';
import { testAuth } from '../support/auth';
import { buildConsole, launchBrowser, type Browser } from '../support/browser';
import { startConsoleSystem, type ConsoleSystem } from '../support/console-system';
import { testEndpoints } from '../support/env';

jest.setTimeout(240_000);

/** Between polls of a condition read from Kafka. */
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/*
 * The operator console in a real browser (Debian's chromium through playwright-core) against the
 * whole system, every part its own process as a deployment runs it: an operator signs in with a
 * token, places orders and watches them complete or be compensated, injects a gateway failure,
 * re-drives a dead letter, looks at health, stock, a replay and the charts. Any console error
 * fails the test. The screenshots in docs/console/ (shown in the README) are taken here, by
 * `npm run console:screenshots`.
 */
describe('the operator console', () => {
  let system: ConsoleSystem;
  let topics: TopicNames;
  let kafka: Kafka;
  let producer: Producer;
  let browser: Browser;
  let page: Page;
  let consoleUrl = '';
  let commandApiUrl = '';

  beforeAll(async () => {
    buildConsole();
    // Two of each: a demo order of two takes a product below its threshold of one (low stock).
    system = await startConsoleSystem({ stock: 2 });
    ({ topics, consoleUrl, commandApiUrl } = system);
    kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: 'console-e2e' });
    producer = kafka.producer();
    await producer.connect();
    browser = await launchBrowser();
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await producer?.disconnect();
    await system?.stop();
  });

  afterEach(() => {
    expect(browser?.errors).toEqual([]);
  });

  const visible = { state: 'visible' as const };
  const heading = (name: string) => page.getByRole('heading', { level: 1, name });
  const feedRow = (orderId: string) => page.locator('#feed-table tbody tr', { hasText: orderId });

  /** Places a demo order of `quantity` of the `option`-th product from the feed page; resolves with its id. */
  const placeDemoOrder = async (option: number, quantity: number): Promise<string> => {
    await page.goto(`${consoleUrl}#/feed`);
    await heading('Live feed').waitFor(visible);
    const product = page.getByLabel('Product');
    await product.locator('option').nth(option).waitFor({ state: 'attached' });
    await product.selectOption({ index: option });
    await page.getByLabel('Quantity').fill(String(quantity));
    await page.getByRole('button', { name: 'Place a demo order' }).click();
    const link = page.locator('#placed-order');
    await link.waitFor(visible);
    return (await link.textContent()) as string;
  };

  it('signs in with a pasted token and shows the live feed', async () => {
    await page.goto(consoleUrl);
    await heading('Sign in').waitFor(visible);
    const { token } = await testAuth();
    await page.getByLabel('Bearer token').fill(await token('admin', 'ops-console'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading('Live feed').waitFor(visible);
    await page.getByText('Live: changes appear').waitFor(visible);
    expect(await page.getByText('ops-console (admin)').isVisible()).toBe(true);
    // Focus moves to the new page's heading, so keyboard users start there.
    expect(await page.evaluate('document.activeElement?.tagName')).toBe('H1');
  });

  it('can be used from the keyboard: skip link, header, then the page', async () => {
    await page.goto(`${consoleUrl}#/feed`);
    await heading('Live feed').waitFor(visible);
    await page.locator('#demo-sku option').first().waitFor({ state: 'attached' });
    const focused = () => page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''");
    // The route put the focus on the heading; everything before it, backwards, in reading order.
    const before = [
      'Sign out',
      'Charts',
      'Replay',
      'Dead letters',
      'Health',
      'Stock',
      'Live feed',
      'Skip to content',
    ];
    for (const name of before) {
      await page.keyboard.press('Shift+Tab');
      expect(await focused()).toBe(name);
    }
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement?.id')).toBe('main');
    expect(new URL(page.url()).hash).toBe('#/feed');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.id')).toBe('demo-sku');
  });

  it('places a demo order and watches it reach Completed, then shows its journey', async () => {
    const orderId = await placeDemoOrder(0, 2);
    await feedRow(orderId)
      .filter({ hasText: 'Completed' })
      .waitFor({ ...visible, timeout: 90_000 });
    await browser.screenshot('feed');

    await feedRow(orderId).getByRole('link', { name: orderId }).click();
    await heading(`Order ${orderId}`).waitFor(visible);
    const summary = page.locator('section', { has: page.getByRole('heading', { name: 'Summary' }) });
    await summary.getByText('Completed', { exact: true }).waitFor(visible);
    await page.locator('ol.timeline li', { hasText: 'OrderCompleted' }).waitFor(visible);
    const events = page.locator('table', { hasText: 'The event store' });
    await events
      .locator('tr', { hasText: 'OrderPlaced' })
      .getByText(/^v\d+$/)
      .waitFor(visible);
    await events.locator('tr', { hasText: 'OrderCompleted' }).waitFor(visible);
    const payment = page.locator('section', { has: page.getByRole('heading', { name: 'Payment' }) });
    await payment.getByText('Captured', { exact: true }).waitFor(visible);
    const shipment = page.locator('section', { has: page.getByRole('heading', { name: 'Shipment' }) });
    await shipment.getByText('Delivered', { exact: true }).waitFor(visible);
    await browser.screenshot('order-completed');
  });

  it('injects a gateway failure and shows a declined order cancelled with its reason', async () => {
    await page.goto(`${consoleUrl}#/feed`);
    await heading('Live feed').waitFor(visible);
    await page.getByLabel('Decline rate (0–1)').fill('1');
    await page.getByRole('button', { name: 'Apply to the gateway' }).click();
    await page.getByText('Injected: declineRate 1').waitFor(visible);

    const orderId = await placeDemoOrder(1, 1);
    await feedRow(orderId)
      .filter({ hasText: 'Cancelled' })
      .waitFor({ ...visible, timeout: 90_000 });
    await feedRow(orderId).getByRole('link', { name: orderId }).click();
    await heading(`Order ${orderId}`).waitFor(visible);
    const reason = page
      .locator('dt', { hasText: 'Cancellation reason' })
      .locator('xpath=following-sibling::dd[1]');
    await reason.waitFor(visible);
    expect((await reason.textContent())?.trim()).not.toBe('');
    await page.locator('dd', { hasText: 'PAYMENT_FAILED' }).waitFor(visible);
    const payment = page.locator('section', { has: page.getByRole('heading', { name: 'Payment' }) });
    await payment.getByText('Declined', { exact: true }).waitFor(visible);
    await browser.screenshot('order-cancelled');

    await page.goto(`${consoleUrl}#/feed`);
    await page.getByText('Injected: declineRate 1').waitFor(visible);
    await page.getByLabel('Decline rate (0–1)').fill('0');
    await page.getByRole('button', { name: 'Apply to the gateway' }).click();
    await page.getByText('The gateway behaves.').waitFor(visible);
  });

  it('shows a dead letter and re-drives it to the topic it came from', async () => {
    const deadLetterTopic = topics.deadLetter('orders-command-processor');
    await producer.send({
      topic: topics.commands('orders'),
      messages: [{ key: `poison-${randomUUID().slice(0, 8)}`, value: 'this is not a command' }],
    });
    const deadline = Date.now() + 60_000;
    while ((await readDeadLetters(kafka, deadLetterTopic)).length === 0) {
      if (Date.now() > deadline) throw new Error(`no dead letter on ${deadLetterTopic} within 60 s`);
      await pause(200);
    }

    await page.goto(`${consoleUrl}#/deadletters`);
    await heading('Dead letters').waitFor(visible);
    await page
      .locator('#groups-table tr', { hasText: 'orders-command-processor' })
      .getByText('1')
      .waitFor(visible);
    await page.getByRole('button', { name: 'Show orders-command-processor' }).click();
    const letter = page.locator('.letters li').first();
    await letter.locator('summary').click();
    await letter.getByText('this is not a command').waitFor(visible);
    await browser.screenshot('dead-letters');
    await letter.getByRole('button', { name: /^Re-drive/ }).click();
    await page.getByText(`Re-drove orders-command-processor`).waitFor(visible);

    // The re-driven record went back to orders.commands, still poison, so it is dead-lettered again,
    // now carrying where it was re-driven from.
    const again = Date.now() + 60_000;
    for (;;) {
      const letters = await readDeadLetters(kafka, deadLetterTopic);
      if (
        letters.some((d) => headerString(d.message.headers, 'dlq-redriven-from')?.startsWith(deadLetterTopic))
      )
        break;
      if (Date.now() > again) throw new Error('the re-driven record did not come back as a dead letter');
      await pause(200);
    }
  });

  it('shows the health of every process with breakers and lag, and stock with low-stock marks', async () => {
    await page.goto(`${consoleUrl}#/health`);
    await heading('Health').waitFor(visible);
    for (const name of ['query-api', 'command-api', 'processors', 'projections'])
      await page
        .locator('#health-table')
        .getByRole('row', { name: new RegExp(`^${name} ok `) })
        .waitFor(visible);
    await page.locator('#breakers-table tr', { hasText: 'payment-gateway' }).waitFor(visible);
    await browser.screenshot('health');

    await page.goto(`${consoleUrl}#/stock`);
    await heading('Stock').waitFor(visible);
    await page
      .locator('#stock-table tr', { hasText: 'Low stock' })
      .first()
      .waitFor({ ...visible, timeout: 30_000 });
    await browser.screenshot('stock');
  });

  it('starts a replay and follows it to the end', async () => {
    await page.goto(`${consoleUrl}#/replay`);
    await heading('Replay').waitFor(visible);
    await page.getByRole('button', { name: 'Start a replay' }).click();
    await page.getByText(/^Replay .+: done\.$/).waitFor({ ...visible, timeout: 120_000 });
    await browser.screenshot('replay');
  });

  it('draws throughput and saga latency charts', async () => {
    await page.goto(`${consoleUrl}#/charts`);
    await heading('Charts').waitFor(visible);
    await page.locator('#throughput-chart canvas').waitFor(visible);
    await page.locator('#saga-chart canvas').waitFor(visible);
    // Orders placed while the page samples show up as throughput.
    const { token } = await testAuth();
    const headers = { authorization: `Bearer ${await token('admin')}`, 'content-type': 'application/json' };
    for (const product of listProducts().slice(2, 6)) {
      const res = await fetch(`${commandApiUrl}/api/commands/orders/create`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ customerId: 'c-charts', items: [{ sku: product.sku, quantity: 1 }] }),
      });
      const { orderId, version } = (await res.json()) as { orderId: string; version: number };
      await fetch(`${commandApiUrl}/api/commands/orders/${orderId}/place`, {
        method: 'POST',
        headers: { ...headers, 'If-Match': `"${version}"` },
        body: '{}',
      });
    }
    await page
      // A few points after the orders, so the lines say something (and the screenshot too).
      .getByText(/\((?:[6-9]|\d{2,}) points, peak (?!0\.0 )\d+\.\d events\/s\)/)
      .waitFor({ ...visible, timeout: 60_000 });
    await browser.screenshot('charts');
  });

  it('works at phone width without sideways scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    await page.goto(`${consoleUrl}#/feed`);
    await heading('Live feed').waitFor(visible);
    await page.locator('#feed-table tbody tr').first().waitFor(visible);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await browser.screenshot('phone-feed');
    await page.locator('#feed-table tbody tr a').first().click();
    await page.getByRole('heading', { name: 'Summary' }).waitFor(visible);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await browser.screenshot('phone-order');
  });
});
