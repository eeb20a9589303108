// The app shell: the header, quick exit, notices, sign-in, and each role's screens. The session
// and sync wiring is in shell/useTandem.ts; each role's screens are in roles/.
import { useEffect } from 'preact/hooks';
import { CardCtx, type CardCtxValue, Ctx, type Route } from './context';
import { useRoute } from './navigation';
import { YoungPersonScreens } from './roles/YoungPerson';
import { ChangePassword } from './screens/ChangePassword';
import { SignedInElsewhere } from './screens/SignedInElsewhere';
import { SignIn } from './screens/SignIn';
import { SignInAgain } from './screens/SignInAgain';
import { UnlockCode } from './screens/UnlockCode';
import { useTandem } from './shell/useTandem';
import type { Session } from './sync/db';
import type { SessionManager } from './sync/session';
import { goToProvider } from './sync/sso';
import { LockScreen } from './ui/IdleLock';
import { QuickExit } from './ui/QuickExit';
import { AlertBanner, SafetyButton } from './ui/Safety';
import { SyncStatus } from './ui/SyncStatus';
import { lazyScreens } from './ui/lazy';

// Young people are most of those who open Tandem, on the cheapest phones: staff screens come
// in files of their own, fetched when a staff member signs in.
const KeyWorkerScreens = lazyScreens(() => import('./roles/KeyWorker').then((m) => m.KeyWorkerScreens));
const DropInScreens = lazyScreens(() => import('./roles/DropIn').then((m) => m.DropInScreens));
const AdminScreens = lazyScreens(() => import('./roles/Admin').then((m) => m.AdminScreens));
const TwoStep = lazyScreens<import('./screens/TwoStep').TwoStepProps>(() => import('./screens/TwoStep').then((m) => m.TwoStep));
// Everyone's, but never the first screen: fetched when opened (the service worker keeps it for offline).
const Account = lazyScreens<object>(() => import('./screens/Account').then((m) => m.Account));

export function App({ updateReady, onUpdate }: { updateReady: boolean; onUpdate: () => void }) {
  const [route, go, resetRoute] = useRoute();
  const t = useTandem(go, resetRoute);
  const { session, ctx, sync, online, confirmSignOut, workersChanged, setWorkersChanged, farewell, setFarewell, locked, unlock, unlockCheck, signOut, signedIn, sessions, engine } = t;

  if (t.noStorage) return <NoStorage />;
  if (session === undefined) {
    return <main id="main"><p>Opening…</p></main>;
  }
  // The admin console is used at desks and on tablets: its tables get the width.
  const wide = session?.role === 'admin';
  // Notices about someone's account are theirs: not drawn over a lock screen (a phone in
  // someone else's hands, a lent tablet between visitors) or a sign-in.
  const open = !!ctx && !t.mustChange && !t.mustSetUp && !locked && !t.phoneLocked && !t.ended && !t.lending;
  const openToThem = open && session?.role === 'young_person';

  return (
    <>
      <QuickExit />
      <header class={wide ? 'top wide' : 'top'}>
        <span class="brand">Tandem</span>
        {session && (
          <nav aria-label="Main" class="top__nav">
            {/* Locked: nothing to go to until it is unlocked; signing out is still there. */}
            {!locked && !t.phoneLocked && (
              <>
                <button type="button" class="link-button" onClick={() => go({ name: 'home' })}>Home</button>
                <button type="button" class="link-button" onClick={() => go({ name: 'account' })}>Account</button>
              </>
            )}
            <button type="button" class="link-button" onClick={() => void signOut(false)}>Sign out</button>
          </nav>
        )}
      </header>
      {updateReady && (
        <p class="banner" role="status">
          A new version of the app is ready. Your changes are safe. <button type="button" onClick={onUpdate}>Update now</button>
        </p>
      )}
      <main id="main" class={wide ? 'wide' : undefined}>
        {confirmSignOut && <ConfirmSignOut unsent={confirmSignOut.unsent} typed={confirmSignOut.typed} onWait={() => { t.keepSignedIn(); void engine.current?.syncNow(); }} onBack={t.keepSignedIn} onSignOut={() => void signOut(true)} />}
        {workersChanged && openToThem && (
          <div class="card notice" role="status">
            <p>Who supports you has changed. {workersChanged} what you share with "my worker".</p>
            <button type="button" onClick={() => setWorkersChanged(null)}>OK</button>
          </div>
        )}
        {open && ctx && (
          <Ctx.Provider value={ctx}>
            <SignedInElsewhere signIns={t.newSignIns} onAnswered={(ids) => void t.knowSignIns(ids)} />
          </Ctx.Provider>
        )}
        {t.saveProblem && (
          <div class="card notice notice--pinned" role="alert">
            <p>{t.saveProblem}</p>
            <button type="button" onClick={() => t.setSaveProblem(null)}>OK</button>
          </div>
        )}
        {farewell && (
          <div class="card notice" role="status" id="farewell">
            <p>{farewell}</p>
            <button type="button" onClick={() => setFarewell(null)}>OK</button>
          </div>
        )}
        {session && t.mustChange ? (
          <ChangePassword onChange={t.changePassword} easy={t.mustChangeEasy} />
        ) : session && t.mustSetUp ? (
          <section class="narrow">
            <h1>Set up two-step sign-in</h1>
            <p>Your service asks every staff member to sign in with a code from an authenticator app as well as their password, because staff accounts reach young people's records. Set it up now to carry on.</p>
            <TwoStep api={t.api} required={{ onDone: () => void t.twoStepSetUp() }} />
          </section>
        ) : session && t.needsUnlockCode ? (
          <UnlockCode onChoose={t.chooseUnlockCode} />
        ) : session && locked ? (
          <LockScreen kind={t.lockKind ?? 'tablet'} withCode={session.viaSso === true} openAlerts={t.lockKind === 'staff' ? t.openAlerts : 0} check={unlockCheck} onUnlock={unlock} onSignOut={() => void signOut(false)} waitingToClear={t.visitEnded} tries={t.lockTries} onTries={t.keepLockTries} />
        ) : session && t.phoneLocked ? (
          <LockScreen kind="phone" check={t.phoneLock} onUnlock={t.unlockPhone} onSignOut={() => void signOut(false)} waitingToClear={false} tries={t.lockTries} onTries={t.keepLockTries} />
        ) : session && t.ended ? (
          <SignInAgain
            restored={t.serverRestored}
            onSignIn={t.signInAgain}
            onJoin={session.role === 'young_person' ? t.joinAgain : undefined}
            onRemove={() => void signOut(false)}
            sso={session.role !== 'young_person' ? { onStart: async () => goToProvider(await (sessions.current as SessionManager).startSso(), 'again'), onFinish: t.signInAgainSso } : undefined}
          />
        ) : !session || !ctx ? (
          <SignIn
            code={route.name === 'join' ? (route.code ?? '') : undefined}
            forVisit={t.lending}
            onSignIn={async (n, p, shared, code) => signedIn(await (sessions.current as SessionManager).signIn(n, p, shared, undefined, code), p)}
            onJoin={async (c, n, p) => {
              await signedIn(await (sessions.current as SessionManager).join(c, n, p), undefined, true);
              go({ name: 'home' });
            }}
            onSsoStart={async () => goToProvider(await (sessions.current as SessionManager).startSso(), 'sign-in')}
            onSsoFinish={async (attempt, handoff, code) => signedIn(await (sessions.current as SessionManager).finishSso(attempt, handoff, undefined, code))}
          />
        ) : (
          <Ctx.Provider value={ctx}>
            <CardCtx.Provider value={t.cardCtx as CardCtxValue}>
              {session.role === 'young_person' ? <SafetyButton /> : session.role === 'admin' ? null : <AlertBanner />}
              {session.role !== 'admin' && <SyncStatus state={sync} online={online} onRetry={ctx.syncNow} />}
              <Screens role={session.role} route={route} />
            </CardCtx.Provider>
          </Ctx.Provider>
        )}
      </main>
    </>
  );
}

function Screens({ role, route }: { role: Session['role']; route: Route }) {
  // Signed in or unlocked: start at the top, not where the sign-in form had been scrolled to.
  useEffect(() => window.scrollTo(0, 0), []);
  // Everyone's own account: where they are signed in, and a new PIN or password.
  if (route.name === 'account') return <Account />;
  switch (role) {
    case 'young_person':
      return <YoungPersonScreens route={route} />;
    case 'key_worker':
      return <KeyWorkerScreens route={route} />;
    case 'drop_in_staff':
      return <DropInScreens route={route} />;
    default:
      return <AdminScreens route={route} />;
  }
}

/** Signing out would lose something from this device: changes not sent yet (wait for signal?),
 *  or words typed and not saved (go back to them?). */
function ConfirmSignOut({ unsent, typed, onWait, onBack, onSignOut }: { unsent: number; typed: number; onWait(): void; onBack(): void; onSignOut(): void }) {
  const changes = unsent === 1 ? '1 change is' : `${unsent} changes are`;
  const them = unsent === 1 ? 'it' : 'them';
  return (
    <div class="card notice" role="alertdialog" aria-labelledby="unsent-title">
      {unsent > 0 ? (
        <>
          <h2 id="unsent-title">{changes} not sent yet</h2>
          <p>
            If you sign out now, {them} will be lost from this device{typed > 0 ? ', and so will words you typed and did not save' : ''}. Wait for signal to send {them} first?
          </p>
        </>
      ) : (
        <>
          <h2 id="unsent-title">Some words you typed are not saved</h2>
          <p>If you sign out now, they will be lost from this device. Go back and save them first?</p>
        </>
      )}
      <div class="row row--equal">
        {unsent > 0 ? <button type="button" onClick={onWait}>Wait and send</button> : <button type="button" onClick={onBack}>Go back to them</button>}
        <button type="button" onClick={onSignOut}>Sign out anyway</button>
      </div>
    </div>
  );
}

/** Nothing can be kept on this device, so nothing typed here would be safe: say why, and what to do. */
function NoStorage() {
  return (
    <>
      <QuickExit />
      <main id="main">
        <section class="narrow stack">
          <h1>Tandem can't open in this window</h1>
          <p>This browser isn't letting Tandem keep anything on this device, so it can't keep your words safe. This happens in a private or incognito window, or when website storage is turned off.</p>
          <p>Open Tandem in a normal browser window, or turn website storage back on in your browser's settings. Then open it again.</p>
          <button type="button" onClick={() => window.location.reload()}>Open it again</button>
        </section>
      </main>
    </>
  );
}
