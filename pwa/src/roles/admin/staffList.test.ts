import { describe, expect, it } from 'vitest';
import { problemsByPosition, readStaffList, signInNameFor } from './staffList';

describe('a list of staff an admin pastes', () => {
  it('reads a spreadsheet’s cells, passing over its heading row and blank lines', () => {
    const rows = readStaffList('Name\tRole\tSign-in name\nRowan Ellis\tKey worker\t\n\nJo Byrne\tDrop-in staff\tjo\r\nDee Okafor\tAdministrator\tdee.o\n');
    expect(rows).toEqual([
      { line: 2, display_name: 'Rowan Ellis', role: 'key_worker', name: 'rowan.ellis', problems: [] },
      { line: 4, display_name: 'Jo Byrne', role: 'drop_in_staff', name: 'jo', problems: [] },
      { line: 5, display_name: 'Dee Okafor', role: 'admin', name: 'dee.o', problems: [] },
    ]);
  });

  it('reads typed lines with commas, a key worker when no role is given', () => {
    expect(readStaffList('Sam Jones\nPriya Shah, drop in, priya')).toEqual([
      { line: 1, display_name: 'Sam Jones', role: 'key_worker', name: 'sam.jones', problems: [] },
      { line: 2, display_name: 'Priya Shah', role: 'drop_in_staff', name: 'priya', problems: [] },
    ]);
  });

  it('gives two people of the same name different sign-in names', () => {
    const names = readStaffList('Sam Jones\nSam Jones\nSam  jones, key worker').map((r) => r.name);
    expect(names).toEqual(['sam.jones', 'sam.jones2', 'sam.jones3']);
  });

  it('makes a sign-in name the server takes from any name', () => {
    expect(signInNameFor("  Siobhán O'Neill ")).toBe("siobhán.o'neill");
    expect(signInNameFor('Dr. A. (Temp) Kaur!')).toBe('dr.a.temp.kaur');
    expect(signInNameFor('x'.repeat(60))).toHaveLength(40);
    expect(readStaffList('X')[0].name).toBe('x.staff');
  });

  it('says what is wrong on each line it can check before sending', () => {
    const rows = readStaffList(['Rowan, manager', ', key worker', 'Jo, admin, j', 'Ana, admin, ana', 'Ana B, admin, ANA', `${'n'.repeat(61)}`, 'Kim, admin, kim, extra'].join('\n'));
    expect(rows.map((r) => r.problems)).toEqual([
      ['"manager" is not a role here: write key worker, drop-in staff or admin.'],
      ['Give their name first.'],
      ["A sign-in name needs 2 to 40 letters or numbers (spaces and - _ . ' can go in it too)."],
      [],
      ['Another line has this sign-in name.'],
      ['Their name can be at most 60 characters.'],
      ['There is more on this line than a name, a role and a sign-in name.'],
    ]);
  });
});

describe('the server’s refusal of a list', () => {
  it('is read back into a problem for each line it names', () => {
    const said =
      "Nobody was added. Line 2 (Jo (temp)): young people join with an invite code; create an invite instead; Line 5 (Sam): that sign-in name is taken, and its password: choose something between 10 and 200 characters long.";
    const found = problemsByPosition(said);
    expect([...found.keys()]).toEqual([1, 4]);
    expect(found.get(1)).toBe('young people join with an invite code; create an invite instead');
    expect(found.get(4)).toBe('that sign-in name is taken, and its password: choose something between 10 and 200 characters long.');
    expect(problemsByPosition('That did not work.').size).toBe(0);
  });
});
