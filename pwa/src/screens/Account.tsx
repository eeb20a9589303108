// Your account: every device signed in as you, with a way to sign one out (a phone someone else
// has, the drop-in's tablet left signed in), your name, and choosing a new PIN or password. What a signed-out
// device holds stays hidden behind signing in again there.
import { useContext, useEffect, useState } from 'preact/hooks';
import { Ctx, type DeviceSignIn } from '../context';
import { problemWords, useSubmit } from '../ui/useSubmit';
import { guessableReason } from '../ui/guessable';
import { NewSecretForm, SECRET_MIN } from './ChangePassword';
import { deviceName, onDay } from '../ui/words';
import { isKept, keepsWords } from '../sync/persist';
import { lazyScreens } from '../ui/lazy';

/** Staff only: fetched when a staff member opens their account, not in a young person's first load. */
const TwoStep = lazyScreens<import('./TwoStep').TwoStepProps>(() => import('./TwoStep').then((m) => m.TwoStep));
/** Staff only, the same way: signing in with the organisation's account. */
const OrgSignIn = lazyScreens<object>(() => import('./OrgSignIn').then((m) => m.OrgSignIn));
/** Key workers only, the same way. */
const Notifications = lazyScreens<object>(() => import('./Notifications').then((m) => m.Notifications));

const when = (ms: number) => onDay(new Date(ms));

export function Account() {
  const ctx = useContext(Ctx);
  const young = ctx.session.role === 'young_person';
  const [list, setList] = useState<DeviceSignIn[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const load = () => {
    setProblem(null);
    ctx.api<DeviceSignIn[]>('GET', '/api/me/sessions').then(setList, (e) => setProblem(problemWords(e, 'This needs signal. Try again when you are online.')));
  };
  useEffect(load, []);
  // Signal came back while this was open: ask again rather than leave the problem showing.
  useEffect(() => {
    if (ctx.online && problem && !list) load();
  }, [ctx.online]);
  const others = list?.filter((s) => !s.this_device) ?? [];
  const signOut = async (which: DeviceSignIn[]) => {
    setDone(null);
    try {
      for (const s of which) await ctx.api('POST', `/api/me/sessions/${s.id}/end`);
      const where = which.length === 1 ? deviceName(which[0], true) : `${which.length} other devices`;
      setDone(`Signed out on ${where}. Nothing of yours shows there until someone signs in as you again.`);
    } catch (e) {
      setProblem(problemWords(e, 'Signing out there needs signal. Try again when you are online.'));
    }
    load();
  };
  return (
    <section>
      <h1>Your account</h1>
      {/* First: the caseload's "Set it up under Your account" leads here. */}
      {ctx.session.role === 'key_worker' && <Notifications />}
      <h2>Where you are signed in</h2>
      <p>
        Every {young ? 'phone, tablet or computer' : 'device'} signed in as you. If one isn't {young ? 'yours' : 'in your hands'} any more, or someone else
        might be using it, sign it out here. Nothing of yours shows there until someone signs in as you again; anything it
        hadn't sent yet waits there, hidden, and is sent if you do.
      </p>
      {problem && (
        <div class="row">
          <p>{problem}</p>
          <button type="button" onClick={load}>Try again</button>
        </div>
      )}
      <p role="status">{done}</p>
      {list && (
        <ul class="cards">
          {list.map((s) => (
            <li class="card" key={s.id}>
              <p class="card__text">{deviceName(s)}</p>
              <p class="card__meta">
                Signed in {when(s.started_at)}
                {s.last_seen_at ? `, last used ${when(s.last_seen_at)}` : ''}
              </p>
              {!s.this_device && (
                <button type="button" onClick={() => void signOut([s])}>
                  Sign out there<span class="visually-hidden"> ({deviceName(s)}, signed in {when(s.started_at)})</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {others.length > 1 && (
        <button type="button" onClick={() => void signOut(others)}>
          Sign out everywhere except here
        </button>
      )}
      {list && others.length === 0 && <p>Nowhere else: you are only signed in here.</p>}
      {keepsWords(ctx.session) && <Keeping device={young ? 'phone' : 'device'} />}
      {young && !ctx.session.sharedDevice && <PhoneLock />}
      <YourName young={young} />
      <NewSecret young={young} />
      {!young && <OrgSignIn />}
      {!young && <TwoStep />}
    </section>
  );
}

/** The name others see them by (a young person may come to be called something else), and, with
 *  their PIN or password, a new name to sign in with. */
function YourName({ young }: { young: boolean }) {
  const ctx = useContext(Ctx);
  const word = young ? 'PIN' : 'password';
  const [shown, setShown] = useState(ctx.session.displayName);
  const [signIn, setSignIn] = useState('');
  const [current, setCurrent] = useState('');
  const [changed, setChanged] = useState<string | null>(null);
  const { problem, busy, submit: run } = useSubmit('Changing your name needs signal. Try again when you are online.');
  const newSignIn = signIn.trim();
  const submit = (e: Event) => {
    e.preventDefault();
    setChanged(null);
    void run(async () => {
      await ctx.changeNames(newSignIn ? { display_name: shown, name: newSignIn, current } : { display_name: shown });
      setSignIn('');
      setCurrent('');
      setChanged(newSignIn ? `Saved. From now on, sign in as ${newSignIn}.` : 'Saved.');
    });
  };
  return (
    <form class="card card--form stack" onSubmit={submit} aria-labelledby="your-name-title">
      <h2 id="your-name-title">Your name</h2>
      <p>
        {young
          ? 'The name the people who support you see, and that Tandem calls you. It doesn’t have to be your real name. Change it whenever you like.'
          : 'The name young people and colleagues see.'}
      </p>
      <label for="name-shown">Your name in Tandem</label>
      <input id="name-shown" dir="auto" autocomplete="off" maxLength={60} value={shown} onInput={(e) => setShown(e.currentTarget.value)} required />
      <label for="name-sign-in">A new name to sign in with (leave it empty to keep yours)</label>
      <input
        id="name-sign-in"
        dir="auto"
        autocapitalize="none"
        autocorrect="off"
        spellcheck={false}
        autocomplete="username"
        maxLength={40}
        value={signIn}
        onInput={(e) => setSignIn(e.currentTarget.value)}
      />
      {newSignIn && (
        <>
          <label for="name-secret">Your {word}, to change the name you sign in with</label>
          <input id="name-secret" type="password" autocomplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} required />
        </>
      )}
      {problem && <p class="problem" role="alert">{problem}</p>}
      {changed && <p role="status">{changed}</p>}
      <button type="submit" disabled={busy}>Save my name</button>
    </form>
  );
}

/** A new PIN (young people) or password (staff), giving the one they have now. */
function NewSecret({ young }: { young: boolean }) {
  const ctx = useContext(Ctx);
  const word = young ? 'PIN' : 'password';
  return (
    <NewSecretForm
      word={word}
      currentLabel={`Your ${word} now`}
      submitLabel={`Save my new ${word}`}
      noSignal={`Changing your ${word} needs signal. Try again when you are online.`}
      onChange={ctx.changeSecret}
      labelledBy="new-secret-title"
      class="card card--form stack"
    >
      <h2 id="new-secret-title">Change your {word}</h2>
      <p>
        If you think someone knows your {word}, choose a new one (at least {SECRET_MIN[word]} characters), and sign out anywhere
        above that isn't you.
      </p>
    </NewSecretForm>
  );
}

/** Whether this device's browser has promised to keep what Tandem saves here (persist.ts): if
 *  not, what that means for words not sent yet, and what helps. */
function Keeping({ device }: { device: 'phone' | 'device' }) {
  const [kept, setKept] = useState<boolean | null>(null);
  useEffect(() => void isKept().then(setKept), []);
  if (kept === null) return null;
  return (
    <section class="card stack" aria-labelledby="keeping-title" id="keeping">
      <h2 id="keeping-title">What this {device} keeps</h2>
      {kept ? (
        <p>This {device} keeps what Tandem saves on it until you sign out.</p>
      ) : (
        <p>
          This {device}'s browser may clear what Tandem saves on it if the {device} runs short of space, or if Tandem isn't
          opened for a while. Anything not sent yet would go with it. Opening Tandem when you have signal sends what you
          wrote; adding Tandem to your home screen helps the {device} keep it.
        </p>
      )}
    </section>
  );
}

/** The shortest lock code: a PIN's length. */
const LOCK_MIN = 4;

/** A lock code for Tandem on this phone, for someone whose phone others may pick up. It stays
 *  on this phone (nothing is sent), and signing out removes it. */
function PhoneLock() {
  const ctx = useContext(Ctx);
  const [code, setCode] = useState('');
  const [again, setAgain] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const turnOn = async (e: Event) => {
    e.preventDefault();
    if (code.length < LOCK_MIN) return setProblem(`Choose at least ${LOCK_MIN} numbers or letters.`);
    const guessable = guessableReason(code);
    if (guessable) return setProblem(`Someone could guess that one: ${guessable}. Choose a different lock code.`);
    if (code !== again) return setProblem("The two codes aren't the same. Type it again in both.");
    setProblem(null);
    await ctx.phoneLock.turnOn(code);
    setCode('');
    setAgain('');
    setDone('Done. Tandem asks for this code when it opens, and after a minute away.');
  };
  const turnOff = async () => {
    await ctx.phoneLock.turnOff();
    setDone('Tandem no longer asks for a lock code on this phone.');
  };
  return (
    <section class="card stack" aria-labelledby="phone-lock-title">
      <h2 id="phone-lock-title">Lock Tandem on this phone</h2>
      {ctx.phoneLock.on ? (
        <>
          <p>Tandem asks for your lock code when it opens, and after a minute away. If you forget it, sign out from the lock screen and sign in with your name and PIN.</p>
          <button type="button" onClick={() => void turnOff()}>Stop asking for a lock code</button>
        </>
      ) : (
        <form class="stack" onSubmit={turnOn}>
          <p>If someone else might pick up your phone, Tandem can ask for a code when it opens and after a minute away. The code stays on this phone.</p>
          <label for="lock-code">Choose a lock code (at least {LOCK_MIN} numbers or letters)</label>
          <p class="hint" id="lock-code-hint">Not one someone could guess, like 1234, 1111 or a year, and not your PIN.</p>
          <input id="lock-code" type="password" autocomplete="new-password" aria-describedby="lock-code-hint" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          <label for="lock-again">Type it again</label>
          <input id="lock-again" type="password" autocomplete="new-password" value={again} onInput={(e) => setAgain(e.currentTarget.value)} />
          {problem && <p class="problem" role="alert">{problem}</p>}
          <button type="submit">Lock Tandem with this code</button>
        </form>
      )}
      <p role="status">{done}</p>
    </section>
  );
}
