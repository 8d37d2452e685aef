import type { ServiceModule } from '../../shared/runtime/service-module.ts';
import { demoRoutes } from './routes.ts';

/**
 * The demo pages at `/demo/` (DESIGN §14), when `DEMO` is on (the default outside production;
 * production refuses it). They call all three services on their own origin, so they belong in
 * a process serving all three (`npm start`); the actions process serves them too, for a
 * reverse proxy that routes each service's paths to its own process.
 */
export const demoService: ServiceModule = {
  name: 'demo',
  routes: (deps) => (deps.config.demo ? [demoRoutes(deps)] : []),
};
