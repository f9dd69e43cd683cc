// Two or three people, each in a browser of their own, sending pins through
// the demo and answering them.
import {
  badge,
  expect,
  head,
  messages,
  NAMES,
  openHead,
  panel,
  PINS,
  reply,
  sendPin,
  test,
} from './support/demo.js';

test('a pin sent to one person reaches them with its note, and their reply comes back', async ({ signIn }) => {
  const ana = await signIn('ana');
  const ben = await signIn('ben');

  await sendPin(ana, { pin: PINS.tart.title, to: ['ben'], note: 'Shall we bake this on Sunday?' });
  // The sender's own head for the conversation shows up, with nothing unread.
  await expect(head(ana, NAMES.ben)).toHaveAccessibleName(`Open conversation with ${NAMES.ben}`);

  await expect(head(ben, NAMES.ana)).toHaveAccessibleName(`Open conversation with ${NAMES.ana}, 1 unread message`);
  await expect(badge(ben, NAMES.ana)).toHaveText('1');

  const open = await openHead(ben, NAMES.ana);
  const card = open.getByRole('figure');
  await expect(card.getByRole('img', { name: PINS.tart.title })).toBeVisible();
  await expect(card.getByRole('link', { name: PINS.tart.title })).toHaveAttribute('href', 'https://www.example.com/recipes/lemon-tart');
  await expect(card).toContainText(`Pin from ${PINS.tart.host}`);
  await expect(messages(ben, 'Shall we bake this on Sunday?')).toBeVisible();
  // Reading it clears the badge.
  await expect(badge(ben, NAMES.ana)).toHaveCount(0);
  await expect(head(ben, NAMES.ana)).toHaveAccessibleName(`Open conversation with ${NAMES.ana}`);

  await reply(ben, 'Yes! I will bring lemons.');
  await expect(messages(ben, 'Yes! I will bring lemons.')).toContainText(/Sent|Seen/);

  await expect(badge(ana, NAMES.ben)).toHaveText('1');
  await openHead(ana, NAMES.ben);
  await expect(messages(ana, 'Yes! I will bring lemons.')).toBeVisible();
  // Ana has now read it: Ben's own message turns to Seen.
  await expect(messages(ben, 'Yes! I will bring lemons.')).toContainText('Seen');
});

test('a pin sent to a group reaches every member, and a reply reaches the others', async ({ signIn }) => {
  const chloe = await signIn('chloe');
  const dev = await signIn('dev');
  const emi = await signIn('emi');

  await sendPin(chloe, { pin: PINS.lisbon.title, to: ['dev', 'emi'], note: 'Trip in May?', group: 'Lisbon trip' });

  for (const member of [dev, emi]) {
    await expect(head(member, 'Lisbon trip')).toHaveAccessibleName('Open conversation with Lisbon trip, 1 unread message');
    await expect(badge(member, 'Lisbon trip')).toHaveText('1');
  }

  const open = await openHead(emi, 'Lisbon trip');
  await expect(open.getByRole('heading', { name: 'Lisbon trip' })).toBeVisible();
  await expect(open).toContainText('3 members');
  await expect(open.getByRole('figure').getByRole('link', { name: PINS.lisbon.title })).toBeVisible();
  // In a group the sender is named above their messages.
  await expect(messages(emi, 'Trip in May?')).toContainText(NAMES.chloe);

  await reply(emi, 'Count me in');
  for (const other of [chloe, dev]) {
    await expect(badge(other, 'Lisbon trip')).toHaveText(other === dev ? '2' : '1');
    await openHead(other, 'Lisbon trip');
    await expect(messages(other, 'Count me in')).toContainText(NAMES.emi);
  }
});

test('a pin sent to several people separately makes one conversation each', async ({ signIn }) => {
  const hana = await signIn('hana');
  const farah = await signIn('farah');
  const jo = await signIn('jo');

  await sendPin(hana, { pin: PINS.ferns.title, to: ['farah', 'jo'] });
  await expect(head(hana, NAMES.farah)).toBeVisible();
  await expect(head(hana, NAMES.jo)).toBeVisible();
  for (const person of [farah, jo]) {
    await expect(badge(person, NAMES.hana)).toHaveText('1');
    await openHead(person, NAMES.hana);
    await expect(panel(person).getByRole('figure')).toContainText(`Pin from ${PINS.ferns.host}`);
  }
});

test('a dismissed head goes away until a new message brings it back', async ({ signIn }) => {
  const gus = await signIn('gus');
  const ivan = await signIn('ivan');

  await sendPin(gus, { pin: PINS.tart.title, to: ['ivan'] });
  await expect(badge(ivan, NAMES.gus)).toHaveText('1');

  await ivan.getByRole('button', { name: `Dismiss ${NAMES.gus}` }).click();
  await expect(head(ivan, NAMES.gus)).toHaveCount(0);
  // Its x went with it.
  await expect(ivan.getByRole('button', { name: `Dismiss ${NAMES.gus}` })).toHaveCount(0);

  // Dismissing is not leaving: a new message from Gus brings the head back with its badge.
  await openHead(gus, NAMES.ivan);
  await reply(gus, 'Did you see the tart?');
  await expect(head(ivan, NAMES.gus)).toBeVisible();
  await expect(badge(ivan, NAMES.gus)).toHaveText('2');
  await openHead(ivan, NAMES.gus);
  await expect(messages(ivan, 'Did you see the tart?')).toBeVisible();
});
