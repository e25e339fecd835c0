// Test support: every route an Express app serves, read from its router (nested routers included), so
// tests can hold the auth policy and the OpenAPI document against what is really mounted.
import type { Express } from 'express';

export interface RouteEntry {
  method: string;
  path: string;
}

export function routesOf(app: Express): RouteEntry[] {
  type Layer = { route?: { path: string | string[]; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const walk = (stack: Layer[]): RouteEntry[] =>
    stack.flatMap((layer) => {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        return paths.flatMap((path) =>
          Object.keys(layer.route!.methods).map((method) => ({ method: method.toUpperCase(), path })),
        );
      }
      return layer.handle?.stack ? walk(layer.handle.stack) : [];
    });
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
}
