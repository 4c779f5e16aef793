/** Minimal IPv4/IPv6 CIDR arithmetic for "is this open to the internet" questions. */
export interface Cidr {
  version: 4 | 6;
  network: bigint;
  prefix: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, prefixText] = text.trim().split("/");
  if (!addr) return undefined;
  const version = addr.includes(":") ? 6 : 4;
  const bits = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
  const value = version === 4 ? parseIpv4(addr) : parseIpv6(addr);
  if (value === undefined) return undefined;
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return { version, network: value & mask, prefix };
}

function parseIpv4(addr: string): bigint | undefined {
  const parts = addr.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    const n = Number(p);
    if (!/^\d{1,3}$/.test(p) || n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(addr: string): bigint | undefined {
  const halves = addr.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 0) return undefined;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  }
  return value;
}

export function cidrEquals(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return !!x && !!y && x.version === y.version && x.prefix === y.prefix && x.network === y.network;
}

/** True when `outer` covers every address of `inner`. */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (!o || !i || o.version !== i.version || i.prefix < o.prefix) return false;
  const bits = o.version === 4 ? 32 : 128;
  const mask = o.prefix === 0 ? 0n : ((1n << BigInt(o.prefix)) - 1n) << BigInt(bits - o.prefix);
  return (i.network & mask) === o.network;
}

/** A range that is the whole internet: 0.0.0.0/0 or ::/0. */
export function isWorld(cidr: string | undefined | null): boolean {
  if (!cidr) return false;
  const c = parseCidr(cidr);
  return !!c && c.prefix === 0;
}
