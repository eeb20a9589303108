// Pulls come in the compact form (`form=compact`): each record's fields and kept conflicts as
// arrays, about 60% of the full form's size, so a phone on a weak signal has less to fetch and
// parse. This puts them back into the records the rest of the app reads.
import type { CompactRecord, FieldRow, FieldState, Record as ServerRecord, Stamp, StampRow } from '../generated/tandem';

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
