import { BlockList, isIP } from 'node:net';

/** What an IP address is, as far as sending a request to it is concerned. */
export type AddressKind =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'cgnat'
  | 'reserved'
  | 'metadata'
  | 'multicast'
  | 'broadcast'
  | 'unspecified'
  | 'invalid';

/** Who may be reached: outside production loopback is allowed; `allowPrivate` opens internal ranges. */
export interface AddressPolicy {
  production: boolean;
  allowPrivate: boolean;
}

type Rule = [kind: Exclude<AddressKind, 'public' | 'invalid'>, network: string, prefix: number];

// Order matters: the first matching rule names the kind (metadata before link-local and ULA).
const IPV4_RULES: Rule[] = [
  ['metadata', '169.254.169.254', 32], // AWS, GCP, Azure, OpenStack instance metadata
  ['metadata', '100.100.100.200', 32], // Alibaba Cloud metadata
  ['unspecified', '0.0.0.0', 8],
  ['loopback', '127.0.0.0', 8],
  ['private', '10.0.0.0', 8],
  ['private', '172.16.0.0', 12],
  ['private', '192.168.0.0', 16],
  ['cgnat', '100.64.0.0', 10],
  ['link-local', '169.254.0.0', 16],
  ['reserved', '192.0.0.0', 24], // IETF protocol assignments
  ['reserved', '192.0.2.0', 24], // documentation
  ['reserved', '198.51.100.0', 24], // documentation
  ['reserved', '203.0.113.0', 24], // documentation
  ['reserved', '198.18.0.0', 15], // benchmarking
  ['multicast', '224.0.0.0', 4],
  ['broadcast', '255.255.255.255', 32],
  ['reserved', '240.0.0.0', 4],
];

const IPV6_RULES: Rule[] = [
  ['metadata', 'fd00:ec2::254', 128], // AWS instance metadata over IPv6
  ['unspecified', '::', 128],
  ['loopback', '::1', 128],
  ['reserved', '100::', 64], // discard-only
  ['reserved', '2001::', 32], // Teredo (hides an IPv4 address)
  ['reserved', '2001:db8::', 32], // documentation
  ['private', '64:ff9b:1::', 48], // local-use NAT64
  ['unique-local', 'fc00::', 7],
  ['link-local', 'fe80::', 10],
  ['private', 'fec0::', 10], // deprecated site-local
  ['multicast', 'ff00::', 8],
];

function compile(rules: Rule[], family: 'ipv4' | 'ipv6'): { kind: Rule[0]; list: BlockList }[] {
  return rules.map(([kind, network, prefix]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return { kind, list };
  });
}

const V4 = compile(IPV4_RULES, 'ipv4');
const V6 = compile(IPV6_RULES, 'ipv6');

/** The eight 16-bit groups of an IPv6 address (zone id dropped), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const bytes = dotted[1]!.split('.').map(Number);
    text = `${text.slice(0, -dotted[1]!.length)}${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<number>(fill).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

const v4From = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;

/**
 * The IPv4 address an IPv6 address carries and would reach: IPv4-mapped (`::ffff:a.b.c.d`),
 * IPv4-compatible (`::a.b.c.d`, deprecated), NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`).
 */
function embeddedIpv4(groups: number[]): string | undefined {
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (zeros(0, 5) && groups[5] === 0xffff) return v4From(groups[6]!, groups[7]!);
  if (zeros(0, 6) && (groups[6] !== 0 || groups[7]! > 1)) return v4From(groups[6]!, groups[7]!);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return v4From(groups[6]!, groups[7]!);
  if (groups[0] === 0x2002) return v4From(groups[1]!, groups[2]!);
  return undefined;
}

/**
 * Classifies an IP address (v4 or v6, IPv4 embedded in IPv6 judged as the IPv4 it reaches).
 *
 * @example
 * ```ts
 * classifyAddress('::ffff:127.0.0.1'); // 'loopback'
 * classifyAddress('169.254.169.254');  // 'metadata'
 * ```
 */
export function classifyAddress(address: string): AddressKind {
  const family = isIP(address.split('%')[0]!);
  if (family === 4) return V4.find((rule) => rule.list.check(address, 'ipv4'))?.kind ?? 'public';
  if (family !== 6) return 'invalid';
  const groups = ipv6Groups(address);
  if (!groups) return 'invalid';
  const v4 = embeddedIpv4(groups);
  if (v4) return classifyAddress(v4);
  const canonical = groups.map((g) => g.toString(16)).join(':');
  const kind = V6.find((rule) => rule.list.check(canonical, 'ipv6'))?.kind;
  if (kind) return kind;
  // Only 2000::/3 is allocated as global unicast; anything else is not a place to send requests.
  return groups[0]! >= 0x2000 && groups[0]! <= 0x3fff ? 'public' : 'reserved';
}

const INTERNAL: ReadonlySet<AddressKind> = new Set(['private', 'link-local', 'unique-local', 'cgnat', 'reserved']);

/**
 * Whether a request may be sent to `address`. Public addresses always; loopback outside
 * production or with `allowPrivate`; internal ranges only with `allowPrivate`. Cloud metadata,
 * multicast, broadcast and unspecified addresses never: no legitimate receiver lives there.
 */
export function isAddressAllowed(address: string, policy: AddressPolicy): boolean {
  const kind = classifyAddress(address);
  if (kind === 'public') return true;
  if (kind === 'loopback') return !policy.production || policy.allowPrivate;
  return INTERNAL.has(kind) && policy.allowPrivate;
}

/** Raised (through the socket) when a request would reach an address the policy refuses. */
export class AddressRefusedError extends Error {
  override readonly name = 'AddressRefusedError';
  readonly code = 'EADDRREFUSED';

  constructor(readonly host: string, readonly address: string) {
    super(`${host} resolves to ${address} (${classifyAddress(address)}), which outbound requests may not reach`);
  }
}
