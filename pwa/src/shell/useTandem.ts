// The session and sync wiring every role's screens run on: opens the store, signs in and out,
// runs sync, and builds the context the screens read. No screens here.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { AccessEntry, AppCtx, CardCtxValue, DeviceSignIn, Escalation, PersonRef, Route, SupportLine, WorkingHours } from '../context';
import type { FieldValue, RecordKind } from '../generated/tandem';
import { request } from '../sync/api';
import { CATCHING_UP, type Db, isStorageFull, MAKE_SPACE, open, type RejectedEntry, type Session, whileOpen } from '../sync/db';
import { coalesced } from '../sync/coalesce';
import { SyncEngine, type SyncState } from '../sync/engine';
import { draftKey, useDrafts } from './useDrafts';
import { changedOnly, edit, forgetPulled, knowEditBasis, type Item, laterLooks, type Looks, looksIn, looksToTell, newId, putAwayToTell, readItems, storeLook, storePutAway, withPutAway, unsentCount, view, withEdit, withItems } from '../sync/local';
import { serverWasRestored } from '../sync/restored';
import { SessionManager } from '../sync/session';
import { awayMs, idleMs, type LockKind, type LockTries, makeUnlockCheck, NO_TRIES, STAFF_IDLE_MS, STAFF_ITERATIONS, type UnlockCheck, useAwayLock, useIdleLock } from '../ui/IdleLock';
import { tidyChange } from '../ui/limits';
import { problemWords } from '../ui/useSubmit';
import { byName, names } from '../ui/words';
import { type AlertStatus, knownAlerts, type PendingAlert, pendingAlerts, raiseAlert, sendAlertNow } from '../sync/alerts';

/** Whether a sign-in elsewhere is shown as news. Staff sign in on the service's registered
 *  tablets day in, day out (drop-in staff at every session): told each time, they would learn to
 *  wave the notice away. A young person is told of every one. */
const worthTelling = (role: Session['role'], s: DeviceSignIn) => role === 'young_person' || !s.tablet;

interface Me {
  workers: PersonRef[];
  caseload: PersonRef[];
  alerts_go_to?: PersonRef[];
  alerts_escalate?: Escalation | null;
  /** For a young person: helplines the service names, beside "I don't feel safe". */
  support_lines?: SupportLine[];
  working_hours?: WorkingHours | null;
  case_closed_at?: number | null;
  erase_at?: number | null;
  /** Notices put away on any device of theirs (young people and key workers). */
  put_away?: string[];
  /** For a young person: the devices signed in as them now, this one too. */
  sign_ins?: DeviceSignIn[];
}

/** Said at sign-in to a young person whose PIN was chosen before Tandem refused easy ones. */
const EASY_TO_GUESS = 'Your PIN is one that someone could guess, like 1234 or a year. Choose a new one under Account, so only you can open your things.';

export function useTandem(go: (r: Route) => void, resetRoute: () => void) {
  const [db, setDb] = useState<Db | null>(null);
  /** The browser lets Tandem keep nothing on this device (a private window in some browsers, or
   *  site storage turned off): it can't keep anyone's words safe here, and says so. */
  const [noStorage, setNoStorage] = useState(false);
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [items, setItems] = useState<Item[]>([]);
  /** What the screen shows now, for a save to tell what it changes. */
  const itemsShown = useRef(items);
  itemsShown.current = items;
  const [rejected, setRejected] = useState<RejectedEntry[]>([]);
  const [me, setMe] = useState<Me>({ workers: [], caseload: [] });
  /** Who this person works with is known here (kept from before, or just answered): until then
   *  an empty caseload is not known to be empty. */
  const [meKnown, setMeKnown] = useState(false);
  const knowMe = (known: Me) => {
    setMe(known);
    setMeKnown(true);
  };
  const [sync, setSync] = useState<SyncState>({ kind: 'idle', unsent: 0, lastSent: null });
  const [online, setOnline] = useState(navigator.onLine);
  /** Signing out would lose changes not sent yet, or words typed and not saved: asked first. */
  const [confirmSignOut, setConfirmSignOut] = useState<{ unsent: number; typed: number } | null>(null);
  const [lastLooked, setLastLooked] = useState<{ [person: string]: number }>({});
  /** Collision notices read and put away on this device (see `collisionKey`). */
  const [putAway, setPutAway] = useState<string[]>([]);
  // Whether this device has fetched from the server at least once (a cursor is stored).
  const [pulled, setPulled] = useState(false);
  const [workersChanged, setWorkersChanged] = useState<string | null>(null);
  /** Devices signed in as this young person that they haven't been shown yet. */
  const [newSignIns, setNewSignIns] = useState<DeviceSignIn[]>([]);
  const [unlockCheck, setUnlockCheck] = useState<UnlockCheck | null>(null);
  /** Whether the kept unlock check has been read (until then, none kept is not known). */
  const [unlockKnown, setUnlockKnown] = useState(false);
  const [alerts, setAlerts] = useState<AlertStatus[]>([]);
  const [pending, setPending] = useState<PendingAlert[]>([]);
  /** Said on the sign-in screen after an account is deleted or kept. */
  const [farewell, setFarewell] = useState<string | null>(null);
  /** Drop-in staff just handed the tablet over: the sign-in screen is for a visit. */
  const [lending, setLending] = useState(false);
  /** Staff asked to hand the tablet over: the sign-in that follows signing out is for a visit
   *  (if they sign out after being asked about unsent words, too; not if they go back). */
  const lendAfterSignOut = useRef(false);
  /** The server ended this session: the screens are hidden until the same person signs in again. */
  const [ended, setEnded] = useState(false);
  /** ...because the server went back to a backup: the sign-in screen says so. */
  const [serverRestored, setServerRestored] = useState(false);
  /** Signed in with a first password an admin set: nothing else until they choose their own. */
  const [mustChange, setMustChange] = useState(false);
  /** A staff sign-in the service asks for two-step sign-in, without it: set it up first. */
  const [mustSetUp, setMustSetUp] = useState(false);
  /** A shared tablet's visit timed out with words unsent: it clears itself once they are sent. */
  const [visitEnded, setVisitEnded] = useState(false);
  /** A young person chose a lock code for Tandem on this phone: its check, and whether it is locked. */
  const [phoneLock, setPhoneLock] = useState<UnlockCheck | null>(null);
  const [phoneLocked, setPhoneLocked] = useState(false);
  /** Wrong lock codes (or PINs, on a lent tablet) in a row, kept so a reload can't reset them. */
  const [lockTries, setLockTries] = useState<LockTries>(NO_TRIES);
  /** Joined on this device and not yet put away: how Tandem works, said once on their home. */
  const [welcome, setWelcome] = useState(false);
  /** The last save could not be written on this device (its storage full or failing), in words. */
  const [saveProblem, setSaveProblem] = useState<string | null>(null);
  const sessions = useRef<SessionManager | null>(null);
  /** Calls the server as the session signed in now (the app's context gives it to screens). */
  const callApi = <T,>(method: string, path: string, body?: unknown) => request<T>(sessions.current, method, path, body);
  const engine = useRef<SyncEngine | null>(null);
  const reloadMeOnReturn = useRef<(() => void) | null>(null);

  /** Reads the store again for the screen: only `records` if the sync engine says which changed
   * (a save or a round touches a few; reading all of a thousand takes a slow phone a while). */
  const refresh = async (d: Db, records?: string[]) => {
    const [v, r, n, away, cursor, catchingUp, looked] = await Promise.all([
      records && records.length <= 100 ? readItems(d, records) : view(d),
      d.getAll('rejected'),
      unsentCount(d),
      d.get('meta', 'put-away') as Promise<string[] | undefined>,
      d.get('meta', 'cursor'),
      d.get('meta', CATCHING_UP),
      d.get('meta', 'looked') as Promise<{ [p: string]: number } | undefined>,
      // So the next save waits for one trip to storage, not two (a wrong guess is only slower).
      knowEditBasis(d).catch(() => undefined),
    ]);
    // With the items, so a worker's page opened straight away knows what they have seen. Merged,
    // never replaced: a read begun before a look was stored must not take that look back (the
    // item would show as new again). Looks only go at sign-out, or when the session ends elsewhere.
    setLastLooked((shown) => laterLooks(shown, looked ?? {}));
    setPulled(cursor !== undefined && catchingUp === undefined);
    // With the items, so a notice put away never shows for a moment on opening. Added to, like
    // the looks: a read begun before a notice was put away must not bring it back.
    setPutAway((shown) => withPutAway(shown, away ?? []));
    setItems((shown) => (v instanceof Map ? withItems(shown, v) : v));
    setRejected(r);
    setSync((s) => ({ ...s, unsent: n }));
    const cached = (await d.get('meta', 'me')) as Me | undefined;
    if (cached) knowMe(cached);
    setUnlockCheck(((await d.get('meta', 'unlock')) as UnlockCheck | undefined) ?? null);
    setAlerts(await knownAlerts(d));
    setPending(await pendingAlerts(d));
  };

  /** Asks the server who this person works with and what is planned for their account. */
  const loadMe = async (d: Db, mgr: SessionManager) => {
    try {
      const fresh = await request<Me & { role: Session['role']; display_name: string; must_set_up_two_step?: boolean }>(mgr, 'GET', '/api/me');
      // Renamed on another device (or by this one): the greeting says the name they chose.
      await keepDisplayName(d, fresh.display_name);
      // Opened again part-way (a reload before it was set up): the same screen first.
      if (fresh.must_set_up_two_step) setMustSetUp(true);
      const before = (await d.get('meta', 'me')) as Me | undefined;
      const ids = (m: Me | undefined) => (m?.workers ?? []).map((w) => w.id).sort().join();
      // A young person is told when who can see their shared things changes (a new key worker).
      if (before && ids(before) !== ids(fresh)) {
        setWorkersChanged(fresh.workers.length > 0 ? `Now ${names(fresh.workers.map((w) => w.display_name))} can see` : 'Now no key worker can see');
      }
      const kept: Me = { workers: fresh.workers, caseload: [...fresh.caseload].sort(byName), alerts_go_to: fresh.alerts_go_to, alerts_escalate: fresh.alerts_escalate, support_lines: fresh.support_lines, working_hours: fresh.working_hours, case_closed_at: fresh.case_closed_at, erase_at: fresh.erase_at };
      await d.put('meta', kept, 'me');
      await noticeSignIns(d, fresh.sign_ins ?? [], fresh.role);
      if (keepsLooks(fresh.role)) await shareLooks(d, mgr, fresh.caseload);
      if (fresh.put_away) await sharePutAway(d, mgr, fresh.put_away);
      return kept;
    } catch {
      // Offline: the cached list is used.
      return null;
    }
  };

  /** Other devices signed in as this person that they haven't been shown: a new one may mean
   *  someone else knows their PIN or password. A device newly signed in takes those signed in
   *  before it as known (the new one is itself). Ids of devices since signed out are let go. */
  const noticeSignIns = async (d: Db, signIns: DeviceSignIn[], role: Session['role']) => {
    const here = signIns.find((s) => s.this_device);
    const others = signIns.filter((s) => !s.this_device && worthTelling(role, s));
    const live = others.map((s) => s.id);
    let known = (await d.get('meta', 'known-sign-ins')) as string[] | undefined;
    if (!known) {
      known = others.filter((s) => here && s.started_at <= here.started_at).map((s) => s.id);
      await d.put('meta', known, 'known-sign-ins');
    }
    const stillLive = known.filter((id) => live.includes(id));
    if (stillLive.length !== known.length) await d.put('meta', stillLive, 'known-sign-ins');
    setNewSignIns(others.filter((s) => !known.includes(s.id)));
  };

  /** Shown, and answered ("that was me", or signed out): not shown again. Kept before the
   *  notice goes, so closing Tandem straight after answering doesn't bring it back. */
  const knowSignIns = async (ids: string[]) => {
    if (db) {
      const known = ((await db.get('meta', 'known-sign-ins')) as string[] | undefined) ?? [];
      // Not kept (storage full): shown again at the next start, which is the safe way to fail.
      await db.put('meta', [...new Set([...known, ...ids])], 'known-sign-ins').catch(() => undefined);
    }
    setNewSignIns((shown) => shown.filter((s) => !ids.includes(s.id)));
  };

  /** A key worker's or drop-in staff's looks, from every device of theirs (a shared tablet keeps
   *  none once lent): "new since you last looked" here follows what they saw elsewhere, and what
   *  they looked at here while out of reach is told now. */
  const shareLooks = async (d: Db, mgr: SessionManager, caseload: PersonRef[]) => {
    const theirs = looksIn(caseload);
    setLastLooked((shown) => laterLooks(shown, theirs));
    await storeLook(d, theirs).catch(() => undefined);
    const mine = ((await d.get('meta', 'looked')) as Looks | undefined) ?? {};
    for (const [person, at] of looksToTell(mine, caseload)) tellLooked(mgr, person, at);
  };

  /** Notices put away, from every device of theirs (a shared tablet keeps none between visits):
   *  those put away elsewhere are hidden here too, and those put away here while out of reach
   *  are told now. */
  const sharePutAway = async (d: Db, mgr: SessionManager, theirs: string[]) => {
    setPutAway((shown) => withPutAway(shown, theirs));
    await storePutAway(d, theirs).catch(() => undefined);
    const mine = ((await d.get('meta', 'put-away')) as string[] | undefined) ?? [];
    // What is stored holds the server's list now: nothing more in it (most starts), nothing to
    // tell, and the records' keys need not be read.
    if (mine.length <= theirs.length) return;
    const held = new Set(await d.getAllKeys('records'));
    const toTell = putAwayToTell(mine, theirs, held);
    if (toTell.length > 0) tellPutAway(mgr, toTell);
  };

  const start = async (d: Db, role: Session['role']) => {
    const mgr = sessions.current as SessionManager;
    engine.current?.stop();
    engine.current = null;
    reloadMeOnReturn.current = null;
    if (role === 'admin') {
      // Admins manage people and never read records: nothing to sync, nothing kept here.
      // No signal now: the console asks again when it is used.
      if (!mgr.access) await mgr.refresh().catch(() => null);
      // Nor do they hold a live stream: a sign-in elsewhere as them (an admin can reset anyone's
      // PIN) is looked for now and whenever they come back to the console.
      const lookForSignIns = coalesced(async () => {
        const me = await request<{ sign_ins?: DeviceSignIn[] }>(mgr, 'GET', '/api/me').catch(() => null);
        if (me && sessions.current === mgr) await whileOpen(d, () => noticeSignIns(d, me.sign_ins ?? [], role));
      });
      reloadMeOnReturn.current = () => void lookForSignIns();
      void lookForSignIns();
      return;
    }
    // After a `people` notice: one request at a time, and one more if notices came meanwhile.
    const reloadMe = coalesced(async () => {
      const fresh = await loadMe(d, mgr);
      if (fresh && sessions.current === mgr) knowMe(fresh);
    });
    // Staff back on this device may have looked at someone's page on another since.
    reloadMeOnReturn.current = keepsLooks(role) ? () => void reloadMe() : null;
    // What a pull brings is shown once this device knows who else sees it (below).
    let meAnswered: Promise<unknown> = Promise.resolve();
    const e = new SyncEngine({
      db: d,
      auth: mgr,
      onChange: (records) => void meAnswered.then(() => whileOpen(d, () => refresh(d, records))),
      onState: setSync,
      onSignedOut: () => {
        setEnded(true);
        // A lost phone's session ended from elsewhere: what it pulled goes now, while whoever
        // holds it sees only "Sign in again"; what is not sent yet stays for the same person.
        void whileOpen(d, async () => {
          // Refused because the server was restored from a backup: it lacks what this device
          // holds, which is given back once the same person signs in again (restored.ts).
          if (await serverWasRestored(await mgr.current())) setServerRestored(true);
          else await forgetPulled(d);
          setLastLooked({});
          setPutAway([]);
          setMe({ workers: [], caseload: [] });
          await refresh(d);
        });
        // Nothing more to send or hear until they sign in again (which starts a new engine); not
        // stopped inside the round that found out, which still tells other tabs what it did.
        setTimeout(() => e.stop(), 0);
      },
      // Who they work with, a closed case: shown as it happens, not at the next start.
      onPeople: () => void reloadMe(),
      // The service worker fetches the new version; once it waits, the app offers "Update now".
      onUpdateNeeded: () => void navigator.serviceWorker?.getRegistration().then((r) => r?.update()).catch(() => undefined),
    });
    engine.current = e;
    // Opened with no signal: the engine's first round meets it too, and says so.
    if (!mgr.access) await mgr.refresh().catch(() => null);
    // Who they work with is asked for beside the first sync, not before it: on a weak signal
    // that was a round trip (or a stalled request's 30 s) before anything was sent or fetched.
    // A device that knows shows what it has now (a young person's new phone knows their
    // workers from the sign-in's answer); one that knows nobody yet (staff, whose caseload only
    // this answer gives) shows nothing pulled until it has the answer, so no card says "no key
    // worker" for a moment.
    const knew = (await d.get('meta', 'me')) !== undefined;
    const loadingMe = loadMe(d, mgr);
    if (!knew) meAnswered = loadingMe;
    void e.syncNow();
    e.listen();
    await meAnswered;
    await refresh(d);
    // After the first drawing, which shows what this device knew.
    void loadingMe.then((fresh) => {
      if (fresh && sessions.current === mgr) knowMe(fresh);
    });
  };

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      let d: Db;
      try {
        d = await open();
      } catch {
        if (!cancelled) setNoStorage(true);
        return;
      }
      if (cancelled) return;
      sessions.current = new SessionManager(d, () => setMustSetUp(true));
      setDb(d);
      // Read together (one wait, not two, on a slow phone's start), before anything is drawn:
      // which cards open mid-change, and whether Tandem is locked.
      const [, kept, tries, keptUnlockCheck, lockedAt, lastUsed, welcomed] = await Promise.all([
        typed.load(d),
        d.get('meta', 'phone-lock') as Promise<UnlockCheck | undefined>,
        d.get('meta', 'lock-tries') as Promise<LockTries | undefined>,
        d.get('meta', 'unlock') as Promise<UnlockCheck | undefined>,
        d.get('meta', 'locked-at') as Promise<number | undefined>,
        d.get('meta', 'last-used') as Promise<number | undefined>,
        d.get('meta', 'welcome') as Promise<boolean | undefined>,
      ]);
      setWelcome(welcomed === true);
      const lock = kept ?? null;
      setLockTries(tries ?? NO_TRIES);
      setUnlockCheck(keptUnlockCheck ?? null);
      setUnlockKnown(true);
      setPhoneLock(lock);
      setPhoneLocked(lock !== null);
      const s = await sessions.current.current();
      // A lent tablet opened again (reloaded, or the browser closed and opened) is locked: whoever
      // holds it now gives the PIN before seeing anything, and a visit already locked still ends
      // when it would have. A staff device locked, or last used a quarter of an hour ago or more,
      // opens locked too.
      const kind = lockKindOf(s);
      if (kind === 'tablet') idleLock.lock(lockedAt ?? Date.now());
      else if (kind === 'staff' && keptUnlockCheck && (lockedAt !== undefined || lastUsed !== undefined && Date.now() - lastUsed >= STAFF_IDLE_MS)) idleLock.lock(lockedAt ?? Date.now());
      setSession(s);
      await refresh(d);
      if (s) await start(d, s.role);
    })();
    const up = () => {
      setOnline(true);
      engine.current?.resume();
    };
    const down = () => setOnline(false);
    const visible = () => {
      if (document.visibilityState !== 'visible') return;
      void engine.current?.syncNow();
      reloadMeOnReturn.current?.();
    };
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    document.addEventListener('visibilitychange', visible);
    window.addEventListener('focus', visible);
    return () => {
      cancelled = true;
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
      document.removeEventListener('visibilitychange', visible);
      window.removeEventListener('focus', visible);
      engine.current?.stop();
    };
  }, []);

  /** The young person's own thing they have just removed here, to put back if it was a mistake. */
  const [removed, setRemoved] = useState<Item | null>(null);
  const forgetRemoved = useCallback(() => setRemoved(null), []);
  const save = useCallback(
    async (item: { id: string; kind: RecordKind; owner: string } | Item, changes: FieldValue[], drafts: string[] = []) => {
      if (!db) return false;
      const wanted = changedOnly(itemsShown.current.find((shown) => shown.id === item.id), changes.map(tidyChange));
      // Nothing changed: the words are already as saved.
      if (wanted.length === 0) return true;
      let entry;
      try {
        // The versions the edit is made over, as the screen has them (a new thing has none).
        entry = await edit(db, item, wanted, Date.now(), 'values' in item ? item.stamps : {}, drafts.map(draftKey));
      } catch (e) {
        // Not saved: said plainly, and no screen says "Saved." for it.
        setSaveProblem(notSavedWords(e));
        return false;
      }
      setSaveProblem(null);
      const whole = 'values' in item ? item : undefined;
      // The words are on screen now; the store is read again when the sync engine reports. A
      // thing put back is drawn from what was on screen: this phone may have let it go already.
      setItems((shown) => withEdit(shown, entry, whole));
      // Their own thing, not a worker's suggestion they said no to.
      const removal = wanted.find((c) => c.field === 'deleted');
      if (removal && whole && whole.owner === entry.person && !whole.suggestion) setRemoved(removal.value ? whole : null);
      setSync((s) => ({ ...s, unsent: s.unsent + 1 }));
      // Told and sent once the words are drawn (the next task): a tap waits for its words on
      // screen, not for the other tabs or the network. The edit is stored already.
      setTimeout(() => {
        engine.current?.announce({ shownHere: true, records: [item.id] });
        void engine.current?.syncNow();
      });
      return true;
    },
    [db],
  );
  /** Words typed and not yet saved, kept on this device. */
  const typed = useDrafts(db);
  const drafts = typed.store;
  const drafted = typed.drafted;
  // The workers' list is read again after every sync; by value, so cards don't redraw for it.
  const workersKey = JSON.stringify(me.workers);
  const cardCtx = useMemo<CardCtxValue | null>(
    () => (session && drafts ? { me: session.person, workers: me.workers, save, drafts } : null),
    [session, workersKey, save, drafts],
  );

  const ctx = useMemo<AppCtx | null>(() => {
    if (!db || !session) return null;
    return {
      session,
      items,
      rejected,
      workers: me.workers,
      caseload: me.caseload,
      alertsGoTo: me.alerts_go_to ?? me.workers,
      alertsEscalate: me.alerts_escalate ?? null,
      supportLines: me.support_lines ?? [],
      workingHours: me.working_hours ?? null,
      sync,
      online,
      go,
      save,
      create: async (kind: RecordKind, changes: FieldValue[], { owner, drafts }: { owner?: string; drafts?: string[] } = {}) => {
        const id = newId();
        return (await save({ id, kind, owner: owner ?? session.person }, changes, drafts)) ? id : null;
      },
      removed,
      putBack: async () => removed !== null && (await save(removed, [{ field: 'deleted', value: false }])),
      forgetRemoved,
      dismissRejected: async (seq) => {
        await db.delete('rejected', seq);
        await refresh(db);
      },
      syncNow: () => void engine.current?.syncNow(),
      signOut: () => void signOut(false),
      lendTablet: () => {
        lendAfterSignOut.current = true;
        void signOut(false);
      },
      api: callApi,
      changeSecret: (current: string, next: string) => changeSecret(current, next),
      changeNames: async (names) => {
        await request(sessions.current, 'POST', '/api/me/names', names);
        await keepDisplayName(db, names.display_name.trim());
      },
      accessLog: () => request<AccessEntry[]>(sessions.current, 'GET', '/api/me/access-log'),
      lastLooked,
      drafted,
      pulled,
      meKnown,
      putAway,
      putAwayNotices: (keys: string[]) => {
        // Hidden once stored, so a reload straight after can't bring it back; hidden for now
        // even if it could not be stored (full, or signed out meanwhile).
        const hide = () => setPutAway((shown) => withPutAway(shown, keys));
        void storePutAway(db, keys).then(hide, hide);
        // Out of reach: told at the next start (`sharePutAway`).
        if (sessions.current && (session.role === 'young_person' || session.role === 'key_worker')) tellPutAway(sessions.current, keys);
      },
      welcome,
      putAwayWelcome: () => {
        // Hidden once stored, so a reload straight after can't bring it back; hidden for now
        // even if it could not be stored.
        const hide = () => setWelcome(false);
        void db.delete('meta', 'welcome').then(hide, hide);
      },
      markLooked: (person: string, latest: number) => {
        if ((lastLooked[person] ?? 0) >= latest) return;
        const look = { [person]: latest };
        setLastLooked((shown) => laterLooks(shown, look));
        // Only a marker: if it can't be kept (full, or signed out meanwhile), things show as new again.
        void storeLook(db, look).catch(() => undefined);
        // Out of reach: told at the next start or return to the app (`shareLooks`).
        if (keepsLooks(session.role) && sessions.current) tellLooked(sessions.current, person, latest);
      },
      alerts,
      pendingAlerts: pending,
      raiseAlert: async () => {
        try {
          await raiseAlert(db);
        } catch {
          // Not kept on this device: straight to the server, or the young person is told.
          try {
            setAlerts(await sendAlertNow(sessions.current as SessionManager));
            return true;
          } catch {
            return false;
          }
        }
        await refresh(db);
        void engine.current?.syncNow();
        return true;
      },
      markAlertSeen: async (id: string) => {
        await request(sessions.current, 'POST', `/api/alerts/${id}/seen`);
        void engine.current?.syncNow();
      },
      plan: { caseClosedAt: me.case_closed_at ?? null, eraseAt: me.erase_at ?? null },
      phoneLock: {
        on: phoneLock !== null,
        turnOn: async (code: string) => {
          const check = await makeUnlockCheck(code);
          await db.put('meta', check, 'phone-lock');
          setPhoneLock(check);
        },
        turnOff: async () => {
          await db.delete('meta', 'phone-lock');
          setPhoneLock(null);
        },
      },
      deleteAccount: async (now: boolean) => {
        if (!now) {
          // Signing out wipes this phone: send what is waiting first, or it would be lost.
          await engine.current?.syncNow();
          const left = await unsentCount(db);
          if (left > 0) return `${left === 1 ? '1 change is' : `${left} changes are`} not sent yet. Wait for signal so nothing is lost, then try again. Nothing has been deleted.`;
        }
        let answer: { erased: boolean; erase_at: number | null };
        try {
          answer = await request(sessions.current, 'POST', '/api/me/erasure', { now });
        } catch (e) {
          return `${problemWords(e, 'Deleting needs signal: try again when you are online.')} Nothing has been deleted.`;
        }
        const day = answer.erase_at ? new Date(answer.erase_at).toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' }) : '';
        await endSession(true);
        setFarewell(answer.erased ? 'Your account has been deleted. Everything in it has gone.' : `Your account will be deleted on ${day}. You have been signed out. Changed your mind? Sign in before then and nothing is deleted.`);
        return null;
      },
    };
  }, [db, session, items, rejected, me, meKnown, sync, online, lastLooked, pulled, putAway, alerts, pending, save, drafted, phoneLock, welcome, removed]);
  useAwayLock(phoneLock !== null && !!session && !session.sharedDevice, awayMs(), () => setPhoneLocked(true));

  // A lent tablet locks after two idle minutes and its visit then ends; a staff member's own
  // device locks after a quarter of an hour (once it holds a check of their password: one made
  // at their next sign-in, for a device signed in before staff devices locked).
  const lockKind = lockKindOf(session);
  const idleLock = useIdleLock(
    lockKind === 'tablet' || (lockKind === 'staff' && unlockCheck !== null),
    lockKind === 'tablet' ? idleMs() : STAFF_IDLE_MS,
    lockKind === 'tablet' ? () => void visitOver() : null,
    (at) => {
      // Kept so that opening Tandem again carries on the lock (and a visit's end) from then.
      if (!db) return;
      void (at === null ? db.delete('meta', 'locked-at') : db.put('meta', at, 'locked-at')).catch(() => undefined);
    },
  );
  // Away (another tab, the lid closed) as long as it would take to lock: locked on coming back.
  useAwayLock(lockKind === 'staff' && unlockCheck !== null, STAFF_IDLE_MS, () => idleLock.lock());
  // When Tandem was last in view, so one closed and opened again later opens locked (and one
  // opened in a new tab beside one in use does not).
  useEffect(() => {
    if (lockKind !== 'staff' || !db) return;
    const seen = () => void db.put('meta', Date.now(), 'last-used').catch(() => undefined);
    const leaving = () => document.visibilityState === 'hidden' && seen();
    const inView = setInterval(() => document.visibilityState === 'visible' && seen(), 60_000);
    document.addEventListener('visibilitychange', leaving);
    return () => {
      clearInterval(inView);
      document.removeEventListener('visibilitychange', leaving);
    };
  }, [lockKind, db]);
  const { locked, unlock: unlockScreen } = idleLock;
  const unlock = () => {
    setVisitEnded(false);
    unlockScreen();
  };
  useEffect(() => {
    if (visitEnded && sync.kind === 'idle' && sync.unsent === 0) {
      setVisitEnded(false);
      void signOut(true);
    }
  }, [visitEnded, sync]);

  const signOut = async (force: boolean) => {
    if (!db || !sessions.current) return;
    const notSaved = await typed.flushAndCount(db);
    await engine.current?.syncNow();
    const unsent = await unsentCount(db);
    if ((unsent > 0 || notSaved > 0) && !force) {
      setConfirmSignOut({ unsent, typed: notSaved });
      return;
    }
    await endSession(false);
  };

  /** Stops syncing and wipes this device; `ended`: the server has ended the session already. */
  const endSession = async (ended: boolean) => {
    if (!sessions.current) return;
    engine.current?.stop();
    engine.current = null;
    reloadMeOnReturn.current = null;
    await sessions.current.signOut(ended);
    const d = await open();
    sessions.current = new SessionManager(d, () => setMustSetUp(true));
    setDb(d);
    setItems([]);
    setRemoved(null);
    setLastLooked({});
    setPutAway([]);
    typed.clear();
    setPhoneLock(null);
    setPhoneLocked(false);
    setLockTries(NO_TRIES);
    setWelcome(false);
    setSaveProblem(null);
    setRejected([]);
    setMe({ workers: [], caseload: [] });
    setMeKnown(false);
    // Notices about this person's account: the next person on a shared tablet never sees them.
    setWorkersChanged(null);
    setNewSignIns([]);
    setConfirmSignOut(null);
    setEnded(false);
    setServerRestored(false);
    setLending(lendAfterSignOut.current);
    lendAfterSignOut.current = false;
    resetRoute();
    setSession(null);
  };

  /** Signed in again after the session ended: the same person carries on where they were. */
  const signInAgain = async (name: string, secret: string, code?: string) => {
    if (!db || !session || !sessions.current) return;
    const s = await sessions.current.signIn(name, secret, session.sharedDevice, session.person, code);
    await keepUnlockCheck(db, s, secret);
    setEnded(false);
    setServerRestored(false);
    setFarewell(signInNotice());
    await carryOn(db, s);
  };

  /** The same, through the organisation's sign-in (asked again each day, or the service now
   *  asks staff to use it): back from its page with the handoff. A device signed in that way
   *  before keeps its unlock code; one signed in with a password held a check of that, so its
   *  staff member chooses a code now. */
  const signInAgainSso = async (attempt: string, handoff: string, code?: string) => {
    if (!db || !session || !sessions.current) return;
    const s = await sessions.current.finishSso(attempt, handoff, session.person, code);
    if (!session.viaSso) {
      await db.delete('meta', 'unlock').catch(() => undefined);
      setUnlockCheck(null);
    }
    setEnded(false);
    setServerRestored(false);
    setFarewell(recoveryNotice(sessions.current.recoveryLeft));
    await carryOn(db, s);
  };

  /** Signed out with words still here and the PIN forgotten: a new code from their worker. */
  const joinAgain = async (code: string, name: string, secret: string) => {
    if (!db || !session || !sessions.current) return;
    const s = await sessions.current.join(code, name, secret, session.person, session.sharedDevice);
    setEnded(false);
    setServerRestored(false);
    await carryOn(db, s);
  };

  /** Signed in: a first password an admin set is changed before anything else (then what waited
   *  here is sent); otherwise syncing starts. */
  const carryOn = async (d: Db, s: Session) => {
    setSession(s);
    if (sessions.current?.mustChangePassword) {
      setMustChange(true);
      return;
    }
    if (sessions.current?.mustSetUpTwoStep) {
      setMustSetUp(true);
      return;
    }
    await start(d, s.role);
  };

  /** The visit timed out on a shared tablet: wipe once everything is sent; never drop unsent words. */
  const visitOver = async () => {
    if (!db) return;
    await engine.current?.syncNow();
    if ((await unsentCount(db)) === 0) await signOut(true);
    else setVisitEnded(true);
  };

  /** Keeps a check of the secret just given, for the lock screen to check with no signal: on a
   *  lent tablet (before anything is shown: it locks whenever it is opened again), and on staff's
   *  own devices (made meanwhile: a staff check takes a slow phone a second or two, and their
   *  lock is a quarter of an hour away). */
  const keepUnlockCheck = async (d: Db, s: Session, secret: string) => {
    const kind = lockKindOf(s);
    if (kind === null) return;
    const made = (async () => {
      const check = await makeUnlockCheck(secret, s.role === 'young_person' ? undefined : STAFF_ITERATIONS);
      await d.put('meta', check, 'unlock');
      setUnlockCheck(check);
    })();
    if (kind === 'tablet') await made;
    // Not kept (storage full): this device then doesn't lock until the next sign-in.
    else void made.catch(() => undefined);
  };

  /** What this device calls its person (the home screen's greeting), as the server now does. */
  const keepDisplayName = async (d: Db | null, displayName: string) => {
    if (!d) return;
    const tx = d.transaction('meta', 'readwrite');
    const kept = (await tx.store.get('session')) as Session | undefined;
    if (kept && kept.displayName !== displayName) {
      const renamed = { ...kept, displayName };
      await tx.store.put(renamed, 'session');
      setSession((s) => (s && s.person === renamed.person ? { ...s, displayName } : s));
    }
    await tx.done;
  };

  /** A new PIN or password (needs signal); the lock screen's check follows it. */
  const changeSecret = async (current: string, next: string) => {
    await request(sessions.current, 'POST', '/api/me/password', { current, new: next });
    if (db && session) await keepUnlockCheck(db, session, next);
  };

  /** Signed in with a two-step recovery code: how many are left, and what to do. */
  const recoveryNotice = (left: number | null) =>
    left === null
      ? null
      : left === 0
        ? 'You signed in with your last recovery code. Under "Your account", make new ones now (or, if your phone is lost, choose "Move it to a new phone"), so a day without it doesn\'t lock you out.'
        : `You signed in with a recovery code, and have ${left} left. If your phone is lost, or you have a new one, choose "Move it to a new phone" under "Your account": it makes new codes too.`;

  /** What the sign-in just made needs saying, if anything: an account kept, recovery codes
   *  running out, a young person's PIN that is easy to guess (staff change theirs first). */
  const signInNotice = () => {
    const s = sessions.current;
    const said = [
      s?.keptAccount ? 'Welcome back. Your account will not be deleted.' : null,
      recoveryNotice(s?.recoveryLeft ?? null),
      s?.easyToGuess && !s.mustChangePassword ? EASY_TO_GUESS : null,
    ].filter((words) => words !== null);
    return said.length > 0 ? said.join(' ') : null;
  };

  /** Signed in, or `joined` with an invite code just now (their home then says how Tandem works). */
  const signedIn = async (s: Session, secret?: string, joined = false) => {
    if (!db) return;
    if (secret) await keepUnlockCheck(db, s, secret);
    if (joined) {
      // Said even if it can't be kept (storage full): only a reload would then lose it.
      await db.put('meta', true, 'welcome').catch(() => undefined);
      setWelcome(true);
    }
    setFarewell(signInNotice());
    setLending(false);
    await carryOn(db, s);
  };


  return {
    db,
    noStorage,
    session,
    ctx,
    cardCtx,
    sync,
    online,
    sessions,
    engine,
    confirmSignOut,
    /** Asked about what signing out would lose, they stay: nothing else waits on signing out. */
    keepSignedIn: () => {
      lendAfterSignOut.current = false;
      setConfirmSignOut(null);
    },
    workersChanged,
    setWorkersChanged,
    newSignIns,
    knowSignIns,
    farewell,
    setFarewell,
    saveProblem,
    setSaveProblem,
    lending,
    mustChange,
    /** Why the password must change first: easy to guess, or a first one an admin set. */
    mustChangeEasy: sessions.current?.easyToGuess === true,
    changePassword: async (current: string, next: string) => {
      await changeSecret(current, next);
      setMustChange(false);
      if (sessions.current?.mustSetUpTwoStep) return setMustSetUp(true);
      if (db && session) await start(db, session.role);
    },
    mustSetUp,
    /** Two-step sign-in set up as the service asked: the session opens. */
    twoStepSetUp: async () => {
      if (sessions.current) sessions.current.mustSetUpTwoStep = false;
      setMustSetUp(false);
      // Not started yet (from sign-in); already running if the app was opened again part-way or
      // was asked mid-session, when what waited is sent now.
      if (db && session && !engine.current) await start(db, session.role);
      else engine.current?.resume();
    },
    /** Calls the server as this session, for screens shown before the app's context exists. */
    api: callApi,
    locked,
    lockKind,
    /** Alerts this worker has not marked seen (said on a staff device's lock screen). */
    openAlerts: alerts.filter((a) => !a.seen_at).length,
    unlock,
    phoneLock,
    phoneLocked,
    unlockPhone: () => setPhoneLocked(false),
    lockTries,
    keepLockTries: (t: LockTries) => {
      setLockTries(t);
      // Not kept (storage full): the count still holds until Tandem is closed.
      void db?.put('meta', t, 'lock-tries').catch(() => undefined);
    },
    visitEnded,
    unlockCheck,
    /** Signed in with the organisation's account, and no code chosen yet to unlock this staff
     *  device with (no password was typed here to check): chosen before anything is shown. */
    needsUnlockCode: unlockKnown && lockKind === 'staff' && session?.viaSso === true && unlockCheck === null,
    chooseUnlockCode: async (code: string) => {
      if (!db) return;
      const check = await makeUnlockCheck(code, STAFF_ITERATIONS);
      await db.put('meta', check, 'unlock');
      setUnlockCheck(check);
    },
    signOut,
    signedIn,
    ended,
    serverRestored,
    signInAgain,
    signInAgainSso,
    joinAgain,
  };
}

/** Why a change could not be written on this device, in words a young person can act on. */
export function notSavedWords(e: unknown): string {
  return isStorageFull(e)
    ? `That change was not saved: this phone's storage is full. Anything you typed is still on the screen. ${MAKE_SPACE}, then press Save again.`
    : 'That change was not saved: something went wrong with storage on this device. Anything you typed is still on the screen. Press Save again; if it keeps happening, close Tandem and open it again.';
}

/** Which lock this device has, if any: a lent tablet's, or a staff member's own device's. (A
 *  young person's own phone locks only if they choose a lock code: `phoneLock`.) */
function lockKindOf(s: Session | null | undefined): LockKind | null {
  if (!s) return null;
  if (s.sharedDevice) return 'tablet';
  return s.role === 'young_person' ? null : 'staff';
}

/** Tells the server notices were put away, for the person's other devices. Not waited for, and a
 *  failure is left: they are kept here and told at the next start (`sharePutAway`). */
function tellPutAway(auth: SessionManager, keys: string[]) {
  // The server takes 200 at a time.
  for (let i = 0; i < keys.length; i += 200) {
    void request(auth, 'POST', '/api/me/put-away', { notices: keys.slice(i, i + 200) }).catch(() => undefined);
  }
}

/** Staff whose looks at young people's pages are kept on the server ("new since you last looked"). */
function keepsLooks(role: Session['role']): boolean {
  return role === 'key_worker' || role === 'drop_in_staff';
}

/** Tells the server a key worker or drop-in staff member looked at someone's page, for their
 *  other devices. Not waited for, and a failure is left: the look is kept here and told at the
 *  next start (`shareLooks`). */
function tellLooked(auth: SessionManager, person: string, at: number) {
  void request(auth, 'POST', `/api/caseload/${encodeURIComponent(person)}/looked`, { at }).catch(() => undefined);
}
