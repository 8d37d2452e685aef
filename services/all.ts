import type { ServiceModule } from '../shared/runtime/service-module.ts';
import { actionsService } from './actions/index.ts';
import { configService } from './config/index.ts';
import { demoService } from './demo/index.ts';
import { statusService } from './status/index.ts';

/** Every service, in the order their routes are mounted in the all-in-one process (the demo pages when DEMO is on). */
export const allServices: ServiceModule[] = [configService, actionsService, statusService, demoService];
