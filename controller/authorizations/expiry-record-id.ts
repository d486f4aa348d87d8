/** The id of an authorization's expiring record (host-records.ts ExpiringRecord). */
export const expiringRecordId = (authorizationId: string): string =>
  `authorization:${authorizationId}`;
