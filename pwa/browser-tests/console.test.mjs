// Running a service from the browser: an admin's console, a key worker inviting a young person,
// drop-in staff's screen, and Back moving between screens inside the app.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { api, asAdmin, assertAccessible, authenticatorCode, eventually, post, serverAndBrowser, signIn, typeSignIn, writeAndShare } from './harness.mjs';

const env = serverAndBrowser();

/** Joins with an invite code through the card's link, on a new phone. */
async function joinWithLink(context, code, name) {
  const page = await context.newPage();
  await page.goto(`${env.server.base}/#/join/${encodeURIComponent(code)}`);
  await page.getByRole('heading', { name: 'Join with a code' }).waitFor();
  assert.equal(await page.getByLabel(/Your code/).inputValue(), code, 'the code is filled in from the link');
  await page.getByLabel('Choose a name to sign in with').fill(name);
  // Told before choosing what not to choose; one a guesser would try first is refused, saying
  // why, and the code still works for the next.
  const pin = page.getByLabel(/Choose a PIN/);
  assert.equal(await page.locator(`#${await pin.getAttribute('aria-describedby')}`).innerText(), 'Not one someone could guess, like 1234, 1111 or a year.');
  await pin.fill('2007');
  await page.getByRole('button', { name: 'Join' }).click();
  await page.getByRole('alert').getByText("Someone could guess that one: it's a year. Choose a different PIN or password.").waitFor();
  await pin.fill('6419');
  await page.getByRole('button', { name: 'Join' }).click();
  await page.getByRole('heading', { name: 'Good things about you' }).waitFor();
  return page;
}

test('an admin adds a key worker, invites and assigns a young person, hands them over, ends a device, and never sees a word', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'admin', 'demo-admin-pass');
  await page.getByRole('heading', { name: 'Running the service' }).waitFor();
  // The service in counts, naming nobody.
  await page.locator('#service-numbers').getByText(/^3 young people have joined \(\d used Tandem in the last 30 days\)\. /).waitFor();
  // The demo names helplines but no duty worker: the home screen says what is left to decide.
  const stillToDo = page.getByRole('status').filter({ hasText: 'Still to set up' });
  await stillToDo.getByText(/Nobody is named to hear/).waitFor();
  assert.equal(await stillToDo.getByText(/No helplines/).count(), 0, 'the demo names helplines');
  assert.equal(await page.getByText(/Nobody is assigned to you/).count(), 0, 'not the key worker screen');
  await assertAccessible(page, 'admin home');

  await page.getByRole('button', { name: 'People' }).click();
  await page.getByRole('heading', { name: 'People' }).waitFor();
  await addKeyWorker(page, 'Jo');
  await assertAccessible(page, 'people');
  // A service of thousands finds someone by name.
  await page.getByLabel('Find someone by name').fill('jo');
  await page.getByRole('status').filter({ hasText: '1 found.' }).waitFor();
  assert.equal(await page.getByRole('cell', { name: 'Sam', exact: true }).count(), 0, 'only names like it');
  await page.getByLabel('Find someone by name').fill('');
  await page.getByRole('cell', { name: 'Sam', exact: true }).waitFor();

  await page.getByLabel(/What staff call them/).fill('Rowan');
  await page.getByLabel('Key worker', { exact: true }).selectOption({ label: 'Jo' });
  await page.getByRole('button', { name: 'Make an invite code' }).click();
  const code = (await page.getByTestId('admin-invite-code').textContent()).trim();
  const phoneContext = await env.browser.newContext();
  const phone = await joinWithLink(phoneContext, code, 'rowan.b');
  // Jo signs in with the first password and must choose their own before anything else.
  const joContext = await env.browser.newContext();
  const joPage = await joContext.newPage();
  await joPage.goto(env.server.base + '/');
  await joPage.getByLabel('Your name').fill('jo.worker');
  await joPage.getByLabel('Your PIN or password').fill('a first password for Jo');
  await joPage.getByRole('button', { name: 'Sign in' }).click();
  await joPage.getByRole('heading', { name: 'Choose your own password' }).waitFor();
  await assertAccessible(joPage, 'choose your own password');
  await joPage.getByLabel('The password you were given').fill('a first password for Jo');
  await joPage.getByLabel('Your new password', { exact: true }).fill('only Jo knows this one');
  await joPage.getByLabel('Your new password again').fill('only Jo knows this one');
  await joPage.getByRole('button', { name: 'Save my password' }).click();
  await joPage.getByRole('heading', { name: 'Young people you support' }).waitFor();
  await joContext.close();

  // Hand Rowan over from Jo to Sam in one step.
  await page.getByRole('button', { name: 'Home' }).click();
  await page.getByRole('button', { name: 'Assignments and hand-overs' }).click();
  const rowan = page.locator('li.card', { has: page.getByRole('heading', { name: 'rowan.b' }) });
  await rowan.getByText('Key worker: Jo').waitFor();
  await assertAccessible(page, 'assignments');
  await rowan.getByLabel(/Hand rowan.b over from Jo to/).selectOption({ label: 'Sam' });
  await rowan.getByRole('button', { name: /Hand over/ }).click();
  await rowan.getByText('Key worker: Sam').waitFor();
  assert.equal(await rowan.getByText('Key worker: Jo').count(), 0);

  // Jo forgot that password: the admin gives a first one again, and Jo chooses their own.
  await page.getByRole('button', { name: 'Home' }).click();
  await page.getByRole('button', { name: 'People' }).click();
  const joRow = page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'Jo', exact: true }) });
  await joRow.getByRole('button', { name: 'New password for Jo' }).click();
  await page.getByRole('heading', { name: 'A new password for Jo' }).waitFor();
  await assertAccessible(page, 'a new password for staff');
  // Tandem suggests one (four random words), shown so the admin can read it out.
  const resetForm = page.getByRole('form', { name: 'A new password for Jo' });
  const given = resetForm.getByLabel(/A first password for them/);
  await resetForm.getByRole('button', { name: 'Suggest one' }).click();
  await eventually(async () => (await given.getAttribute('type')) === 'text', 10_000, 'the suggestion shown');
  const suggested = await given.inputValue();
  assert.match(suggested, /^[a-z]+ [a-z]+ [a-z]+ [a-z]+$/);
  await page.getByRole('button', { name: 'Set this password' }).click();
  await page.getByRole('status').filter({ hasText: 'Jo can sign in with that password now' }).waitFor();
  const joAgain = await env.browser.newContext();
  const joAgainPage = await joAgain.newPage();
  await joAgainPage.goto(env.server.base + '/');
  await joAgainPage.getByLabel('Your name').fill('jo.worker');
  await joAgainPage.getByLabel('Your PIN or password').fill(suggested);
  await joAgainPage.getByRole('button', { name: 'Sign in' }).click();
  await joAgainPage.getByRole('heading', { name: 'Choose your own password' }).waitFor();
  await joAgain.close();

  // Jo leaves: deactivating says what it does, and waits for a yes.
  await joRow.getByRole('button', { name: 'Deactivate Jo' }).click();
  const asking = page.getByRole('alertdialog', { name: 'Deactivate Jo?' });
  await asking.getByText('They support nobody now.').waitFor();
  await assertAccessible(page, 'deactivate, asking first');
  await asking.getByRole('button', { name: 'Cancel' }).click();
  await asking.waitFor({ state: 'detached' });
  assert.equal(await joRow.getByRole('cell', { name: 'Active' }).count(), 1, 'nothing done on cancel');
  await joRow.getByRole('button', { name: 'Deactivate Jo' }).click();
  await asking.getByRole('button', { name: 'Yes, deactivate' }).click();
  await joRow.getByRole('cell', { name: 'Deactivated' }).waitFor();

  // Closing a case says when everything of theirs goes; reopening it takes that back.
  const rowanRow = page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'rowan.b', exact: true }) });
  await rowanRow.getByRole('button', { name: 'Close case of rowan.b' }).click();
  await page.getByRole('alertdialog', { name: "Close rowan.b's case?" }).getByRole('button', { name: 'Yes, close the case' }).click();
  await rowanRow.getByText(/Case closed .*; everything of theirs is erased .* unless it is reopened/).waitFor();
  await rowanRow.getByRole('button', { name: 'Reopen case of rowan.b' }).click();
  await rowanRow.getByRole('cell', { name: 'Active' }).waitFor();

  // Rowan's phone is lost: end that device's session.
  await page.getByRole('button', { name: 'Home' }).click();
  await page.getByRole('button', { name: 'People' }).click();
  await page.getByRole('button', { name: 'Devices of rowan.b' }).click();
  await page.getByRole('heading', { name: 'rowan.b: signed-in devices' }).waitFor();
  await assertAccessible(page, 'devices');
  await page.getByRole('button', { name: /End this session/ }).click();
  await page.getByText('No signed-in devices.').waitFor();
  // The phone, open all this time, is told at once: no reload or tap needed.
  await phone.getByRole('heading', { name: 'Sign in again' }).waitFor();

  // A young person of Sam's has "I don't feel safe" open meanwhile: it follows what is set below.
  const ashContext = await env.browser.newContext();
  const ash = await ashContext.newPage();
  await signIn(ash, env.server.base, 'ash', '6159');
  await ash.getByRole('button', { name: "I don't feel safe right now" }).click();
  await ash.getByRole('link', { name: 'Call Samaritans: 116 123' }).waitFor();
  assert.equal(await ash.getByText(/duty worker/).count(), 0, 'nobody on duty yet');

  // Who is told when a young person with no key worker says they don't feel safe: still to set
  // up, as the home screen says, and its button goes there.
  await page.getByRole('button', { name: 'Home' }).click();
  await stillToDo.getByRole('button', { name: 'Set up safety alerts' }).click();
  await page.getByRole('heading', { name: 'Safety alerts', level: 1 }).waitFor();
  const escalate = page.getByLabel(/tell the duty worker too/);
  assert.ok(await escalate.isDisabled(), 'nobody on duty: nobody else to tell');
  await page.getByLabel('Duty worker', { exact: true }).selectOption({ label: 'Priya' });
  // Whether Priya would hear of an alert with Tandem closed: not yet, and what would change it.
  await page.getByText('Priya sees alerts when Tandem is open. To be told with it closed,', { exact: false }).waitFor();
  await escalate.selectOption({ label: 'After 30 minutes' });
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Saved.', { exact: true }).waitFor();
  // Ash is told, before sending an alert, who else will hear of it and when: on the open
  // screen, not only at the app's next start.
  await ash.getByText("If Sam hasn't seen it within 30 minutes, Tandem tells Priya (the duty worker) too.").waitFor();
  // The helplines young people see beside "I don't feel safe": one taken off, the service's own added.
  const third = page.getByRole('group', { name: 'Helpline 3' });
  await third.getByLabel('Name').waitFor();
  assert.equal(await third.getByLabel('Name').inputValue(), 'Samaritans');
  await assertAccessible(page, 'safety alerts routing');
  await page.getByRole('button', { name: 'Remove helpline 3' }).click();
  await page.getByRole('button', { name: 'Add a helpline' }).click();
  const added = page.getByRole('group', { name: 'Helpline 3' });
  await added.getByLabel('Name').fill('Night team');
  await added.getByLabel('How young people reach it').selectOption({ label: 'text it' });
  await added.getByLabel('Number').fill('07700 900123');
  await added.getByLabel(/What to know first/).fill('Our own workers, 6pm to 8am.');
  await page.getByRole('button', { name: 'Save helplines' }).click();
  await page.getByText(/Saved. Young people see these/).waitFor();
  await page.getByRole('button', { name: 'Home' }).click();
  await page.getByRole('heading', { name: 'Running the service' }).waitFor();
  // Once the home screen has read both settings, nothing is left to set up.
  await page.locator('section[aria-busy="false"]').waitFor();
  assert.equal(await stillToDo.count(), 0, 'nothing left to set up');
  const lines = (await (await api(env.server.base, 'ash', '6159')).me()).support_lines;
  assert.deepEqual(lines.map((l) => `${l.reach} ${l.name} ${l.number}`), ['call Childline 0800 1111', 'text Shout 85258', 'text Night team 07700 900123']);
  await ash.getByRole('link', { name: 'Text Night team: 07700 900123' }).waitFor();
  assert.equal(await ash.getByRole('link', { name: /Samaritans/ }).count(), 0, 'the one taken off is gone from the open screen');
  await ashContext.close();

  // Everything an admin did is in the audit log; nothing anyone wrote is on any admin screen.
  await page.getByRole('button', { name: 'Home' }).click();
  await page.getByRole('button', { name: 'Audit log' }).click();
  await page.getByText(/handed over \(rowan\.b\)/).waitFor();
  await page.getByText(/ended a device's session/).waitFor();
  await assertAccessible(page, 'audit log');
  // A reviewer reads one person's entries: only those, and the key worker made earlier is not among them.
  await page.getByLabel('Whose entries').selectOption({ label: 'rowan.b (Young person)' });
  await eventually(async () => {
    const entries = await page.getByTestId('audit-entries').locator('li').allInnerTexts();
    return entries.length > 0 && entries.every((e) => e.includes('rowan.b'));
  }, 15_000, "only rowan.b's entries");
  assert.equal(await page.getByText(/created staff/).count(), 0, 'nobody else\'s entries');
  // Those entries saved as a spreadsheet for a review away from the console, and the saving logged.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Save these entries as a spreadsheet (CSV)' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^tandem-audit-log-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.ok(csv.startsWith('\ufeffwhen (UTC),who,what,about whom,detail\r\n'), csv.slice(0, 80));
  assert.ok(csv.includes('"saved the audit log as a spreadsheet","rowan.b","one person\'s entries"'), csv);
  assert.ok(!csv.includes('created staff'), 'only their entries');
  await page.getByRole('status').getByText(/^Saved as tandem-audit-log-.*The log says you saved it\.$/).waitFor();
  await page.getByTestId('audit-entries').getByText(/saved the audit log as a spreadsheet/).waitFor();
  await page.getByLabel('Whose entries').selectOption({ label: "Everyone's" });
  await page.getByText(/created staff/).first().waitFor();
  const words = await (await api(env.server.base, 'ash', '6159')).texts();
  assert.ok(words.length > 0);
  for (const screen of ['People', 'Assignments and hand-overs', 'Safety alerts', 'Audit log']) {
    await page.getByRole('button', { name: 'Home' }).click();
    await page.getByRole('button', { name: screen, exact: true }).click();
    await page.getByRole('heading', { level: 1 }).waitFor();
    const shown = await page.locator('main').innerText();
    for (const w of words) assert.ok(!shown.includes(w), `${screen} shows a young person's words: ${w}`);
  }
  await phoneContext.close();
  await context.close();
});

/** On the admin's People screen: adds a key worker called `name`, signing in as `name.worker`
 *  with the first password `a first password for <name>`. */
async function addKeyWorker(page, name) {
  await page.getByLabel('Role').selectOption('key_worker');
  await page.getByLabel('Sign-in name').fill(`${name.toLowerCase()}.worker`);
  await page.getByLabel('Name others see').fill(name);
  await page.getByLabel(/First password/).fill(`a first password for ${name}`);
  await page.getByRole('button', { name: 'Add staff member' }).click();
  await page.getByRole('cell', { name, exact: true }).waitFor();
}

test('a key worker who leaves hands the young people they support to another in the same step', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'admin', 'demo-admin-pass');
  await page.getByRole('button', { name: 'People' }).click();
  await addKeyWorker(page, 'Lee');
  for (const name of ['Tam', 'Cody']) {
    await page.getByLabel(/What staff call them/).fill(name);
    await page.getByLabel('Key worker', { exact: true }).selectOption({ label: 'Lee' });
    await page.getByRole('button', { name: 'Make an invite code' }).click();
    await page.getByTestId('admin-invite-code').waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByTestId('admin-invite-code').waitFor({ state: 'detached' });
  }

  const leeRow = page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'Lee', exact: true }) });
  await leeRow.getByRole('button', { name: 'Deactivate Lee' }).click();
  const asking = page.getByRole('alertdialog', { name: 'Deactivate Lee?' });
  await asking.getByText('They support 2 young people: ').waitFor();
  await asking.getByLabel('Hand them over to').selectOption({ label: 'Priya' });
  await assertAccessible(page, 'deactivate a key worker, handing over');
  await asking.getByRole('button', { name: 'Yes, deactivate' }).click();
  await leeRow.getByRole('cell', { name: 'Deactivated' }).waitFor();

  await page.getByRole('button', { name: 'Home' }).click();
  await page.getByRole('button', { name: 'Assignments and hand-overs' }).click();
  for (const name of ['Tam', 'Cody']) {
    await page.getByLabel('Find a young person or key worker by name').fill(name);
    await page.getByRole('status').filter({ hasText: '1 found.' }).waitFor();
    await page.locator('li.card', { has: page.getByRole('heading', { name }) }).getByText('Key worker: Priya').waitFor();
  }
  await page.getByLabel('Find a young person or key worker by name').fill('Lee');
  await page.getByText('Nobody has a name like that.').waitFor();

  // Someone invited with no key worker: the home screen says so, and the assignments put them first.
  await page.getByRole('button', { name: 'Home' }).click();
  await page.getByRole('button', { name: 'People' }).click();
  await page.getByLabel(/What staff call them/).fill('Robin');
  await page.getByRole('button', { name: 'Make an invite code' }).click();
  await page.getByTestId('admin-invite-code').waitFor();
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('button', { name: 'Home' }).click();
  const alone = page.getByRole('status').filter({ hasText: 'Still to set up' });
  await alone.getByText('1 young person has no key worker', { exact: false }).waitFor();
  await alone.getByRole('button', { name: 'Give them a key worker' }).click();
  const first = page.locator('li.card').first();
  await first.getByRole('heading', { name: 'Robin' }).waitFor();
  await first.getByText(/No key worker: assign one/).waitFor();
  await first.getByLabel('Add a key worker for Robin').selectOption({ label: 'Priya' });
  await first.getByRole('button', { name: 'Assign to Robin' }).click();
  await page.locator('li.card', { has: page.getByRole('heading', { name: 'Robin' }) }).getByText('Key worker: Priya').waitFor();
  await page.getByRole('button', { name: 'Home' }).click();
  await page.locator('section[aria-busy="false"]').waitFor();
  assert.equal(await page.getByText(/has no key worker/).count(), 0, 'everyone has a key worker again');
  await context.close();
});

test('a key worker invites a young person, who joins on a phone and appears in their caseload', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'priya', 'demo-worker-pass');
  await page.getByRole('button', { name: 'Invite a young person' }).click();
  await page.getByLabel(/What you call them/).fill('Ellis');
  await page.getByRole('button', { name: 'Make a code' }).click();
  const code = (await page.getByTestId('invite-code').textContent()).trim();
  await page.getByRole('img', { name: /QR code/ }).waitFor();
  const card = await page.locator('.invite-card__print').innerText();
  assert.ok(!card.includes('Ellis') && !card.includes('Priya'), `the card names nobody: ${card}`);
  await assertAccessible(page, 'invite card');
  await page.getByRole('button', { name: 'Done' }).click();
  const waiting = page.locator('li.card', { hasText: 'Ellis' });
  await waiting.getByText(/Their code works until/).waitFor();
  await assertAccessible(page, 'waiting to join');
  // The card went missing: a new code (the first stops working: tests/tests/console.rs).
  await waiting.getByRole('button', { name: 'Make a new code for Ellis' }).click();
  await page.getByTestId('invite-code').filter({ hasNotText: code }).waitFor();
  const newCode = (await page.getByTestId('invite-code').textContent()).trim();
  await page.getByRole('button', { name: 'Done' }).click();
  await waiting.getByText(/Their code works until/).waitFor();
  // In the caseload already, said plainly to be waiting for them to join.
  await page.getByRole('button', { name: 'Home' }).click();
  await page.locator('li.card', { hasText: 'Ellis' }).getByText("Hasn't joined yet").waitFor();

  const phoneContext = await env.browser.newContext({ hasTouch: true });
  const phone = await joinWithLink(phoneContext, newCode, 'ellis.t');
  // Priya's open screen shows them joined without a reload.
  await page.getByRole('heading', { name: 'ellis.t' }).waitFor({ timeout: 15_000 });
  await page.locator('li.card', { hasText: 'ellis.t' }).getByText('0 things shared with you').waitFor();

  // Just joined, before writing anything, they are told how Tandem works and who sees what.
  const welcome = phone.getByRole('region', { name: 'How Tandem works' });
  await welcome.getByText('Priya can see only what you share with them.', { exact: false }).waitFor();
  await welcome.getByText(/Anything new you write is just for you/).waitFor();
  // A touch screen: leaving fast is the button (an on-screen keyboard's Shift doesn't count).
  await welcome.getByText('To leave Tandem fast, press "Leave quickly" at the top.', { exact: true }).waitFor();
  await assertAccessible(phone, 'how Tandem works, on joining');
  await welcome.getByRole('button', { name: 'Got it' }).click();
  await welcome.waitFor({ state: 'detached' });
  // Put away, it stays away.
  await phone.reload();
  await phone.getByRole('heading', { name: 'Good things about you' }).waitFor();
  await phone.getByText('Nothing here yet. You can add something whenever you like.').waitFor();
  assert.equal(await welcome.count(), 0, 'not said again on this phone');
  await phoneContext.close();
  await context.close();
});

test('drop-in staff see only what young people shared with the team, and what is new since they last looked, on any device', async () => {
  // Ash shares one thing with the team and one with their worker only, on their phone.
  const phoneContext = await env.browser.newContext();
  const phone = await phoneContext.newPage();
  await signIn(phone, env.server.base, 'ash', '6159');
  await phone.getByRole('button', { name: /What I want you to know/ }).click();
  const share = async (text, choice, now) => {
    await phone.getByLabel('What you want people to know').fill(text);
    await phone.getByRole('button', { name: 'Save', exact: true }).click();
    const card = phone.locator('li.card', { hasText: text });
    await card.getByText(/Who can see this: Only you/).click();
    await card.getByLabel(choice).check();
    await card.getByText(now).waitFor();
  };
  await share('Everyone at the drop-in can know I like football', 'Me, my worker and drop-in staff', 'Right now: You, Sam and the drop-in team.');
  await share('Only my worker should know about my court date', 'Me and my worker', 'Right now: You and Sam.');
  await phone.getByText('Everything is sent.').waitFor();
  await phoneContext.close();

  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'dropin', 'demo-dropin-pass');
  await page.getByRole('heading', { name: 'Shared with the team' }).waitFor();
  assert.equal(await page.getByText(/Young people you support/).count(), 0);
  const cardOf = (p, name) => p.locator('li.card').filter({ has: p.getByRole('heading', { name, exact: true }) });
  await cardOf(page, 'ash').getByTestId('new-count').filter({ hasText: 'New since you last looked: 1' }).waitFor();
  await assertAccessible(page, 'drop-in home');
  await page.getByRole('button', { name: 'Open ash' }).click();
  await page.getByText('Everyone at the drop-in can know I like football').waitFor();
  assert.equal(await page.getByText(/court date/).count(), 0, 'what was shared with the worker only is not here');
  await assertAccessible(page, "a young person's team-shared things");
  await page.getByRole('button', { name: 'Home' }).click();
  await cardOf(page, 'ash').getByTestId('new-count').waitFor({ state: 'detached' });
  assert.equal(await cardOf(page, 'kai').getByTestId('new-count').count(), 1, "Kai's page not looked at: still new");

  // Lending the tablet: staff sign out, and the sign-in is a shared-tablet one for the visit.
  await page.getByRole('button', { name: 'Hand the tablet to a young person' }).click();
  await page.getByRole('heading', { name: 'Sign in for your visit' }).waitFor();
  assert.ok(await page.getByLabel(/shared tablet/).isChecked());
  await context.close();

  // Signed in again elsewhere (the tablet kept nothing): what they looked at is not new there.
  const desk = await (await env.browser.newContext()).newPage();
  await signIn(desk, env.server.base, 'dropin', 'demo-dropin-pass');
  await cardOf(desk, 'kai').getByTestId('new-count').waitFor();
  await cardOf(desk, 'ash').getByText('1 thing shared with the team').waitFor();
  assert.equal(await cardOf(desk, 'ash').getByTestId('new-count').count(), 0, 'looked at on the tablet');
  // Something more shared since is new, and only that.
  const again = await (await env.browser.newContext()).newPage();
  await signIn(again, env.server.base, 'ash', '6159');
  await writeAndShare(again, 'I come on Tuesdays for the cooking', 'Me, my worker and drop-in staff');
  await cardOf(desk, 'ash').getByTestId('new-count').filter({ hasText: 'New since you last looked: 1' }).waitFor();
  await cardOf(desk, 'ash').getByText('2 things shared with the team').waitFor();
  await again.context().close();
  await desk.context().close();
});

test('Back moves between screens inside the app, and a link to a screen opens it after sign-in', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto('about:blank');
  await signIn(page, env.server.base, 'kai', '7093');
  await page.getByRole('button', { name: /My goals/ }).click();
  await page.getByRole('heading', { name: 'My goals' }).waitFor();
  assert.match(page.url(), /#\/goals$/, 'a neutral address');
  await page.getByRole('button', { name: 'Home' }).click();
  await page.getByRole('button', { name: 'Who has seen my things' }).click();
  await page.getByRole('heading', { name: 'Who has seen my things' }).waitFor();

  await page.goBack();
  await page.getByRole('heading', { name: 'Good things about you' }).waitFor();
  await page.goBack();
  await page.getByRole('heading', { name: 'My goals' }).waitFor();
  await page.goBack();
  await page.getByRole('heading', { name: 'Good things about you' }).waitFor();
  assert.ok(page.url().startsWith(env.server.base), 'still in the app');
  await page.goForward();
  await page.getByRole('heading', { name: 'My goals' }).waitFor();

  // A link to an inner screen, opened signed out: sign in, land there, and Back goes Home.
  const fresh = await env.browser.newContext();
  const linked = await fresh.newPage();
  await linked.goto(`${env.server.base}/#/seen`);
  await linked.getByLabel('Your name').fill('kai');
  await linked.getByLabel('Your PIN or password').fill('7093');
  await linked.getByRole('button', { name: 'Sign in' }).click();
  await linked.getByRole('heading', { name: 'Who has seen my things' }).waitFor();
  await linked.goBack();
  await linked.getByRole('heading', { name: 'Good things about you' }).waitFor();
  await fresh.close();
  await context.close();
});

test('an admin registers this tablet by name: its sign-in screen says so, every sign-in on it is a shared one, and admins see it used and can remove it', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'admin', 'demo-admin-pass');
  await page.getByRole('button', { name: 'Shared tablets' }).click();
  await page.getByRole('heading', { name: 'Shared tablets' }).waitFor();
  await page.getByLabel(/Register this device as a shared tablet/).fill('Front desk tablet');
  await page.getByRole('button', { name: 'Register this device' }).click();
  await page.getByText('This device is registered as').waitFor();
  await page.getByText(/Front desk tablet: registered .*, not used yet/).waitFor();
  await assertAccessible(page, 'shared tablets');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('This is Front desk tablet, shared by everyone who visits.').waitFor();
  assert.equal(await page.getByLabel(/This is a shared tablet/).count(), 0, 'no choice to make: it is shared');
  await assertAccessible(page, 'a registered tablet\'s sign-in');
  await signIn(page, env.server.base, 'kai', '7093');
  const shared = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const open = indexedDB.open('tandem');
        open.onsuccess = () => {
          const get = open.result.transaction('meta').objectStore('meta').get('session');
          get.onsuccess = () => resolve(get.result?.sharedDevice);
        };
      }),
  );
  assert.equal(shared, true, 'the visit is a shared-tablet session though nobody ticked a box');

  const office = await (await env.browser.newContext()).newPage();
  await signIn(office, env.server.base, 'admin', 'demo-admin-pass');
  await office.getByRole('button', { name: 'Shared tablets' }).click();
  await office.getByText(/Front desk tablet: registered .*, last used/).waitFor();
  await office.getByRole('button', { name: 'Remove Front desk tablet' }).click();
  await office.getByText('No shared tablets yet.').waitFor();
  await office.context().close();
  await context.close();
});

test('a worker given a first password again, with a suggestion still unsent on their laptop, chooses their own and the suggestion is sent', async () => {
  const base = env.server.base;
  const laptop = await env.browser.newContext();
  const page = await laptop.newPage();
  await signIn(page, base, 'priya', 'demo-worker-pass');
  await page.getByRole('button', { name: /Open mo/ }).click();
  // Mo's page is open before the signal goes. (Once, on a fresh clone, it never showed: what the
  // screen said then is printed, for whoever reads a failed run.)
  await page.getByLabel('Suggest a strength').waitFor().catch(async (e) => {
    console.error('the screen said:', (await page.locator('body').innerText()).slice(0, 800));
    throw e;
  });
  await laptop.setOffline(true);
  await page.getByLabel('Suggest a strength').fill('You always turn up on time');
  await page.getByRole('button', { name: 'Send suggestion of a strength' }).click();
  await page.getByText(/Waiting for signal/).first().waitFor();

  // Priya forgot her password (the laptop's session is still live): the admin sets a first one.
  const admin = await asAdmin(base);
  await admin.post(`/api/admin/people/${await admin.idOf('Priya')}/new-password`, { password: 'given at the desk today' });

  await laptop.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.getByRole('heading', { name: 'Sign in again' }).waitFor();
  await page.getByLabel('Your name').fill('priya');
  await page.getByLabel('Your PIN or password').fill('given at the desk today');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Choose your own password' }).waitFor();
  await page.getByLabel('The password you were given').fill('given at the desk today');
  await page.getByLabel('Your new password', { exact: true }).fill('only Priya knows this');
  await page.getByLabel('Your new password again').fill('only Priya knows this');
  await page.getByRole('button', { name: 'Save my password' }).click();
  await page.getByText('Everything is sent.').waitFor({ timeout: 20_000 });
  const mo = await api(base, 'mo', '5286');
  await eventually(async () => (await mo.texts()).includes('You always turn up on time'), 20_000, 'the suggestion reached Mo');
  await laptop.close();
});

test('an admin sees how safety alerts were answered, in counts and waits, never who pressed it', async () => {
  const base = env.server.base;
  const signedIn = async (name, secret) => (await post(base, '/api/auth/sign-in', { name, secret, device: crypto.randomUUID() })).body.access_token;
  const id = crypto.randomUUID();
  assert.equal((await post(base, '/api/alerts', { id, raised_at: Date.now() }, await signedIn('ash', '6159'))).status, 200);

  const page = await (await env.browser.newContext()).newPage();
  await signIn(page, base, 'admin', 'demo-admin-pass');
  await page.getByRole('button', { name: 'Safety alerts', exact: true }).click();
  const answered = page.locator('#alerts-answered');
  await answered.getByText('1 alert is waiting to be seen, the longest for less than a minute so far.').waitFor();
  await answered.getByRole('table', { name: '1 alert reached Tandem in this time' }).waitFor();
  const count = (row) => answered.getByRole('row', { name: row }).getByRole('cell');
  assert.equal(await count('Not seen yet').textContent(), '1');
  assert.equal(await count('Seen within 15 minutes').textContent(), '0');
  await assertAccessible(page, 'how alerts were answered');

  // Seen by Ash's key worker: counted as seen within 15 minutes, over any period asked for.
  assert.equal((await post(base, `/api/alerts/${id}/seen`, {}, await signedIn('sam', 'demo-worker-pass'))).status, 200);
  await answered.getByLabel('Over the last').selectOption({ label: 'year' });
  await eventually(async () => (await count('Seen within 15 minutes').textContent()) === '1', 15_000, 'counted as seen');
  assert.equal(await count('Not seen yet').textContent(), '0');
  assert.equal(await answered.getByText(/waiting to be seen/).count(), 0);
  assert.ok(!(await answered.textContent()).includes('ash'), 'nobody is named');
  await page.context().close();
});

test("an admin's first screen says when an alert has waited an hour with nobody seeing it, and where to look", async () => {
  const base = env.server.base;
  const id = crypto.randomUUID();
  const ash = (await post(base, '/api/auth/sign-in', { name: 'ash', secret: '6159', device: crypto.randomUUID() })).body.access_token;
  assert.equal((await post(base, '/api/alerts', { id, raised_at: Date.now() }, ash)).status, 200);
  const page = await (await env.browser.newContext()).newPage();
  await signIn(page, base, 'admin', 'demo-admin-pass');
  await page.getByRole('heading', { name: 'Running the service' }).waitFor();
  await page.locator('section[aria-busy="false"]').waitFor();
  assert.equal(await page.locator('#alerts-waiting').count(), 0, 'a minute is not an hour');

  // Two hours pass (the server's clock can't be moved: the alert is made older where it is kept).
  execFileSync('sqlite3', ['-cmd', '.timeout 5000', env.server.db, `UPDATE alerts SET received_at = received_at - 2 * 3600 * 1000 WHERE id = '${id}'`]);
  await page.reload();
  const waiting = page.locator('#alerts-waiting');
  await waiting.getByText(/not been seen by anyone yet, the longest for 2 hours\./).waitFor();
  assert.ok(!(await waiting.textContent()).includes('ash'), 'nobody is named');
  await assertAccessible(page, 'the console with an alert waiting');
  await waiting.getByRole('button', { name: 'See how alerts are answered' }).click();
  await page.locator('#alerts-answered').getByText(/waiting to be seen, the longest for 2 hours/).waitFor();

  // Seen by Ash's worker: the first screen has nothing to say of it.
  assert.equal((await post(base, `/api/alerts/${id}/seen`, {}, (await post(base, '/api/auth/sign-in', { name: 'sam', secret: 'demo-worker-pass', device: crypto.randomUUID() })).body.access_token)).status, 200);
  await page.getByRole('button', { name: 'Home' }).click();
  await page.getByRole('heading', { name: 'Running the service' }).waitFor();
  await page.locator('section[aria-busy="false"]').waitFor();
  assert.equal(await page.locator('#alerts-waiting').count(), 0, 'seen: nothing waits');
  await page.context().close();
});

test("an admin sets the service's working hours, and a young person pressing \"I don't feel safe\" outside them is told", async () => {
  const base = env.server.base;
  const desk = await (await env.browser.newContext()).newPage();
  await signIn(desk, base, 'admin', 'demo-admin-pass');
  await desk.getByRole('button', { name: 'Safety alerts', exact: true }).click();
  const form = desk.getByRole('group', { name: 'Days workers are in' });
  // One day in the week that is not today (in UTC, the zone set below): now is outside them.
  const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  const day = days[(new Date().getUTCDay() + 3) % 7];
  for (const name of days) await form.getByLabel(name).setChecked(name === day);
  await desk.getByLabel('Time zone').fill('UTC');
  await assertAccessible(desk, 'working hours');
  await desk.getByRole('button', { name: 'Save working hours' }).click();
  await desk.getByRole('status').filter({ hasText: `Saved: ${day}, 9am to 5pm (UTC).` }).waitFor();

  const phone = await (await env.browser.newContext()).newPage();
  await signIn(phone, base, 'ash', '6159');
  await phone.getByRole('button', { name: "I don't feel safe right now" }).click();
  await phone.locator('#out-of-hours').getByText(`It's outside working hours at your service (${day}, 9am to 5pm), so Sam may not see it until then. The people below answer now.`).waitFor();

  // No set hours: nothing is said of them.
  await desk.getByRole('button', { name: 'Set no hours' }).click();
  await desk.getByRole('status').filter({ hasText: 'Saved: no set hours.' }).waitFor();
  await eventually(async () => (await phone.locator('#out-of-hours').count()) === 0, 15_000, 'the phone told at once');
  for (const page of [desk, phone]) await page.context().close();
});

/** A first password an admin set, swapped for the staff member's own. */
async function chooseOwnPassword(page, own) {
  await page.getByRole('heading', { name: 'Choose your own password' }).waitFor();
  await page.getByLabel('The password you were given').fill('a-first-password');
  await page.getByLabel('Your new password', { exact: true }).fill(own);
  await page.getByLabel('Your new password again').fill(own);
  await page.getByRole('button', { name: 'Save my password' }).click();
}

test('an admin asks every staff member for two-step sign-in: one already signed in sets it up before going on, a new worker chooses their password then sets it up', async () => {
  const admin = await asAdmin(env.server.base);
  await admin.post('/api/admin/people', { role: 'drop_in_staff', name: 'robin.t', display_name: 'Robin', password: 'a-first-password' });
  await admin.post('/api/admin/people', { role: 'drop_in_staff', name: 'alex.t', display_name: 'Alex', password: 'a-first-password' });
  // Alex is at the drop-in desk already, signed in before the service asked.
  const open = await (await env.browser.newContext()).newPage();
  await typeSignIn(open, env.server.base, 'alex.t', 'a-first-password');
  await chooseOwnPassword(open, 'alexs-own-password');
  await open.getByRole('heading', { name: 'Shared with the team' }).waitFor();

  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'admin', 'demo-admin-pass');
  await page.getByRole('button', { name: 'People' }).click();
  const policy = page.getByRole('region', { name: 'Two-step sign-in for staff' });
  await policy.getByText('Staff choose for themselves.').waitFor();
  const robinRow = page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'Robin', exact: true }) });
  await robinRow.getByRole('cell', { name: 'Active, password only' }).waitFor();
  // Not before the admin has it: asking it of everyone would shut them out of the console.
  await policy.getByRole('button', { name: 'Ask every staff member for it' }).click();
  await policy.getByRole('alert').filter({ hasText: 'your own account first' }).waitFor();
  await page.getByRole('button', { name: 'Account', exact: true }).click();
  await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();
  const adminTyped = await page.getByTestId('two-step-secret').textContent();
  await page.getByLabel('The 6-digit code your app shows now').fill(authenticatorCode(adminTyped));
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await page.getByText('Two-step sign-in is on.').waitFor();
  await page.getByRole('button', { name: 'I have kept them somewhere safe' }).click();
  await page.goBack();
  await policy.getByRole('button', { name: 'Ask every staff member for it' }).click();
  await policy.getByText('Every staff member is asked for it').waitFor();
  await assertAccessible(page, 'the people screen with two-step sign-in asked for');

  // Alex's open screen, mid-session, is told at once (nothing touched) and shows the set-up
  // screen; once it is set up, they carry on where they were.
  await open.getByRole('heading', { name: 'Set up two-step sign-in' }).waitFor({ timeout: 20_000 });
  await open.getByRole('button', { name: 'Set up two-step sign-in' }).click();
  const alexTyped = await open.getByTestId('two-step-secret').textContent();
  await open.getByLabel('The 6-digit code your app shows now').fill(authenticatorCode(alexTyped));
  await open.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  // The recovery codes are shown before anything else opens.
  await open.getByRole('button', { name: 'I have kept them somewhere safe' }).click();
  await open.getByRole('heading', { name: 'Shared with the team' }).waitFor();
  await open.context().close();

  const desk = await (await env.browser.newContext()).newPage();
  await typeSignIn(desk, env.server.base, 'robin.t', 'a-first-password');
  // Their own password first, then two-step sign-in, then their screen.
  await chooseOwnPassword(desk, 'robins-own-password');
  await desk.getByRole('heading', { name: 'Set up two-step sign-in' }).waitFor();
  await desk.getByRole('button', { name: 'Set up two-step sign-in' }).click();
  const typed = await desk.getByTestId('two-step-secret').textContent();
  await assertAccessible(desk, 'two-step sign-in asked for before anything else');
  await desk.getByLabel('The 6-digit code your app shows now').fill(authenticatorCode(typed));
  await desk.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  // The recovery codes are shown before anything else opens.
  await desk.getByRole('button', { name: 'I have kept them somewhere safe' }).click();
  await desk.getByRole('heading', { name: 'Shared with the team' }).waitFor();
  await desk.context().close();

  // The admin's list says Robin has it now; asking is put back as it was for the other tests,
  // and the admin's own two-step sign-in turned off again.
  await page.reload();
  await robinRow.getByRole('cell', { name: 'Active, two-step sign-in on' }).waitFor();
  await policy.getByRole('button', { name: 'Stop asking every staff member' }).click();
  await policy.getByText('Staff choose for themselves.').waitFor();
  await page.getByRole('button', { name: 'Account', exact: true }).click();
  await page.getByLabel('Your password, to make new recovery codes or turn it off').fill('demo-admin-pass');
  await page.getByRole('button', { name: 'Turn off two-step sign-in' }).click();
  await page.getByText('Two-step sign-in is off.').waitFor();
  await context.close();
});

test('an admin adds staff from a pasted list: every line checked, nobody added while one is wrong, then a slip each to hand over', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'admin', 'demo-admin-pass');
  await page.getByRole('button', { name: 'People' }).click();
  await page.getByRole('heading', { name: 'People' }).waitFor();
  const admin = await asAdmin(env.server.base);
  await page.getByText('Add several staff at once, from a list').click();
  const list = page.getByLabel('Their names, one person a line');
  // Pasted from a spreadsheet, heading row and all; one role Tandem doesn't have.
  await list.fill('Name\tRole\tSign-in name\nInes Park\tKey worker\nOla Grey\tManager\tola\nSam Twice\tadmin\tsam\n');
  await page.getByRole('button', { name: 'Check the list' }).click();
  await page.getByRole('heading', { name: '3 people to add' }).waitFor();
  const row = (name) => page.getByRole('row').filter({ has: page.getByRole('cell', { name: new RegExp(`^${name}`) }) });
  await row('Ola Grey').getByText('"Manager" is not a role here: write key worker, drop-in staff or admin.').waitFor();
  await page.getByRole('status').filter({ hasText: 'Nobody has been added yet. 1 line needs changing first' }).waitFor();
  assert.equal(await page.getByRole('button', { name: /^Add these/ }).count(), 0, 'nothing to add until every line is right');
  assert.equal(await row('Ines Park').getByRole('cell', { name: 'ines.park', exact: true }).count(), 1, 'a sign-in name made from the name');
  await assertAccessible(page, 'a list of staff, checked');

  // Mended, but "sam" is someone's already: only the server knows, and it adds nobody.
  await page.getByRole('button', { name: 'Change the list' }).click();
  assert.match(await list.inputValue(), /Ola Grey\tManager/, 'the list is kept to change');
  await list.fill('Ines Park\tKey worker\nOla Grey\tDrop-in staff\tola\nSam Twice\tadmin\tsam\n');
  await page.getByRole('button', { name: 'Check the list' }).click();
  await page.getByRole('button', { name: 'Add these 3 people' }).click();
  await row('Sam Twice').getByText('That sign-in name is taken.').waitFor();
  assert.equal(await admin.idOf('Ines Park'), undefined, 'nobody was added');
  assert.equal(await page.getByRole('button', { name: /^Add these/ }).count(), 0, 'nothing to add until the list is changed');

  await page.getByRole('button', { name: 'Change the list' }).click();
  await list.fill('Ines Park\tKey worker\nOla Grey\tDrop-in staff\tola\n');
  await page.getByRole('button', { name: 'Check the list' }).click();
  const olaPassword = (await row('Ola Grey').getByRole('cell').nth(3).innerText()).trim();
  assert.match(olaPassword, /^[a-z]+ [a-z]+ [a-z]+ [a-z]+$/, 'a first password suggested for each');
  await page.getByRole('button', { name: 'Add these 2 people' }).click();
  await page.getByRole('heading', { name: '2 staff members added' }).waitFor();
  const slips = page.getByRole('listitem');
  assert.equal(await slips.count(), 2, 'a slip each');
  const olaSlip = slips.filter({ hasText: 'Ola Grey' });
  assert.equal(await olaSlip.getByText(olaPassword, { exact: true }).count(), 1, 'the password checked is the one given');
  await olaSlip.getByText('ola', { exact: true }).waitFor();
  await assertAccessible(page, 'slips for staff added from a list');
  assert.ok(await admin.idOf('Ines Park'), 'added');

  // Ola signs in with the slip, and chooses their own password first.
  const olas = await env.browser.newContext();
  const olaPage = await olas.newPage();
  await typeSignIn(olaPage, env.server.base, 'ola', olaPassword);
  await olaPage.getByRole('heading', { name: 'Choose your own password' }).waitFor();
  await olas.close();

  // Done: the passwords are gone from the screen, and both are in the list of people.
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('heading', { name: 'People' }).waitFor();
  await page.getByRole('cell', { name: 'Ola Grey', exact: true }).waitFor();
  assert.equal(await page.getByText(olaPassword).count(), 0);
  await context.close();
});

test("an admin is asked to review staff who haven't used Tandem for 90 days, finds them, and deactivates one who left", async () => {
  const admin = await asAdmin(env.server.base);
  await api(env.server.base, 'sam', 'demo-worker-pass');
  const days = (n) => Date.now() - n * 86_400_000;
  for (const [name, display_name] of [['old.hand', 'Old Hand'], ['never.came', 'Never Came']]) {
    await admin.post('/api/admin/people', { role: 'key_worker', name, display_name, password: 'kettle orbit parsley' });
  }
  // Old Hand last used it four months ago; Never Came was added five months ago and never has.
  const back = (display, sql) => admin.idOf(display).then((id) => execFileSync('sqlite3', ['-cmd', '.timeout 5000', env.server.db, sql.replace('ID', id)]));
  await back('Old Hand', `UPDATE people SET created_at = ${days(300)}, last_active_at = ${days(120)} WHERE id = 'ID'`);
  await back('Never Came', `UPDATE people SET created_at = ${days(150)}, last_active_at = NULL WHERE id = 'ID'`);

  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'admin', 'demo-admin-pass');
  const toReview = page.locator('#staff-to-review');
  await toReview.getByText(/staff members have not used Tandem for 90 days or more/).waitFor();
  await assertAccessible(page, 'admin home, staff to review');
  await toReview.getByRole('button', { name: 'Review staff' }).click();
  await page.getByRole('heading', { name: 'People' }).waitFor();
  const row = (name) => page.getByRole('row').filter({ has: page.getByRole('cell', { name, exact: true }) });
  // Opened showing only the staff to review.
  const only = page.getByLabel(/Show only staff who haven't used it for 90 days/);
  await row('Old Hand').waitFor();
  await row('Never Came').getByRole('cell', { name: /; has not signed in yet$/ }).waitFor();
  assert.ok(await only.isChecked());
  assert.equal(await row('Sam').count(), 0, 'Sam used it today');
  assert.equal(await row('ash').count(), 0, 'young people are not reviewed here');
  assert.match(page.url(), /#\/people\/review$/, 'an address naming nobody');
  await assertAccessible(page, 'people, staff to review');
  await only.uncheck();
  await row('Sam').getByRole('cell', { name: /; last used Tandem / }).waitFor();
  await only.check();
  await row('Sam').waitFor({ state: 'detached' });

  // Old Hand has left: deactivated, and no longer on the list to review.
  await row('Old Hand').getByRole('button', { name: 'Deactivate Old Hand' }).click();
  const asking = page.getByRole('alertdialog', { name: 'Deactivate Old Hand?' });
  await asking.getByText('They support nobody now.').waitFor();
  await asking.getByRole('button', { name: 'Yes, deactivate' }).click();
  await row('Old Hand').waitFor({ state: 'detached' });
  await row('Never Came').waitFor();
  await context.close();
});
