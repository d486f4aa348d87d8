/**
 * Access reviews: campaigns, a campaign's rounds, and a round's items. Deciding an item
 * (confirm: the grant stays; revoke: it is removed from every host now) is drawn only for
 * the round's owner or an admin, while the round is open and the item pending: the API
 * (decide-item.ts) refuses anyone else, so nobody gets a button that would be refused.
 */
import { qs } from '../api';
import { type Round, RoundPage } from '../screens/review-round';
import type { PageProps, Section } from '../sections';
import { duration, enc, ErrorBox, Loading, PageTitle, State, Time } from '../ui/bits';
import { PagedFooter, usePaged } from '../ui/paged';
import { useApi } from '../ui/use-api';

interface Campaign {
  id: string;
  name: string;
  groupId: string;
  owner: string;
  periodMs: number;
  deadlineMs: number;
  onUnconfirmed: string;
  nextRoundAt: number | null;
  stoppedBy: string | null;
}
function RoundsTable({ rounds, caption }: { rounds: Round[]; caption: string }) {
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Round</th>
          <th scope="col">Owner</th>
          <th scope="col">State</th>
          <th scope="col">Opened</th>
          <th scope="col">Deadline</th>
        </tr>
      </thead>
      <tbody>
        {rounds.map((r) => (
          <tr key={r.id}>
            <td>
              <a href={`/reviews/rounds/${enc(r.id)}`}>{r.id}</a>
            </td>
            <td>{r.owner}</td>
            <td>
              <State state={r.state} />
            </td>
            <td>
              <Time ms={r.openedAt} />
            </td>
            <td>
              <Time ms={r.deadlineAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Campaigns() {
  const paged = usePaged<Campaign>('/api/v1/reviews/campaigns?limit=100');
  const open = usePaged<Round>(`/api/v1/reviews/rounds${qs({ state: 'open', limit: 100 })}`);
  return (
    <>
      <PageTitle title="Access reviews" />
      <RoundsTable rounds={open.items} caption="Open rounds: items waiting for a decision" />
      <PagedFooter paged={open} what="open rounds" count={open.items.length} />
      <table>
        <caption>Campaigns</caption>
        <thead>
          <tr>
            <th scope="col">Campaign</th>
            <th scope="col">Host group</th>
            <th scope="col">Owner</th>
            <th scope="col">Every</th>
            <th scope="col">Unconfirmed grants</th>
            <th scope="col">Next round</th>
          </tr>
        </thead>
        <tbody>
          {paged.items.map((c) => (
            <tr key={c.id}>
              <td>
                <a href={`/reviews/campaigns/${enc(c.id)}`}>{c.name}</a>
              </td>
              <td>{c.groupId}</td>
              <td>{c.owner}</td>
              <td>
                {duration(c.periodMs)}, {duration(c.deadlineMs)} to decide
              </td>
              <td>{c.onUnconfirmed === 'remove' ? 'removed' : 'alerted'}</td>
              <td>{c.stoppedBy ? `stopped by ${c.stoppedBy}` : <Time ms={c.nextRoundAt} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <PagedFooter paged={paged} what="campaigns" count={paged.items.length} />
    </>
  );
}

function CampaignPage({ params }: PageProps) {
  const got = useApi<{ campaign: Campaign; rounds: Round[] }>(
    `/api/v1/reviews/campaigns/${enc(params.id ?? '')}`,
  );
  const c = got.data?.campaign;
  return (
    <>
      <PageTitle title={c ? `Campaign ${c.name}` : 'Campaign'} />
      {got.loading && <Loading what="the campaign" />}
      <ErrorBox error={got.error} />
      {c && got.data && (
        <>
          <dl class="facts">
            <dt>Host group</dt>
            <dd>{c.groupId}</dd>
            <dt>Owner</dt>
            <dd>{c.owner}</dd>
            <dt>Rounds</dt>
            <dd>
              every {duration(c.periodMs)}, {duration(c.deadlineMs)} to decide; unconfirmed grants
              are {c.onUnconfirmed === 'remove' ? 'removed' : 'alerted'}
            </dd>
          </dl>
          <RoundsTable rounds={got.data.rounds} caption="Latest rounds" />
        </>
      )}
    </>
  );
}

export const section: Section = {
  id: 'reviews',
  title: 'Access reviews',
  navOrder: 47,
  path: '/reviews',
  reads: 'GET /api/v1/reviews/campaigns',
  pages: [
    { pattern: '/reviews', component: Campaigns },
    { pattern: '/reviews/campaigns/:id', component: CampaignPage },
    { pattern: '/reviews/rounds/:id', component: RoundPage },
  ],
};
