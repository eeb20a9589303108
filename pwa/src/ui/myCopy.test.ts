import { describe, expect, it } from 'vitest';
import type { Item } from '../sync/local';
import { myCopy, SEEN_NEEDS_SIGNAL } from './myCopy';

const ME = '018f0000-0000-7000-8000-000000000001';
const SAM = '018f0000-0000-7000-8000-000000000002';
const author = (person: string) => ({ person, role: person === ME ? 'young_person' : 'key_worker', device: 'a-device-id' }) as const;

function item(kind: Item['kind'], values: Item['values'], writers: Item['writers'] = {}): Item {
  return { id: `${kind}-1`, kind, owner: ME, createdBy: author(ME), values, writers, conflicts: [], unsent: false, suggestion: false, deleted: false, visibility: (values.visibility ?? 'private') as Item['visibility'], changedAt: 1, changedBy: {} };
}

describe('myCopy', () => {
  const copy = myCopy(
    [
      item('strength', { text: 'I keep going', noticed_by: 'my_worker', visibility: 'worker' }, { text: author(SAM) }),
      item('goal', { title: 'Get my own place', why: 'A key of my own', status: 'paused', steps: [{ text: 'Ring the office', done: true }], ratings: [{ date: '2026-11-30', score: 6 }] }, { title: author(ME) }),
      item('statement', { text: 'Text before you call', meeting: 'Review', visibility: 'team' }),
    ],
    { [SAM]: 'Sam' },
    [{ id: 'a1', young_person: ME, young_person_name: 'Ash', raised_at: Date.parse('2026-11-29T22:00:00Z'), received_at: 0, seen_by_name: 'Sam', seen_at: Date.parse('2026-11-29T22:05:00Z') }],
    [{ who_name: 'Sam', role: 'key_worker', action: 'read', records: 3, at: Date.parse('2026-11-30T09:00:00Z') }],
    new Date('2026-12-01T10:00:00Z'),
  );

  it('holds every field a young person chose, in words', () => {
    expect(copy.exported).toBe('2026-12-01T10:00:00.000Z');
    expect(copy.strengths).toEqual([{ text: 'I keep going', who_noticed: 'My worker noticed it', who_can_see: 'Me and my worker', written_by: 'Sam' }]);
    expect(copy.goals).toEqual([
      { title: 'Get my own place', why: 'A key of my own', where_i_am: 'Taking a break', steps: [{ text: 'Ring the office', done: true }], ratings: [{ date: '2026-11-30', score: 6 }], who_can_see: 'Just me', written_by: 'Me' },
    ]);
    expect(copy.statements).toEqual([{ text: 'Text before you call', meeting: 'Review', who_can_see: 'Me, my worker and drop-in staff', written_by: 'Me' }]);
    expect(copy.times_i_said_i_did_not_feel_safe).toEqual([{ when: '2026-11-29T22:00:00.000Z', seen_by: 'Sam', seen: '2026-11-29T22:05:00.000Z' }]);
    expect(copy.who_has_seen).toEqual([{ who: 'Sam', did: 'looked at', how_many_things: 3, when: '2026-11-30T09:00:00.000Z' }]);
  });

  it('says so when the log of who has seen them could not be fetched', () => {
    expect(myCopy([], {}, [], null, new Date()).who_has_seen).toBe(SEEN_NEEDS_SIGNAL);
  });

  it("carries none of the app's internals (device ids, clocks, record ids)", () => {
    const text = JSON.stringify(copy);
    for (const inner of ['a-device-id', 'hlc', 'strength-1', ME]) expect(text).not.toContain(inner);
  });
});
