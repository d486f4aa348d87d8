/** Indexes of people and directory sync (migrations 52, 60 and 72, as the SQLite ones). */
type Key = Record<string, 1 | -1>;
type Indexes = Record<string, Array<{ name: string; key: Key }>>;

export const directoryMigrations: Array<{ id: number; name: string; indexes: Indexes }> = [
  {
    id: 52,
    name: 'people, access groups, access grants',
    indexes: {
      people: [{ name: 'name', key: { name: 1, _id: 1 } as Key }],
      access_grants: [
        { name: 'group', key: { accessGroupId: 1, _id: 1 } as Key },
        { name: 'person', key: { personId: 1, _id: 1 } as Key },
      ],
    },
  },
  {
    id: 60,
    name: 'key owners, account owners',
    indexes: {
      key_owners: [{ name: 'person', key: { personId: 1, _id: 1 } as Key }],
      account_owners: [
        { name: 'person', key: { personId: 1, _id: 1 } as Key },
        { name: 'departed', key: { departed: 1, _id: 1 } as Key },
      ],
    },
  },
  {
    id: 72,
    name: 'access grant window claims',
    indexes: {
      access_grant_window_claims: [{ name: 'ends', key: { windowEndsAt: 1 } as Key }],
    },
  },
];
