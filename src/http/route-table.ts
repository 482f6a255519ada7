/**
 * Registers routes and remembers their paths, so an unknown method on a known path answers 405
 * (20004) and an unknown path 404 (20404), as Twilio does.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

type Method = 'GET' | 'POST' | 'DELETE';

/** A request whose path parameters are strings (and may be missing). */
export type RouteRequest = FastifyRequest<{ Params: Record<string, string> }>;
export type RouteHandler = (req: RouteRequest, reply: FastifyReply) => Promise<unknown>;

export class RouteTable {
  private readonly patterns: RegExp[] = [];

  constructor(private readonly app: FastifyInstance) {}

  add(method: Method, path: string, handler: RouteHandler): void {
    this.app.route<{ Params: Record<string, string> }>({ method, url: path, handler });
    const source = path.split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
    this.patterns.push(new RegExp(`^${source}$`));
  }

  knowsPath(path: string): boolean {
    return this.patterns.some((p) => p.test(path));
  }
}
