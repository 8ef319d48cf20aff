import { envVar } from '../../lib/config/env';
import { runSimulator } from '../shared/simulator-main';
import { CARRIER_DEFAULT_PORT, CARRIER_SERVICE, createCarrierSimulator } from './carrier-simulator';
import { exitWithParent } from '../../lib/process/exit-with-parent';

export { createCarrierSimulator, type CarrierSimulatorOptions } from './carrier-simulator';

/** `PORT` (default 8092, 0 = any free port), `HOST`, `LOG_LEVEL`, `DELIVERY_AFTER_MS` (default 3000). */
export const main = (env: NodeJS.ProcessEnv = process.env) =>
  runSimulator({
    service: CARRIER_SERVICE,
    defaultPort: CARRIER_DEFAULT_PORT,
    extraSpec: { DELIVERY_AFTER_MS: envVar.int({ default: 3000, min: 0, max: 86_400_000 }) },
    env,
    create: (config, kit) =>
      createCarrierSimulator({
        ...kit,
        deliveryAfterMs: config.DELIVERY_AFTER_MS,
        version: process.env.npm_package_version,
      }),
  });

if (require.main === module) {
  exitWithParent();
  void main();
}
