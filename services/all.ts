import type { ServiceModule } from '../shared/runtime/service-module.ts';
import { configService } from './config/index.ts';

/** Every service, in the order their routes are mounted in the all-in-one process. */
export const allServices: ServiceModule[] = [configService];
