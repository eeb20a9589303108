// A key worker invites a young person they will support: a one-time code, shown large once, on
// a card to print or show as a QR code. The card names nobody and no organisation, so a card
// found in a pocket gives nothing away. Those who haven't joined yet are listed: a new code for a
// lost card or one that ran out (the old one stops working), or the invite cancelled.
import { useContext, useEffect, useState } from 'preact/hooks';
import { Ctx } from '../context';
import { problemWords } from '../ui/useSubmit';

interface Created {
  young_person: string;
  code: string;
  expires_at: number;
}
interface Open {
  young_person: string;
  display_name: string;
  expires_at: number;
}

const day = (ms: number) => new Date(ms).toLocaleDateString(undefined, { day: 'numeric', month: 'long' });

export function Invite() {
  const ctx = useContext(Ctx);
  const [name, setName] = useState('');
  const [made, setMade] = useState<Created | null>(null);
  const [open, setOpen] = useState<Open[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = () => ctx.api<Open[]>('GET', '/api/invites').then(setOpen, () => setOpen(null));
  useEffect(() => void load(), []);

  const say = (e: unknown) => setProblem(problemWords(e, 'This needs signal. Try again when you are online.'));

  const make = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      setMade(await ctx.api<Created>('POST', '/api/invites', { display_name: name.trim() }));
      setName('');
      void load();
    } catch (err) {
      say(err);
    } finally {
      setBusy(false);
    }
  };

  const cancel = async (id: string) => {
    try {
      await ctx.api('POST', `/api/invites/${id}/cancel`);
      if (made?.young_person === id) setMade(null);
      void load();
    } catch (err) {
      say(err);
    }
  };

  const renew = async (id: string) => {
    setProblem(null);
    try {
      setMade(await ctx.api<Created>('POST', `/api/invites/${id}/new-code`));
      void load();
    } catch (err) {
      say(err);
    }
  };

  return (
    <section>
      <h1>Invite a young person</h1>
      {made ? (
        <InviteCard invite={made} onDone={() => setMade(null)} />
      ) : (
        <form class="stack narrow" onSubmit={make}>
          <p>You get a code to give them. When they join with it, they are in your list of young people you support.</p>
          <label for="invite-name">What you call them (only you and your team see this; it is not on the card)</label>
          <input dir="auto" id="invite-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={60} autocomplete="off" />
          {problem && <p class="problem" role="alert">{problem}</p>}
          <button type="submit" disabled={busy}>Make a code</button>
        </form>
      )}
      <h2>Waiting to join</h2>
      {open === null ? (
        <p>This needs signal.</p>
      ) : open.length === 0 ? (
        <p>Nobody.</p>
      ) : (
        <ul class="cards">
          {open.map((i) => (
            <li class="card" key={i.young_person}>
              <h3>{i.display_name}</h3>
              <p>{i.expires_at > Date.now() ? `Their code works until ${day(i.expires_at)}.` : 'Their code has run out. Make a new one to give them.'}</p>
              <div class="row">
                <button type="button" onClick={() => void renew(i.young_person)}>Make a new code <span class="visually-hidden">for {i.display_name}</span></button>
                <button type="button" class="link-button" onClick={() => void cancel(i.young_person)}>Cancel the invite <span class="visually-hidden">for {i.display_name}</span></button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {open && open.length > 0 && <p>A new code stops their earlier code working, so a lost card can't be used. Cancelling takes them off your list, with anything suggested for them.</p>}
    </section>
  );
}

function InviteCard({ invite, onDone }: { invite: Created; onDone: () => void }) {
  const [qr, setQr] = useState<string | null>(null);
  const link = `${window.location.origin}/#/join/${encodeURIComponent(invite.code)}`;
  // Made from further down the list: the card is where the eye goes next.
  useEffect(() => document.getElementById('invite-card')?.scrollIntoView({ block: 'start' }), [invite.code]);
  useEffect(() => {
    // Loaded only here, so the app's first load stays small.
    void import('uqr').then(({ renderSVG }) => setQr(renderSVG(link, { border: 2 })));
  }, [link]);
  return (
    <div class="invite-card" id="invite-card">
      <p class="no-print">Show or give this to them now. It is shown only once, works once, and stops working on {day(invite.expires_at)}.</p>
      <div class="card invite-card__print">
        <p>Your code for Tandem</p>
        <p class="invite-card__code" data-testid="invite-code">
          {/* Groups that never split: with large text the code goes on two lines between them. */}
          {invite.code.split('-').map((group, i, all) => <span key={i}>{i < all.length - 1 ? `${group}-` : group}</span>)}
        </p>
        {qr && <div class="invite-card__qr" role="img" aria-label="QR code that opens the app with this code" dangerouslySetInnerHTML={{ __html: qr }} />}
        <p>Open {window.location.host}, choose "I have a code", or scan the square.</p>
      </div>
      <div class="row no-print">
        <button type="button" onClick={() => window.print()}>Print the card</button>
        <button type="button" onClick={onDone}>Done</button>
      </div>
    </div>
  );
}
