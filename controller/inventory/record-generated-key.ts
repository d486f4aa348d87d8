import type { GeneratePrivateKeyResult } from '../../shared/hostops/generate-private-key';
import { parsePublicKeyLine } from '../../shared/ssh/public-key';
import type { Store } from '../store/store';
import { generatedKeyItem } from './ingest-scans';

/** Records a key pair generate/renew wrote; the account's uid comes from the inventory. */
export async function recordGeneratedKey(
  store: Pick<Store, 'inventory'>,
  hostId: string,
  account: string,
  key: GeneratePrivateKeyResult,
  now: number,
): Promise<void> {
  const [known] = await store.inventory.items.list('account', { hostId, account });
  const parsed = parsePublicKeyLine(key.publicKey);
  await store.inventory.items.upsert(
    generatedKeyItem(
      hostId,
      account,
      { ...key, type: parsed.ok ? parsed.key.type : '' },
      known?.data.uid ?? -1,
    ),
    now,
  );
}
