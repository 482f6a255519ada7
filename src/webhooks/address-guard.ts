/**
 * The opt-in guard for shared deployments (`--block-private-webhooks`): webhook requests may not
 * reach loopback, private, link-local (cloud metadata), CGNAT, unspecified or multicast addresses.
 * It is checked on the address actually connected to (after DNS), so a public name that resolves
 * to a private address is refused too. Off by default: local development calls localhost.
 */
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';

const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) BLOCKED.addSubnet(net, prefix, 'ipv6');

/** True for an address a shared deployment must not call. */
export function isPrivateAddress(address: string): boolean {
  const host = address.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (mapped) return BLOCKED.check(mapped[1]!, 'ipv4');
  const family = isIP(host);
  if (family === 4) return BLOCKED.check(host, 'ipv4');
  if (family === 6) return BLOCKED.check(host, 'ipv6');
  return false;
}

export class PrivateAddressError extends Error {
  readonly code = 'EPRIVATEADDR';
  constructor(host: string, address: string) {
    super(`${host} is ${address}, a private or link-local address, and webhooks to those are blocked (--block-private-webhooks)`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `net.connect` lookup that resolves as usual, then refuses private addresses. */
export function guardedLookup(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...(options as LookupAllOptions), all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const blocked = addresses.find((a) => isPrivateAddress(a.address));
    if (blocked) return callback(new PrivateAddressError(hostname, blocked.address), []);
    if ((options as { all?: boolean }).all) return callback(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
    return callback(null, first.address, first.family);
  });
}
