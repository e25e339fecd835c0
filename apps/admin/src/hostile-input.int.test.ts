// Every route and parameter of the OpenAPI document, tried with hostile values as each role: prototype
// keys, NUL, overlong numbers, deep nesting, bad encodings, arrays and objects for scalars, huge strings.
// Each answer must be below 500 and the admin must keep serving (it runs in this process, so a crash or a
// polluted Object.prototype would show here too).
import { randomBytes, randomUUID } from 'node:crypto';
import type { TestEnvironment } from '@hookfleet/devkit';
import { testEnvironment } from '@hookfleet/devkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAdmin } from './admin.js';
import { ROLES } from './auth.js';
import { startTestAdmin } from '../test-support/start-test-admin.js';

const ADMIN = 'hostile-input-admin-token-0123456789';
let environment: TestEnvironment;
let admin: RunningAdmin;
const tokens: Record<string, string> = {};
let sourceId = '';

interface Operation {
  method: string;
  path: string;
  role: string;
  pathParams: string[];
  queryParams: string[];
  bodyProps: string[];
}

/** Values for a query or path parameter, already percent-encoded where a client would encode them. */
const RAW_VALUES: Record<string, string> = {
  proto: '__proto__',
  constructor: 'constructor',
  nul: 'a%00b',
  invalidUtf8: '%ED%A0%80',
  brokenPercent: '%E0%A4%A',
  overlongNumber: '99999999999999999999',
  bigintPlusOne: '9223372036854775808',
  negative: '-1',
  beyondInt: '3000000000',
  farPast: '-100000-01-01T00:00:00Z',
  farFuture: '+275760-09-13T00:00:00Z',
  float: '1e309',
  nan: 'NaN',
  hex: '0x10',
  empty: '',
  deepJson: encodeURIComponent(`${'['.repeat(3000)}${']'.repeat(3000)}`),
  hugeString: 'x'.repeat(8000),
  sqlish: encodeURIComponent("' OR 1=1; --"),
  objectish: encodeURIComponent('{"$gt":""}'),
};

/** Values for a JSON body property, as JSON text (so nesting deeper than JSON.stringify recurses is possible). */
const BODY_VALUES: Record<string, string> = {
  proto: '"__proto__"',
  nul: '"a\\u0000b"',
  loneSurrogate: '"\\ud800"',
  overlongNumber: '99999999999999999999',
  bigintPlusOne: '"9223372036854775808"',
  negative: '-1',
  beyondInt: '3000000000',
  farPast: '-100000-01-01T00:00:00Z',
  farFuture: '+275760-09-13T00:00:00Z',
  float: '1e308',
  null: 'null',
  true: 'true',
  emptyObject: '{}',
  array: '["a","b"]',
  objectForScalar: '{"$gt":""}',
  protoObject: '{"__proto__":{"polluted":1}}',
  constructorPrototype: '{"constructor":{"prototype":{"polluted":1}}}',
  deepObject: `${'{"a":'.repeat(500)}1${'}'.repeat(500)}`,
  deepArray: `${'['.repeat(5000)}${']'.repeat(5000)}`,
  hugeString: `"${'x'.repeat(90_000)}"`,
  pollutingFilter: '{"payload":{"__proto__.polluted":1,"constructor.prototype.status_code":1}}',
};

/** Whole bodies that are wrong before any property is read. */
const RAW_BODIES: Array<{ name: string; body: string; headers?: Record<string, string> }> = [
  { name: 'not JSON', body: '{"filter":' },
  { name: 'a __proto__ key', body: '{"__proto__":{"polluted":1},"filter":{"__proto__":{"status_code":1}}}' },
  { name: 'deep nesting', body: `${'['.repeat(20_000)}${']'.repeat(20_000)}` },
  { name: 'gzip that is not gzip', body: '{"a":1}', headers: { 'content-encoding': 'gzip' } },
  { name: 'an unknown encoding', body: '{"a":1}', headers: { 'content-encoding': 'br2' } },
  { name: 'text/plain', body: '{"a":1}', headers: { 'content-type': 'text/plain' } },
  { name: 'a form', body: 'filter[__proto__][x]=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
  { name: 'a NUL in a key', body: '{"a\\u0000":1}' },
  { name: 'out-of-range filter values', body: '{"filter":{"pr_number":3000000000,"since":"-100000-01-01T00:00:00Z"}}' },
];

/** Query keys outside the document that the events filters read. */
const PAYLOAD_KEYS = ['payload.__proto__.x', 'payload.constructor.prototype.status_code', 'payload.a..b', 'payload.x'];

function operationsOf(document: { paths: Record<string, Record<string, Record<string, unknown>>> }): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const parameters = (operation.parameters ?? []) as Array<{ name: string; in: string }>;
      const body = operation.requestBody as
        { content: { 'application/json': { schema: { properties?: Record<string, unknown> } } } } | undefined;
      return {
        method: method.toUpperCase(),
        path,
        role: operation['x-required-role'] as string,
        pathParams: parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name),
        queryParams: parameters.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name),
        bodyProps: Object.keys(body?.content['application/json'].schema.properties ?? {}),
      };
    }),
  );
}

/** A harmless value for each path parameter, so that one parameter at a time is hostile. */
function defaultPathValue(path: string, name: string): string {
  if (name === 'queue') return 'default';
  if (name === 'jobId') return 'no-such-job';
  return path.startsWith('/api/v1/sources') ? sourceId : randomUUID();
}

function pathWith(operation: Operation, hostile?: { name: string; value: string }): string {
  return operation.path.replace(/\{([A-Za-z]+)\}/g, (_match, name: string) =>
    hostile?.name === name ? hostile.value : defaultPathValue(operation.path, name),
  );
}

interface Sent {
  status: number;
  label: string;
}

async function send(
  label: string,
  method: string,
  pathAndQuery: string,
  token: string | undefined,
  body?: { text: string; headers?: Record<string, string> },
): Promise<Sent> {
  const response = await fetch(`${admin.url}${pathAndQuery}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json', ...body.headers } : {}),
    },
    body: body?.text,
  });
  await response.arrayBuffer();
  return { status: response.status, label };
}

beforeAll(async () => {
  environment = await testEnvironment();
  admin = await startTestAdmin(environment.env, ADMIN, { SOURCE_SECRETS_KEY: randomBytes(32).toString('base64') });
  for (const role of ROLES) {
    const response = await fetch(`${admin.url}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `hostile-${role}`, role }),
    });
    tokens[role] = ((await response.json()) as { token: string }).token;
  }
  const source = await fetch(`${admin.url}/api/v1/sources`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ provider: 'github', name: 'hostile-target', secret: 'hostile-target-secret' }),
  });
  sourceId = ((await source.json()) as { id: string }).id;
});

afterAll(async () => {
  await admin?.stop();
  await environment?.cleanup();
});

describe('hostile input to every admin route', () => {
  it('gets no 5xx, as any role, and leaves the admin serving and Object.prototype untouched', async () => {
    const document = (await (
      await fetch(`${admin.url}/api/v1/openapi.json`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).json()) as Parameters<typeof operationsOf>[0];
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(25);

    const failures: Sent[] = [];
    let sent = 0;
    const check = (result: Sent) => {
      sent += 1;
      if (result.status >= 500) failures.push(result);
    };
    const dimensions = { routes: operations.length, parameters: 0, values: 0, roles: ROLES.length };

    for (const operation of operations) {
      for (const role of ROLES) {
        const token = tokens[role];
        const label = (what: string) => `${role} ${operation.method} ${operation.path} ${what}`;
        const withBody = operation.method !== 'GET';
        const emptyBody = withBody ? { text: '{}' } : undefined;
        for (const name of operation.pathParams) {
          for (const [valueName, value] of Object.entries(RAW_VALUES)) {
            check(
              await send(
                label(`:${name}=${valueName}`),
                operation.method,
                pathWith(operation, { name, value }),
                token,
                emptyBody,
              ),
            );
          }
        }
        const queryKeys = operation.method === 'GET' ? [...operation.queryParams, ...PAYLOAD_KEYS] : [];
        for (const name of queryKeys) {
          for (const [valueName, value] of Object.entries(RAW_VALUES)) {
            check(await send(label(`?${name}=${valueName}`), 'GET', `${pathWith(operation)}?${name}=${value}`, token));
          }
          check(await send(label(`?${name} twice`), 'GET', `${pathWith(operation)}?${name}=a&${name}=b`, token));
          check(await send(label(`?${name}[x]`), 'GET', `${pathWith(operation)}?${name}[x]=1`, token));
        }
        if (withBody) {
          for (const prop of operation.bodyProps) {
            for (const [valueName, value] of Object.entries(BODY_VALUES)) {
              const text = `{${JSON.stringify(prop)}:${value}}`;
              check(
                await send(label(`body.${prop}=${valueName}`), operation.method, pathWith(operation), token, { text }),
              );
            }
          }
          for (const raw of RAW_BODIES) {
            check(
              await send(label(`body: ${raw.name}`), operation.method, pathWith(operation), token, {
                text: raw.body,
                headers: raw.headers,
              }),
            );
          }
        }
        if (role === ROLES[0]) {
          dimensions.parameters += operation.pathParams.length + queryKeys.length + operation.bodyProps.length;
        }
      }
      // After every route: still serving, and nothing reached a prototype.
      expect((await fetch(`${admin.url}/health/live`)).status, operation.path).toBe(200);
      expect(Object.keys(Object.prototype), operation.path).toEqual([]);
    }
    dimensions.values = Object.keys(RAW_VALUES).length + Object.keys(BODY_VALUES).length + RAW_BODIES.length;

    expect(failures).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).status_code).toBeUndefined();
    // The battery's size, for the record (vitest prints console output of a passing test only with --silent=false).
    console.info('hostile-input battery', { ...dimensions, requests: sent, server_errors: failures.length });
  }, 300_000);

  it('refuses a prototype key in a payload filter with 400 forbidden_key, as a query and as a bulk filter', async () => {
    const query = await fetch(`${admin.url}/api/v1/events?payload.__proto__.x=1`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    expect(query.status).toBe(400);
    expect(await query.json()).toMatchObject({ code: 'forbidden_key' });
    const bulk = await fetch(`${admin.url}/api/v1/events/reprocess`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.operator}`, 'content-type': 'application/json' },
      body: '{"filter":{"payload":{"__proto__.polluted":1}}}',
    });
    expect(bulk.status).toBe(400);
    expect(await bulk.json()).toMatchObject({ code: 'forbidden_key' });
  });

  it.each([
    ['a NUL in a filter', '/api/v1/events?provider=github%00', 'invalid_character'],
    ['a cursor beyond bigint', '/api/v1/events?cursor=9999999999999999999', 'invalid_request'],
    [
      'a 5000-deep payload filter value',
      `/api/v1/events?payload.x=${'['.repeat(5000)}${']'.repeat(5000)}`,
      'invalid_request',
    ],
    ['broken percent-encoding in the path', '/api/v1/events/%E0%A4%A', 'invalid_path_encoding'],
  ])('answers %s with 400 and a code', async (_what, path, code) => {
    const response = await fetch(`${admin.url}${path}`, { headers: { authorization: `Bearer ${tokens.viewer}` } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code, status_code: 400 });
  });

  it.each([
    ['broken percent-encoding', '/admin/queues/api/queues?activeQueue=%E0%A4%A', 'invalid_path_encoding'],
    ['a page size as large as a queue', '/admin/queues/api/queues?jobsPerPage=100000000', 'invalid_request'],
  ])('answers Bull Board’s API with %s as a 400 with a code', async (_what, path, code) => {
    const response = await fetch(`${admin.url}${path}`, { headers: { authorization: `Bearer ${tokens.viewer}` } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code });
  });

  it('answers a body that claims gzip but is not with 400 invalid_content_encoding', async () => {
    const response = await fetch(`${admin.url}/api/v1/admin/cleanup`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.operator}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: '{"older_than_days":1}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_content_encoding' });
  });
});
