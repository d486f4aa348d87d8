/**
 * The access picture's levels: keys and accounts while few, then one node per host, then
 * one per host group, so a fleet-wide answer is never drawn node by node.
 */
import { describe, expect, it } from 'vitest';
import { elementsOf, MAX_NODES, type ReachPath } from '../../../web/src/screens/access-elements';

const fp = (n: number) => `SHA256:${String(n).padStart(43, 'k')}`;
/** One key per host opening `root` there, and a hop from host 0's stored key. */
function fleet(hosts: number): ReachPath[] {
  return Array.from({ length: hosts }, (_, i) => ({
    path: [
      {
        kind: 'stored-in' as const,
        fingerprint: fp(0),
        hostId: 'h0',
        account: 'deploy',
        path: '/home/deploy/.ssh/id',
      },
      { kind: 'opens' as const, fingerprint: fp(0), hostId: `h${i}`, account: 'root' },
    ],
  }));
}

describe('elementsOf', () => {
  it('draws keys and accounts, with opens and stores edges, while they are few', () => {
    const { elements, level } = elementsOf(fleet(3));
    expect(level).toBe('keys and accounts');
    const ids = elements.map((e) => e.data.id);
    expect(ids).toContain(`key:${fp(0)}`);
    expect(ids).toContain('acct:root@h2');
    expect(ids).toContain(`acct:deploy@h0>key:${fp(0)}`);
    expect(elements.find((e) => e.data.id === `key:${fp(0)}>acct:root@h1`)?.data.kind).toBe(
      'opens',
    );
  });

  it('summarises by host past the limit, edges counting the paths they stand for', () => {
    const { elements, level, hosts } = elementsOf(fleet(MAX_NODES));
    expect(level).toBe('host');
    expect(hosts).toBe(MAX_NODES);
    expect(elements.filter((e) => e.data.kind === 'host')).toHaveLength(MAX_NODES);
    expect(elements.find((e) => e.data.id === 'host:h0>host:h7')?.data.label).toBe('1 paths');
  });

  it('summarises by host group when there are too many hosts, given their groups', () => {
    const groupOf = (id: string) => (Number(id.slice(1)) % 2 ? 'odd' : 'even');
    const { elements, level } = elementsOf(fleet(1000), groupOf);
    expect(level).toBe('host group');
    expect(
      elements
        .filter((e) => e.data.kind === 'group')
        .map((e) => e.data.id)
        .sort(),
    ).toEqual(['group:even', 'group:odd']);
    expect(elements.find((e) => e.data.id === 'group:even>group:odd')?.data.label).toBe(
      '500 paths',
    );
    // Without the groups it stays by host.
    expect(elementsOf(fleet(1000)).level).toBe('host');
  });
});
