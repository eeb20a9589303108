import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, assertAccessible, eventually, holdPulls, keptOnDevice, post, serverAndBrowser, signIn, waitForServiceWorker, writeAndShare } from './harness.mjs';

const env = serverAndBrowser();

/** The young person, offline, rewords one of their goals on its page: saved on the phone only. */
async function rewordGoalOffline(context, page, from, to) {
  await context.setOffline(true);
  await page.getByRole('button', { name: /My goals/ }).click();
  await page.getByRole('button', { name: `Open ${from}` }).click();
  await page.getByLabel('My goal').fill(to);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText(/Waiting for signal/).first().waitFor();
}

/** Signal again: the phone sends what waited. */
async function backOnline(context, page) {
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.getByText('Everything is sent.').waitFor();
}

test("offline young person and online worker edit one title: the young person's words win; the worker is told theirs was kept", async () => {
  const yp = await env.browser.newContext();
  const wk = await env.browser.newContext();
  const ash = await yp.newPage();
  const sam = await wk.newPage();
  await signIn(ash, env.server.base, 'ash', '6159');
  await waitForServiceWorker(ash);
  await signIn(sam, env.server.base, 'sam', 'demo-worker-pass');
  await sam.getByRole('button', { name: /Open ash/ }).click();
  await sam.getByText('Get my own place').waitFor();

  // Ash goes offline and changes the goal's title.
  await rewordGoalOffline(yp, ash, 'Get my own place', 'Get my own flat by summer');

  // Meanwhile Sam, online, changes the same title.
  const card = sam.locator('li.card', { hasText: 'Get my own place' });
  await card.getByRole('button', { name: 'Change', exact: true }).click();
  const editing = sam.locator('li.card', { has: sam.getByLabel('Change the words') });
  await editing.getByLabel('Change the words').fill('Find supported housing');
  await editing.getByRole('button', { name: 'Save', exact: true }).click();
  await sam.getByText('Find supported housing').first().waitFor();

  // Ash gets signal.
  await backOnline(yp, ash);
  await ash.getByRole('heading', { name: 'Get my own flat by summer' }).waitFor();

  // Sam's open screen updates live: Ash's title, and the notice.
  await sam.getByRole('heading', { name: 'Your version was kept as a suggestion' }).waitFor({ timeout: 15_000 });
  await sam.locator('li.card', { hasText: 'Get my own flat by summer' }).waitFor();
  assert.ok(await sam.getByText(/You wrote “Find supported housing”/).isVisible());
  // Read, and put away: it stays away on this device.
  await sam.getByRole('button', { name: 'OK, got it' }).click();
  await sam.getByRole('heading', { name: 'Your version was kept as a suggestion' }).waitFor({ state: 'detached' });
  await sam.reload();
  await sam.locator('li.card', { hasText: 'Get my own flat by summer' }).waitFor();
  assert.equal(await sam.getByRole('heading', { name: 'Your version was kept as a suggestion' }).count(), 0);

  // Ash sees Sam's version, in words, and can put it away too.
  await ash.getByRole('button', { name: 'Home' }).click();
  await ash.getByRole('button', { name: /From my worker/ }).click();
  const collision = ash.locator('li.card', { hasText: 'You and Sam both changed the goal' });
  await collision.getByText('Find supported housing').waitFor();
  await collision.getByRole('button', { name: 'OK, got it' }).click();
  await ash.getByText('Nothing to show.').waitFor();

  // Put away on every device of theirs: Sam's phone, and the drop-in's shared tablet (which kept
  // nothing of Ash's last visit) when Ash next signs in there.
  for (const [name, secret] of [['sam', 'demo-worker-pass'], ['ash', '6159']]) {
    const them = await api(env.server.base, name, secret);
    await eventually(async () => (await them.me()).put_away.length === 1, 15_000, `${name}'s notice told to the server`);
  }
  const phone = await env.browser.newContext();
  const samPhone = await phone.newPage();
  await signIn(samPhone, env.server.base, 'sam', 'demo-worker-pass');
  await samPhone.getByRole('button', { name: /Open ash/ }).click();
  // The notice would come with the goal it is about: once the goal is there, it must not be.
  await samPhone.locator('li.card', { hasText: 'Get my own flat by summer' }).waitFor();
  await samPhone.getByRole('heading', { name: 'Your version was kept as a suggestion' }).waitFor({ state: 'detached' });
  const dropIn = await env.browser.newContext();
  const tablet = await dropIn.newPage();
  await signIn(tablet, env.server.base, 'ash', '6159', { shared: true });
  await tablet.getByRole('button', { name: /My goals/ }).click();
  await tablet.getByRole('button', { name: /Open Get my own flat by summer/ }).waitFor();
  await tablet.getByRole('button', { name: 'Home' }).click();
  await tablet.getByRole('button', { name: /From my worker/ }).click();
  await tablet.getByText('Nothing to show.').waitFor();
  assert.equal(await tablet.locator('li.card', { hasText: 'You and Sam both changed the goal' }).count(), 0);
  await phone.close();
  await dropIn.close();
  await yp.close();
  await wk.close();
});

test("a worker who saves a young person's words without changing them is not in a collision with the young person's new ones", async () => {
  const yp = await env.browser.newContext();
  const wk = await env.browser.newContext();
  const kai = await yp.newPage();
  const sam = await wk.newPage();
  await signIn(kai, env.server.base, 'kai', '7093');
  await waitForServiceWorker(kai);
  await signIn(sam, env.server.base, 'sam', 'demo-worker-pass');
  await sam.getByRole('button', { name: /Open kai/ }).click();
  const card = sam.locator('li.card', { hasText: 'Learn to drive' });
  await card.waitFor();

  // Kai, offline, rewords the goal; Sam opens its words to change them, and saves them as they were.
  await rewordGoalOffline(yp, kai, 'Learn to drive', 'Pass my driving test');
  await card.getByRole('button', { name: 'Change', exact: true }).click();
  const editing = sam.locator('li.card', { has: sam.getByLabel('Change the words') });
  await editing.getByRole('button', { name: 'Save', exact: true }).click();
  await editing.waitFor({ state: 'detached' });

  // Kai gets signal: Kai's words reach Sam, with no "your version was kept" (Sam wrote nothing),
  // and Kai is told of no collision.
  await backOnline(yp, kai);
  await sam.locator('li.card', { hasText: 'Pass my driving test' }).waitFor({ timeout: 15_000 });
  assert.equal(await sam.getByRole('heading', { name: 'Your version was kept as a suggestion' }).count(), 0);
  await kai.getByRole('button', { name: 'Home' }).click();
  await kai.getByRole('button', { name: /From my worker/ }).click();
  await kai.getByText('Nothing to show.').waitFor();
  // And the server holds no kept version of the goal: the words were never Sam's.
  const goal = (await (await api(env.server.base, 'kai', '7093')).records()).find((r) => r.fields.title?.value.value === 'Pass my driving test');
  assert.ok(goal, 'the goal reached the server');
  assert.deepEqual(goal.conflicts, []);
  await yp.close();
  await wk.close();
});

test("a young person puts right who noticed a strength; their worker sees it, and the words stay as they were", async () => {
  const yp = await env.browser.newContext();
  const wk = await env.browser.newContext();
  const kai = await yp.newPage();
  const sam = await wk.newPage();
  await signIn(kai, env.server.base, 'kai', '7093');
  const card = kai.locator('li.card', { hasText: "I'm good at fixing bikes." });
  await card.getByText('I noticed this').waitFor();
  await card.getByRole('button', { name: 'Change', exact: true }).click();
  const editing = kai.locator('li.card', { has: kai.getByLabel('Change the words') });
  await editing.getByLabel('Who noticed it?').selectOption({ label: 'My worker' });
  await editing.getByRole('button', { name: 'Save', exact: true }).click();
  await card.getByText('My worker noticed this').waitFor();
  await kai.getByText('Everything is sent.').waitFor();

  await signIn(sam, env.server.base, 'sam', 'demo-worker-pass');
  await sam.getByRole('button', { name: /Open kai/ }).click();
  const theirs = sam.locator('li.card', { hasText: "I'm good at fixing bikes." });
  await theirs.getByText('Their worker noticed this').waitFor();
  // Only who noticed it changed: the words are still Kai's own, and no second copy was made.
  await theirs.getByText('In their words').waitFor();
  const strengths = (await (await api(env.server.base, 'kai', '7093')).records()).filter((r) => r.kind === 'strength' && r.fields.text?.value.value === "I'm good at fixing bikes.");
  assert.equal(strengths.length, 1);
  assert.equal(strengths[0].fields.noticed_by.value.value, 'my_worker');
  await yp.close();
  await wk.close();
});

test("the young person can take their worker's version instead of their own; then neither of them is told of the collision", async () => {
  const yp = await env.browser.newContext();
  const wk = await env.browser.newContext();
  const mo = await yp.newPage();
  const priya = await wk.newPage();
  await signIn(mo, env.server.base, 'mo', '5286');
  await waitForServiceWorker(mo);
  await mo.getByLabel('Something good about you').fill('I make people laugh');
  await mo.getByRole('button', { name: 'Save', exact: true }).click();
  const moCard = mo.locator('li.card', { hasText: 'I make people laugh' });
  await moCard.locator('summary').click();
  await moCard.getByLabel('Me and my worker').check();
  await signIn(priya, env.server.base, 'priya', 'demo-worker-pass');
  await priya.getByRole('button', { name: /Open mo/ }).click();
  await priya.locator('li.card', { hasText: 'I make people laugh' }).waitFor({ timeout: 15_000 });

  // Mo, offline, rewords it; Priya, online, rewords it too.
  await yp.setOffline(true);
  await moCard.getByRole('button', { name: 'Change', exact: true }).click();
  const moEditing = mo.locator('li.card', { has: mo.getByLabel('Change the words') });
  await moEditing.getByLabel('Change the words').fill('I cheer people up');
  await moEditing.getByRole('button', { name: 'Save', exact: true }).click();
  await mo.getByText(/Waiting for signal/).first().waitFor();
  await priya.locator('li.card', { hasText: 'I make people laugh' }).getByRole('button', { name: 'Change', exact: true }).click();
  const priyaEditing = priya.locator('li.card', { has: priya.getByLabel('Change the words') });
  await priyaEditing.getByLabel('Change the words').fill('Mo makes the whole group laugh');
  await priyaEditing.getByRole('button', { name: 'Save', exact: true }).click();
  await priya.getByText('Mo makes the whole group laugh').first().waitFor();

  // Mo gets signal: Mo's words win, and Priya is told hers were kept.
  await backOnline(yp, mo);
  await priya.getByRole('heading', { name: 'Your version was kept as a suggestion' }).waitFor({ timeout: 15_000 });

  // Mo likes Priya's words better and takes them.
  await mo.getByRole('button', { name: /From my worker/ }).click();
  const collision = mo.locator('li.card', { hasText: 'You and Priya both changed the words' });
  await collision.getByText('Mo makes the whole group laugh').waitFor();
  await collision.getByRole('button', { name: "Use Priya's version" }).click();
  await mo.getByText('Nothing to show.').waitFor();
  await mo.getByRole('button', { name: 'Home' }).click();
  await mo.locator('li.card', { hasText: 'Mo makes the whole group laugh' }).waitFor();
  assert.equal(await mo.locator('li.card', { hasText: 'I cheer people up' }).count(), 0);
  await mo.getByText('Everything is sent.').waitFor();

  // Priya's open screen follows: the words are Mo's choice now, and her notice has nothing left
  // to say.
  await priya.getByRole('heading', { name: 'Your version was kept as a suggestion' }).waitFor({ state: 'detached', timeout: 15_000 });
  await priya.locator('li.card', { hasText: 'Mo makes the whole group laugh' }).waitFor();
  await yp.close();
  await wk.close();
});

test("the worker's open caseload shows a newly shared statement within seconds, without a reload", async () => {
  const yp = await env.browser.newContext();
  const wk = await env.browser.newContext();
  const kai = await yp.newPage();
  const sam = await wk.newPage();
  await signIn(sam, env.server.base, 'sam', 'demo-worker-pass');
  // In order of their names, whatever their capitals (the database's order puts "New starter" first).
  await sam.locator('li.card h2', { hasText: 'New starter' }).waitFor();
  assert.deepEqual(await sam.locator('li.card h2').allInnerTexts(), ['ash', 'kai', 'New starter']);
  const kaiCard = sam.locator('li.card', { hasText: 'kai' });
  await kaiCard.getByRole('button', { name: /Open kai/ }).click();
  // Sam sees what Kai had shared (on a busy machine the first pull can land after the page
  // opens; what arrives after Sam leaves is rightly new to him).
  await sam.getByText("I'm good at fixing bikes").waitFor();
  await sam.getByRole('button', { name: '← All young people' }).click();
  await signIn(kai, env.server.base, 'kai', '7093');
  await writeAndShare(kai, 'Text me before you call');
  await kaiCard.getByTestId('new-count').waitFor({ timeout: 10_000 });
  await kaiCard.getByRole('button', { name: /Open kai/ }).click();
  await sam.getByText('Text me before you call').waitFor();
  await assertAccessible(sam, 'worker: young person page');
  // What is new since Sam last looked says so on its card; what Sam had seen does not.
  const statement = sam.locator('li.card', { hasText: 'Text me before you call' });
  await statement.getByText('New since you last looked').waitFor();
  await sam.locator('li.card', { hasText: "I'm good at fixing bikes" }).waitFor();
  assert.equal(await sam.locator('li.card', { hasText: "I'm good at fixing bikes" }).getByText('New since you last looked').count(), 0);

  // Sam's own change is not news to Sam: back on the caseload, nothing is counted as new.
  await statement.getByRole('button', { name: 'Change', exact: true }).click();
  await sam.getByText('These are their words. They will see your change, and their words are kept for them to take back.').waitFor();
  await sam.getByLabel('Change the words').fill('Text me before you call, please');
  await sam.getByRole('button', { name: 'Save', exact: true }).click();
  await sam.locator('li.card p.card__text', { hasText: 'Text me before you call, please' }).waitFor();
  await sam.getByText('Everything is sent.').waitFor();
  await sam.getByRole('button', { name: '← All young people' }).click();
  await kaiCard.getByRole('button', { name: /Open kai/ }).waitFor();
  await sam.getByText('Everything is sent.').waitFor();
  assert.equal(await kaiCard.getByTestId('new-count').count(), 0);

  // Kai's words were not lost: kept for Kai, who takes them back.
  await kai.getByRole('button', { name: 'Home' }).click();
  await kai.getByRole('button', { name: /From my worker \(1\)/ }).click({ timeout: 15_000 });
  const notice = kai.locator('li.card', { hasText: 'Sam changed the words' });
  await notice.getByText('Text me before you call, please').waitFor();
  await notice.locator('blockquote', { hasText: /^Text me before you call$/ }).waitFor();
  await assertAccessible(kai, 'where your worker changed your words');
  await notice.getByRole('button', { name: 'Use my words again' }).click();
  await notice.waitFor({ state: 'detached' });
  await kai.getByRole('button', { name: 'Home' }).click();
  await kai.getByRole('button', { name: /What I want you to know/ }).click();
  await kai.locator('li.card p.card__text', { hasText: /^Text me before you call$/ }).waitFor();
  // Sam's open screen follows: the words are Kai's again.
  await kaiCard.getByRole('button', { name: /Open kai/ }).click();
  await sam.locator('li.card', { hasText: /^In their words/ }).filter({ has: sam.locator('p.card__text', { hasText: /^Text me before you call$/ }) }).waitFor({ timeout: 15_000 });
  await yp.close();
  await wk.close();
});

test("a worker's suggestion accepted by the young person becomes theirs", async () => {
  const wk = await env.browser.newContext();
  const yp = await env.browser.newContext();
  const sam = await wk.newPage();
  await signIn(sam, env.server.base, 'sam', 'demo-worker-pass');
  await sam.getByRole('button', { name: /Open ash/ }).click();
  await sam.getByLabel('Suggest a strength').fill('You never give up on people');
  await sam.getByRole('button', { name: 'Send suggestion of a strength' }).click();
  // On the server before Ash opens Tandem ("Everything is sent." may still be the words from
  // before the tap).
  const api_ = await api(env.server.base, 'ash', '6159');
  await eventually(async () => (await api_.texts()).includes('You never give up on people'), 20_000, 'the suggestion sent');
  await sam.getByText('Everything is sent.').waitFor();

  const ash = await yp.newPage();
  await signIn(ash, env.server.base, 'ash', '6159');
  await ash.getByRole('button', { name: /From my worker/ }).click();
  const s = ash.locator('li.card', { hasText: 'You never give up on people' });
  await s.getByRole('button', { name: 'Yes, keep it' }).click();
  await ash.getByText('No suggestions right now.').waitFor();
  await ash.getByRole('button', { name: 'Home' }).click();
  // Kept as Ash's, and it says who noticed it.
  await ash.locator('li.card', { hasText: 'You never give up on people' }).getByText('My worker noticed this').waitFor();

  await eventually(async () => {
    const r = (await api_.records()).find((x) => x.fields.text?.value.value === 'You never give up on people');
    return r && r.fields.accepted.value.value === true && r.fields.accepted.author.person === api_.person;
  }, 10_000, 'accepted by Ash on the server');
  await yp.close();
  await wk.close();
});

test("a worker suggests a goal; the young person says yes and it is among their goals", async () => {
  const wk = await env.browser.newContext();
  const yp = await env.browser.newContext();
  const sam = await wk.newPage();
  await signIn(sam, env.server.base, 'sam', 'demo-worker-pass');
  await sam.getByRole('button', { name: /Open ash/ }).click();
  await sam.getByLabel('Suggest a goal').fill('Register with a GP');
  await sam.getByRole('button', { name: 'Send suggestion of a goal' }).click();
  await sam.locator('li.card', { hasText: 'Register with a GP' }).getByText('Your suggestion, waiting').waitFor();
  await sam.getByText('Everything is sent.').waitFor();

  const ash = await yp.newPage();
  await signIn(ash, env.server.base, 'ash', '6159');
  await ash.getByRole('button', { name: /From my worker/ }).click();
  await ash.locator('li.card', { hasText: 'Register with a GP' }).waitFor();
  await ash.getByRole('button', { name: 'Home' }).click();
  await ash.getByRole('button', { name: /My goals/ }).click();
  await ash.locator('li.card').first().waitFor(); // Ash's own goal (its title changes in the first test)
  assert.equal(await ash.locator('li.card', { hasText: 'Register with a GP' }).count(), 0, 'a suggestion is not among my goals until I say yes');
  await ash.getByRole('button', { name: 'Home' }).click();
  await ash.getByRole('button', { name: /From my worker/ }).click();
  await ash.locator('li.card', { hasText: 'Register with a GP' }).getByRole('button', { name: 'Yes, keep it' }).click();
  await ash.getByText('No suggestions right now.').waitFor();
  await ash.getByRole('button', { name: 'Home' }).click();
  await ash.getByRole('button', { name: /My goals/ }).click();
  await ash.locator('li.card', { hasText: 'Register with a GP' }).getByText('Written by Sam').waitFor();

  // Sam's screen follows: no longer waiting.
  const card = sam.locator('li.card', { hasText: 'Register with a GP' });
  await eventually(async () => (await card.getByText('Your suggestion, waiting').count()) === 0, 15_000, "Sam's screen to see it accepted");
  assert.equal(await card.getByRole('button', { name: 'Take back this suggestion' }).count(), 0, 'said yes to, it is theirs');

  // A suggestion sent by mistake is taken back: it goes from Ash's suggestions, live.
  await sam.getByLabel('Suggest a goal').fill('Sign up for the gym on Fridays');
  await sam.getByRole('button', { name: 'Send suggestion of a goal' }).click();
  const mistake = sam.locator('li.card', { hasText: 'Sign up for the gym on Fridays' });
  await mistake.getByText('Your suggestion, waiting').waitFor();
  await ash.getByRole('button', { name: 'Home' }).click();
  await ash.getByRole('button', { name: /From my worker/ }).click();
  const offered = ash.locator('li.card', { hasText: 'Sign up for the gym on Fridays' });
  await offered.waitFor({ timeout: 15_000 });
  // Ash is looking at it, about to change it, when it goes: the screen says so.
  await offered.getByRole('button', { name: 'Change it' }).click();
  await ash.getByRole('heading', { level: 1, name: 'Sign up for the gym on Fridays' }).waitFor();
  await mistake.getByRole('button', { name: 'Take back this suggestion' }).click();
  await mistake.getByRole('button', { name: 'Yes, remove it' }).click();
  await mistake.waitFor({ state: 'detached' });
  await ash.getByText(/That goal is not here any more\..*a suggestion your worker took back/).waitFor({ timeout: 15_000 });
  await ash.getByRole('button', { name: 'Home' }).click();
  await ash.getByRole('button', { name: /From my worker/ }).click();
  await ash.getByText('No suggestions right now.').waitFor();
  assert.equal(await offered.count(), 0);
  await yp.close();
  await wk.close();
});

test('the meeting page shows only the marked statements, verbatim, and prints on A4', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'mo', '5286');
  await page.getByRole('button', { name: /What I want you to know/ }).click();
  const add = async (text, meeting) => {
    await page.getByLabel('What you want people to know').fill(text);
    await page.getByLabel(/For a meeting/).fill(meeting);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('li.card', { hasText: text }).waitFor();
  };
  await add("I don't want my mum in the room.\nAsk me first.", 'Review on Friday');
  await add('I like working with Priya', 'Review on Friday');
  await add('Not for the meeting', 'Something else');
  await page.getByRole('button', { name: 'Meeting page: Review on Friday' }).click();
  await page.getByRole('heading', { name: 'Review on Friday' }).waitFor();
  const words = await page.locator('.meeting__words li').allInnerTexts();
  assert.deepEqual(words.sort(), ["I don't want my mum in the room.\nAsk me first.", 'I like working with Priya'].sort());
  assert.equal(await page.getByText('Not for the meeting').count(), 0);
  await assertAccessible(page, 'meeting page');
  const pdf = await page.pdf({ format: 'A4', printBackground: false });
  const text = pdf.toString('latin1');
  const box = text.match(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/);
  assert.ok(box, 'a PDF with a page size');
  assert.ok(Math.abs(Number(box[1]) - 595.9) < 2 && Math.abs(Number(box[2]) - 842.9) < 2, `A4 page, got ${box[1]}x${box[2]}`);
  assert.equal((text.match(/\/Type\s*\/Page\b/g) ?? []).length, 1, 'fits on one page');

  // After writing: one statement moved to Friday's meeting, one written with none taken there too,
  // then one taken off again once said.
  await page.getByRole('button', { name: 'Home' }).click();
  await page.getByRole('button', { name: /What I want you to know/ }).click();
  const mark = async (text, summary, meeting) => {
    const card = page.locator('li.card', { hasText: text });
    await card.getByText(summary, { exact: true }).click();
    await card.getByLabel('Which meeting?').fill(meeting);
    await card.getByRole('button', { name: 'Save the meeting' }).click();
    await card.getByText(`It is on the page for "${meeting}".`).waitFor();
    await card.getByText(`For: ${meeting}`).waitFor();
    return card;
  };
  const moved = await mark('Not for the meeting', 'For a meeting: Something else', 'Review on Friday');
  // Not shared: said plainly, as the worker's meeting page shows only what is shared.
  await moved.getByText(/Only you can see this now\. For your worker to see it on the meeting page, share it with them too\./).waitFor();
  await page.getByLabel('What you want people to know').fill('Please talk to me, not about me');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await mark('Please talk to me, not about me', 'Take it to a meeting', 'Review on Friday');
  await assertAccessible(page, 'a statement being taken to a meeting');
  assert.equal(await page.getByRole('button', { name: 'Meeting page: Something else' }).count(), 0, 'a meeting with nothing left has no page');
  const liked = page.locator('li.card', { hasText: 'I like working with Priya' });
  await liked.getByText('For a meeting: Review on Friday', { exact: true }).click();
  await liked.getByRole('button', { name: 'Not for a meeting' }).click();
  await liked.getByText('It is not for a meeting now.').waitFor();
  await page.getByRole('button', { name: 'Meeting page: Review on Friday' }).click();
  await page.getByRole('heading', { name: 'Review on Friday' }).waitFor();
  const now = await page.locator('.meeting__words li').allInnerTexts();
  assert.deepEqual(now.sort(), ["I don't want my mum in the room.\nAsk me first.", 'Not for the meeting', 'Please talk to me, not about me'].sort());
  await page.getByText('Everything is sent.').waitFor();
  const stored = (await (await api(env.server.base, 'mo', '5286')).records()).filter((r) => r.kind === 'statement');
  const meetingOf = (t) => stored.find((r) => r.fields.text?.value.value === t)?.fields.meeting?.value.value ?? null;
  assert.equal(meetingOf('I like working with Priya'), null, 'taken off on the server too');
  assert.equal(meetingOf('Please talk to me, not about me'), 'Review on Friday');
  await context.close();
});

test('on a shared tablet, sign-out leaves nothing of the young person, and the next person sees none of it', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(env.server.base + '/?idle=2');
  await page.getByLabel('Your name').fill('kai');
  await page.getByLabel('Your PIN or password').fill('7093');
  await page.getByLabel(/shared tablet/).check();
  // The browser is asked not to keep the name or PIN for the next visitor to see.
  assert.equal(await page.getByLabel('Your name').getAttribute('autocomplete'), 'off');
  assert.equal(await page.getByLabel('Your PIN or password').getAttribute('autocomplete'), 'off');
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Their home says how the visit ends: signing out, or the lock and then the end of the visit.
  await page.getByText(/^This is a shared tablet\. When you have finished, press Sign out .* locks after 2 seconds, and signs you out 10 seconds after that\.$/).waitFor();
  await page.getByLabel('Something good about you').fill('Kai is brilliant with bikes');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Everything is sent.').waitFor();

  // Left alone, the tablet locks and hides Kai's things.
  await page.getByRole('heading', { name: 'Locked' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.getByText('Kai is brilliant with bikes').count(), 0);
  await assertAccessible(page, 'tablet lock screen');

  // Reloading, or the browser closed and opened again, does not get past the lock.
  await page.reload();
  await page.getByRole('heading', { name: 'Locked' }).waitFor();
  assert.equal(await page.getByText('Kai is brilliant with bikes').count(), 0, 'hidden after a reload');
  const reopened = await context.newPage();
  await reopened.goto(env.server.base + '/');
  await reopened.getByRole('heading', { name: 'Locked' }).waitFor();
  assert.equal(await reopened.getByText('Kai is brilliant with bikes').count(), 0, 'hidden when opened again');
  await reopened.close();

  await page.getByLabel('Your PIN or password').fill('7093');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByText('Kai is brilliant with bikes').first().waitFor();

  // A copy of their things can be printed here, not downloaded: a file would stay on the tablet.
  await page.getByRole('button', { name: 'Save or print my things' }).click();
  await page.getByText('This is a shared tablet, so there is no download here').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Download my things' }).count(), 0);
  await page.getByRole('button', { name: 'Print' }).waitFor();
  await page.getByRole('button', { name: 'Home' }).click();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  const left = await keptOnDevice(page);
  const kaiId = (await api(env.server.base, 'kai', '7093')).person;
  assert.ok(!left.text.includes('brilliant with bikes'), 'no words left in IndexedDB or Cache Storage');
  assert.ok(!left.text.includes(kaiId), "nothing naming Kai's account left behind");
  assert.deepEqual(left.stored, [], 'IndexedDB holds nothing: no records, outbox, session, tokens or PIN check');

  await page.getByLabel('Your name').fill('mo');
  await page.getByLabel('Your PIN or password').fill('5286');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.getByText('Everything is').waitFor();
  assert.equal(await page.getByText('Kai is brilliant with bikes').count(), 0, 'the next person sees none of it');
  // Mo signed in without saying it is a shared tablet: nothing says it is one.
  assert.equal(await page.getByText(/This is a shared tablet/).count(), 0);
  await context.close();
});

test('a shared tablet left with unsent words keeps them until they are sent, then clears itself for the next visitor', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  // Locks after 2 s idle (typing into a field is not a tap; one second left no room on a busy machine).
  await page.goto(env.server.base + '/?idle=2');
  await page.getByLabel('Your name').fill('mo');
  await page.getByLabel('Your PIN or password').fill('5286');
  await page.getByLabel(/shared tablet/).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Everything is').waitFor();
  await context.setOffline(true);
  await page.getByLabel('Something good about you').fill('Mo makes everyone laugh');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Mo makes everyone laugh').first().waitFor();

  // Mo walks away with the drop-in's signal down: the visit ends, but the words are not dropped.
  await page.getByRole('heading', { name: 'Locked' }).waitFor({ timeout: 10_000 });
  await page.getByRole('status').filter({ hasText: 'clears this tablet as soon as they are sent' }).waitFor({ timeout: 20_000 });
  await assertAccessible(page, 'tablet locked, waiting to send');

  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 20_000 });
  const mo = await api(env.server.base, 'mo', '5286');
  assert.ok((await mo.texts()).includes('Mo makes everyone laugh'), 'sent before the tablet cleared itself');
  const left = await keptOnDevice(page);
  assert.ok(!left.text.includes('everyone laugh') && !left.text.includes(mo.person), 'nothing of Mo left on the tablet');
  assert.equal(await page.getByText('Mo makes everyone laugh').count(), 0);

  // The next visitor starts on their own things, not on Mo's lock screen.
  await page.getByLabel('Your name').fill('kai');
  await page.getByLabel('Your PIN or password').fill('7093');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Something good about you').waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Locked' }).count(), 0);
  await context.close();
});

test("a step added on a phone offline and another on the drop-in's tablet: both stay on the goal", async () => {
  const phoneContext = await env.browser.newContext();
  const tabletContext = await env.browser.newContext();
  const phone = await phoneContext.newPage();
  const tablet = await tabletContext.newPage();
  const openGoal = async (page) => {
    await page.getByRole('button', { name: /My goals/ }).click();
    await page.getByRole('button', { name: /Open Sort out my bank card/ }).click();
    await page.getByRole('heading', { name: 'Small steps' }).waitFor();
  };
  await signIn(phone, env.server.base, 'ash', '6159');
  await phone.getByRole('button', { name: /My goals/ }).click();
  await phone.getByLabel('A new goal').fill('Sort out my bank card');
  await phone.getByRole('button', { name: 'Add goal' }).click();
  // On the server before the phone loses signal ("Everything is sent." may still be the words
  // from before the tap).
  const ash = await api(env.server.base, 'ash', '6159');
  await eventually(async () => (await ash.texts()).includes('Sort out my bank card'), 20_000, 'the goal sent');
  await phone.getByText('Everything is sent.').waitFor();
  await phone.getByRole('button', { name: 'Home' }).click();
  await openGoal(phone);
  await phoneContext.setOffline(true);
  await phone.getByLabel('Add a small step').fill('Ask about a deposit scheme');
  await phone.getByRole('button', { name: 'Add step' }).click();
  await phone.getByText('Ask about a deposit scheme').waitFor();

  await signIn(tablet, env.server.base, 'ash', '6159', { shared: true });
  await openGoal(tablet);
  await tablet.getByLabel('Add a small step').fill('Visit the housing office');
  await tablet.getByRole('button', { name: 'Add step' }).click();
  const steps = async () => {
    const goal = (await ash.records()).find((r) => r.fields.title?.value.value === 'Sort out my bank card');
    return (goal?.fields.steps?.value.value ?? []).map((s) => s.text);
  };
  // The tablet's step is on the server before the phone, holding a list without it, is back.
  await eventually(async () => (await steps()).includes('Visit the housing office'), 20_000, "the tablet's step sent");
  await tablet.getByText('Everything is sent.').waitFor();

  await phoneContext.setOffline(false);
  await phone.evaluate(() => window.dispatchEvent(new Event('online')));
  await eventually(async () => {
    const now = await steps();
    return now.includes('Ask about a deposit scheme') && now.includes('Visit the housing office');
  }, 20_000, 'both steps on the server');
  await phone.getByText('Visit the housing office').waitFor();
  await phone.getByText('Ask about a deposit scheme').waitFor();
  // The tablet's open screen hears of it live.
  await tablet.getByText('Ask about a deposit scheme').waitFor({ timeout: 15_000 });
  await phoneContext.close();
  await tabletContext.close();
});

test("a worker's new device says it is checking, never 'nothing shared', until its first pull has come back", async () => {
  const context = await env.browser.newContext();
  const sam = await context.newPage();
  // Hold the first pull: the caseload is known (from /api/me) before what anyone shared is.
  const release = await holdPulls(sam);
  await signIn(sam, env.server.base, 'sam', 'demo-worker-pass');
  const kai = sam.locator('li.card', { hasText: 'kai' });
  await kai.getByText('Checking what they have shared…').waitFor();
  assert.equal(await sam.getByText(/^0 things shared with you$/).count(), 0);
  release();
  await kai.getByText(/^\d+ things? shared with you$/).waitFor();
  await assertAccessible(sam, "a worker's caseload");
  await context.close();
});

test("a key worker's own laptop locks after 15 minutes unused, shows nobody's name or words, and opens with their password, after a reload too", async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.clock.install();
  await signIn(page, env.server.base, 'sam', 'demo-worker-pass');
  const ash = page.getByRole('button', { name: /Open ash/ });
  await ash.waitFor();
  // The lock starts once the laptop holds a slow check of the password (made after sign-in).
  await eventually(async () => (await keptOnDevice(page)).text.includes('"iterations":600000'), 15_000, "the password's check kept on the laptop");

  // In use, it stays open: 14 minutes, a tap, 14 more minutes, and the caseload still opens.
  await page.clock.fastForward('14:00');
  await ash.click();
  await page.getByRole('heading', { name: 'ash' }).waitFor();
  await page.clock.fastForward('14:00');
  await page.getByRole('button', { name: 'Home' }).click();
  await ash.waitFor();

  // Left for a quarter of an hour, it locks and hides who they support.
  await page.clock.fastForward('15:30');
  await page.getByRole('heading', { name: 'Locked' }).waitFor();
  assert.equal(await page.getByText(/ash|kai/).count(), 0, 'no young person named on the lock screen');
  assert.equal(await page.getByRole('button', { name: 'Home' }).count(), 0, 'nothing to go to while locked');
  await assertAccessible(page, "a staff device's lock screen");

  const unlock = async (password, expected) => {
    await page.getByLabel('Your password').fill(password);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expected.waitFor();
  };
  await unlock('not-my-password', page.getByRole('alert').filter({ hasText: "That password didn't match. Try again, or sign out." }));

  // Syncing carries on behind the lock: a young person Sam supports says they don't feel safe,
  // and the locked screen (and the tab's title) says so, naming nobody.
  const kai = (await post(env.server.base, '/api/auth/sign-in', { name: 'kai', secret: '7093', device: crypto.randomUUID() })).body;
  const raised = await post(env.server.base, '/api/alerts', { id: crypto.randomUUID(), raised_at: Date.now() }, kai.access_token);
  assert.equal(raised.status, 200);
  await page.getByRole('alert').filter({ hasText: "Someone you support said they don't feel safe right now. Unlock to see who." }).waitFor();
  await eventually(async () => (await page.title()) === "(1) Someone doesn't feel safe: Tandem", 10_000, 'the alert in the tab title');
  assert.equal(await page.getByText(/ash|kai/).count(), 0, 'the alert names nobody while locked');
  await assertAccessible(page, "a staff device's lock screen saying there is an alert");

  // Closing Tandem and opening it again does not get past the lock.
  await page.reload();
  await page.getByRole('heading', { name: 'Locked' }).waitFor();
  assert.equal(await page.getByText(/ash|kai/).count(), 0, 'hidden after a reload');
  await unlock('demo-worker-pass', ash);
  await page.getByText("kai said they don't feel safe right now").waitFor();

  // Closed, and opened again a quarter of an hour later (by the page's clock): locked from the start.
  const closedAt = await page.evaluate(() => Date.now());
  await page.close();
  const later = await context.newPage();
  await later.clock.install({ time: closedAt + 16 * 60_000 });
  await later.goto(env.server.base + '/');
  await later.getByRole('heading', { name: 'Locked' }).waitFor();
  assert.equal(await later.getByText(/ash|kai/).count(), 0, 'hidden when opened again later');
  await context.close();
});

test("a key worker who looks on their laptop finds nothing new there on their phone, or on a new device", async () => {
  const contexts = [];
  const device = async () => {
    const context = await env.browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await signIn(page, env.server.base, 'priya', 'demo-worker-pass');
    return page;
  };
  const moOn = (page) => page.locator('li.card').filter({ has: page.getByRole('heading', { name: 'mo', exact: true }) });
  // Mo shares something new with her worker.
  const yp = await env.browser.newContext();
  contexts.push(yp);
  const mo = await yp.newPage();
  await signIn(mo, env.server.base, 'mo', '5286');
  await writeAndShare(mo, 'Mornings are hard for me');
  const priya = await api(env.server.base, 'priya', 'demo-worker-pass');
  await eventually(async () => (await priya.texts()).includes('Mornings are hard for me'), 20_000, 'the shared words on the server');
  await mo.getByText('Everything is sent.').waitFor();

  const laptop = await device();
  const phone = await device();
  // New to Priya on both.
  for (const page of [laptop, phone]) await moOn(page).getByTestId('new-count').waitFor();

  await moOn(laptop).getByRole('button', { name: /Open mo/ }).click();
  await laptop.getByText('Mornings are hard for me').waitFor();
  await laptop.getByRole('button', { name: '← All young people' }).click();
  await moOn(laptop).getByTestId('new-count').waitFor({ state: 'detached' });

  // Priya comes back to the app on her phone: what she saw on the laptop isn't new here.
  await eventually(async () => {
    await phone.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    return (await moOn(phone).getByTestId('new-count').count()) === 0;
  }, 20_000, "the phone to learn of the laptop's look");
  await phone.reload();
  await moOn(phone).getByText(/things? shared with you$/).waitFor();
  assert.equal(await moOn(phone).getByTestId('new-count').count(), 0, 'kept on the phone');

  // A device she has never used: what she has seen is known before anything is pulled.
  const fresh = await device();
  await moOn(fresh).getByText(/things? shared with you$/).waitFor();
  assert.equal(await moOn(fresh).getByTestId('new-count').count(), 0, 'nothing new on a new device');
  for (const context of contexts) await context.close();
});
