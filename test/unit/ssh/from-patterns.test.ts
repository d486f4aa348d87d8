/**
 * An access group's source restriction is checked as sshd reads `from=`: a CIDR with bits
 * set past its mask is an error for sshd that lets nobody in, so it is refused here with the
 * network address to give instead.
 */
import { describe, expect, it } from 'vitest';
import { checkFromPatterns } from '../../../shared/ssh/from-patterns';

const refused = (patterns: string[]) => {
  try {
    checkFromPatterns(patterns);
  } catch (err) {
    return err as { code: string; message: string; details: { field: string; value: unknown } };
  }
  throw new Error(`accepted ${patterns.join(',')}`);
};

describe('from= patterns', () => {
  it('accepts addresses, networks, host patterns and exclusions', () => {
    const ok = [
      '10.0.0.0/8',
      '192.168.1.7',
      '!10.1.2.3',
      '2001:db8::/32',
      '::ffff:10.0.0.0/104',
      '*.example.com',
      'host?.lan',
    ];
    expect(checkFromPatterns(ok)).toEqual(ok);
  });

  it('refuses a network with host bits set, naming the network to give', () => {
    const err = refused(['10.1.2.3/8']);
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.details).toMatchObject({ field: 'from', value: '10.1.2.3/8' });
    expect(err.message).toMatch(/give the network address, e\.g\. 10\.0\.0\.0\/8/);
    expect(refused(['2001:db8::1/32']).message).toMatch(/bits set past its \/32 mask/);
  });

  it('refuses what would break the list or the option, and lists that let nobody in', () => {
    expect(refused(['10.0.0.0/33']).message).toMatch(/mask "33" outside 0-32/);
    expect(refused(['10.0.0.300/8']).message).toMatch(/no IP address/);
    expect(refused(['10.0.0.1,10.0.0.2']).message).toMatch(/no comma, quote or blank/);
    expect(refused(['a"b']).message).toMatch(/no comma, quote or blank/);
    expect(refused(['']).message).toMatch(/is empty/);
    expect(refused(['!']).message).toMatch(/nothing to exclude/);
    expect(refused(['!10.0.0.1']).message).toMatch(/only exclusions/);
    expect(refused([]).message).toMatch(/at least one/);
  });
});
