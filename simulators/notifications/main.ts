import { runSimulator } from '../shared/simulator-main';
import {
  createNotificationSimulator,
  NOTIFICATION_DEFAULT_PORT,
  NOTIFICATION_SERVICE,
} from './notification-simulator';
import { exitWithParent } from '../../lib/process/exit-with-parent';
import { envVar } from '../../lib/config/env';

/**
 * The receipt webhook: off unless RECEIPT_WEBHOOK_URL is set, with `{reference}` where the
 * notification id goes (npm start points it at the command API's receipt route).
 */
export const receiptWebhookConfigSpec = {
  RECEIPT_WEBHOOK_URL: envVar.string({ required: false, pattern: /^https?:\/\/.*\{reference\}/ }),
  RECEIPT_WEBHOOK_TOKEN: envVar.string({ required: false, secret: true }),
  RECEIPT_AFTER_MS: envVar.int({ default: 500, min: 0, max: 600_000 }),
  RECEIPT_ATTEMPTS: envVar.int({ default: 8, min: 1, max: 100 }),
  RECEIPT_RETRY_BASE_MS: envVar.int({ default: 250, min: 1, max: 60_000 }),
};

export { createNotificationSimulator, type NotificationSimulatorOptions } from './notification-simulator';

/** `PORT` (default 8093, 0 = any free port), `HOST` (default 127.0.0.1), `LOG_LEVEL`, the RECEIPT_* variables. */
export const main = (env: NodeJS.ProcessEnv = process.env) =>
  runSimulator({
    service: NOTIFICATION_SERVICE,
    defaultPort: NOTIFICATION_DEFAULT_PORT,
    extraSpec: receiptWebhookConfigSpec,
    env,
    create: (config, kit) =>
      createNotificationSimulator({
        ...kit,
        version: process.env.npm_package_version,
        ...(config.RECEIPT_WEBHOOK_URL !== undefined
          ? {
              receipts: {
                urlTemplate: config.RECEIPT_WEBHOOK_URL,
                ...(config.RECEIPT_WEBHOOK_TOKEN !== undefined
                  ? { token: config.RECEIPT_WEBHOOK_TOKEN }
                  : {}),
                afterMs: config.RECEIPT_AFTER_MS,
                attempts: config.RECEIPT_ATTEMPTS,
                retryBaseMs: config.RECEIPT_RETRY_BASE_MS,
              },
            }
          : {}),
      }),
  });

if (require.main === module) {
  exitWithParent();
  void main();
}
