import { describe, expect, it } from 'vitest';
import { classifyAddress, isAddressAllowed, type AddressKind } from '../../../shared/outbound/address-guard.ts';

const PRODUCTION = { production: true, allowPrivate: false };
const DEVELOPMENT = { production: false, allowPrivate: false };
const ALLOW_PRIVATE = { production: true, allowPrivate: true };

describe('classifyAddress', () => {
  it.each<[string, AddressKind]>([
    ['93.184.216.34', 'public'],
    ['8.8.8.8', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['169.254.10.20', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:93.184.216.34', 'public'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b::808:808', 'public'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['4000::1', 'reserved'],
    ['localhost', 'invalid'],
    ['300.1.1.1', 'invalid'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });
});

describe('isAddressAllowed', () => {
  it('allows public addresses everywhere', () => {
    for (const policy of [PRODUCTION, DEVELOPMENT, ALLOW_PRIVATE]) expect(isAddressAllowed('8.8.8.8', policy)).toBe(true);
  });

  it('allows loopback outside production only', () => {
    expect(isAddressAllowed('127.0.0.1', DEVELOPMENT)).toBe(true);
    expect(isAddressAllowed('::1', DEVELOPMENT)).toBe(true);
    expect(isAddressAllowed('127.0.0.1', PRODUCTION)).toBe(false);
    expect(isAddressAllowed('::ffff:127.0.0.1', PRODUCTION)).toBe(false);
  });

  it.each(['10.0.0.5', '172.20.1.1', '192.168.0.10', '100.64.1.1', '169.254.1.1', 'fd00::5', 'fe80::2', '::ffff:192.168.0.1'])(
    'refuses internal %s in production and outside it, unless OUTBOUND_ALLOW_PRIVATE',
    (address) => {
      expect(isAddressAllowed(address, PRODUCTION)).toBe(false);
      expect(isAddressAllowed(address, DEVELOPMENT)).toBe(false);
      expect(isAddressAllowed(address, ALLOW_PRIVATE)).toBe(true);
    },
  );

  it('allows loopback in production with OUTBOUND_ALLOW_PRIVATE', () => {
    expect(isAddressAllowed('127.0.0.1', ALLOW_PRIVATE)).toBe(true);
  });

  it.each(['169.254.169.254', 'fd00:ec2::254', '::ffff:169.254.169.254', '0.0.0.0', '::', '224.0.0.251', 'ff02::1', '255.255.255.255', 'nonsense'])(
    'never allows %s, whatever the policy',
    (address) => {
      for (const policy of [PRODUCTION, DEVELOPMENT, ALLOW_PRIVATE]) expect(isAddressAllowed(address, policy)).toBe(false);
    },
  );
});
