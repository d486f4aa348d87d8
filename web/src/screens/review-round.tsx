/**
 * One access review round: its counts and its grants. Confirm and Revoke… are drawn only
 * on an open round, for a pending item, to the round's owner (the token's name) or an
 * admin, as decide-item.ts decides; revoking says first that the key leaves every host now.
 */
import { useState } from 'preact/hooks';
import { api } from '../api';
import type { PageProps } from '../sections';
import { useSession } from '../session';
import { Dialog } from '../ui/dialog';
import { enc, ErrorBox, Loading, PageTitle, State, Time } from '../ui/bits';
import { useApi } from '../ui/use-api';

export interface Round {
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

export function RoundPage({ params }: PageProps) {
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
