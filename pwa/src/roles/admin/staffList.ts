// A list of staff an admin pastes (from a spreadsheet, or typed a line each) read into the rows
// `POST /api/admin/people/several` takes, each checked as the server will check it, so most
// problems show beside their line before anything is sent.

export type StaffRole = 'key_worker' | 'drop_in_staff' | 'admin';

export interface ListedStaff {
  /** Where it is in what the admin pasted (1 is the first line), so a problem points at it. */
  line: number;
  display_name: string;
  role: StaffRole | null;
  /** The name they sign in with: as given, or made from their name. */
  name: string;
  problems: string[];
}

/** The most the server adds in one go (`SEVERAL_STAFF_MOST`). */
export const MOST_AT_ONCE = 50;

// Role words as people write them, with spaces, hyphens and capitals taken out.
const ROLES: Record<string, StaffRole> = {
  keyworker: 'key_worker',
  worker: 'key_worker',
  dropin: 'drop_in_staff',
  dropinstaff: 'drop_in_staff',
  dropinworker: 'drop_in_staff',
  admin: 'admin',
  administrator: 'admin',
};

// As the server's `check_name`: letters, numbers, marks, and space - _ . ' ’.
const SIGN_IN_NAME = /^[\p{L}\p{N}\p{M} _.'’-]{2,40}$/u;

/** A sign-in name made from someone's name: "Siobhán O'Neill" signs in as "siobhán.o'neill". */
export function signInNameFor(displayName: string): string {
  const words = displayName
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_'’-]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
  return words.join('.').slice(0, 40);
}

/** Reads each line as name, role (key worker if left out), then sign-in name (made from the name
 *  if left out), separated by tabs (a spreadsheet's cells) or commas. Blank lines and a
 *  spreadsheet's heading row are passed over. */
export function readStaffList(text: string): ListedStaff[] {
  const rows: ListedStaff[] = [];
  const taken = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim()) return;
    const fields = (raw.includes('\t') ? raw.split('\t') : raw.split(',')).map((f) => f.trim());
    const [display_name = '', roleWords = '', given = ''] = fields;
    if (rows.length === 0 && /^role$/i.test(roleWords)) return;
    const problems: string[] = [];
    if (!display_name) problems.push('Give their name first.');
    else if ([...display_name].length > 60) problems.push('Their name can be at most 60 characters.');
    const role = roleWords ? (ROLES[roleWords.toLowerCase().replace(/[^a-z]/g, '')] ?? null) : 'key_worker';
    if (!role) problems.push(`"${roleWords}" is not a role here: write key worker, drop-in staff or admin.`);
    if (fields.length > 3 && fields.slice(3).some(Boolean)) problems.push('There is more on this line than a name, a role and a sign-in name.');
    let name = given ? given.normalize('NFC') : signInNameFor(display_name);
    if (given) {
      if (!SIGN_IN_NAME.test(name)) problems.push('A sign-in name needs 2 to 40 letters or numbers (spaces and - _ . \' can go in it too).');
      else if (taken.has(name.toLowerCase())) problems.push('Another line has this sign-in name.');
    } else if (display_name) {
      // Two people with the same name: the second signs in as name2, the third as name3.
      const made = name.length >= 2 ? name : `${name}.staff`;
      name = made;
      for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${made.slice(0, 40 - String(n).length)}${n}`;
    }
    taken.add(name.toLowerCase());
    rows.push({ line: i + 1, display_name, role, name, problems });
  });
  return rows;
}

/** The server's refusal of a list ("nobody was added. Line 2 (Jo): …; Line 5 (Sam): …"), as
 *  problems by position in the list sent (0 is the first). */
export function problemsByPosition(message: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const m of message.matchAll(/Line (\d+) \(.*?\): (.*?)(?=; Line \d+ \(|$)/g)) {
    found.set(Number(m[1]) - 1, m[2]);
  }
  return found;
}
