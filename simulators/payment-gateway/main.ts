import { runSimulator } from '../shared/simulator-main';
import {
  createPaymentGatewaySimulator,
  PAYMENT_GATEWAY_DEFAULT_PORT,
  PAYMENT_GATEWAY_SERVICE,
} from './payment-gateway-simulator';
import { exitWithParent } from '../../lib/process/exit-with-parent';

export {
  createPaymentGatewaySimulator,
  type PaymentGatewaySimulatorOptions,
} from './payment-gateway-simulator';

/** `PORT` (default 8091, 0 = any free port), `HOST` (default 127.0.0.1), `LOG_LEVEL`. */
export const main = (env: NodeJS.ProcessEnv = process.env) =>
  runSimulator({
    service: PAYMENT_GATEWAY_SERVICE,
    defaultPort: PAYMENT_GATEWAY_DEFAULT_PORT,
    extraSpec: {},
    env,
    create: (_config, kit) =>
      createPaymentGatewaySimulator({ ...kit, version: process.env.npm_package_version }),
  });

if (require.main === module) {
  exitWithParent();
  void main();
}
