// A source with requireProviderUserAgent takes deliveries only from its provider's own User-Agent.
import type { RequestHandler } from 'express';
import { AppError } from '@hookfleet/http';
import type { ProviderName } from '@hookfleet/providers';
import { sourceOf } from './context.js';

/** What each provider's own User-Agent starts with; a provider without one is not checked. */
const USER_AGENT_PREFIXES: Partial<Record<ProviderName, string>> = {
  github: 'GitHub-Hookshot/',
  gitlab: 'GitLab/',
  slack: 'Slackbot ',
};

export const checkUserAgent: RequestHandler = (req, res, next) => {
  const { settings, provider } = sourceOf(res);
  const prefix = USER_AGENT_PREFIXES[provider.name];
  if (settings.requireProviderUserAgent && prefix && !req.headers['user-agent']?.startsWith(prefix)) {
    throw new AppError('invalid_user_agent', `User-Agent must start with ${prefix}`);
  }
  next();
};
