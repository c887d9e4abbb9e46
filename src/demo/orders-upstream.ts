import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenFailed } from '../errors.ts';

interface Order {
  readonly id: string;
  readonly item: string;
  readonly quantity: number;
  readonly createdBy: string | undefined;
}

/**
 * The quickstart's stand-in for an internal orders service. It trusts the gateway: it
 * reads the caller's identity from `x-portcullis-partner` and performs no checks itself.
 */
export function createOrdersUpstream(): Server {
  const orders = new Map<string, Order>([
    ['ord-1001', { id: 'ord-1001', item: 'widget', quantity: 3, createdBy: 'seed' }],
    ['ord-1002', { id: 'ord-1002', item: 'gadget', quantity: 1, createdBy: 'seed' }],
  ]);
  let next = 1003;

  const send = (res: ServerResponse, status: number, body?: unknown) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://upstream');
      const partner = req.headers['x-portcullis-partner'] as string | undefined;
      const match = /^\/orders(?:\/([^/]+))?$/.exec(url.pathname);
      if (match === null) return send(res, 404, { error: 'not found' });
      const id = match[1] === undefined ? undefined : decodeURIComponent(match[1]);
      if (id === undefined && req.method === 'GET')
        return send(res, 200, { orders: [...orders.values()], servedTo: partner });
      if (id === undefined && req.method === 'POST') {
        let input: { item?: unknown; quantity?: unknown };
        try {
          input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return send(res, 400, { error: 'body is not JSON' });
        }
        const order: Order = {
          id: `ord-${next++}`,
          item: String(input.item),
          quantity: Number(input.quantity),
          createdBy: partner,
        };
        orders.set(order.id, order);
        return send(res, 201, order);
      }
      if (id !== undefined && req.method === 'GET') {
        const order = orders.get(id);
        return order === undefined ? send(res, 404, { error: 'no such order' }) : send(res, 200, order);
      }
      if (id !== undefined && req.method === 'DELETE') {
        orders.delete(id);
        return send(res, 204);
      }
      send(res, 405, { error: 'method not allowed' });
    });
  });
}

export async function startOrdersUpstream(host: string, port: number): Promise<Server> {
  const server = createOrdersUpstream();
  try {
    server.listen(port, host);
    await once(server, 'listening');
  } catch (error) {
    throw listenFailed('the demo upstream', host, port, error);
  }
  return server;
}
