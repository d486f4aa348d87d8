/**
 * Active Directory's `objectGUID`: 16 bytes that never change for the life of the object,
 * through renames and moves, so it is the person's directory id on AD (entryUUID's
 * counterpart). It crosses the wire as binary and is shown everywhere (PowerShell, ADSI
 * Edit, `[guid]`) in the GUID string form, whose first three groups are little-endian
 * integers: Data1 (4 bytes), Data2 and Data3 (2 bytes each) are byte-swapped, the last
 * 8 bytes are as stored ([MS-DTYP] 2.3.4.2, the packet representation of a GUID).
 */

/** The 16 bytes as AD stores them → `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (lower case). */
export function formatObjectGuid(bytes: Buffer): string {
  if (bytes.length !== 16) throw new Error(`objectGUID is ${bytes.length} bytes, not 16`);
  const hex = (from: number, to: number, swap: boolean) => {
    const part = Buffer.from(bytes.subarray(from, to));
    return (swap ? part.reverse() : part).toString('hex');
  };
  return [
    hex(0, 4, true),
    hex(4, 6, true),
    hex(6, 8, true),
    hex(8, 10, false),
    hex(10, 16, false),
  ].join('-');
}
