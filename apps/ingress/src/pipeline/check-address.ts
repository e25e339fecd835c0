// The client address against the source's allowlist and, where the source asks for them, GitHub's published
// hook ranges. req.ip honours only the configured TRUST_PROXY hops, so the address is not the sender's to choose.
import type { RequestHandler } from 'express';
import { AppError } from '@hookfleet/http';
import { isAllowed, toBlockList } from '@hookfleet/sources';
import type { GithubHookRanges } from '../github-hook-ranges.js';
import { sourceOf } from './context.js';

export function checkAddress(hookRanges: GithubHookRanges): RequestHandler {
  // GitHub's ranges are fetched only once some source asks for them.
  let hookRangesStarted: Promise<void> | null = null;
  // Allowlists are compiled once per distinct list, not per request.
  const allowlists = new Map<string, ReturnType<typeof toBlockList>>();
  return async (req, res, next) => {
    const { settings, provider } = sourceOf(res);
    const list = settings.ipAllowlist ?? [];
    const useHookRanges = settings.allowGithubHookRanges && provider.name === 'github';
    if (list.length === 0 && !useHookRanges) return next();
    const ip = req.ip ?? '';
    const key = list.join(',');
    let blockList = allowlists.get(key);
    if (!blockList) {
      blockList = toBlockList(list);
      allowlists.set(key, blockList);
    }
    // The first request that needs GitHub's ranges waits for them (start() never rejects), so a fresh
    // replica does not refuse GitHub while its list loads.
    if (useHookRanges) await (hookRangesStarted ??= hookRanges.start());
    const allowed = (list.length > 0 && isAllowed(blockList, ip)) || (useHookRanges && hookRanges.allows(ip));
    if (!allowed) throw new AppError('ip_not_allowed', `deliveries from ${ip} are not allowed for this source`);
    next();
  };
}
