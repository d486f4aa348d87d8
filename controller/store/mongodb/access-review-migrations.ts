/** Indexes of access review campaigns, rounds and items (migration 43, as in the SQLite store). */
type IndexSpec = { name: string; key: Record<string, 1 | -1> };

export const accessReviewMigrations: Array<{
  id: number;
  name: string;
  indexes: Record<string, IndexSpec[]>;
}> = [
  {
    id: 43,
    name: 'access review campaigns, rounds and items',
    indexes: {
      // every run of the robot asks which campaigns are due
      review_campaigns: [
        { name: 'due', key: { nextRoundAt: 1 } },
        { name: 'group', key: { groupId: 1, _id: -1 } },
      ],
      review_rounds: [
        { name: 'state', key: { state: 1, _id: -1 } },
        { name: 'campaign', key: { campaignId: 1, _id: -1 } },
      ],
      // _id is `${roundId}|${authorizationId}`; the auditor's history goes by grant
      review_items: [
        { name: 'round', key: { roundId: 1, authorizationId: 1 } },
        { name: 'authorization', key: { authorizationId: 1, roundId: 1 } },
      ],
    },
  },
];
