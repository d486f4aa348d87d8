/**
 * Access reviews: campaigns, a campaign's rounds, and a round's items. Deciding an item
 * (confirm: the grant stays; revoke: it is removed from every host now) is drawn only for
 * the round's owner or an admin, while the round is open and the item pending: the API
 * (decide-item.ts) refuses anyone else, so nobody gets a button that would be refused.
 */
import { useState } from 'preact/hooks';
import { api, qs } from '../api';
import type { PageProps, Section } from '../sections';
import { useSession } from '../session';
import { Dialog } from '../ui/dialog';
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
interface Round {
  id: string;
  campaignId: string;
  groupId: string;
  owner: string;
  state: string;
  openedAt: number;
  deadlineAt: number;
  closedAt: number | null;
  onUnconfirmed: string;
}
interface Item {
  authorizationId: string;
  fingerprint: string;
  account: string;
  target: { hostId?: string; groupId?: string };
  grantedBy: string;
  grantedAt: number;
  expiresAt: number | null;
  decision: string;
  decidedBy: string | null;
  note: string | null;
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

function RoundPage({ params }: PageProps) {
  const { me, can } = useSession();
  const id = params.id ?? '';
  const got = useApi<{ round: Round; counts: Record<string, number>; items: Item[] }>(
    `/api/v1/reviews/rounds/${enc(id)}?limit=500`,
  );
  const [revoking, setRevoking] = useState<Item | null>(null);
  const [note, setNote] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const round = got.data?.round;
  const mayDecide = (what: 'confirm' | 'revoke') =>
    !!round &&
    round.state === 'open' &&
    can(`POST /api/v1/reviews/rounds/:id/items/:authorizationId/${what}`) &&
    (me.name === round.owner || me.role === 'admin');
  const decide = async (item: Item, what: 'confirm' | 'revoke', why: string) => {
    setError(null);
    try {
      await api(
        'POST',
        `/api/v1/reviews/rounds/${enc(id)}/items/${enc(item.authorizationId)}/${what}`,
        why ? { note: why } : {},
      );
      setRevoking(null);
      setNote('');
      got.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <>
      <PageTitle title={round ? `Review round ${round.id}` : 'Review round'} />
      {got.loading && <Loading what="the round" />}
      <ErrorBox error={got.error ?? error} />
      {round && got.data && (
        <>
          <p>
            Group {round.groupId}, owner {round.owner}, <State state={round.state} />, decide by{' '}
            <Time ms={round.deadlineAt} />.{' '}
            {Object.entries(got.data.counts)
              .map(([k, v]) => `${v} ${k}`)
              .join(', ')}
            .
          </p>
          <table>
            <caption>Grants under review</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Account</th>
                <th scope="col">Granted</th>
                <th scope="col">Decision</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {got.data.items.map((i) => (
                <tr key={i.authorizationId} data-decision={i.decision}>
                  <td>
                    <a href={`/keys/${enc(i.fingerprint)}`}>
                      <code>{i.fingerprint}</code>
                    </a>
                  </td>
                  <td>
                    {i.account} on{' '}
                    {i.target.groupId ? `group ${i.target.groupId}` : i.target.hostId}
                  </td>
                  <td>
                    <Time ms={i.grantedAt} /> <span class="muted small">by {i.grantedBy}</span>
                  </td>
                  <td>
                    <State state={i.decision} />
                    {i.decidedBy && <div class="muted small">by {i.decidedBy}</div>}
                    {i.note && <div class="muted small">{i.note}</div>}
                  </td>
                  <td>
                    {i.decision === 'pending' && mayDecide('confirm') && (
                      <button type="button" onClick={() => void decide(i, 'confirm', '')}>
                        Confirm
                      </button>
                    )}
                    {i.decision === 'pending' && mayDecide('revoke') && (
                      <button type="button" class="danger" onClick={() => setRevoking(i)}>
                        Revoke…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <Dialog open={revoking !== null} title="Revoke the grant" onClose={() => setRevoking(null)}>
        <form
          class="form"
          onSubmit={(e) => {
            e.preventDefault();
            if (revoking) void decide(revoking, 'revoke', note.trim());
          }}
        >
          <p class="warning" role="alert">
            The key is removed from every host the grant reaches, now. A decision is final.
          </p>
          <label>
            Note (kept with the decision)
            <input
              maxLength={500}
              value={note}
              onInput={(e) => setNote((e.target as HTMLInputElement).value)}
            />
          </label>
          <div class="actions">
            <button type="submit" class="danger">
              Revoke
            </button>
            <button type="button" class="secondary" onClick={() => setRevoking(null)}>
              Cancel
            </button>
          </div>
        </form>
      </Dialog>
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
