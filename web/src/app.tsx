/**
 * The shell: sign-in until a token is known, then the navigation and the page the path
 * names. The token lives in this tab's sessionStorage only: closing the tab signs out,
 * and it never travels in a URL or a cookie.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { get, setUnauthenticatedHandler, tokenStore } from './api';
import { interceptLinks, match, navigate, useLocation } from './router';
import { SECTIONS } from './sections';
import { makeSession, SessionContext, type Whoami } from './session';
import { SignIn } from './sign-in';
import { ErrorBox } from './ui/bits';

export function App() {
  const [me, setMe] = useState<Whoami | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [checking, setChecking] = useState(tokenStore.get() !== null);
  const signOut = () => {
    tokenStore.clear();
    setMe(null);
  };
  useEffect(() => {
    setUnauthenticatedHandler(signOut);
    if (!tokenStore.get()) return;
    get<Whoami>('/api/v1/whoami').then(
      (w) => {
        setMe(w);
        setChecking(false);
      },
      (e: Error) => {
        setError(e);
        setChecking(false);
      },
    );
  }, []);
  if (checking) return null;
  if (!me)
    return (
      <SignIn
        error={error}
        onSignedIn={(w) => {
          setError(null);
          setMe(w);
        }}
      />
    );
  return <Shell me={me} signOut={signOut} />;
}

function Shell({ me, signOut }: { me: Whoami; signOut: () => void }) {
  const session = useMemo(() => makeSession(me, signOut), [me]);
  const { path, query } = useLocation();
  const main = useRef<HTMLElement>(null);
  const shell = useRef<HTMLDivElement>(null);
  useEffect(() => (shell.current ? interceptLinks(shell.current) : undefined), []);
  const visible = SECTIONS.filter((s) => session.can(s.reads));
  let page: {
    Component: (typeof SECTIONS)[number]['pages'][number]['component'];
    params: Record<string, string>;
  } | null = null;
  for (const s of visible)
    for (const p of s.pages) {
      const params = match(p.pattern, path);
      if (params && !page) page = { Component: p.component, params };
    }
  // Before paint: a new page moves focus to its heading, as a page load would for a
  // screen reader, and the next Tab goes on from there.
  useLayoutEffect(() => {
    if (path === '/' && visible[0]) navigate(visible[0].path, true);
    document.getElementById('page-title')?.focus();
  }, [path]);
  return (
    <SessionContext.Provider value={session}>
      <div class="shell" ref={shell}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <nav aria-label="Sections">
          <div class="brand">Keywarden</div>
          <ul>
            {visible
              .filter((s) => s.navOrder !== undefined)
              .map((s) => (
                <li key={s.id}>
                  <a
                    href={s.path}
                    aria-current={
                      path === s.path || path.startsWith(`${s.path}/`) ? 'page' : undefined
                    }
                  >
                    {s.title}
                  </a>
                </li>
              ))}
          </ul>
          <div class="who">
            <span>
              {me.name} <span class="role">({me.role})</span>
            </span>
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          </div>
        </nav>
        <main id="main" ref={main}>
          {page ? (
            <page.Component params={page.params} query={query} />
          ) : path === '/' ? null : (
            <ErrorBox error={new Error(`No page at ${path}`)} />
          )}
        </main>
      </div>
    </SessionContext.Provider>
  );
}
