import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, tokenStore } from './api';
import type { Whoami } from './session';
import { ErrorBox } from './ui/bits';

/** Sign-in with an API token (npm start prints the first admin token; `keywarden tokens create` makes more). */
export function SignIn(props: { error: Error | null; onSignedIn: (w: Whoami) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<Error | null>(props.error);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = 'Sign in · Keywarden';
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    tokenStore.set(token.trim());
    try {
      props.onSignedIn(await get<Whoami>('/api/v1/whoami'));
    } catch (err) {
      tokenStore.clear();
      setError(
        err instanceof ApiError && err.status === 401
          ? new Error(`That token was not accepted: ${err.message}`)
          : (err as Error),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in" id="main">
      <h1>Keywarden</h1>
      <form onSubmit={submit}>
        <label for="token">API token</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          required
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          aria-describedby="token-help"
        />
        <p id="token-help" class="muted">
          The token `npm start` printed, or one from <code>keywarden tokens create</code>. It is
          kept in this tab only, and forgotten when the tab closes.
        </p>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}
