import { describe, expect, it } from 'vitest';
import { rolePolicy } from './auth.js';
import type { RouteFacts } from './route-table.js';

const route = (method: RouteFacts['method'], path: string, role: RouteFacts['role']): RouteFacts => ({
  method,
  path,
  role,
  summary: `${method} ${path}`,
});

const requiredRole = rolePolicy([
  route('get', '/api/v1/events/:id', 'viewer'),
  route('post', '/api/v1/events/:id/reprocess', 'operator'),
  route('get', '/api/v1/sources', 'viewer'),
  route('post', '/api/v1/sources', 'admin'),
  route('get', '/api/v1/audit', 'admin'),
  route('post', '/api/v1/mas/callback', 'signature'),
]);

describe('the role policy', () => {
  it('asks for the role of the route a request reaches, whatever its letter case or trailing slash', () => {
    expect(requiredRole('GET', '/api/v1/events/abc')).toBe('viewer');
    expect(requiredRole('HEAD', '/api/v1/events/abc')).toBe('viewer');
    expect(requiredRole('POST', '/api/v1/events/abc/reprocess/')).toBe('operator');
    expect(requiredRole('POST', '/API/V1/Sources')).toBe('admin');
  });

  it('closes a path no route serves as tightly as the resource it is under', () => {
    expect(requiredRole('GET', '/api/v1/sources/abc/secrets')).toBe('viewer');
    expect(requiredRole('DELETE', '/api/v1/sources/abc')).toBe('admin');
    // The audit trail has only a read, for admins: a change to it is no less.
    expect(requiredRole('GET', '/api/v1/Audit/x')).toBe('admin');
    expect(requiredRole('PUT', '/api/v1/audit')).toBe('admin');
  });

  it('lets viewers read and operators change elsewhere; a signed route asks no role of its neighbours', () => {
    expect(requiredRole('GET', '/admin/queues')).toBe('viewer');
    expect(requiredRole('POST', '/admin/queues/api/queues/x/retry')).toBe('operator');
    expect(requiredRole('GET', '/api/v1/events')).toBe('viewer');
    expect(requiredRole('OPTIONS', '/api/v1/events/abc')).toBe('operator');
    expect(requiredRole('POST', '/api/v1/mas/other')).toBe('operator');
  });
});
