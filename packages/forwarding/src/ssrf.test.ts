import { describe, expect, it } from 'vitest';
import { checkForwardTarget, checkForwardUrl, type ResolveHostname } from './ssrf.js';

const strict = { allowPrivateNetwork: false };
const permissive = { allowPrivateNetwork: true };

function reasonFor(url: string): string | null {
  const checked = checkForwardUrl(url, strict);
  return checked.ok ? null : checked.reason;
}

describe('checkForwardUrl', () => {
  it.each([
    ['http://127.0.0.1/hook', /loopback/],
    ['http://127.255.0.9/', /loopback/],
    ['http://[::1]/', /loopback/],
    ['http://169.254.169.254/latest/meta-data/', /link-local/],
    ['http://[fe80::1]/', /link-local/],
    ['http://[febf::1]/', /link-local/],
    ['http://10.1.2.3/', /private/],
    ['http://172.16.0.1/', /private/],
    ['http://172.31.255.254/', /private/],
    ['http://192.168.1.1/', /private/],
    ['http://[fc00::1]/', /unique local/],
    ['http://[fd12:3456::1]/', /unique local/],
    ['http://100.64.0.1/', /carrier-grade NAT/],
    ['http://100.127.255.254/', /carrier-grade NAT/],
    ['http://0.0.0.0/', /unspecified/],
    ['http://0.1.2.3/', /unspecified/],
    ['http://[::]/', /unspecified/],
    ['http://224.0.0.1/', /multicast/],
    ['http://239.255.255.250/', /multicast/],
    ['http://[ff02::1]/', /multicast/],
    ['http://255.255.255.255/', /broadcast/],
    ['http://[64:ff9b::a00:5]/', /NAT64/],
    ['http://[2002:a00:1::1]/', /6to4/],
    ['http://198.18.0.1/', /benchmarking/],
    ['http://192.0.2.10/', /documentation/],
    // IPv4-mapped IPv6, dotted and hex (the URL parser rewrites the first into the second).
    ['http://[::ffff:127.0.0.1]/', /loopback/],
    ['http://[::ffff:7f00:1]/', /loopback/],
    ['http://[::ffff:169.254.169.254]/', /link-local/],
    ['http://[::ffff:10.0.0.1]/', /private/],
    ['http://[::ffff:192.168.0.1]/', /private/],
    ['http://[::ffff:100.64.0.1]/', /carrier-grade NAT/],
    ['http://[::ffff:0.0.0.0]/', /unspecified/],
    ['http://[::ffff:224.0.0.1]/', /multicast/],
    // Mapped public addresses too: a forward target has no reason to be written that way.
    ['http://[::ffff:8.8.8.8]/', /IPv4-mapped/],
    // IPv4-compatible IPv6 (deprecated).
    ['http://[::127.0.0.1]/', /IPv4-compatible/],
    // Other spellings of 127.0.0.1 that the URL parser normalises.
    ['http://2130706433/', /loopback/],
    ['http://0x7f.1/', /loopback/],
  ])('refuses %s', (url, reason) => {
    expect(reasonFor(url)).toMatch(reason);
  });

  it('allows public addresses and hostnames (hostnames are checked when connecting)', () => {
    for (const url of [
      'https://93.184.215.14/hook',
      'http://172.32.0.1/',
      'http://100.128.0.1/',
      'http://[2606:4700:4700::1111]/',
      'https://receiver.example.com/hook?x=1',
      'http://localhost:8080/',
    ]) {
      expect(checkForwardUrl(url, strict), url).toMatchObject({ ok: true });
    }
  });

  it('allows private addresses only when the source opts in', () => {
    expect(checkForwardUrl('http://127.0.0.1:3000/', permissive)).toMatchObject({ ok: true });
    expect(checkForwardUrl('http://[::ffff:10.0.0.1]/', permissive)).toMatchObject({ ok: true });
  });

  it('refuses other schemes, credentials and garbage whatever the network policy', () => {
    for (const policy of [strict, permissive]) {
      expect(checkForwardUrl('ftp://203.0.113.10/', policy)).toMatchObject({ ok: false, reason: /http or https/ });
      expect(checkForwardUrl('file:///etc/passwd', policy)).toMatchObject({ ok: false });
      expect(checkForwardUrl('gopher://203.0.113.10:70/', policy)).toMatchObject({ ok: false });
      expect(checkForwardUrl('https://user:pass@receiver.example.com/', policy)).toMatchObject({
        ok: false,
        reason: /credentials/,
      });
      expect(checkForwardUrl('https://token@receiver.example.com/', policy)).toMatchObject({ ok: false });
      expect(checkForwardUrl('not a url', policy)).toMatchObject({ ok: false, reason: /valid URL/ });
    }
  });
});

describe('checkForwardTarget (when a forward URL is saved)', () => {
  const resolvesTo =
    (...addresses: string[]): ResolveHostname =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  const strict = { allowPrivateNetwork: false };

  it('refuses a hostname that resolves to a non-public address, localhost included', async () => {
    expect(await checkForwardTarget('http://localhost:8080/', strict)).toMatchObject({ ok: false, reason: /loopback/ });
    expect(
      await checkForwardTarget('https://hooks.internal.example/', strict, resolvesTo('93.184.215.14', '10.1.2.3')),
    ).toMatchObject({ ok: false, reason: /10\.1\.2\.3.*private/ });
  });

  it('passes a public hostname, one that does not resolve yet, and anything when the source opts in', async () => {
    expect(await checkForwardTarget('https://hooks.example/', strict, resolvesTo('93.184.215.14'))).toMatchObject({
      ok: true,
    });
    const unresolvable: ResolveHostname = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    expect(await checkForwardTarget('https://not-yet.example/', strict, unresolvable)).toMatchObject({ ok: true });
    expect(await checkForwardTarget('http://localhost:8080/', { allowPrivateNetwork: true })).toMatchObject({
      ok: true,
    });
  });

  it('still refuses literal addresses before any lookup', async () => {
    expect(await checkForwardTarget('http://0x7f.1/', strict)).toMatchObject({ ok: false, reason: /loopback/ });
  });
});
