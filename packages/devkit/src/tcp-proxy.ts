// A TCP proxy for fault injection: tests and the chaos suite put it in front of Postgres or Redis and
// cut, stall or restore the path, never touching the real server.
import { once } from 'node:events';
import net from 'node:net';

export interface TcpProxy {
  port: number;
  url(scheme: string, path?: string): string;
  /** Refuses new connections and resets open ones: the server looks down. */
  cut(): Promise<void>;
  /**
   * Keeps connections open but moves nothing until restore(): the server looks silent, as behind a network
   * partition; what was sent meanwhile arrives afterwards, as TCP's retransmission would deliver it.
   */
  stall(): void;
  /** Undoes cut() or stall(). */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host?: string; port: number }, listenPort = 0): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1';
  const pairs = new Set<[net.Socket, net.Socket]>();
  let stalled = false;
  let server = createServer();

  function createServer(): net.Server {
    return net.createServer((client) => {
      const upstream = net.connect(target.port, host);
      const pair: [net.Socket, net.Socket] = [client, upstream];
      pairs.add(pair);
      if (stalled) for (const socket of pair) socket.pause();
      const end = () => {
        client.destroy();
        upstream.destroy();
        pairs.delete(pair);
      };
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        // Plain writes, not pipe(): pipe would resume a source that stall() paused once its target drains.
        from.on('data', (chunk) => to.write(chunk));
        from.on('error', end);
        from.on('close', end);
      }
    });
  }

  async function listen(port: number): Promise<number> {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as net.AddressInfo).port;
  }

  const port = await listen(listenPort);
  return {
    port,
    url: (scheme, path = '') => `${scheme}://127.0.0.1:${port}${path}`,
    async cut() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const [client, upstream] of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
      await closed;
    },
    stall() {
      stalled = true;
      for (const pair of pairs) for (const socket of pair) socket.pause();
    },
    async restore() {
      stalled = false;
      for (const pair of pairs) for (const socket of pair) socket.resume();
      if (!server.listening) {
        server = createServer();
        await listen(port);
      }
    },
    async close() {
      stalled = false;
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    },
  };
}
