import type Router from '@koa/router';
import { describe, expect, it } from 'vitest';
import { allServices } from '../../services/all.ts';
import { createTokenVerifier } from '../../shared/auth/token-verifier.ts';
import { createApp } from '../../shared/http/create-app.ts';
import { createMetrics } from '../../shared/http/metrics.ts';
import type { AppState } from '../../shared/http/types.ts';
import { createLogger } from '../../shared/log/logger.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import { HTTP_METHODS, loadSpec } from '../helpers/openapi-contract.ts';
import { testConfig } from '../helpers/test-server.ts';

/** A stand-in that throws as soon as anything of it is used. */
function unusable(name: string): object {
  const fail = (): never => {
    throw new Error(`deps.${name} was used while only building routes`);
  };
  return new Proxy(fail, { get: fail, apply: fail, construct: fail });
}

/**
 * What building the routes needs: configuration and the request-time helpers. Everything else
 * (the database, the status hub, whatever is added later) may be picked up but not used.
 */
function routeDeps(): Deps {
  const config = testConfig(undefined);
  const provided: Partial<Deps> = {
    config,
    log: createLogger('silent'),
    verifyToken: createTokenVerifier(config.jwt),
    metrics: createMetrics(),
    clock: () => new Date(),
  };
  return new Proxy(provided, {
    get(target, property: string) {
      return property in target ? target[property as keyof Deps] : unusable(property);
    },
  }) as Deps;
}

/**
 * Every `METHOD /path/{param}` the all-in-one app routes, read from its root router, so routes
 * added anywhere (a service, the operator endpoints, the docs) are seen. HEAD is left out: the
 * router answers it for every GET.
 */
function registeredRoutes(): string[] {
  const deps = routeDeps();
  const app = createApp(
    deps,
    allServices.flatMap((service) => service.routes(deps)),
  );
  const routers = app.middleware.flatMap((mw) => {
    const router = (mw as { router?: Router<AppState> }).router;
    return router ? [router] : [];
  });
  expect(routers).toHaveLength(1);
  const routes = new Set<string>();
  for (const layer of routers[0]!.stack) {
    const path = String(layer.path).replace(/:(\w+)/g, '{$1}');
    for (const method of layer.methods) if (method !== 'HEAD') routes.add(`${method} ${path}`);
  }
  return [...routes].sort();
}

function documentedRoutes(): string[] {
  const routes: string[] = [];
  for (const [path, item] of Object.entries(loadSpec().paths)) {
    for (const method of HTTP_METHODS) if (item[method]) routes.push(`${method.toUpperCase()} ${path}`);
  }
  return routes.sort();
}

describe('openapi.yaml and the routers', () => {
  it('documents every route the services register', () => {
    const documented = new Set(documentedRoutes());
    expect(registeredRoutes().filter((route) => !documented.has(route))).toEqual([]);
  });

  it('documents no route the services do not register', () => {
    const registered = new Set(registeredRoutes());
    expect(documentedRoutes().filter((route) => !registered.has(route))).toEqual([]);
  });

  it('names every path parameter exactly as the router does', () => {
    const spec = loadSpec();
    for (const path of Object.keys(spec.paths)) {
      const item = spec.paths[path]!;
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const method of HTTP_METHODS) {
        const operation = item[method];
        if (!operation) continue;
        const declared = [...(item.parameters ?? []), ...((operation as { parameters?: unknown[] }).parameters ?? [])]
          .map((p) => resolveParameter(p))
          .filter((p) => p.in === 'path')
          .map((p) => p.name);
        expect(declared.sort(), `${method.toUpperCase()} ${path}`).toEqual([...inPath].sort());
      }
    }
  });
});

function resolveParameter(parameter: unknown): { name: string; in: string } {
  const ref = (parameter as { $ref?: string }).$ref;
  if (!ref) return parameter as { name: string; in: string };
  const name = ref.replace('#/components/parameters/', '');
  return loadSpec().components.parameters![name] as { name: string; in: string };
}
