import { describe, expect, it } from 'vitest';
import { numbersWords } from './Home';
import { type Person, status, unusedStaff } from './shared';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 5);
const person = (role: Person['role'], over: Partial<Person> = {}): Person => ({
  id: crypto.randomUUID(), role, display_name: 'X', joined: true, needs_new_secret: false, deactivated: false, two_step: false, sso_linked: false,
  alert_devices: 0, case_closed_at: null, erased_at: null, added_at: role === 'young_person' ? null : NOW - 400 * DAY, last_active_at: null, ...over,
});

describe('staff to review', () => {
  it('are staff who have not used Tandem for 90 days, or were added that long ago and never have', () => {
    const recent = person('key_worker', { last_active_at: NOW - 89 * DAY });
    const away = person('drop_in_staff', { last_active_at: NOW - 91 * DAY });
    const never = person('admin');
    const justAdded = person('key_worker', { added_at: NOW - DAY });
    const gone = person('key_worker', { deactivated: true });
    const youngPerson = person('young_person');
    expect(unusedStaff([recent, away, never, justAdded, gone, youngPerson], NOW)).toEqual([away, never]);
  });

  it('says when a staff member last used it', () => {
    expect(status(person('key_worker'))).toBe('Active, password only; has not signed in yet');
    expect(status(person('key_worker', { two_step: true, last_active_at: NOW }))).toMatch(/^Active, two-step sign-in on; last used Tandem \w/);
    expect(status(person('young_person'))).toBe('Active');
  });
});

describe('the service in numbers', () => {
  it('says who has joined and uses it, who is waiting and what is closed, in counts', () => {
    expect(numbersWords({ young_people: 42, young_people_active: 31, invited: 5, cases_closed: 1, staff: 12 })).toBe(
      '42 young people have joined (31 used Tandem in the last 30 days). 5 are invited and not joined yet. 1 case is closed. 12 staff members.',
    );
    expect(numbersWords({ young_people: 0, young_people_active: 0, invited: 1, cases_closed: 0, staff: 1 })).toBe(
      '0 young people have joined. 1 is invited and not joined yet. 1 staff member.',
    );
  });
});
