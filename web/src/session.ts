/**
 * Who is signed in: the answer of GET /api/v1/whoami. `can('POST /api/v1/jobs/:id/cancel')`
 * is true when the route table lets this token's role call that route, so a page draws
 * an action only when the API would accept it.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export interface Whoami {
  tokenId: string;
  name: string;
  role: 'auditor' | 'operator' | 'admin';
  actor: string;
  allowed: string[];
}

export interface Session {
  me: Whoami;
  can(route: string): boolean;
  signOut(): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}

export const makeSession = (me: Whoami, signOut: () => void): Session => {
  const allowed = new Set(me.allowed);
  return { me, can: (route) => allowed.has(route), signOut };
};
