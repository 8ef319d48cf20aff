import { runSimulator } from '../shared/simulator-main';
import {
  createNotificationSimulator,
  NOTIFICATION_DEFAULT_PORT,
  NOTIFICATION_SERVICE,
} from './notification-simulator';
import { exitWithParent } from '../../lib/process/exit-with-parent';

export { createNotificationSimulator, type NotificationSimulatorOptions } from './notification-simulator';

/** `PORT` (default 8093, 0 = any free port), `HOST` (default 127.0.0.1), `LOG_LEVEL`. */
export const main = (env: NodeJS.ProcessEnv = process.env) =>
  runSimulator({
    service: NOTIFICATION_SERVICE,
    defaultPort: NOTIFICATION_DEFAULT_PORT,
    extraSpec: {},
    env,
    create: (_config, kit) =>
      createNotificationSimulator({ ...kit, version: process.env.npm_package_version }),
  });

if (require.main === module) {
  exitWithParent();
  void main();
}
