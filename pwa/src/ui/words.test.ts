import { describe, expect, it } from 'vitest';
import type { FieldValue } from '../generated/tandem';
import { alertWhen, byName, hoursWords, isolate, nameHas, outOfHours, fieldName, localDate, ratingDay, ratingDayName, seenDays, sharedWords, stopAfter, valueWords, whoCanSee } from './words';

describe('who can see', () => {
  it('names the key workers who will see a shared item', () => {
    expect(whoCanSee('worker', ['Sam'])).toBe('You and Sam');
    expect(whoCanSee('team', ['Sam', 'Priya'])).toBe('You, Sam, Priya and the drop-in team');
  });

  it('never promises a worker who is not there', () => {
    expect(whoCanSee('worker', [])).toMatch(/^Only you for now/);
    expect(whoCanSee('team', [])).toMatch(/^You and the drop-in team/);
    for (const v of ['private', 'worker', 'team'] as const) expect(whoCanSee(v, [])).not.toMatch(/your worker/);
  });

  it('keeps a name in a right-to-left script in its own place in the sentence', () => {
    // Two Arabic names in an English list: without isolation the comma between them joins
    // them into one right-to-left run, shown in the opposite order to the sentence's.
    expect(whoCanSee('team', ['سارة', 'أحمد'])).toBe('You, \u2068سارة\u2069, \u2068أحمد\u2069 and the drop-in team');
    expect(whoCanSee('worker', ['Sam', 'דנה'])).toBe('You and Sam and \u2068דנה\u2069');
  });
});

describe('finding someone by name', () => {
  it('ignores capitals and accents on both sides', () => {
    expect(nameHas('Zoë', 'zoe')).toBe(true);
    expect(nameHas('Émile Dubois', ' EMILE ')).toBe(true);
    expect(nameHas('Zoe', 'Zoë')).toBe(true);
    expect(nameHas('Zoe\u0308', 'zoë')).toBe(true); // the accent typed as a separate mark
    expect(nameHas('سارة', 'سارة')).toBe(true);
    expect(nameHas('Sam', 'Priya')).toBe(false);
    expect(nameHas('Sam', '')).toBe(true);
  });
});

describe('words set inside a sentence', () => {
  it('are isolated only when they hold right-to-left letters', () => {
    expect(isolate('Sam')).toBe('Sam');
    expect(isolate('Zoë 2')).toBe('Zoë 2');
    expect(isolate('ሰላም')).toBe('ሰላም'); // Ethiopic is written left to right
    expect(isolate('سارة')).toBe('\u2068سارة\u2069');
    expect(isolate('Room ב')).toBe('\u2068Room ב\u2069');
  });
});

describe('the date of a rating', () => {
  it('is the date on the phone, written as the server stores it', () => {
    expect(localDate(new Date(2026, 0, 5, 0, 30))).toBe('2026-01-05');
    expect(localDate(new Date(2026, 11, 31, 23, 59))).toBe('2026-12-31');
  });
});

describe('who has seen my things', () => {
  const now = new Date(2026, 10, 30, 15, 0);
  const at = (day: number, hour: number) => new Date(2026, 10, day, hour).getTime();
  const entry = (who_name: string, action: 'read' | 'change' | 'copy', records: number, when: number, role = 'key_worker') => ({ who_name, role, action, records, at: when });

  it('says once a day what each person did, however many devices fetched it', () => {
    const days = seenDays(
      [
        entry('Sam', 'read', 1, at(30, 14)),
        entry('Sam', 'read', 3, at(30, 11)),
        entry('Sam', 'change', 1, at(30, 10)),
        entry('Desk', 'read', 2, at(30, 9), 'drop_in_staff'),
        entry('Sam', 'read', 2, at(29, 18)),
        entry('Priya', 'read', 1, at(27, 12)),
        entry('Priya', 'read', 1, at(27, 11)),
        entry('Priya', 'read', 1, at(27, 10)),
      ],
      now,
    );
    expect(days.map((d) => d.day)).toEqual(['Today', 'Yesterday', new Date(2026, 10, 27).toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long' })]);
    expect(days[0].lines).toEqual(['Sam looked at your things twice', 'Sam changed 1 of your things', 'Desk (drop-in staff) looked at 2 of your things']);
    expect(days[1].lines).toEqual(['Sam looked at 2 of your things']);
    expect(days[2].lines).toEqual(['Priya looked at your things 3 times']);
  });

  it('says when the service made a copy of everything, for a request to see it', () => {
    const [day] = seenDays([entry('Sam', 'read', 1, at(30, 14)), entry('the service', 'copy', 12, at(30, 10), 'service')], now);
    expect(day.lines).toEqual(['Sam looked at 1 of your things', 'The service made a copy of everything of yours, for a request to see what it holds about you']);
    const [twice] = seenDays([entry('the service', 'copy', 3, at(30, 9), 'service'), entry('the service', 'copy', 3, at(30, 8), 'service')], now);
    expect(twice.lines).toEqual(['The service made a copy of everything of yours twice, for a request to see what it holds about you']);
  });

  it('names the year only when it is not this one', () => {
    const [day] = seenDays([entry('Sam', 'read', 1, new Date(2025, 2, 4).getTime())], now);
    expect(day.day).toMatch(/2025/);
    expect(seenDays([], now)).toEqual([]);
  });
});

describe('a kept version in words', () => {
  it('reads lists and choices as words, never as code', () => {
    expect(valueWords({ field: 'steps', value: [{ text: 'Call the college', done: true }, { text: 'Get the form', done: false }] })).toBe('Call the college (done); Get the form');
    expect(valueWords({ field: 'ratings', value: [{ date: '2026-11-01', score: 3 }, { date: '2026-11-02', score: 6 }] })).toMatch(
      /^6 out of 10 on Monday,? (2 November|November 2), from 3 on Sunday,? (1 November|November 1)$/,
    );
    // Where it started is the earliest day, whatever order the list is in; one rating is just that.
    expect(valueWords({ field: 'ratings', value: [{ date: '2026-11-02', score: 6 }, { date: '2026-10-30', score: 2 }, { date: '2026-11-01', score: 3 }] })).toMatch(
      /^6 out of 10 on .*, from 2 on Friday,? (30 October|October 30)$/,
    );
    expect(valueWords({ field: 'ratings', value: [{ date: '2026-11-02', score: 6 }] })).toMatch(/^6 out of 10 on Monday,? (2 November|November 2)$/);
    expect(valueWords({ field: 'status', value: 'let_go' })).toBe('let it go');
    expect(valueWords({ field: 'title', value: 'Get a job' })).toBe('Get a job');
    expect(valueWords({ field: 'meeting', value: null })).toBe('no meeting');
    expect(fieldName('steps')).toBe('the small steps');
    const odd: FieldValue[] = [{ field: 'steps', value: [] }, { field: 'ratings', value: [] }, { field: 'deleted', value: true }];
    for (const v of odd) {
      expect(valueWords(v)).not.toMatch(/object|undefined|true|false/);
    }
  });
});

describe('ratingDayName', () => {
  it('names a day on its own, as a label', () => {
    const now = new Date(2026, 10, 30, 12);
    expect(ratingDayName('2026-11-29', now)).toBe('Yesterday');
    expect(ratingDayName('2026-11-27', now)).toBe(new Date(2026, 10, 27).toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long' }));
    expect(ratingDayName('not a date', now)).toBe('not a date');
  });
});

describe('ratingDay', () => {
  it('says a rating day as a person would', () => {
    const now = new Date(2026, 10, 30, 12);
    expect(ratingDay('2026-11-30', now)).toBe('today');
    expect(ratingDay('2026-11-29', now)).toBe('yesterday');
    expect(ratingDay('2026-11-28', now)).toMatch(/^on Saturday,? (28 November|November 28)$/);
    expect(ratingDay('not a day', now)).toBe('on not a day');
  });
});

describe('when an alert was pressed', () => {
  const now = new Date(2026, 11, 2, 9, 30);
  const at = (day: number, h: number, m: number) => new Date(2026, 11, day, h, m).getTime();

  it('says the day as well as the time, so an old alert is not taken for a new one', () => {
    expect(alertWhen(at(2, 9, 5), at(2, 9, 5), now)).toMatch(/^today at 9:05/);
    expect(alertWhen(at(1, 23, 50), at(1, 23, 51), now)).toMatch(/^yesterday at 11:50/);
    expect(alertWhen(at(29, 10, 15), at(29, 10, 15), new Date(2026, 11, 29, 12))).toMatch(/^today at 10:15/);
    expect(alertWhen(new Date(2026, 10, 30, 10, 15).getTime(), new Date(2026, 10, 30, 10, 16).getTime(), now)).toMatch(/^on Monday\b.*\b30\b.* at 10:15/);
  });

  it('says when it reached Tandem too, if that was much later (pressed with no signal)', () => {
    expect(alertWhen(at(1, 23, 50), at(2, 9, 2), now)).toMatch(/^pressed yesterday at 11:50.*; it reached Tandem today at 9:02/);
    expect(alertWhen(at(2, 9, 0), at(2, 9, 14), now)).not.toMatch(/reached/);
  });
});

describe("a service's working hours", () => {
  const weekdays = { days: [1, 2, 3, 4, 5], start_minute: 540, end_minute: 1020, time_zone: 'Europe/London' };

  it('are said as people say them', () => {
    expect(hoursWords(weekdays)).toBe('Monday to Friday, 9am to 5pm');
    expect(hoursWords({ ...weekdays, days: [1, 3, 5], start_minute: 570, end_minute: 1230 })).toBe('Monday, Wednesday and Friday, 9:30am to 8:30pm');
    expect(hoursWords({ ...weekdays, days: [6, 7, 1, 2, 3, 4, 5], start_minute: 0, end_minute: 1440 })).toBe('every day, midnight to midnight');
    expect(hoursWords({ ...weekdays, days: [1, 2, 3, 6], start_minute: 720, end_minute: 780 })).toBe('Monday to Wednesday and Saturday, midday to 1pm');
  });

  it("are told in the service's time zone, wherever the phone is set", () => {
    // Wednesday 2 December 2026: 09:30 in London is 09:30 UTC (no summer time).
    expect(outOfHours(weekdays, new Date(Date.UTC(2026, 11, 2, 9, 30)))).toBe(false);
    expect(outOfHours(weekdays, new Date(Date.UTC(2026, 11, 2, 8, 59)))).toBe(true);
    expect(outOfHours(weekdays, new Date(Date.UTC(2026, 11, 2, 17, 0)))).toBe(true);
    // Saturday.
    expect(outOfHours(weekdays, new Date(Date.UTC(2026, 11, 5, 12, 0)))).toBe(true);
    // 09:30 UTC is 20:30 in Sydney: outside there.
    expect(outOfHours({ ...weekdays, time_zone: 'Australia/Sydney' }, new Date(Date.UTC(2026, 11, 2, 9, 30)))).toBe(true);
    // A time zone the phone doesn't know: it can't tell, and says nothing.
    expect(outOfHours({ ...weekdays, time_zone: 'Nowhere/Atall' }, new Date())).toBe(null);
  });
});

describe('people in order of their names', () => {
  it('ignores capitals and accents, and counts numbers as numbers', () => {
    const people = ['New starter', 'ash', 'Zoë', 'Émile', 'kai', 'Room 10', 'Room 9'].map((display_name) => ({ display_name }));
    expect(people.sort(byName).map((p) => p.display_name)).toEqual(['ash', 'Émile', 'kai', 'New starter', 'Room 9', 'Room 10', 'Zoë']);
  });
});

describe('the full stop after quoted words', () => {
  it('is left out when their words end a sentence already', () => {
    for (const words of ['Friends rely on them.', 'Can we meet?', 'No!', 'I wanted to…', 'She said "no."', 'Fine (really.)  ']) expect(stopAfter(words)).toBe('');
  });

  it('is added after words that do not', () => {
    for (const words of ['Friends rely on them', 'working on it', '7 out of 10 today', 'A list: one; two']) expect(stopAfter(words)).toBe('.');
  });
});

describe("a caseload card's count of shared things", () => {
  it('says a count is only what has come so far until the last pull page is in, and never "0" before anything has', () => {
    expect(sharedWords(0, 'you', false)).toBe('Checking what they have shared…');
    expect(sharedWords(500, 'you', false)).toBe('500 things shared with you so far');
    expect(sharedWords(1, 'the team', true)).toBe('1 thing shared with the team');
    expect(sharedWords(0, 'you', true)).toBe('0 things shared with you');
  });
});
