/** The address ranges a device discovery may scan: IPv4 CIDRs up to /16, nothing else. */
import { describe, expect, it } from 'vitest';
import { expandCidr, MAX_RANGE_ADDRESSES } from '../../../controller/intake/range-scan';

const refusal = (cidr: string) => {
  try {
    expandCidr(cidr);
  } catch (err) {
    return err as { code: string; message: string; details: Record<string, unknown> };
  }
  throw new Error(`${cidr} was not refused`);
};

describe('expandCidr', () => {
  it('keeps both addresses of a /31 and the one of a /32 or a bare address', () => {
    expect(expandCidr('192.0.2.6/31')).toEqual(['192.0.2.6', '192.0.2.7']);
    expect(expandCidr('192.0.2.7/31')).toEqual(['192.0.2.6', '192.0.2.7']);
    expect(expandCidr('192.0.2.9/32')).toEqual(['192.0.2.9']);
    expect(expandCidr(' 192.0.2.9 ')).toEqual(['192.0.2.9']);
  });

  it('drops network and broadcast of larger ranges, from the network of any address in it', () => {
    expect(expandCidr('10.1.2.3/30')).toEqual(['10.1.2.1', '10.1.2.2']);
    const c = expandCidr('10.1.2.200/24');
    expect([c.length, c[0], c.at(-1)]).toEqual([254, '10.1.2.1', '10.1.2.254']);
    const top = expandCidr('255.255.255.0/24');
    expect([top[0], top.at(-1)]).toEqual(['255.255.255.1', '255.255.255.254']);
  });

  it('takes a /16 and refuses anything larger, saying how large', () => {
    const all = expandCidr('172.16.0.0/16');
    expect(all).toHaveLength(MAX_RANGE_ADDRESSES - 2);
    expect([all[0], all.at(-1)]).toEqual(['172.16.0.1', '172.16.255.254']);
    for (const [cidr, size] of [
      ['172.16.0.0/15', 131_072],
      ['0.0.0.0/0', 4_294_967_296],
    ] as const)
      expect(refusal(cidr)).toMatchObject({
        code: 'INVALID_INPUT',
        message: `range ${cidr} has ${size} addresses; at most ${MAX_RANGE_ADDRESSES} (/16) per scan`,
        details: { field: 'cidr' },
      });
  });

  it('refuses what is not an IPv4 CIDR, naming the field', () => {
    for (const cidr of [
      '10.0.0.0/33',
      '10.0.0.0/',
      '10.0.0.0/24/1',
      '10.0.0/24',
      '10.1',
      '010.0.0.1/32',
      '256.0.0.0/24',
      'example.com/24',
      '10.0.0.0/-1',
    ])
      expect(refusal(cidr), cidr).toMatchObject({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/is not an IPv4 CIDR such as 10\.0\.0\.0\/24/),
        details: { field: 'cidr', value: cidr },
      });
  });

  it('refuses IPv6 ranges and addresses: only IPv4 ranges are scanned', () => {
    for (const cidr of ['2001:db8::/120', '::1', 'fe80::1/128', '::ffff:10.0.0.1/128'])
      expect(refusal(cidr), cidr).toMatchObject({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/is IPv6: only IPv4 ranges are scanned/),
        details: { field: 'cidr' },
      });
  });
});
