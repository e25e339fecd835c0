// Missed-delivery recovery: GitHub keeps every hook's deliveries for three days and redelivers one on
// request, but never by itself. For each configured hook (a repository's or an organization's, or the
// GitHub App's own) this lists recent deliveries, finds the GUIDs whose every attempt failed and that
// Hookfleet has not stored (it was down, or unreachable, or refused them), and asks GitHub to deliver each
// again. The redelivery arrives as an ordinary delivery: verified, stored, deduplicated on its GUID.
import type { PrismaClient } from '@hookfleet/db';
import type { Logger } from '@hookfleet/observability';
import type { GithubClient } from './client.js';

/** GitHub redelivers deliveries up to three days old. */
export const REDELIVERY_WINDOW_MS = 3 * 24 * 3600_000;

/**
 * A hook whose deliveries are checked: "repos/<owner>/<repo>/hooks/<id>", "orgs/<org>/hooks/<id>", or "app"
 * (the GitHub App's webhook, which needs App credentials).
 */
export type HookRef = string;

export function parseHookRef(value: string): HookRef | null {
  const ref = value.trim().replace(/^\/+|\/+$/g, '');
  return /^(repos\/[\w.-]+\/[\w.-]+|orgs\/[\w.-]+)\/hooks\/\d+$|^app$/.test(ref) ? ref : null;
}

const deliveriesPath = (hook: HookRef) => (hook === 'app' ? '/app/hook/deliveries' : `/${hook}/deliveries`);

/** The endpoint names recovery's requests are counted under, from a request's path. */
export function recoveryEndpointOf(path: string): string {
  if (path.endsWith('/attempts')) return 'redeliver';
  if (path.endsWith('/deliveries')) return 'list_deliveries';
  if (path === '/rate_limit') return 'rate_limit';
  return 'other';
}

interface HookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
  redelivery: boolean;
}

export interface RecoveryResult {
  hooks: number;
  /** Deliveries (attempts) listed. */
  deliveries: number;
  /** GUIDs with no successful attempt that Hookfleet does not have. */
  missing: number;
  redelivered: number;
  /** GitHub no longer has them (404): past its window, or deleted. */
  expired: number;
  /** Asked for already as often as allowed; left alone. */
  givenUp: number;
  errors: string[];
}

/** How many times one GUID is asked for before it is left to an operator (each ask that fails is GitHub's). */
export const MAX_REDELIVERY_REQUESTS = 3;

export interface RedeliveryLedger {
  /** Counts one more request for the GUID and returns the count (kept for the redelivery window). */
  increment(guid: string): Promise<number>;
}

export interface RecoveryDeps {
  /** The client for a hook: the App's own hook takes App credentials, the others a token. */
  clientFor(hook: HookRef): GithubClient;
  prisma: PrismaClient;
  ledger: RedeliveryLedger;
  logger: Logger;
}

export async function recoverMissedDeliveries(
  deps: RecoveryDeps,
  options: { hooks: HookRef[]; windowMs: number; now?: Date },
): Promise<RecoveryResult> {
  const now = options.now ?? new Date();
  const since = now.getTime() - Math.min(options.windowMs, REDELIVERY_WINDOW_MS);
  const result: RecoveryResult = {
    hooks: options.hooks.length,
    deliveries: 0,
    missing: 0,
    redelivered: 0,
    expired: 0,
    givenUp: 0,
    errors: [],
  };
  for (const hook of options.hooks) {
    try {
      await recoverHook(deps, hook, since, result);
    } catch (error) {
      const message = `${hook}: ${error instanceof Error ? error.message : String(error)}`;
      result.errors.push(message);
      deps.logger.warn('missed-delivery recovery failed for a hook', { hook, error });
    }
  }
  return result;
}

async function recoverHook(deps: RecoveryDeps, hook: HookRef, since: number, result: RecoveryResult): Promise<void> {
  // Newest first; stop paging once a page reaches past the window.
  const github = deps.clientFor(hook);
  const byGuid = new Map<string, HookDelivery[]>();
  for await (const page of github.paginate.iterator(`GET ${deliveriesPath(hook)}`, { per_page: 100 })) {
    const deliveries = page.data as HookDelivery[];
    let pastWindow = false;
    for (const delivery of deliveries) {
      if (Date.parse(delivery.delivered_at) < since) {
        pastWindow = true;
        continue;
      }
      result.deliveries += 1;
      byGuid.set(delivery.guid, [...(byGuid.get(delivery.guid) ?? []), delivery]);
    }
    if (pastWindow) break;
  }
  const failed = [...byGuid].filter(([, attempts]) =>
    attempts.every((attempt) => attempt.status_code < 200 || attempt.status_code > 299),
  );
  if (failed.length === 0) return;
  const stored = await deps.prisma.webhookEvent.findMany({
    where: { provider: 'github', deliveryId: { in: failed.map(([guid]) => guid) } },
    select: { deliveryId: true },
  });
  const have = new Set(stored.map((row) => row.deliveryId));
  for (const [guid, attempts] of failed) {
    if (have.has(guid)) continue;
    result.missing += 1;
    if ((await deps.ledger.increment(guid)) > MAX_REDELIVERY_REQUESTS) {
      result.givenUp += 1;
      continue;
    }
    const latest = attempts.reduce((a, b) => (Date.parse(a.delivered_at) >= Date.parse(b.delivered_at) ? a : b));
    try {
      await github.request(`POST ${deliveriesPath(hook)}/{delivery_id}/attempts`, { delivery_id: latest.id });
      result.redelivered += 1;
      deps.logger.info('asked GitHub to redeliver a missed delivery', { hook, guid, delivery_id: latest.id });
    } catch (error) {
      if ((error as { status?: number }).status === 404) result.expired += 1;
      else throw error;
    }
  }
}
