// Bull Board in a real browser (Debian's Chromium driven by playwright-core) against the whole stack:
// sign-in, every queue shown, a dead job retried from its page, and not one console error or CSP violation.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestEnvironment } from '@hookfleet/devkit';
import { QUEUE_NAMES } from '@hookfleet/queue';
import { githubExample } from './fixtures.js';
import {
  FakeAgentApi,
  adminGet,
  adminPost,
  deliver,
  startStack,
  testEnvironment,
  waitFor,
  type Stack,
} from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));

interface EventBody {
  status: string;
  job_id: string | null;
  job: { state: string; attempts_made: number } | null;
}

let environment: TestEnvironment;
let agentApi: FakeAgentApi;
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  environment = await testEnvironment();
  agentApi = await new FakeAgentApi(() => ({ status: 500, body: { error: 'boom' } })).start();
  stack = await startStack(environment.env, { agentApiUrl: agentApi.url });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await agentApi?.stop();
  await environment?.cleanup();
});

async function eventWhen(eventId: string, status: string, jobState: string): Promise<EventBody> {
  return waitFor(async () => {
    const { body } = await adminGet<EventBody>(stack.admin.url, `/api/v1/events/${eventId}`);
    return body.status === status && body.job?.state === jobState ? body : undefined;
  }, `event ${eventId} to be ${status} with its job ${jobState}`);
}

describe('Bull Board in a browser', () => {
  it.skipIf(!HAVE_CHROMIUM)(
    `signs in, shows every queue and retries a dead job with no console error or CSP violation (needs Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH)`,
    async () => {
      // A dead job: AgentAPI answers 500 until the attempts run out.
      const sent = await deliver(stack.ingress.url, {
        event: 'pull_request',
        payload: githubExample('pull_request', 'opened'),
      });
      const eventId = sent.body.eventId as string;
      const dead = await eventWhen(eventId, 'dead', 'failed');
      const jobId = dead.job_id!;

      const issued = await adminPost<{ token: string }>(stack.admin.url, '/api/v1/tokens', {
        name: 'browser-operator',
        role: 'operator',
      });
      expect(issued.status).toBe(201);

      const context = await browser.newContext();
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      // Reported into the console as an error, so the listener above records it too.
      // Runs in the page (this package has no DOM types, hence a string).
      await page.addInitScript(
        `document.addEventListener('securitypolicyviolation', (event) =>
          console.error('CSP violation: ' + event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline')))`,
      );

      // Anonymous: sent to the sign-in form.
      await page.goto(`${stack.admin.url}/admin/queues`);
      expect(new URL(page.url()).pathname).toBe('/admin/login');
      await page.fill('input[name="token"]', issued.body.token);
      await Promise.all([page.waitForURL('**/admin/queues'), page.click('button[type="submit"]')]);

      for (const name of QUEUE_NAMES) await page.getByText(name, { exact: true }).first().waitFor();

      // The validation queue's Failed tab, then the job, then Retry, once AgentAPI is back.
      await page.getByText('validation', { exact: true }).first().click();
      await page.waitForURL('**/admin/queues/queue/validation**');
      await page
        .getByRole('link', { name: /failed/i })
        .first()
        .click();
      await page.waitForURL(/status=failed/);
      await page.locator(`a[href*="/queue/validation/${jobId}"]`).first().click();
      await page.waitForURL(`**/queue/validation/${jobId}**`);
      agentApi.respond = () => ({ status: 201, body: { id: 'agent-after-retry' } });
      // The job's actions are icon buttons named by their tooltips: hover each until one says Retry.
      const actions = page.locator('ul[class*="jobActions"] button');
      await actions.first().waitFor();
      let retried = false;
      for (let index = 0; index < (await actions.count()) && !retried; index += 1) {
        await actions.nth(index).hover();
        const tooltip = page.getByText('Retry', { exact: true });
        if (
          await tooltip.waitFor({ timeout: 2_000 }).then(
            () => true,
            () => false,
          )
        ) {
          await actions.nth(index).click();
          retried = true;
        }
      }
      expect(retried).toBe(true);
      await page
        .getByRole('alertdialog')
        .or(page.getByRole('dialog'))
        .getByRole('button', { name: /confirm/i })
        .click();

      const processed = await eventWhen(eventId, 'processed', 'completed');
      expect(processed.job_id).toBe(jobId);
      expect(agentApi.requests.at(-1)?.body).toMatchObject({ task_type: 'pull_request_analysis' });

      mkdirSync(OUTPUT, { recursive: true });
      await page.goto(`${stack.admin.url}/admin/queues`);
      for (const name of QUEUE_NAMES) await page.getByText(name, { exact: true }).first().waitFor();
      await page.waitForLoadState('networkidle');
      await page.getByText('Loading...').waitFor({ state: 'detached' });
      await page.screenshot({ path: `${OUTPUT}bull-board.png`, fullPage: true });
      expect(problems).toEqual([]);
      await context.close();
    },
    90_000,
  );
});
