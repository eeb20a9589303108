// Pulls come in the packed form (`form=packed`): each person, device and write once a page, and
// records referring to them, about a fifth of the full form's size, so a phone on a weak signal
// has less to fetch and parse; in its lean variant (`form=lean`) each set of fields records still
// hold as they were made (visibility, not deleted, …) is sent once a page too, about two thirds
// of that again. A server from before them sends the compact form (`form=compact`):
// each record's fields and kept conflicts as arrays. This puts either back into the records the
// rest of the app reads.
import type { CompactRecord, FieldRow, FieldState, PackedField, PackedPullResponse, Record as ServerRecord, Stamp, StampRow } from '../generated/tandem';

const stampOf = ([ms, count, device]: StampRow): Stamp => ({ hlc: { ms, count }, device });

function stateOf([value, ms, count, device, base, person, role, authorDevice]: FieldRow): FieldState {
  return { value, stamp: { hlc: { ms, count }, device }, base: base ? stampOf(base) : null, author: { person, role, device: authorDevice ?? device } };
}

function byStamp(a: FieldState, b: FieldState): number {
  const x = a.stamp;
  const y = b.stamp;
  return x.hlc.ms - y.hlc.ms || x.hlc.count - y.hlc.count || (x.device < y.device ? -1 : x.device > y.device ? 1 : 0);
}

export function recordOf(c: CompactRecord): ServerRecord {
  const [rows, kept] = c.body;
  const fields: ServerRecord['fields'] = {};
  for (const row of rows) fields[row[0].field] = stateOf(row);
  return {
    id: c.id,
    kind: c.kind,
    owner: c.owner,
    created_by: c.created_by,
    created: c.created,
    owner_touched: c.owner_touched,
    fields,
    conflicts: kept.map(stateOf).sort(byStamp),
  };
}

/** The records of a packed page. A position that names nothing is a page that doesn't hold
 *  together: refused, not stored half read. */
export function recordsOfPacked(page: PackedPullResponse): ServerRecord[] {
  const at = <T>(list: T[], i: number, what: string): T => {
    if (!(i >= 0 && i < list.length)) throw new Error(`The server's answer refers to ${what} ${i}, which it doesn't hold.`);
    return list[i];
  };
  // Each write is read once, however many fields it made.
  const writes = page.writes.map(([ms, count, device, person, role, authorDevice, base]) => {
    const stampDevice = at(page.devices, device, 'device');
    return {
      stamp: { hlc: { ms, count }, device: stampDevice },
      author: { person: at(page.people, person, 'person'), role, device: authorDevice === null ? stampDevice : at(page.devices, authorDevice, 'device') },
      base: base === null ? null : { hlc: { ms: base[0], count: base[1] }, device: at(page.devices, base[2], 'device') },
    };
  });
  const stateOfPacked = ([value, w]: PackedField): FieldState => {
    const { stamp, author, base } = at(writes, w, 'write');
    return { value, stamp, base, author };
  };
  const asMade = page.as_made ?? [];
  return page.records.map(([id, kind, owner, created, ownerTouched, rows, kept, madeWith]) => {
    const made = at(writes, created, 'write');
    const fields: ServerRecord['fields'] = {};
    // Fields the record still holds as it was made (`form=lean`): with the write that made it.
    if (madeWith !== undefined) for (const value of at(asMade, madeWith, 'set of fields as made')) fields[value.field] = stateOfPacked([value, created]);
    for (const row of rows) fields[row[0].field] = stateOfPacked(row);
    return {
      id,
      kind,
      owner: at(page.people, owner, 'person'),
      created_by: made.author,
      created: made.stamp,
      owner_touched: ownerTouched,
      fields,
      conflicts: kept.map(stateOfPacked).sort(byStamp),
    };
  });
}
