// Unsent words live in this device's storage, which a browser may clear when the device runs
// short of space (Chrome, Firefox), or after a week unused outside the home screen (Safari),
// unless the site has been granted persistent storage. Chrome decides without asking anyone, by
// how Tandem is used (added to the home screen, opened often); Firefox asks the person and
// remembers their answer.

/** Whether the browser has promised to keep this device's store (null: it can't say). */
export async function isKept(): Promise<boolean | null> {
  try {
    return (await navigator.storage?.persisted?.()) ?? null;
  } catch {
    return null;
  }
}

/** Asks the browser to keep this device's store; whether it will (null: it can't say). */
export async function askToKeep(): Promise<boolean | null> {
  try {
    if (await isKept()) return true;
    return (await navigator.storage?.persist?.()) ?? null;
  } catch {
    return null;
  }
}

/** Whether a session's device keeps anything worth asking for: not a lent tablet (it keeps
 *  nothing after a visit) nor an admin's (admins read no records). */
export const keepsWords = (s: { sharedDevice: boolean; role: string }) => !s.sharedDevice && s.role !== 'admin';
