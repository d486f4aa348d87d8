import { describe, expect, it } from 'vitest';
import { formatObjectGuid } from '../../../controller/directory/object-guid';
import { userIdentity } from '../../../controller/directory/read-directory';

const bytes = (hex: string) => Buffer.from(hex.replace(/\s/g, ''), 'hex');

describe("AD's objectGUID in its GUID string form", () => {
  it('swaps the bytes of the first three groups and keeps the last two as stored', () => {
    // An AD user's objectGUID as ADSI Edit shows its bytes, and as Get-ADUser / [guid] prints it.
    expect(formatObjectGuid(bytes('74 E5 D2 BC 58 8D 36 41 A9 DF 8A 19 B1 45 DB 79'))).toBe(
      'bcd2e574-8d58-4136-a9df-8a19b145db79',
    );
    // [MS-DTYP] 2.3.4.2: Data1, Data2 and Data3 little-endian, Data4 as is.
    expect(formatObjectGuid(bytes('03020100 0504 0706 0809 0a0b0c0d0e0f'))).toBe(
      '00010203-0405-0607-0809-0a0b0c0d0e0f',
    );
  });

  it('refuses a value that is not 16 bytes', () => {
    expect(() => formatObjectGuid(bytes('0102'))).toThrow(/2 bytes, not 16/);
  });

  it('keys a user by objectGUID, else entryUUID, else the DN; the others are former ids', () => {
    const dn = 'CN=Alice,OU=People,DC=example,DC=com';
    const guid = bytes('74E5D2BC588D3641A9DF8A19B145DB79');
    expect(userIdentity({ dn, objectGUID: guid, entryUUID: [] })).toEqual({
      directoryId: 'bcd2e574-8d58-4136-a9df-8a19b145db79',
      formerIds: [dn],
    });
    const uuid = '6f2ae58a-1d0c-103f-8f5a-7b5a3c1f0b10';
    expect(userIdentity({ dn, objectGUID: [], entryUUID: uuid })).toEqual({
      directoryId: uuid,
      formerIds: [dn],
    });
    expect(userIdentity({ dn, objectGUID: [] })).toEqual({ directoryId: dn, formerIds: [] });
    expect(userIdentity({ dn, objectGUID: bytes('0102030405') })).toEqual({
      refused: { dn, reason: 'objectGUID is 5 bytes, not 16 bytes' },
    });
  });
});
