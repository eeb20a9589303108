// Where words typed and not yet saved are kept (see ui/useDraft.ts): the device's store, under
// `draft/<key>`. A change to a saved item is keyed `edit/<item>/<field>`, so which items have one
// is known without reading the words.
import { useMemo, useRef, useState } from 'preact/hooks';
import type { CardCtxValue } from '../context';
import type { Db } from '../sync/db';
import { FLUSH_DRAFTS } from '../ui/useDraft';

/** Where the draft kept by `key` is stored. */
export const draftKey = (key: string) => `draft/${key}`;

export function useDrafts(db: Db | null) {
  /** Saved items with a change kept and not saved yet, for screens that list them. */
  const [drafted, setDrafted] = useState<ReadonlySet<string>>(new Set());
  /** The same, for cards as they open (read, not watched: a card opens where its words were,
   *  and no card redraws when another's draft starts). */
  const draftedNow = useRef<ReadonlySet<string>>(new Set());
  /** Drafts being written down now. */
  const writing = useRef(new Set<Promise<void>>());
  const noted = (now: ReadonlySet<string>) => {
    draftedNow.current = now;
    setDrafted((was) => (same(was, now) ? was : now));
  };

  const store = useMemo<CardCtxValue['drafts'] | null>(() => {
    if (!db) return null;
    return {
      // Unreadable (failing, or signed out meanwhile): the field starts from what is saved.
      read: async (key) => (await db.get('meta', draftKey(key)).catch(() => undefined)) as string | undefined,
      keep: async (key, words) => {
        const write = (async () => {
          try {
            if (words) await db.put('meta', words, draftKey(key));
            else await db.delete('meta', draftKey(key));
            if (key.startsWith('edit/')) noted(await changedItems(db));
          } catch {
            // Storage full or failing, or signed out meanwhile: the words are still in their
            // field, and Save says so.
          }
        })();
        writing.current.add(write);
        await write;
        writing.current.delete(write);
      },
      hasDraft: (item) => draftedNow.current.has(item),
    };
  }, [db]);

  return {
    drafted,
    store,
    /** Reads which items have a change kept: before their cards are drawn. */
    load: async (d: Db) => noted(await changedItems(d)),
    /** Writes down every draft's latest words (typed a moment ago, too), then counts them. */
    flushAndCount: async (d: Db) => {
      window.dispatchEvent(new Event(FLUSH_DRAFTS));
      await Promise.all([...writing.current]);
      return d.count('meta', IDBKeyRange.bound(draftKey(''), draftKey('\uffff')));
    },
    /** Signed out: the store and its drafts are gone. */
    clear: () => noted(new Set()),
  };
}

async function changedItems(db: Db): Promise<ReadonlySet<string>> {
  const keys = await db.getAllKeys('meta', IDBKeyRange.bound(draftKey('edit/'), draftKey('edit/\uffff')));
  return new Set(keys.map((k) => String(k).split('/')[2]));
}

const same = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((x) => b.has(x));
