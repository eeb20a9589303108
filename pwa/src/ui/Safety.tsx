// "I don't feel safe right now". First it says honestly what will happen and who will be told;
// only if the young person goes on are their key workers alerted (and, if the service asks, its
// duty worker when none of them has seen it in time). Helplines that answer now sit beside it.
import { useContext, useEffect, useState } from 'preact/hooks';
import { Ctx, type SupportLine } from '../context';
import { alertWhen, hoursWords, isolate, minutes, names, outOfHours } from './words';

export function SafetyButton() {
  const ctx = useContext(Ctx);
  const [open, setOpen] = useState(false);
  const [failed, setFailed] = useState(false);
  const tell = async () => {
    const done = await ctx.raiseAlert();
    setFailed(!done);
    if (done) setOpen(false);
  };
  const workers = names(ctx.alertsGoTo.map((w) => w.display_name));
  const latest = ctx.alerts[0];
  const waiting = ctx.pendingAlerts.length > 0;
  const escalate = ctx.alertsEscalate;
  const hours = ctx.workingHours;
  return (
    <div class="safety">
      <button type="button" class="safety__button" aria-expanded={open} onClick={() => { setOpen(!open); setFailed(false); }}>
        I don't feel safe right now
      </button>
      {open && ctx.alertsGoTo.length === 0 && (
        <div class="card safety__panel" role="region" aria-label="I don't feel safe right now">
          <InDanger />
          <p>You don't have a key worker in Tandem right now, so Tandem can't tell anyone for you. Please tell a member of staff you trust.</p>
          <TalkNow lines={ctx.supportLines} />
          <button type="button" onClick={() => setOpen(false)}>Close</button>
        </div>
      )}
      {open && ctx.alertsGoTo.length > 0 && (
        <div class="card safety__panel" role="region" aria-label="I don't feel safe right now">
          <InDanger />
          <p>If you carry on, Tandem will tell {workers} straight away that you don't feel safe right now. They will see it when they next look at Tandem. It does not call anyone for you.</p>
          {hours && outOfHours(hours) && (
            <p id="out-of-hours">
              It's outside working hours at your service ({hoursWords(hours)}), so {workers} may not see it until then.
              {ctx.supportLines.length > 0 ? ' The people below answer now.' : ''}
            </p>
          )}
          {escalate && <p>If {workers} {ctx.alertsGoTo.length > 1 ? "haven't" : "hasn't"} seen it within {minutes(escalate.after_minutes)}, Tandem tells <bdi>{escalate.to.display_name}</bdi> (the duty worker) too.</p>}
          <p>Nothing else you wrote is shared by this.</p>
          {failed && (
            <p class="problem" role="alert">
              Tandem could not send this, and this phone has no space to keep it until it can. If you are in danger now, call 999. Please tell a member of staff you trust, or try again.
            </p>
          )}
          <div class="row row--equal">
            <button type="button" onClick={tell}>{failed ? 'Try again' : `Yes, tell ${workers}`}</button>
            <button type="button" onClick={() => setOpen(false)}>Not now</button>
          </div>
          <TalkNow lines={ctx.supportLines} />
        </div>
      )}
      {waiting && <p class="safety__status" role="status">Saved on this phone. It will be sent to {workers} as soon as there is signal.</p>}
      {!waiting && latest && (
        <p class="safety__status" role="status">
          {latest.seen_by_name
            ? `${isolate(latest.seen_by_name)} has seen that you don't feel safe.`
            : latest.escalated_at
              ? `Sent to ${workers}. Nobody had seen it yet, so ${escalate ? isolate(escalate.to.display_name) : 'the duty worker'} has been told too.`
              : `Sent to ${workers}. Waiting for them to see it.`}
        </p>
      )}
      {/* While nobody has seen it yet, someone who answers now is one tap away. */}
      {!open && (waiting || (latest && !latest.seen_by_name)) && <TalkNow lines={ctx.supportLines} />}
    </div>
  );
}

/** 999 one tap away: the phone's dialler opens with it, and the call is still theirs to make. */
function InDanger() {
  return <p><strong>If you are in danger now, <a href="tel:999">call 999</a>.</strong></p>;
}

/** The helplines the service names: a tap calls or texts them, with or without Tandem's signal. */
function TalkNow({ lines }: { lines: SupportLine[] }) {
  if (lines.length === 0) return null;
  return (
    <div class="talk-now">
      <p><strong>To talk to someone now:</strong></p>
      <ul>
        {lines.map((l) => {
          const dial = l.number.replace(/\s/g, '');
          // Kept on one line where it fits (split over two, a number is easily misread); a long
          // one still breaks rather than run off a small screen with large text.
          const said = l.number.trim().replace(/\s+/g, '\u00a0');
          return (
            <li key={`${l.name}${dial}`}>
              <a href={`${l.reach === 'text' ? 'sms' : 'tel'}:${dial}`}>{l.reach === 'text' ? 'Text' : 'Call'} {l.name}: {said}</a>
              {l.note && <span class="hint">{l.note}</span>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** A worker's view of alerts from young people they support; on every worker screen. */
export function AlertBanner() {
  const ctx = useContext(Ctx);
  const open = ctx.alerts.filter((a) => !a.seen_at);
  useAlertTitle(open.length);
  if (open.length === 0) return null;
  return (
    <div class="card alert" role="alert">
      {open.map((a) => (
        <div key={a.id} class="row">
          <p>
            <strong>{a.young_person_name} said they don't feel safe right now</strong> ({alertWhen(a.raised_at, a.received_at)}).
            {a.escalated_at ? ' Nobody had seen it in time, so the duty worker was told too.' : ''}
          </p>
          <button type="button" onClick={() => ctx.markAlertSeen(a.id)}>I've seen this</button>
        </div>
      ))}
    </div>
  );
}

/** Open alerts said in the tab's title too, so a worker with Tandem in a background tab (or
 *  locked) sees them there. */
export function useAlertTitle(open: number) {
  useEffect(() => {
    document.title = open === 0 ? 'Tandem' : `(${open}) Someone doesn't feel safe: Tandem`;
  }, [open]);
  useEffect(() => () => void (document.title = 'Tandem'), []);
}
