/** Indexes of people and directory sync (migration 52, as the SQLite one). */
type Key = Record<string, 1 | -1>;

export const directoryMigrations = [
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
];
