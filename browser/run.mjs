// End-to-end tests of kehu's pages in Debian's Chromium, headless, driven by playwright-core.
// scripts/browser-tests starts a fresh `kehu serve` and runs this file with KEHU_URL, KEHU_ADMIN
// and KEHU_ADMIN_PASSWORD set. Each test saves screenshots at 1280 px and 390 px wide into
// SCREENSHOTS (default ../target/browser-screenshots) and fails if the page is wider than the
// window (layout breakage) at either width.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const BASE = process.env.KEHU_URL ?? 'http://127.0.0.1:8080';
const ADMIN = process.env.KEHU_ADMIN ?? 'admin';
const ADMIN_PASSWORD = process.env.KEHU_ADMIN_PASSWORD;
const SHOTS = process.env.SCREENSHOTS ?? new URL('../target/browser-screenshots', import.meta.url).pathname;
const PASSWORD = 'Kehu-2026-test!';
mkdirSync(SHOTS, { recursive: true });

// ---- set-up through the JSON API ----------------------------------------------------------
async function api(cookie, method, path, body) {
  const r = await fetch(BASE + path, {
    method,
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return { json: text ? JSON.parse(text) : null, cookie: (r.headers.get('set-cookie') ?? '').split(';')[0] };
}
async function session(login, password = PASSWORD) {
  return (await api(null, 'POST', '/api/v1/session', { login, password })).cookie;
}

const people = [
  { login: 'desk', name: '王前台', role: 'front_desk' },
  { login: 'zhang', name: '张三', role: 'sales' },
  { login: 'li', name: '李四', role: 'sales' },
  { login: 'wang', name: '王五', role: 'sales' },
  { login: 'boss', name: '赵经理', role: 'manager' },
  { login: 'a1', name: '张伟', role: 'agent', agency: '链家' },
  { login: 'b1', name: '李娜', role: 'agent', agency: '我爱我家' },
];

let adminCookie;

async function setUp() {
  const admin = adminCookie = await session(ADMIN, ADMIN_PASSWORD);
  await api(admin, 'POST', '/api/v1/projects', { name: 'sunshine', rulebook: 'site-rotation' });
  await api(admin, 'POST', '/api/v1/projects', { name: 'channel', rulebook: 'channel-sms' });
  for (const p of people) await api(admin, 'POST', '/api/v1/users', { ...p, password: PASSWORD });
}

// ---- the browser --------------------------------------------------------------------------
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});

async function signIn(login, password = PASSWORD) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(BASE + '/');
  assert.match(page.url(), /\/login/);
  await page.getByLabel('登录名').fill(login);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForLoadState('load');
  return page;
}

/// Screenshots at both widths; the page must fit the window at each (tables scroll inside).
async function shoot(page, name) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name} at ${width}px is ${overflow}px wider than the window`);
    await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/// The verdict box's text. Every refused or invalid act it shows names its deciding rule and
/// says why (G-EXPLAIN): checked here, for every flash any test reads.
async function flash(page) {
  const text = (await page.locator('#flash').innerText()).replace(/\s+/g, ' ');
  if (/^\W*(不予受理|无效|Rejected|Invalid)/.test(text.trim())) {
    assert.match(text, /依据规则 [A-Z]+-[A-Z0-9-]+|Rule [A-Z]+-[A-Z0-9-]+/, `a refusal without its rule: ${text}`);
    assert.match(text, /(原因|Why)[：:] ?\S/, `a refusal without its reason: ${text}`);
  }
  return text;
}

/// The same flash again (after a reload): equal but for the time left, which may tick over.
function assertSameFlash(again, first) {
  const steady = (f) => f.replace(/（剩[^）]*）/g, '（剩 …）');
  assert.equal(steady(again), steady(first), 'the reload shows the first result again');
}

/// The flash's title and lines, one string each.
async function flashLines(page) {
  return (await page.locator('#flash').locator('h2, li').allInnerTexts()).map((l) => l.replace(/\s+/g, ' ').trim());
}

/// How many acts the server has decided (replays are not counted): `kehu_acts_total` summed over
/// acts and outcomes, read by the admin from /metrics. A repeat that records nothing leaves it alone.
async function actsDecided() {
  const r = await fetch(BASE + '/metrics', { headers: { cookie: adminCookie } });
  assert.equal(r.status, 200, 'GET /metrics as the admin');
  return (await r.text()).split('\n').filter((l) => l.startsWith('kehu_acts_total{'))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
/// A test that relies on the one before it: a clear failure when that one did not get there.
const needs = (value, what) => { if (!value) throw new Error(`${what} did not run to the point this needs`); };

let zhang;

test('a salesperson signs in and lands on the project list', async () => {
  zhang = await signIn('zhang');
  await page_has(zhang, 'h1', '选择项目');
  await zhang.getByRole('link', { name: /sunshine/ }).click();
  await page_has(zhang, 'h1', '我的客户');
  await shoot(zhang, '01-login-my-customers');
});

test('registering a customer gives the verdict with its rule and dates', async () => {
  await zhang.getByLabel('客户姓名', { exact: true }).fill('王先生');
  await zhang.getByLabel('客户电话').fill('13800138000');
  await zhang.getByRole('button', { name: '提交报备' }).click();
  const f = await flash(zhang);
  assert.match(f, /已受理/);
  assert.match(f, /依据规则 SR-/);
  assert.match(f, /保护期至 \d{4}-\d{2}-\d{2} \d{2}:\d{2}|长期有效/);
  // The customer is now in my list, masked.
  await page_has(zhang, '#my-customers', '138****8000');
  await shoot(zhang, '02-register-accepted');
});

test("a second salesperson's collision shows the protection, not the owner", async () => {
  const li = await signIn('li');
  await li.getByRole('link', { name: /sunshine/ }).click();
  await li.getByLabel('客户姓名', { exact: true }).fill('王先生');
  await li.getByLabel('客户电话').fill('138 0013 8000');
  await li.getByRole('button', { name: '提交报备' }).click();
  const f = await flash(li);
  assert.match(f, /不予受理/);
  assert.match(f, /已受保护至|保护期至/);
  assert.doesNotMatch(f, /张三/);
  await shoot(li, '03-collision-rejected');
  await li.context().close();
});

test('walk-ins follow the rotation, and a busy salesperson keeps an owed turn', async () => {
  const desk = await signIn('desk');
  await desk.getByRole('link', { name: /sunshine/ }).click();
  await page_has(desk, 'h1', '前台接待');
  await page_has(desk, '#next-up', '张三');
  await desk.locator('#walkin-button').click();
  assert.match(await flash(desk), /请接待：张三/);
  await page_has(desk, '#next-up', '李四');
  // A reload (pull-to-refresh on a phone) shows the result again and consumes no turn.
  await desk.reload();
  assert.match(await flash(desk), /请接待：张三/);
  await page_has(desk, '#next-up', '李四');
  assert.equal(await desk.locator('#visitor-register tbody tr').count(), 1);
  // 李四 is busy: the next walk-in goes to 王五 and 李四 keeps the turn (累计).
  await desk.getByRole('button', { name: '李四：忙碌' }).click();
  assert.match(await flash(desk), /李四 → 忙碌/);
  await desk.locator('#walkin-button').click();
  assert.match(await flash(desk), /请接待：王五/);
  const row = desk.locator('#rotation tr[data-login="li"]');
  assert.equal((await row.locator('td').nth(4).innerText()).trim(), '1');
  await desk.getByRole('button', { name: '李四：空闲' }).click();
  await desk.locator('#walkin-button').click();
  assert.match(await flash(desk), /请接待：李四/);
  await page_has(desk, '#visitor-register', '李四');
  await shoot(desk, '04-front-desk-rotation');
  await desk.context().close();
});

test('an agent pastes an SMS registration and sees only its own registrations', async () => {
  const agent = await signIn('a1');
  await agent.getByRole('link', { name: /channel/ }).click();
  await page_has(agent, 'h1', '分销报备');
  const tomorrow = new Date(Date.now() + 8 * 3600e3 + 24 * 3600e3).toISOString().slice(0, 10);
  await agent.getByLabel('短信内容').fill(`报备《channel》住宅，客户何先生，电话：177****0001，链家张伟，到访：${tomorrow} 10:00`);
  await agent.getByRole('button', { name: '识别并报备' }).click();
  const f = await flash(agent);
  assert.match(f, /已受理/);
  assert.match(f, /识别结果：何先生 177\*\*\*\*0001/);
  await page_has(agent, '#agent-registrations', '177****0001');
  await page_has(agent, '#agent-registrations', '保护中');
  // Nobody else's data: the sunshine customer registered by 张三 is not on this page.
  const mine = await agent.locator('#agent-registrations').innerText();
  assert.doesNotMatch(mine, /138\*\*\*\*8000|王先生/);
  await shoot(agent, '05-agent-sms');
  await agent.context().close();
});

test('a manager resolves a dispute from the queue', async () => {
  // The customer arrives brought by 链家 and names 我爱我家's agent: a dispute (CS-DISPUTE).
  const boss = await session('boss');
  const v = await api(boss, 'POST', '/api/v1/projects/channel/acts', {
    act: 'visit', customer: { phone: '177****0001' }, brought_by: 'a1', names: ['b1'],
  });
  assert.equal(v.json.outcome, 'pending', JSON.stringify(v.json));
  const page = await signIn('boss');
  await page.getByRole('link', { name: /channel/ }).click();
  await page_has(page, 'h1', '经理台');
  await page_has(page, '#disputes', 'CS-DISPUTE');
  await shoot(page, '06-manager-disputes');
  await page.getByRole('button', { name: '判给 我爱我家' }).click();
  const f = await flash(page);
  assert.match(f, /已受理/);
  assert.match(f, /客户归属：我爱我家/);
  await page_has(page, 'main', '没有待裁定的争议');
  await shoot(page, '07-manager-resolved');
  await page.context().close();
});

test('a salesperson logs a follow-up and a deal on the customer\'s timeline', async () => {
  const page = zhang;
  await page.goto(BASE + '/p/sunshine/sales');
  await page.getByRole('link', { name: '王先生' }).click();
  await page_has(page, 'h1', '客户档案');
  await page_has(page, '.timeline', '报备');
  await page.getByLabel('跟进方式').selectOption('call');
  await page.getByRole('button', { name: '登记跟进' }).click();
  assert.match(await flash(page), /已受理/);
  await page.locator('#s-amount').fill('1200000');
  await page.getByRole('button', { name: '登记成交' }).click();
  const f = await flash(page);
  assert.match(f, /已受理/);
  assert.match(f, /业绩归属：张三/);
  assert.match(f, /分成：张三 100%/);
  await page_has(page, '.timeline', '成交');
  // A reload records no second deal.
  const deals = async () => (await page.locator('.timeline').innerText()).split('成交').length - 1;
  const before = await deals();
  await page.reload();
  assert.match(await flash(page), /业绩归属：张三/);
  assert.equal(await deals(), before);
  await shoot(page, '08-customer-deal');
});

test('switching to English, and the reports with their charts', async () => {
  const page = await signIn('boss');
  await page.getByRole('link', { name: /sunshine/ }).click();
  await page.getByRole('link', { name: '报表' }).click();
  await page_has(page, 'h1', '报表');
  await page_has(page, 'table.report', '张三');
  await page_has(page, 'table.report', '1,200,000');
  await page.locator('.chart svg').first().waitFor();
  assert.ok(await page.locator('.chart svg').count() >= 3, 'ECharts drew every chart');
  await shoot(page, '09-reports-zh');
  await page.locator('#lang-switch').click();
  await page_has(page, 'h1', 'Reports');
  await page_has(page, 'nav', 'Manager');
  await shoot(page, '10-reports-en');
  await page.getByRole('link', { name: 'Front desk' }).click();
  await page_has(page, 'h1', 'Front desk');
  await page_has(page, '#rotation', 'available');
  await shoot(page, '11-front-desk-en');
  await page.context().close();
});

test('keyboard only: the registration form is reachable and shows the focus', async () => {
  const page = zhang;
  await page.goto(BASE + '/p/sunshine/sales');
  await page.keyboard.press('Tab');
  const skip = await page.evaluate(() => document.activeElement.textContent.trim());
  assert.equal(skip, '跳到正文');
  // Every form field has a label.
  const unlabeled = await page.evaluate(() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map((el) => el.name));
  assert.deepEqual(unlabeled, []);
  await page.getByLabel('客户姓名', { exact: true }).focus();
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none');
  await page.keyboard.type('赵女士');
  await page.keyboard.press('Tab');
  await page.keyboard.type('13900139000');
  await page.keyboard.press('Enter');
  assert.match(await flash(page), /已受理/);
  await shoot(page, '12-keyboard-register');
});

// ---- issue 24: pages that tell the truth ---------------------------------------------------

const rows = async (page, selector) => page.locator(selector).count();
/// The rotation's turns taken, summed over the board.
async function turnsTaken(page) {
  const cells = await page.locator('#rotation tbody tr td:nth-child(4)').allInnerTexts();
  return cells.reduce((n, c) => n + Number(c.trim()), 0);
}
/// The flash has a "原因：…" line with something after the colon.
function assertWhy(lines, what) {
  const why = lines.find((l) => /^原因/.test(l));
  assert.ok(why, `${what}: no line starting with 原因 in the flash: ${JSON.stringify(lines)}`);
  assert.ok(why.replace(/^原因\s*[：:]?\s*/, '').trim().length > 0, `${what}: the 原因 line is empty: ${why}`);
}
async function openProject(login, project, password = PASSWORD) {
  const page = await signIn(login, password);
  await page.getByRole('link', { name: new RegExp(project) }).click();
  await page.waitForLoadState('load');
  return page;
}
/// An SMS registration by 链家's 张伟 (a1) on `channel`, then the customer arrives brought by 链家
/// and names 我爱我家's 李娜 (b1): a dispute (CS-DISPUTE), as the API makes it. Returns its seq.
async function channelDispute(phone, name) {
  const tomorrow = new Date(Date.now() + 8 * 3600e3 + 24 * 3600e3).toISOString().slice(0, 10);
  const a1 = await session('a1');
  const r = await api(a1, 'POST', '/api/v1/projects/channel/registrations/text', {
    text: `报备《channel》住宅，客户${name}，电话：${phone}，链家张伟，到访：${tomorrow} 10:00`,
  });
  assert.equal(r.json.outcome, 'accepted', JSON.stringify(r.json));
  const boss = await session('boss');
  const v = await api(boss, 'POST', '/api/v1/projects/channel/acts', {
    act: 'visit', customer: { phone }, brought_by: 'a1', names: ['b1'],
  });
  assert.equal(v.json.outcome, 'pending', JSON.stringify(v.json));
  return v.json.seq;
}

// A reload after an action changes nothing (Post/Redirect/Get, the form's one-time key): the flash
// shows the same result and nothing is recorded a second time (acts decided, rows on the page).

test('a reload after a registration shows the same verdict and records nothing', async () => {
  const page = await openProject('zhang', 'sunshine');
  const mine = () => rows(page, '#my-customers tbody tr');
  const before = await mine();
  const acts = await actsDecided();
  await page.getByLabel('客户姓名', { exact: true }).fill('孙先生');
  await page.getByLabel('客户电话').fill('13600136000');
  await page.getByRole('button', { name: '提交报备' }).click();
  const f = await flash(page);
  assert.match(f, /已受理/);
  assert.match(page.url(), /\?done=/);
  assert.equal(await actsDecided(), acts + 1);
  assert.equal(await mine(), before + 1);
  await page.reload();
  assertSameFlash(await flash(page), f);
  assert.equal(await mine(), before + 1);
  assert.equal(await actsDecided(), acts + 1);
  await shoot(page, '13-reload-registration');
  await page.context().close();
});

// A refused act names its deciding rule and says why (依据规则 <ID>, 原因：…).

let collisionLines;
test('a collision is refused as already protected, citing G-CLAIM', async () => {
  const page = await openProject('wang', 'sunshine');
  await page.getByLabel('客户姓名', { exact: true }).fill('孙先生');
  await page.getByLabel('客户电话').fill('136-0013-6000');
  await page.getByRole('button', { name: '提交报备' }).click();
  collisionLines = await flashLines(page);
  const f = collisionLines.join(' ');
  assert.match(f, /不予受理/);
  assert.match(f, /已受保护/);
  assert.match(f, /依据规则 G-CLAIM/);
  assert.doesNotMatch(f, /张三/);
  await shoot(page, '14-collision-g-claim');
  await page.context().close();
});

// A product bug found by this test, since fixed: a registrant refused by a collision is told the rule (G-CLAIM) and the protection's
// end, but gets no "原因：…" line: api::shown drops the reason for collisions and adds none of its
// own, so this refusal is the one verdict without a sentence saying why (G-EXPLAIN; docs/decisions.md
// "Reasons in both languages"). Reproduce: 张三 registers 13600136000 on sunshine; 王五 registers
// 136-0013-6000; the flash is 不予受理 / 该客户已受保护至 … / 依据规则 G-CLAIM：… / 保护期至 …, no 原因.
test('a collision says why (原因)', async () => {
  needs(collisionLines, 'the collision test');
  assertWhy(collisionLines, 'collision');
});

test('a bad phone is invalid under G-PHONE and says it needs 11 digits', async () => {
  const page = await openProject('zhang', 'sunshine');
  const mine = await rows(page, '#my-customers tbody tr');
  await page.getByLabel('客户姓名', { exact: true }).fill('钱女士');
  await page.getByLabel('客户电话').fill('1380013800');
  await page.getByRole('button', { name: '提交报备' }).click();
  const lines = await flashLines(page);
  const f = lines.join(' ');
  assert.match(f, /无效/);
  assert.match(f, /依据规则 G-PHONE/);
  assert.match(f, /11 ?位/);
  assertWhy(lines, 'bad phone');
  assert.ok(lines.find((l) => /^原因/.test(l)).includes('11'), 'the reason itself says 11 位');
  assert.equal(await rows(page, '#my-customers tbody tr'), mine);
  await shoot(page, '15-bad-phone-g-phone');
  await page.context().close();
});

test('a reload after a deal shows the same verdict and records no second deal', async () => {
  const page = await openProject('zhang', 'sunshine');
  await page.getByRole('link', { name: '孙先生' }).click();
  await page_has(page, 'h1', '客户档案');
  const entries = () => rows(page, '.timeline tbody tr');
  const before = await entries();
  const acts = await actsDecided();
  await page.locator('#s-amount').fill('900000');
  await page.getByRole('button', { name: '登记成交' }).click();
  const f = await flash(page);
  assert.match(f, /已受理/);
  assert.match(f, /业绩归属：张三/);
  assert.equal(await entries(), before + 1);
  assert.equal(await actsDecided(), acts + 1);
  await page.reload();
  assertSameFlash(await flash(page), f);
  assert.equal(await entries(), before + 1);
  assert.equal(await actsDecided(), acts + 1);
  await shoot(page, '16-reload-deal');
  await page.context().close();
});

// The same deal form sent twice at once (a double tap): one deal.

test('a deal form sent twice at once records one deal', async () => {
  const page = await openProject('zhang', 'sunshine');
  await page.getByLabel('客户姓名', { exact: true }).fill('周先生');
  await page.getByLabel('客户电话').fill('13500135000');
  await page.getByRole('button', { name: '提交报备' }).click();
  assert.match(await flash(page), /已受理/);
  await page.getByRole('link', { name: '周先生' }).click();
  await page_has(page, 'h1', '客户档案');
  await page.locator('#s-amount').fill('1500000');
  const form = page.locator('form', { has: page.locator('#s-amount') });
  const sent = await form.evaluate((f) => ({ action: f.action, body: new URLSearchParams(new FormData(f)).toString() }));
  assert.match(sent.body, /form_key=[0-9a-f]+/);
  assert.match(sent.body, /csrf=[0-9a-f]+/);
  const acts = await actsDecided();
  // Same cookies, same csrf and form_key: the same request twice, at the same time.
  const answers = await Promise.all([1, 2].map(() => page.request.post(sent.action, {
    data: sent.body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, maxRedirects: 0,
  })));
  for (const a of answers) assert.equal(a.status(), 303, `answer ${a.status()}: ${await a.text()}`);
  assert.equal(answers[0].headers().location, answers[1].headers().location);
  assert.equal(await actsDecided(), acts + 1);
  await page.goto(new URL(answers[1].headers().location, BASE).href);
  const f = await flash(page);
  assert.match(f, /已受理/);
  assert.match(f, /业绩归属：张三/);
  const acted = await page.locator('.timeline tbody tr td:nth-child(3)').allInnerTexts();
  assert.equal(acted.filter((a) => a.trim() === '成交').length, 1, `timeline: ${acted.join(', ')}`);
  await shoot(page, '17-double-submit-deal');
  await page.context().close();
});

test('a reload after a walk-in shows the same receiver and uses no turn', async () => {
  const desk = await openProject('desk', 'sunshine');
  const visitors = () => rows(desk, '#visitor-register tbody tr');
  const before = { visitors: await visitors(), turns: await turnsTaken(desk), acts: await actsDecided() };
  const next = (await desk.locator('#next-up strong').innerText()).trim();
  await desk.locator('#walkin-button').click();
  const f = await flash(desk);
  assert.match(f, new RegExp(`请接待：${next}`));
  const after = { visitors: await visitors(), turns: await turnsTaken(desk), acts: await actsDecided() };
  assert.deepEqual(after, { visitors: before.visitors + 1, turns: before.turns + 1, acts: before.acts + 1 });
  await desk.reload();
  assertSameFlash(await flash(desk), f);
  assert.deepEqual({ visitors: await visitors(), turns: await turnsTaken(desk), acts: await actsDecided() }, after);
  await shoot(desk, '18-reload-walk-in');
  await desk.context().close();
});

test('a reload after a presence change shows it again and records nothing', async () => {
  const desk = await openProject('desk', 'sunshine');
  const presence = () => desk.locator('#rotation tr[data-login="wang"] .presence').innerText();
  const acts = await actsDecided();
  await desk.getByRole('button', { name: '王五：外出' }).click();
  const f = await flash(desk);
  assert.match(f, /王五 → 外出/);
  assert.match(f, /依据规则 ROT-OUT/);
  assert.match(await presence(), /外出/);
  assert.equal(await actsDecided(), acts + 1);
  await desk.reload();
  assertSameFlash(await flash(desk), f);
  assert.match(await presence(), /外出/);
  assert.equal(await actsDecided(), acts + 1);
  await shoot(desk, '19-reload-presence');
  // Back to available; that reload too records nothing.
  await desk.getByRole('button', { name: '王五：空闲' }).click();
  const back = await flash(desk);
  assert.match(back, /王五 → 空闲/);
  await desk.reload();
  assertSameFlash(await flash(desk), back);
  assert.match(await presence(), /空闲/);
  assert.equal(await actsDecided(), acts + 2);
  await desk.context().close();
});

// The desk names whoever will actually receive (the engine's own rotation preview).

test('the desk names whoever will receive when the one on turn is busy', async () => {
  const desk = await openProject('desk', 'sunshine');
  const named = async () => (await desk.locator('#next-up strong').innerText()).trim();
  const busy = await named();
  assert.ok(busy && busy !== '暂无可接待人员', `someone is next: ${busy}`);
  await desk.getByRole('button', { name: `${busy}：忙碌` }).click();
  assert.match(await flash(desk), new RegExp(`${busy} → 忙碌`));
  const next = await named();
  assert.notEqual(next, busy);
  assert.notEqual(next, '暂无可接待人员');
  await page_has(desk, '#skipped li', busy);
  const skipped = (await desk.locator('#skipped li').filter({ hasText: busy }).innerText());
  assert.match(skipped, /ROT-BUSY/);
  await shoot(desk, '20-desk-next-busy');
  await desk.locator('#walkin-button').click();
  assert.match(await flash(desk), new RegExp(`请接待：${next}`));
  // The busy one keeps the turn owed, served first once available again (ROT-BUSY).
  await desk.getByRole('button', { name: `${busy}：空闲` }).click();
  assert.equal(await named(), busy);
  await page_has(desk, '#next-up', '补接累计的一轮');
  await desk.context().close();
});

let refusedWalkIn;
test('a walk-in with nobody available is refused under ROT-ORDER, saying why', async () => {
  const desk = await openProject('desk', 'sunshine');
  const names = (await desk.locator('#rotation tbody td.name').allInnerTexts()).map((n) => n.trim());
  assert.ok(names.length >= 3, names.join(','));
  for (const n of names) {
    await desk.getByRole('button', { name: `${n}：忙碌` }).click();
    assert.match(await flash(desk), new RegExp(`${n} → 忙碌`));
  }
  await page_has(desk, '#next-up', '暂无可接待人员');
  const visitors = await rows(desk, '#visitor-register tbody tr');
  const turns = await turnsTaken(desk);
  await desk.locator('#walkin-button').click();
  const lines = await flashLines(desk);
  const f = lines.join(' ');
  assert.match(f, /不予受理/);
  assert.doesNotMatch(f, /请接待/);
  assert.match(f, /依据规则 ROT-ORDER/);
  assertWhy(lines, 'walk-in with nobody available');
  assert.equal(await turnsTaken(desk), turns);
  refusedWalkIn = { visitors, after: await rows(desk, '#visitor-register tbody tr'),
    first: (await desk.locator('#visitor-register tbody tr').first().innerText()).replace(/\s+/g, ' ') };
  await shoot(desk, '21-walk-in-nobody');
  for (const n of names) await desk.getByRole('button', { name: `${n}：空闲` }).click();
  assert.notEqual((await desk.locator('#next-up strong').innerText()).trim(), '暂无可接待人员');
  await desk.context().close();
});

// A product bug found by this test, since fixed: a walk-in refused because nobody is free received nobody, yet it is listed in
// 今日来人登记 as 来访 (a returning visit) with no receiver: desk.rs leaves only *invalid* acts out of
// the register and labels every walk-in that used no turn 来访. Reproduce: on sunshine's desk set
// 张三, 李四 and 王五 to 忙碌, press 新客到访 (不予受理, ROT-ORDER); the register gains a row
// "<time> 来访 (no customer) (no receiver) 否".
test('a refused walk-in adds no row to the visitor register', async () => {
  needs(refusedWalkIn, 'the refused walk-in test');
  assert.equal(refusedWalkIn.after, refusedWalkIn.visitors,
    `the register went from ${refusedWalkIn.visitors} to ${refusedWalkIn.after} rows; newest: ${refusedWalkIn.first}`);
});

// A product bug found by this test, since fixed: the board offers the front desk a 请假 (on leave) button for every salesperson, but
// the front desk may not set leave (access::may_act_as: leave and left are HR states), so the button
// always answers "✖ 你不能以 li 的名义执行 status" (with the login and the raw act name). Reproduce:
// sign in as desk, open sunshine, press 李四：请假.
test('the board offers the desk only presences it may set', async () => {
  const desk = await openProject('desk', 'sunshine');
  const leave = desk.getByRole('button', { name: '李四：请假' });
  if (await leave.count()) {
    await leave.click();
    await shoot(desk, '22-desk-leave-button');
    const f = await flash(desk);
    await desk.getByRole('button', { name: '李四：空闲' }).click().catch(() => {});
    await desk.context().close();
    assert.doesNotMatch(f, /✖/, `李四：请假 is offered and refused: ${f}`);
  } else {
    await shoot(desk, '22-desk-leave-button');
    await desk.context().close();
  }
});

// The desk's visit form (到访: returning, named, designated, brought by an agent).

test("the desk records a returning customer's visit naming a salesperson", async () => {
  const desk = await openProject('desk', 'sunshine');
  const before = await rows(desk, '#visitor-register tbody tr');
  const turns = await turnsTaken(desk);
  const acts = await actsDecided();
  const section = desk.locator('section', { has: desk.locator('#visit-h') });
  await section.getByLabel('电话').fill('13800138000');
  await section.locator('#v-names').selectOption({ label: '张三' });
  await desk.locator('#visit-button').click();
  const lines = await flashLines(desk);
  assert.match(desk.url(), /\?done=/);
  const f = lines.join(' ');
  assert.match(f, /请接待：张三/);
  assert.match(f, /依据规则 [A-Z]+-[A-Z]+/);
  assertWhy(lines, 'visit');
  assert.equal(await rows(desk, '#visitor-register tbody tr'), before + 1);
  const newest = await desk.locator('#visitor-register tbody tr').first().locator('td').allInnerTexts();
  assert.equal(newest[1].trim(), '来访', newest.join(' | '));
  assert.match(newest[2], /138\*\*\*\*8000/);
  assert.equal(newest[3].trim(), '张三');
  // A returning customer uses no turn.
  assert.equal(await turnsTaken(desk), turns);
  assert.equal(await actsDecided(), acts + 1);
  // A reload shows the same receiver and records no second visit.
  await desk.reload();
  assertSameFlash((await flashLines(desk)).join(' '), f);
  assert.equal(await rows(desk, '#visitor-register tbody tr'), before + 1);
  assert.equal(await turnsTaken(desk), turns);
  assert.equal(await actsDecided(), acts + 1);
  await shoot(desk, '23-desk-visit');
  await desk.context().close();
});

// The manager's decisions on channel's disputes: a reload, and a split in percentages (G-SHARES).

test("a reload after a manager's dispute decision shows it again and decides nothing more", async () => {
  const seq = await channelDispute('177****0003', '钱先生');
  const page = await openProject('boss', 'channel');
  await page_has(page, 'h1', '经理台');
  const disputes = () => rows(page, '#disputes tbody tr');
  const open = await disputes();
  assert.ok(open >= 1);
  const acts = await actsDecided();
  const row = page.locator('#disputes tbody tr', { has: page.locator(`form[action$="/disputes/${seq}/resolve"]`) });
  await row.getByRole('button', { name: '判给 链家' }).click();
  const f = await flash(page);
  assert.match(f, /已受理/);
  assert.match(f, /客户归属：链家/);
  assert.equal(await disputes(), open - 1);
  assert.equal(await actsDecided(), acts + 1);
  await page.reload();
  assertSameFlash(await flash(page), f);
  assert.equal(await disputes(), open - 1);
  assert.equal(await actsDecided(), acts + 1);
  await shoot(page, '24-reload-dispute');
  await page.context().close();
});

test('a manager splits a disputed customer by percentages', async () => {
  const seq = await channelDispute('177****0002', '孙女士');
  const page = await openProject('boss', 'channel');
  const split = page.locator(`#disputes form.split[action$="/disputes/${seq}/resolve"]`);
  await split.waitFor();
  const names = (await split.locator('label').allInnerTexts()).map((l) => l.replace(/%\s*$/, '').trim());
  assert.deepEqual(names.length, 2, names.join(','));
  await split.locator('input[name=share_0]').fill('70');
  await split.locator('input[name=share_1]').fill('30');
  await shoot(page, '25-manager-split-form');
  const acts = await actsDecided();
  await split.getByRole('button', { name: '按比例分成' }).click();
  const f = await flash(page);
  assert.match(f, /已受理/);
  assert.match(f, /分成：.*70%.*30%/);
  assert.match(f, new RegExp(`分成：${names[0]} 70%，${names[1]} 30%`));
  assert.equal(await split.count(), 0);
  assert.equal(await actsDecided(), acts + 1);
  // A reload shows the split again and decides nothing more.
  await page.reload();
  assertSameFlash(await flash(page), f);
  assert.equal(await split.count(), 0);
  assert.equal(await actsDecided(), acts + 1);
  await shoot(page, '26-manager-split-done');
  await page.context().close();
});

// Every page of every role, in Chinese and in English: each page the header offers, followed from
// the project list, loads (< 400), says its language in <html lang>, fits 390 px, and in English
// shows no full-width ：（） in main.

/// `page` (signed in as `login`, showing `path` in Chinese): checked and shot in Chinese, switched
/// to English by the switch link and checked and shot again, then back to Chinese by /lang/zh.
async function bothLanguages(page, login, path, shot) {
  const fullWidth = /[：（）]/;
  assert.equal(new URL(page.url()).pathname, path, `${login} ${path} went to ${page.url()}`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN', `${login} ${path}`);
  await shoot(page, `${shot}-zh`);
  // To English by the switch link, and back by /lang/zh.
  const toEn = await page.locator('#lang-switch').getAttribute('href');
  assert.match(toEn, /^\/lang\/en\?back=/);
  const en = await page.goto(BASE + toEn);
  assert.ok(en.status() < 400, `${login} ${path} in English: ${en.status()}`);
  assert.equal(new URL(page.url()).pathname, path, `${login} ${path} in English went to ${page.url()}`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en', `${login} ${path}`);
  await shoot(page, `${shot}-en`);
  const text = await page.evaluate(() => document.querySelector('main').innerText);
  const found = text.split('\n').filter((l) => fullWidth.test(l));
  assert.deepEqual(found, [], `${login} ${path} in English has full-width punctuation in main`);
  const toZh = await page.locator('#lang-switch').getAttribute('href');
  assert.match(toZh, /^\/lang\/zh\?back=/);
  const back = await page.goto(BASE + toZh);
  assert.ok(back.status() < 400);
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
}

test('every page of every role loads in Chinese and in English', async () => {
  // One account of each role setUp creates (front desk, sales, manager, agent), and the admin.
  const roles = [...['desk', 'zhang', 'boss', 'a1'].map((login) => ({ login, password: PASSWORD })),
    { login: ADMIN, password: ADMIN_PASSWORD }];
  let visited = 0;
  for (const { login, password } of roles) {
    const page = await signIn(login, password);
    const slug = (path) => path.replace(/^\/(p\/)?/, '').replace(/[^A-Za-z0-9]+/g, '-') || 'projects';
    // Start from the project list and the start page of each project; follow the header's links.
    const todo = ['/', ...await page.locator('main a[href^="/p/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')))];
    const seen = new Set();
    while (todo.length) {
      const path = todo.shift();
      if (seen.has(path)) continue;
      seen.add(path);
      const zh = await page.goto(BASE + path);
      assert.ok(zh.status() < 400, `${login} ${path}: ${zh.status()}`);
      assert.equal(new URL(page.url()).pathname, path, `${login} ${path} went to ${page.url()}`);
      // The header's navigation, and the inbox link next to it.
      const nav = await page.locator('header nav a, header a#inbox-link')
        .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.ok(nav.includes(path), `${login}: ${path} is not in its own header (${nav.join(' ')})`);
      todo.push(...nav.filter((h) => !seen.has(h)));
      await bothLanguages(page, login, path, `30-${login}-${slug(path)}`);
      visited++;
    }
    await page.context().close();
  }
  assert.ok(visited >= 30, `only ${visited} pages visited`);

});

// ---- a reload after every other form changes nothing ---------------------------------------
// Each form the pages offer, done once in the browser: the browser lands on `?done=`, and a reload
// shows the same flash, leaves the page's state as the action left it, decides no act (the act
// counter) and records nothing in the audit log but reads. These run after the tour of every page,
// so the projects and people they add do not lengthen it.

/// One page of the audit log as the admin reads it (/audit, newest first, 50 a page): each entry
/// as "<seq> <action code> <subject>", and whether an older page follows.
async function auditPage(n) {
  const r = await fetch(`${BASE}/audit?page=${n}`, { headers: { cookie: adminCookie } });
  assert.equal(r.status, 200, 'GET /audit as the admin');
  const html = await r.text();
  const body = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>'));
  const entries = body.split('<tr>').slice(1).map((row) => {
    const cells = [...row.matchAll(/<td>(.*?)<\/td>/g)].map((m) => m[1]);
    return `${Number(cells[0])} ${/<code>([^<]*)<\/code>/.exec(cells[3])?.[1]} ${cells[4].replace(/&#x2f;/g, '/')}`;
  });
  return { entries, more: html.includes(`?page=${n + 1}`) };
}
const seqOf = (entry) => Number(entry.split(' ')[0]);
/// The audit log's entries newer than `since`, newest first.
async function auditSince(since) {
  const out = [];
  for (let n = 1; ; n++) {
    const { entries, more } = await auditPage(n);
    for (const e of entries) {
      if (seqOf(e) <= since) return out;
      out.push(e);
    }
    if (!more) return out;
  }
}
/// The newest audit entry's number.
async function auditNewest() {
  const [newest] = (await auditPage(1)).entries;
  return newest ? seqOf(newest) : 0;
}
/// What the audit log recorded since `since` but reads (sign-ins, customers read or listed).
const READS = /^(login|logout|customer\.(read|list|search|unmask|probe)|export|report\.)/;
async function changesSince(since) {
  return (await auditSince(since)).filter((e) => !READS.test(e.split(' ')[1]));
}
/// How many of `changes` have the action `code`.
const recorded = (changes, code) => changes.filter((e) => e.split(' ')[1] === code).length;

/// Sends a form with `submit` (a click) and checks Post/Redirect/Get: the browser lands on
/// `?done=<key>`; a reload shows the same flash, `state()` reads what it read right after the
/// action, the act counter is unchanged and the audit log gains nothing but reads. Returns the
/// flash, the state before and after, and the audit log's changes.
async function reloadChangesNothing(page, submit, state = async () => null) {
  const since = await auditNewest();
  const before = { state: await state(), acts: await actsDecided() };
  const from = page.url();
  await submit();
  try {
    await page.waitForURL((u) => u.href !== from && u.searchParams.has('done'), { timeout: 5000 });
  } catch {
    throw new Error(`the form did not redirect to ?done= (now on ${page.url()}): ` +
      `${await flash(page).catch(() => '(no flash)')}`);
  }
  const f = await flash(page);
  const after = { state: await state(), acts: await actsDecided() };
  const changes = await changesSince(since);
  assert.ok(changes.length > 0, `the action recorded nothing in the audit log (flash: ${f})`);
  await page.reload();
  assertSameFlash(await flash(page), f);
  assert.deepEqual(await state(), after.state, `a reload changed the page's state (flash: ${f})`);
  assert.equal(await actsDecided(), after.acts, `a reload decided an act (flash: ${f})`);
  assert.deepEqual(await changesSince(since), changes, `a reload recorded a change (flash: ${f})`);
  return { f, before, after, changes };
}

/// The people, projects and customers these tests use, made once through the JSON API: a
/// team-registration project `team` and a site-rotation project `expo` (for an event window,
/// leaving sunshine's rotation alone), a department A组 with its manager 钱经理 and two
/// salespeople, and customers registered by 张三 and 孙七.
let reloadWorld;
const phones = {
  sunshine: '13300133001', team: '13300133011', channel: '13300133021',
  asked: '13300133031', refused: '13300133032', sun: ['13300133041', '13300133042'], left: '13300133043',
  filed: '13300133051',
};
function reloadSetUp() {
  reloadWorld ??= (async () => {
    await api(adminCookie, 'POST', '/api/v1/projects', { name: 'team', title: '团队项目', rulebook: 'team-registration' });
    await api(adminCookie, 'POST', '/api/v1/projects', { name: 'expo', title: '博览苑', rulebook: 'site-rotation' });
    // Only direct-sales extends a protection (DS-3MONTHS: the general manager extends a filing).
    await api(adminCookie, 'POST', '/api/v1/projects', { name: 'crm', title: '直销', rulebook: 'direct-sales' });
    for (const p of [
      { login: 'mgr', name: '钱经理', role: 'manager', team: 'A组' },
      { login: 'sun', name: '孙七', role: 'sales', team: 'A组' },
      { login: 'zhou', name: '周八', role: 'sales', team: 'A组' },
    ]) await api(adminCookie, 'POST', '/api/v1/users', { ...p, password: PASSWORD });
    const register = async (cookie, project, name, phone) => {
      const r = await api(cookie, 'POST', `/api/v1/projects/${project}/acts`,
        { act: 'register', customer: { name, phone }, channel: 'site' });
      assert.equal(r.json.outcome, 'accepted', `${project} ${phone}: ${JSON.stringify(r.json)}`);
    };
    const z = await session('zhang');
    await register(z, 'sunshine', '冯先生', phones.sunshine);
    await register(z, 'team', '吴先生', phones.team);
    await register(z, 'channel', '郑先生', phones.channel);
    await register(z, 'sunshine', '陈女士', phones.asked);
    await register(z, 'sunshine', '褚女士', phones.refused);
    const s = await session('sun');
    await register(s, 'sunshine', '蒋先生', phones.sun[0]);
    await register(s, 'sunshine', '沈先生', phones.sun[1]);
    await register(s, 'team', '韩女士', phones.left);
    await register(z, 'crm', '杨先生', phones.filed);
  })();
  return reloadWorld;
}
/// `login` signed in, on the page at `path`.
async function openAt(login, path) {
  const page = await signIn(login);
  await page.goto(BASE + path);
  return page;
}
/// A date `days` from today in China (yyyy-mm-dd), for the forms' date fields.
const chinaDate = (days) => new Date(Date.now() + 8 * 3600e3 + days * 24 * 3600e3).toISOString().slice(0, 10);
const customerPage = (project, phone) => `/p/${project}/customer?phone=${phone}`;
/// The customer page's timeline, one string a row (time, act, actor, outcome, rule…).
const timeline = (page) => async () => (await page.locator('.timeline tbody tr').allInnerTexts())
  .map((r) => r.replace(/\s+/g, ' ').trim());

test('a reload after a follow-up, a deposit or a claim on the customer page records nothing', async () => {
  await reloadSetUp();
  const page = await openAt('zhang', customerPage('sunshine', phones.sunshine));
  await page_has(page, 'h1', '冯先生');
  const state = timeline(page);

  await page.getByLabel('跟进方式').selectOption('visit');
  const contact = await reloadChangesNothing(page, () => page.getByRole('button', { name: '登记跟进' }).click(), state);
  assert.match(contact.f, /已受理/);
  assert.equal(contact.after.state.length, contact.before.state.length + 1, 'one follow-up on the timeline');
  assert.equal(contact.after.acts, contact.before.acts + 1);
  assert.equal(recorded(contact.changes, 'act.contact'), 1, contact.changes.join('; '));

  await page.locator('#d-amount').fill('50000');
  await page.locator('#d-kind').selectOption('small');
  const deposit = await reloadChangesNothing(page, () => page.getByRole('button', { name: '登记定金' }).click(), state);
  assert.match(deposit.f, /已受理/);
  assert.equal(deposit.after.state.length, deposit.before.state.length + 1, 'one deposit on the timeline');
  assert.equal(deposit.after.acts, deposit.before.acts + 1);
  assert.equal(recorded(deposit.changes, 'act.deposit'), 1, deposit.changes.join('; '));

  // A claim (site-rotation offers it for a signed deal): decided once, whatever the verdict.
  await page.locator('#m-evidence').fill('认购书编号 A-001');
  const claim = await reloadChangesNothing(page, () => page.getByRole('button', { name: '提交认领' }).click(), state);
  assert.equal(claim.after.acts, claim.before.acts + 1);
  assert.equal(recorded(claim.changes, 'act.claim'), 1, claim.changes.join('; '));
  await shoot(page, '40-reload-customer-log');
  await page.context().close();
});

test('a reload after a consent or a claim (team-registration) records nothing', async () => {
  await reloadSetUp();
  const page = await openAt('zhang', customerPage('team', phones.team));
  await page_has(page, 'h1', '吴先生');
  const state = timeline(page);

  await page.locator('#k-to').selectOption({ label: '李四' });
  const consent = await reloadChangesNothing(page, () => page.getByRole('button', { name: '同意转给同事' }).click(), state);
  assert.match(consent.f, /已受理/);
  assert.match(consent.f, /TR-ACTIVE/);
  assert.equal(consent.after.acts, consent.before.acts + 1);
  assert.equal(recorded(consent.changes, 'act.consent'), 1, consent.changes.join('; '));

  await page.locator('#m-evidence').fill('聊天记录截图');
  const claim = await reloadChangesNothing(page, () => page.getByRole('button', { name: '提交认领' }).click(), state);
  assert.match(claim.f, /TR-CLAIM3/);
  assert.equal(claim.after.acts, claim.before.acts + 1);
  assert.equal(recorded(claim.changes, 'act.claim'), 1, claim.changes.join('; '));
  await shoot(page, '41-reload-consent-claim');
  await page.context().close();
});

test('a reload after a visit confirmation (channel-sms) records nothing', async () => {
  await reloadSetUp();
  const page = await openAt('zhang', customerPage('channel', phones.channel));
  await page_has(page, 'h1', '郑先生');
  await page.locator('#f-agent').selectOption('a1');
  const confirm = await reloadChangesNothing(page,
    () => page.getByRole('button', { name: '提交来访确认单' }).click(), timeline(page));
  assert.match(confirm.f, /CS-CONFIRM/);
  assert.equal(confirm.after.acts, confirm.before.acts + 1);
  assert.equal(recorded(confirm.changes, 'act.confirm'), 1, confirm.changes.join('; '));
  await shoot(page, '42-reload-confirm');
  await page.context().close();
});

/// The approval request ids 周八 sent (SEC-APPROVE), for the manager's decisions.
const asked = {};
test("a reload after a salesperson's request to read a customer sends no second request", async () => {
  await reloadSetUp();
  const page = await openAt('zhou', customerPage('sunshine', phones.asked));
  await page_has(page, '#ask-h', '申请查阅');
  const state = async () => ({
    mine: (await page.locator('#my-requests li').allInnerTexts()).map((l) => l.trim()),
    form: await page.locator('#ask-reason').count(),
  });
  await page.locator('#ask-reason').fill('客户来电询问优惠');
  const r = await reloadChangesNothing(page, () => page.getByRole('button', { name: '提交申请' }).click(), state);
  assert.match(r.f, /已提交查阅申请 #\d+/);
  assert.equal(r.after.state.mine.length, r.before.state.mine.length + 1, JSON.stringify(r.after.state));
  assert.match(r.after.state.mine[0] ?? '', /待部门经理审批/);
  assert.equal(r.after.state.form, 0, 'no second request while one waits');
  assert.equal(recorded(r.changes, 'approval.request'), 1, r.changes.join('; '));
  asked.approve = Number(/#(\d+)/.exec(r.f)[1]);
  await shoot(page, '43-reload-approval-request');
  await page.context().close();
  // A second request, through the API, for the manager to refuse.
  const zhou = await session('zhou');
  asked.reject = (await api(zhou, 'POST', '/api/v1/approvals',
    { project: 'sunshine', phone: phones.refused, reason: '核对成交信息' })).json.id;
});

test("a reload after a manager's approval or refusal decides nothing more", async () => {
  needs(asked.approve && asked.reject, 'the approval request test');
  const page = await openAt('mgr', '/p/sunshine/manage');
  await page_has(page, 'h1', '经理台');
  const state = async () => (await page.locator('#approvals tbody tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim());
  const row = (id) => page.locator('#approvals tbody tr').filter({ has: page.locator(`form[action$="/approvals/${id}"]`) });
  const approve = await reloadChangesNothing(page, () => row(asked.approve).getByRole('button', { name: '同意' }).click(), state);
  assert.match(approve.f, new RegExp(`#${asked.approve} 待营销副总审批`));
  assert.equal(recorded(approve.changes, 'approval.approve'), 1, approve.changes.join('; '));
  assert.equal(await row(asked.approve).count(), 0, 'the approved request waits for the VP, not for me');
  const reject = await reloadChangesNothing(page, () => row(asked.reject).getByRole('button', { name: '驳回' }).click(), state);
  assert.match(reject.f, new RegExp(`#${asked.reject} 已驳回`));
  assert.equal(recorded(reject.changes, 'approval.reject'), 1, reject.changes.join('; '));
  await shoot(page, '44-reload-approvals');
  await page.context().close();
});

test('a reload after an extension, an event window or a team on duty records nothing', async () => {
  await reloadSetUp();
  const page = await openAt('boss', '/p/sunshine/manage');
  await page_has(page, 'h1', '经理台');
  assert.equal(await page.locator('#ext-phone').count(), 0, 'site-rotation extends nothing');
  await page.goto(`${BASE}/p/crm/manage`);
  await page.locator('#ext-phone').fill(phones.filed);
  await page.locator('#ext-until').fill(chinaDate(120));
  const extend = await reloadChangesNothing(page, () => page.getByRole('button', { name: '延长', exact: true }).click());
  assert.match(extend.f, /已受理/);
  assert.equal(extend.after.acts, extend.before.acts + 1);
  assert.equal(recorded(extend.changes, 'act.extend'), 1, extend.changes.join('; '));

  await page.goto(`${BASE}/p/expo/manage`);
  await page.locator('#event-name').fill('开盘活动');
  await page.locator('#event-until').fill(chinaDate(1));
  const event = await reloadChangesNothing(page, () => page.getByRole('button', { name: '设定活动' }).click());
  assert.match(event.f, /已受理/);
  assert.equal(event.after.acts, event.before.acts + 1);
  assert.equal(recorded(event.changes, 'act.event'), 1, event.changes.join('; '));

  await page.goto(`${BASE}/p/team/manage`);
  await page.locator('#duty-team').selectOption('A组');
  await page.locator('#duty-until').fill(chinaDate(1));
  const duty = await reloadChangesNothing(page, () => page.getByRole('button', { name: '安排值班' }).click());
  assert.match(duty.f, /已受理/);
  assert.match(duty.f, /TR-DUTY/);
  assert.equal(duty.after.acts, duty.before.acts + 1);
  assert.equal(recorded(duty.changes, 'act.duty'), 1, duty.changes.join('; '));
  await shoot(page, '45-reload-duty');
  await page.context().close();
});

test("a reload after saving a department's roster saves nothing more", async () => {
  await reloadSetUp();
  const page = await openAt('mgr', '/p/team/manage');
  const state = () => page.locator('#roster tbody tr').evaluateAll((trs) => trs.map((tr) =>
    `${tr.querySelector('label').textContent.trim()} ${tr.querySelector('input[type=checkbox]').checked ? '✔' : '✗'} ${tr.querySelector('input[name^=order_]').value}`));
  // A department manager rosters only their own team: 孙七 first, then 周八.
  for (const box of await page.locator('#roster input[type=checkbox]').all()) await box.uncheck();
  await page.locator('#on-sun').check();
  await page.locator('input[name=order_sun]').fill('1');
  await page.locator('#on-zhou').check();
  await page.locator('input[name=order_zhou]').fill('2');
  const r = await reloadChangesNothing(page, () => page.getByRole('button', { name: '保存排班' }).click(), state);
  assert.match(r.f, /排班已保存/);
  assert.match(r.f, /孙七 → 周八/);
  assert.deepEqual(r.after.state.slice(0, 2), ['孙七 ✔ 1', '周八 ✔ 2']);
  assert.equal(recorded(r.changes, 'project.roster'), 1, r.changes.join('; '));
  await shoot(page, '46-reload-roster');
  await page.context().close();
});

test("a reload after reassigning the customers of someone on leave draws nothing again", async () => {
  await reloadSetUp();
  // 孙七 goes on leave (请假), recorded by his manager, and his sunshine customers go to 周八.
  const mgr = await session('mgr');
  const leave = await api(mgr, 'POST', '/api/v1/projects/sunshine/acts', { act: 'status', staff: 'sun', state: 'leave' });
  assert.equal(leave.json.outcome, 'accepted', JSON.stringify(leave.json));
  const page = await openAt('mgr', '/p/sunshine/manage');
  const state = async () => (await page.locator('#team tbody tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim());
  await page.locator('#re-from').selectOption('sun');
  const r = await reloadChangesNothing(page, () => page.getByRole('button', { name: '重新分配', exact: true }).click(), state);
  assert.match(r.f, /已受理/);
  assert.match(r.f, /随机种子：\d+/);
  assert.match(r.f, /周八 2/);
  assert.equal(r.after.acts, r.before.acts + 1);
  assert.equal(recorded(r.changes, 'act.reassign'), 1, r.changes.join('; '));
  await shoot(page, '47-reload-reassign');
  await page.context().close();
  const back = await api(mgr, 'POST', '/api/v1/projects/sunshine/acts', { act: 'status', staff: 'sun', state: 'available' });
  assert.equal(back.json.outcome, 'accepted', JSON.stringify(back.json));
});

// The staff page (the admin), and the manager's reassignment of a leaver's customers in between.

let admin;
let linkShown;
let xuLink;
let sunLeft;
test('a reload after adding a person or making a password link makes no second one', async () => {
  await reloadSetUp();
  admin = await signIn(ADMIN, ADMIN_PASSWORD);
  await admin.goto(`${BASE}/p/sunshine/staff`);
  await page_has(admin, 'h1', '人员与项目');
  const state = async () => (await admin.locator('#staff tbody tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim());
  await admin.locator('#u-login').fill('xu');
  await admin.locator('#u-name').fill('徐九');
  await admin.locator('#u-role').selectOption('designer');
  const add = await reloadChangesNothing(admin, () => admin.getByRole('button', { name: '添加并生成设置密码链接' }).click(), state);
  assert.match(add.f, /徐九 已添加/);
  assert.match(add.f, /\/password\?token=[0-9a-f]+/);
  assert.equal(add.after.state.length, add.before.state.length + 1);
  assert.equal(recorded(add.changes, 'user.add'), 1, add.changes.join('; '));
  assert.equal(recorded(add.changes, 'password.link'), 1, add.changes.join('; '));
  xuLink = /\/password\?token=[0-9a-f]+/.exec(add.f)[0];

  const link = await reloadChangesNothing(admin, () => admin.getByRole('button', { name: '生成设置密码链接：周八' }).click(), state);
  assert.match(link.f, /周八/);
  assert.match(link.f, /\/password\?token=[0-9a-f]+/);
  assert.equal(recorded(link.changes, 'password.link'), 1, link.changes.join('; '));
  linkShown = true;
});

// A product bug found by this test: the flash that shows a password link (新增人员, 生成设置密码链接)
// is about 350 px wider than a 390 px phone: the link, /password?token=<64 hex digits>, is one
// unbreakable word and nothing in kehu.css lets .flash wrap it (no overflow-wrap). Reproduce: sign
// in as the admin at 390 px wide, open /p/sunshine/staff, press 生成设置密码链接 for anyone.
test('a password link fits a phone', async () => {
  needs(linkShown, 'the password link test');
  try {
    await shoot(admin, '48-staff-password-link');
  } finally {
    await admin.setViewportSize({ width: 1280, height: 900 });
  }
});

// The one-time link's page (no session): it answers with the sign-in page, /login?password=set.
test('a reload after setting a password with a one-time link sets nothing more', async () => {
  needs(xuLink, 'the staff page test');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(BASE + xuLink);
  await page_has(page, 'h1', '设置密码');
  const since = await auditNewest();
  await page.locator('#pw1').fill('Xu-2026-password!');
  await page.locator('#pw2').fill('Xu-2026-password!');
  await page.getByRole('button', { name: '设置密码' }).click();
  await page.waitForURL(/\/login\?password=set$/);
  const f = await flash(page);
  assert.match(f, /密码已设置/);
  const changes = await changesSince(since);
  assert.equal(recorded(changes, 'password.reset'), 1, changes.join('; '));
  await page.reload();
  assertSameFlash(await flash(page), f);
  assert.deepEqual(await changesSince(since), changes, 'a reload recorded a change');
  await shoot(page, '49-reload-password-set');
  await context.close();
  // The password is the one chosen.
  await session('xu', 'Xu-2026-password!');
});

test('a reload after marking a person as left ends nothing more', async () => {
  needs(admin, 'the staff page test');
  const row = () => admin.locator('#staff tbody tr').filter({ hasText: '孙七' });
  const state = async () => (await row().innerText()).replace(/\s+/g, ' ').trim();
  const left = await reloadChangesNothing(admin, () => admin.getByRole('button', { name: '办理离职：孙七' }).click(), state);
  assert.match(left.f, /孙七 已办理离职/);
  assert.match(left.after.state, /已离职/);
  assert.equal(recorded(left.changes, 'user.leave'), 1, left.changes.join('; '));
  sunLeft = true;
});

// A product bug found by this test: the manager page offers to reassign the customers of those on
// leave (请假) only, never of those who left (离职), though it says it does (离职/请假人员客户重新分配)
// and SEC-LEAVE leaves a leaver's customers waiting for it: manage.rs takes the people it offers from
// the rotation board, and the rotation (Directory::rotation) leaves out everyone who left. The API's
// reassign act works for a leaver. Reproduce: 孙七 (sales, team A组) registers a customer on team;
// the admin presses 办理离职：孙七 on the staff page; 钱经理 (manager, A组) opens /p/team/manage:
// 重新分配 says 目前没有离职或请假的人员。 and has no form.
test("the manager page offers to reassign a leaver's customers", async () => {
  needs(sunLeft, 'the departure test');
  const page = await openAt('mgr', '/p/team/manage');
  await page_has(page, 'h1', '经理台');
  const offered = await page.locator('#re-from option').allInnerTexts();
  await shoot(page, '50-reassign-leaver');
  await page.context().close();
  assert.ok(offered.some((o) => o.includes('孙七')),
    `孙七 left holding a customer on team, and 重新分配 offers ${JSON.stringify(offered)}`);
});

test('a reload after restoring an account or adding a project changes nothing more', async () => {
  needs(sunLeft, 'the departure test');
  await admin.goto(`${BASE}/p/sunshine/staff`);
  const row = () => admin.locator('#staff tbody tr').filter({ hasText: '孙七' });
  const restore = await reloadChangesNothing(admin, () => admin.getByRole('button', { name: '恢复账户：孙七' }).click(),
    async () => (await row().innerText()).replace(/\s+/g, ' ').trim());
  assert.match(restore.f, /孙七 的账户已恢复/);
  assert.match(restore.after.state, /在职/);
  assert.equal(recorded(restore.changes, 'user.restore'), 1, restore.changes.join('; '));

  const projects = async () => (await admin.locator('details summary').allInnerTexts()).map((s) => s.trim());
  await admin.locator('#p-title').fill('滨江府');
  await admin.locator('#p-name').fill('binjiang');
  await admin.locator('#p-rulebook').selectOption('direct-sales');
  const add = await reloadChangesNothing(admin, () => admin.getByRole('button', { name: '新建项目' }).click(), projects);
  assert.match(add.f, /滨江府 已新建/);
  assert.equal(add.after.state.length, add.before.state.length + 1, JSON.stringify(add.after.state));
  assert.equal(recorded(add.changes, 'project.add'), 1, add.changes.join('; '));
  await shoot(admin, '51-reload-restore-project');
  await admin.context().close();
});

test("a reload after an agent's registration, by form or by SMS, registers nothing more", async () => {
  const page = await openAt('a1', '/p/channel/agent');
  await page_has(page, 'h1', '分销报备');
  const state = async () => (await page.locator('#agent-registrations tbody tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim());
  await page.locator('#a-name').fill('卫先生');
  await page.locator('#a-phone').fill('177****0005');
  await page.locator('#a-visit').fill(`${chinaDate(1)}T10:00`);
  const form = await reloadChangesNothing(page, () => page.getByRole('button', { name: '提交报备' }).click(), state);
  assert.match(form.f, /已受理/);
  assert.equal(form.after.state.length, form.before.state.length + 1);
  assert.equal(form.after.acts, form.before.acts + 1);
  assert.equal(recorded(form.changes, 'act.register'), 1, form.changes.join('; '));

  await page.getByLabel('短信内容').fill(`报备《channel》住宅，客户蒋女士，电话：177****0006，链家张伟，到访：${chinaDate(1)} 15:00`);
  const sms = await reloadChangesNothing(page, () => page.getByRole('button', { name: '识别并报备' }).click(), state);
  assert.match(sms.f, /已受理/);
  assert.match(sms.f, /识别结果：蒋女士 177\*\*\*\*0006/);
  assert.equal(sms.after.state.length, sms.before.state.length + 1);
  assert.equal(sms.after.acts, sms.before.acts + 1);
  assert.equal(recorded(sms.changes, 'act.register'), 1, sms.changes.join('; '));
  await shoot(page, '52-reload-agent');
  await page.context().close();
});

// ---- the work page (工作台) of §3.10–§3.13 and §5 --------------------------------------------
// Each rulebook's own work, done in the browser as the person it is for: a store's dispatch board
// (home-decoration), a department manager's review queue (sales-filing), a joint event's lists
// (conference-marketing), filings with PF-ORDER's reasoning (project-filing). Every act is sent by
// the page's form, and a reload after it changes nothing (reloadChangesNothing).

/// The four projects and the people these tests use, made once through the JSON API: a designer,
/// two divisions (一部, 二部) with their heads (事业部经理, role manager) and one salesperson each.
let workWorld;
const workPhones = {
  hd: '13900139001',
  sf: ['13700137001', '13700137002', '13700137003'], sfOther: '13700137009', sfPage: '13700137010',
  cm: ['13800138101', '13800138102', '13800138103'], leads: ['13800138201', '13800138202'],
  pf: '13500135001',
};
function workSetUp() {
  workWorld ??= (async () => {
    for (const [name, title, rulebook] of [
      ['hd', '家装门店', 'home-decoration'], ['sf', '业务报备', 'sales-filing'],
      ['cm', '会议营销', 'conference-marketing'], ['pf', '项目备案', 'project-filing'],
    ]) await api(adminCookie, 'POST', '/api/v1/projects', { name, title, rulebook });
    for (const p of [
      { login: 'des', name: '吴设计', role: 'designer' },
      { login: 'h1', name: '郑经理', role: 'manager', team: '一部' },
      { login: 'h2', name: '冯经理', role: 'manager', team: '二部' },
      { login: 's1', name: '陈一', role: 'sales', team: '一部' },
      { login: 's2', name: '褚二', role: 'sales', team: '二部' },
    ]) await api(adminCookie, 'POST', '/api/v1/users', { ...p, password: PASSWORD });
  })();
  return workWorld;
}
/// Sends a form with `submit` (a click) and waits for the page it leads to, so that the flash read
/// next is this act's, not the one before.
async function submitted(page, submit) {
  const from = page.url();
  await submit();
  await page.waitForURL((u) => u.href !== from, { timeout: 5000 });
  await page.waitForLoadState('load');
}
/// The rows of a table's body, one string each.
const tableRows = (page, selector) => async () => (await page.locator(`${selector} tbody tr`).allInnerTexts())
  .map((r) => r.replace(/\s+/g, ' ').trim());
/// A dispatch board's row of one designer, as one string.
const boardRow = (page, name) => async () => (await page.locator('#dispatch-board tbody tr')
  .filter({ hasText: name }).innerText()).replace(/\s+/g, ' ').trim();

let hdProfile;
test("a store manager sets a designer's profile on the work page; a reload sets nothing more", async () => {
  await workSetUp();
  const page = await openAt('boss', '/p/hd/work');
  await page_has(page, 'h1', '工作台');
  await page_has(page, 'h1', '家装门店派单');
  const state = async () => ({
    posts: (await page.locator('#posts li').allInnerTexts()).map((l) => l.trim()),
    row: await boardRow(page, '吴设计')(),
  });
  const form = page.locator('#appoint-form');
  await form.locator('#ap-staff').selectOption('des');
  await form.locator('#ap-post').selectOption('designer');
  await form.getByLabel('资深').check();
  await form.locator('#ap-styles').fill('现代简约、北欧');
  const r = await reloadChangesNothing(page, () => form.getByRole('button', { name: '保存任命' }).click(), state);
  assert.match(r.f, /已受理/);
  assert.match(r.f, /依据规则 DSP-PRIORITY/);
  assert.equal(r.after.acts, r.before.acts + 1);
  assert.equal(recorded(r.changes, 'act.appoint'), 1, r.changes.join('; '));
  assert.ok(r.after.state.posts.some((p) => /^设计师[:：]\s*.*吴设计/.test(p)), JSON.stringify(r.after.state.posts));
  assert.match(r.after.state.row, /资深/);
  assert.match(r.after.state.row, /现代简约、北欧/);
  await shoot(page, '60-hd-designer-profile');
  await page.context().close();
  hdProfile = true;
});

let hdDispatched;
test('a customer manager registers a customer and dispatches it from the board; the handover register lists it', async () => {
  needs(hdProfile, "the designer's profile test");
  // The registration, from the sales page (HD-OWNER: name, phone and address).
  const page = await openAt('zhang', '/p/hd/sales');
  await page.getByLabel('客户姓名', { exact: true }).fill('周女士');
  await page.getByLabel('客户电话').fill(workPhones.hd);
  await page.locator('#r-address').fill('滨江路 8 号');
  const reg = await reloadChangesNothing(page, () => page.getByRole('button', { name: '提交报备' }).click());
  assert.match(reg.f, /已受理/);
  assert.match(reg.f, /依据规则 HD-OWNER/);
  assert.match(reg.f, /派单前归公司/);
  assert.equal(recorded(reg.changes, 'act.register'), 1, reg.changes.join('; '));

  // The dispatch, from the work page.
  await page.goto(`${BASE}/p/hd/work`);
  await page_has(page, '#dispatch-board', '吴设计');
  const state = async () => ({ register: await tableRows(page, '#handover-register')(), row: await boardRow(page, '吴设计')() });
  const form = page.locator('#dispatch-form');
  await form.locator('#d-phone').fill(workPhones.hd);
  await form.locator('#d-designer').selectOption('des');
  const d = await reloadChangesNothing(page, () => form.getByRole('button', { name: '派单' }).click(), state);
  assert.match(d.f, /已受理/);
  assert.match(d.f, /依据规则 HD-OWNER/);
  assert.match(d.f, /已派单给吴设计/);
  assert.match(d.f, /日转交客户登记表/);
  assert.equal(d.after.acts, d.before.acts + 1);
  assert.equal(recorded(d.changes, 'act.dispatch'), 1, d.changes.join('; '));
  const masked = `${workPhones.hd.slice(0, 3)}****${workPhones.hd.slice(7)}`;
  const entry = d.after.state.register.filter((r) => r.includes(masked));
  assert.equal(entry.length, 1, `the handover register: ${JSON.stringify(d.after.state.register)}`);
  // The date, the customer (as dispatched: by phone), the designer and the customer manager.
  assert.match(entry[0], new RegExp(`^${chinaDate(0)} (周女士 )?${masked.replace(/\*/g, '\\*')} 吴设计 张三$`));
  assert.equal(d.before.state.register.filter((r) => r.includes(masked)).length, 0);
  // The designer now holds one order (active / all).
  assert.match(d.after.state.row, /0 \/ 1/);
  await shoot(page, '61-hd-dispatched');
  await page.context().close();
  hdDispatched = true;
});

test('the designer refuses the dispatch from his work page; the board shows the suspension', async () => {
  needs(hdDispatched, 'the dispatch test');
  const page = await openAt('des', '/p/hd/work');
  await page_has(page, 'h1', '工作台');
  const state = boardRow(page, '吴设计');
  await page.locator('#r-phone').fill(workPhones.hd);
  const r = await reloadChangesNothing(page, () => page.locator('#refuse-form').getByRole('button', { name: '拒单' }).click(), state);
  assert.match(r.f, /已受理/);
  assert.match(r.f, /依据规则 DSP-REFUSE/);
  assert.match(r.f, /原因：吴设计拒单：客户退回公司，\d{4}-\d{2}-\d{2} \d{2}:\d{2} 前不再派单给该设计师/);
  assert.equal(r.after.acts, r.before.acts + 1);
  assert.equal(recorded(r.changes, 'act.refuse'), 1, r.changes.join('; '));
  // The refusal is on record (a DSP-REFUSE violation with no amount), once.
  const violations = (await api(adminCookie, 'GET', '/api/v1/projects/hd/violations')).json.items
    .filter((x) => x.party === 'des' && x.rule === 'DSP-REFUSE');
  assert.equal(violations.length, 1, JSON.stringify((await api(adminCookie, 'GET', '/api/v1/projects/hd/violations')).json));
  assert.equal(violations[0].amount ?? null, null);
  // Suspended for a month (停止派单至 a date about a month ahead), barred by DSP-REFUSE.
  const until = /(\d{4}-\d{2}-\d{2}) \d{2}:\d{2}/.exec(r.after.state);
  assert.ok(until, `no suspension on the board: ${r.after.state}`);
  const days = (Date.parse(until[1]) - Date.parse(chinaDate(0))) / 864e5;
  assert.ok(days >= 28 && days <= 31, `suspended until ${until[1]}`);
  assert.match(r.after.state, /DSP-REFUSE/);
  await shoot(page, '62-hd-refused');
  await page.context().close();

  // The customer manager sees it too, and a dispatch to the suspended designer is refused.
  const zhang = await openAt('zhang', '/p/hd/work');
  const row = await boardRow(zhang, '吴设计')();
  assert.match(row, /DSP-REFUSE/);
  assert.ok(row.includes(until[0]), `the customer manager's board: ${row}`);
  await zhang.locator('#d-phone').fill(workPhones.hd);
  await zhang.locator('#d-designer').selectOption('des');
  const again = await reloadChangesNothing(zhang, () => zhang.locator('#dispatch-form').getByRole('button', { name: '派单' }).click(),
    tableRows(zhang, '#handover-register'));
  assert.match(again.f, /不予受理/);
  assert.match(again.f, /依据规则 DSP-REFUSE/);
  assert.deepEqual(again.after.state, again.before.state, 'a refused dispatch is not in the handover register');
  await shoot(zhang, '63-hd-suspended-board');
  await zhang.context().close();
});

// A product bug found by this test: under sales-filing the sales page's registration form has no
// field for the customer's needs (需求及意向), which SF-FIELDS requires, so every filing made from
// the sales page is invalid (无效, SF-FIELDS, 缺少需求及意向): the rulebook lists "needs" among the
// fields required on the form (required_on_form), but sales.html offers name, phone, address and
// the profile only, and sales.rs's register reads no "needs". Reproduce: sign in as 陈一 (sales),
// open /p/sf/sales, fill in name, phone and address, press 提交报备.
test('a salesperson files a customer with its needs from the sales page (sales-filing)', async () => {
  await workSetUp();
  const page = await openAt('s1', '/p/sf/sales');
  await page_has(page, 'h1', '我的客户');
  await page.getByLabel('客户姓名', { exact: true }).fill('何总');
  await page.getByLabel('客户电话').fill(workPhones.sfPage);
  await page.locator('#r-address').fill('高新区');
  const needsField = page.locator('#register-form [name=needs]');
  const offered = await needsField.count();
  if (offered) await needsField.fill('年采购 50 台');
  await submitted(page, () => page.getByRole('button', { name: '提交报备' }).click());
  const f = await flash(page);
  await shoot(page, '64-sf-sales-page-filing');
  await page.context().close();
  // Was a bug (fixed): the form offers no needs field, and the filing is invalid under SF-FIELDS.
  assert.equal(offered, 1, `the sales page offers no 需求及意向 field; the filing gets: ${f}`);
  assert.match(f, /待定/);
  assert.match(f, /依据规则 SF-REVIEW/);
});

let sfQueue;
test("a department manager approves one filing and rejects another with a reason from the review queue", async () => {
  await workSetUp();
  // Filings with their needs through the API (the sales page cannot send needs, above): three by
  // 陈一 of 一部, one by 褚二 of 二部.
  const file = async (login, name, phone, needs) => {
    const r = await api(await session(login), 'POST', '/api/v1/projects/sf/acts', {
      act: 'register', customer: { name, phone, address: '高新区', needs },
    });
    assert.equal(r.json.outcome, 'pending', JSON.stringify(r.json));
  };
  await file('s1', '吴总', workPhones.sf[0], '年采购 200 台');
  await file('s1', '钱总', workPhones.sf[1], '试用一台');
  await file('s1', '孔总', workPhones.sf[2], '明年扩建');
  await file('s2', '曹总', workPhones.sfOther, '询价');
  const page = await openAt('h1', '/p/sf/work');
  await page_has(page, 'h1', '业务员报备与审核');
  const queue = () => page.locator('#rv-h').locator('..').locator('form.review');
  const state = async () => (await queue().allInnerTexts()).map((t) => t.split('\n')[0].trim());
  const form = (name) => queue().filter({ hasText: name });
  // 一部's head reviews 一部's filings, with their needs; 二部's are 二部's head's.
  for (const [name, needs] of [['吴总', '年采购 200 台'], ['钱总', '试用一台'], ['孔总', '明年扩建']]) {
    assert.equal(await form(name).count(), 1, `${name} in the queue: ${JSON.stringify(await state())}`);
    assert.match(await form(name).innerText(), new RegExp(`需求及意向[：:] ?${needs}`));
    assert.match(await form(name).innerText(), /陈一/);
  }
  assert.equal(await form('曹总').count(), 0, "another division's filing is not in this queue");
  await shoot(page, '65-sf-review-queue');

  const approve = await reloadChangesNothing(page, () => form('吴总').getByRole('button', { name: '同意' }).click(), state);
  assert.match(approve.f, /已受理/);
  assert.match(approve.f, /依据规则 SF-REVIEW/);
  assert.match(approve.f, /客户归属：陈一/);
  assert.equal(approve.after.acts, approve.before.acts + 1);
  assert.equal(recorded(approve.changes, 'act.review'), 1, approve.changes.join('; '));
  assert.equal(await form('吴总').count(), 0, 'the approved filing left the queue');

  // A rejection without a reason is invalid (SF-REVIEW) and leaves the filing in the queue.
  const invalid = await reloadChangesNothing(page, () => form('钱总').getByRole('button', { name: '驳回' }).click(), state);
  const lines = await flashLines(page);
  assert.match(invalid.f, /无效/);
  assert.match(invalid.f, /依据规则 SF-REVIEW/);
  assertWhy(lines, 'a rejection without a reason');
  assert.deepEqual(invalid.after.state, invalid.before.state, 'the filing still waits');

  await form('钱总').getByLabel('理由（驳回时必填）').fill('客户信息不实');
  const reject = await reloadChangesNothing(page, () => form('钱总').getByRole('button', { name: '驳回' }).click(), state);
  assert.match(reject.f, /不予受理/);
  assert.match(reject.f, /依据规则 SF-REVIEW/);
  assert.match(reject.f, /客户归属：公海/);
  assert.equal(reject.after.acts, reject.before.acts + 1);
  assert.equal(recorded(reject.changes, 'act.review'), 1, reject.changes.join('; '));
  assert.equal(await form('钱总').count(), 0, 'the rejected filing left the queue');
  assert.equal(await form('孔总').count(), 1, 'the third filing still waits');
  await shoot(page, '66-sf-reviewed');
  await page.context().close();
  sfQueue = true;
});

test('a salesperson on a trip reports the day from the work page (SF-TRIP)', async () => {
  await workSetUp();
  const page = await openAt('s1', '/p/sf/work');
  await page_has(page, 'h1', '工作台');
  assert.equal(await page.locator('form.review').count(), 0, 'a salesperson has no review queue');
  await page.locator('#t-channel').selectOption('phone');
  const r = await reloadChangesNothing(page, () => page.locator('#trip-form').getByRole('button', { name: '汇报' }).click());
  assert.match(r.f, /已受理/);
  assert.match(r.f, /依据规则 SF-TRIP/);
  assert.equal(r.after.acts, r.before.acts + 1);
  assert.equal(recorded(r.changes, 'act.trip_report'), 1, r.changes.join('; '));
  await page.context().close();
});

/// The joint event of the conference-marketing tests: it starts in 3 days at 14:00, so a list is
/// due before 18:00 on each of the 7 days before and before 10:00 on the day.
const jointEvent = { name: '秋季健康讲座', day: chinaDate(3) };
/// The list cells of the event's table: { '一部 敲定名单': { 'MM-DD': '按时 截止 18:00 2 人', … }, … }.
async function listCells(page) {
  const table = page.locator('table.lists').first();
  const days = (await table.locator('thead th').allInnerTexts()).slice(1).map((d) => d.trim());
  const out = {};
  for (const tr of await table.locator('tbody tr').all()) {
    const label = (await tr.locator('th').innerText()).replace(/\s+/g, ' ').trim();
    const cells = (await tr.locator('td').allInnerTexts()).map((c) => c.replace(/\s+/g, ' ').trim());
    out[label] = Object.fromEntries(days.map((d, i) => [d, cells[i]]));
  }
  return out;
}

let cmEvent;
test('a manager declares a joint event; a division head submits lists that show as in time and late', async () => {
  await workSetUp();
  const boss = await openAt('boss', '/p/cm/work');
  await page_has(boss, 'h1', '会议营销与联合邀约');
  await page_has(boss, '#ev-h', '联合活动与名单');
  await boss.locator('#je-name').fill(jointEvent.name);
  await boss.locator('#je-starts').fill(`${jointEvent.day}T14:00`);
  const events = async () => (await boss.locator('#ev-h').locator('..').locator('h3').allInnerTexts()).map((h) => h.trim());
  const ev = await reloadChangesNothing(boss, () => boss.locator('#event-form').getByRole('button', { name: '新建' }).click(), events);
  assert.match(ev.f, /已受理/);
  assert.match(ev.f, /依据规则 CM-CUTOFF/);
  assert.equal(ev.after.acts, ev.before.acts + 1);
  assert.equal(recorded(ev.changes, 'act.joint_event'), 1, ev.changes.join('; '));
  assert.ok(ev.after.state.some((h) => h.startsWith(jointEvent.name) && h.includes(`${jointEvent.day} 14:00`)), JSON.stringify(ev.after.state));
  await boss.context().close();
  cmEvent = true;

  // 一部's head: the list form names the division; the list for the day before the event is in
  // time, the one for a week before is late (a 10-yuan violation against the head).
  const page = await openAt('h1', '/p/cm/work');
  await page_has(page, '#list-h', '一部');
  const row = '一部 敲定名单';
  const state = async () => (await listCells(page))[row];
  const before = await state();
  assert.ok(before, `no row ${row}: ${JSON.stringify(Object.keys(await listCells(page)))}`);
  const dayBefore = chinaDate(2), weekBefore = chinaDate(-4);
  const md = (d) => d.slice(5);
  assert.match(before[md(dayBefore)], /^待报/);
  assert.match(before[md(weekBefore)], /^未报/);

  await page.locator('#l-event').selectOption(jointEvent.name);
  await page.locator('#l-kind').selectOption('confirmed');
  await page.locator('#l-day').fill(dayBefore);
  await page.locator('#l-customers').fill(`${workPhones.cm[0]}\n${workPhones.cm[1]}`);
  const timely = await reloadChangesNothing(page, () => page.locator('#list-form').getByRole('button', { name: '上报' }).click(), state);
  assert.match(timely.f, /已受理/);
  assert.match(timely.f, /依据规则 CM-CUTOFF/);
  assert.match(timely.f, /按时上报/);
  assert.doesNotMatch(timely.f, /记录违规/);
  assert.equal(recorded(timely.changes, 'act.list'), 1, timely.changes.join('; '));
  assert.match(timely.after.state[md(dayBefore)], /^按时 .*2 人/);

  await page.locator('#l-event').selectOption(jointEvent.name);
  await page.locator('#l-day').fill(weekBefore);
  await page.locator('#l-customers').fill(workPhones.cm[2]);
  const late = await reloadChangesNothing(page, () => page.locator('#list-form').getByRole('button', { name: '上报' }).click(), state);
  assert.match(late.f, /已受理/);
  assert.match(late.f, /依据规则 CM-CUTOFF/);
  assert.match(late.f, /记录违规：郑经理/);
  assert.match(late.f, /逾期上报/);
  assert.equal(recorded(late.changes, 'act.list'), 1, late.changes.join('; '));
  assert.match(late.after.state[md(weekBefore)], /^迟报 .*1 人/);
  assert.match(late.after.state[md(dayBefore)], /^按时/);

  // No list is due after the event: refused under CM-CUTOFF, saying why.
  await page.locator('#l-event').selectOption(jointEvent.name);
  await page.locator('#l-day').fill(chinaDate(10));
  const none = await reloadChangesNothing(page, () => page.locator('#list-form').getByRole('button', { name: '上报' }).click(), state);
  assert.match(none.f, /不予受理/);
  assert.match(none.f, /依据规则 CM-CUTOFF/);
  assertWhy(await flashLines(page), 'a list for a day with none due');
  assert.deepEqual(none.after.state, none.before.state, 'a refused list changes no cell');
  await shoot(page, '67-cm-lists');
  await page.context().close();
});

test("closing a day's books records each missing list once", async () => {
  needs(cmEvent, 'the joint event test');
  const page = await openAt('boss', '/p/cm/work');
  const day = chinaDate(-3);
  await page.locator('#cl-day').fill(day);
  const close = await reloadChangesNothing(page, () => page.locator('#close-form').getByRole('button', { name: '日结' }).click());
  assert.match(close.f, /已受理/);
  assert.match(close.f, /依据规则 CM-CUTOFF/);
  // Every division's list of that day is missing: a violation against each head, 一部's among them.
  assert.match(close.f, /记录违规：郑经理/);
  assert.match(close.f, /记录违规：冯经理/);
  assert.equal(close.after.acts, close.before.acts + 1);
  assert.equal(recorded(close.changes, 'act.close'), 1, close.changes.join('; '));
  // Closing the same day again records nothing more.
  await page.locator('#cl-day').fill(day);
  const again = await reloadChangesNothing(page, () => page.locator('#close-form').getByRole('button', { name: '日结' }).click());
  assert.match(again.f, /已受理/);
  assert.doesNotMatch(again.f, /记录违规/);
  await shoot(page, '68-cm-close');
  await page.context().close();
});

// CM-EVEN: an outreach event's leads go back to that division's head and are split among that
// division's staff. Two product bugs found by this test:
// - the work page's lead form has no field for the division that collected the leads, and work.rs
//   sends none (nor the entering head's team), so a lead entered on the page names no division and
//   分配 deals it to every salesperson of every team (the engine's default when a batch names no
//   team). Reproduce: sign in as 郑经理 (manager, 一部) on a conference-marketing project, 录入 two
//   leads in one batch, then 分配 that batch: the flash says 2 leads were dealt to 7 people (everyone
//   of role sales), and one of them may go to 二部's 褚二;
// - after 分配 the batch is still listed under 录入线索 as "2 条待分配" and still offered by the
//   分配 form: work.rs counts a lead as waiting by the lead entry's own verdict (owner 部门), not by
//   who holds the customer now.
test("a division head's leads are handed out within the division (CM-EVEN)", async () => {
  await workSetUp();
  const page = await openAt('h1', '/p/cm/work');
  const batch = `一部科普 ${chinaDate(0)}`;
  const waiting = async () => (await page.locator('#batches li').allInnerTexts()).map((l) => l.trim());
  for (const [i, phone] of workPhones.leads.entries()) {
    await page.locator('#ld-name').fill(['严先生', '华女士'][i]);
    await page.locator('#ld-phone').fill(phone);
    await page.locator('#ld-batch').fill(batch);
    const lead = await reloadChangesNothing(page, () => page.locator('#lead-form').getByRole('button', { name: '录入' }).click(), waiting);
    assert.match(lead.f, /已受理/);
    assert.match(lead.f, /依据规则 CM-EVEN/);
    assert.match(lead.f, /客户归属：部门/);
    assert.equal(recorded(lead.changes, 'act.lead'), 1, lead.changes.join('; '));
    assert.ok(lead.after.state.includes(`${batch}: ${i + 1} 条待分配`), JSON.stringify(lead.after.state));
  }
  await page.locator('#ds-batch').selectOption(batch);
  const dist = await reloadChangesNothing(page, () => page.locator('#distribute-form').getByRole('button', { name: '分配' }).click(), waiting);
  assert.match(dist.f, /已受理/);
  assert.match(dist.f, /依据规则 CM-EVEN/);
  assert.equal(recorded(dist.changes, 'act.distribute'), 1, dist.changes.join('; '));
  await shoot(page, '69-cm-distributed');
  await page.context().close();
  const wrong = [];
  // Was a bug (fixed): the leads are dealt to every salesperson of every team, not to 一部's (陈一).
  if (!/2 条线索已平均分给 1 人/.test(dist.f)) wrong.push(`dealt outside the division: ${dist.f}`);
  // Was a bug (fixed): the handed-out batch is still listed as waiting (and offered to 分配 again).
  if (dist.after.state.some((l) => l.startsWith(batch))) wrong.push(`still waiting after 分配: ${JSON.stringify(dist.after.state)}`);
  for (const phone of workPhones.leads) {
    const c = (await api(adminCookie, 'GET', `/api/v1/projects/cm/customers?phone=${phone}`)).json;
    const owner = c.verdict?.owner?.name ?? JSON.stringify(c.verdict?.owner);
    if (owner !== 's1') wrong.push(`lead ${phone} went to ${owner}, not to 一部's 陈一`);
  }
  assert.deepEqual(wrong, []);
});

let pfFiled;
test('a salesperson files online and a project by e-mail; a second filing of the customer shows PF-ORDER', async () => {
  await workSetUp();
  const page = await openAt('zhang', '/p/pf/work');
  await page_has(page, 'h1', '客户及项目备案');
  const state = tableRows(page, '#filings');
  const form = page.locator('#filing-form');
  await form.locator('#pf-name').fill('郑先生');
  await form.locator('#pf-phone').fill(workPhones.pf);
  await form.locator('#pf-grade').selectOption('A');
  await form.locator('#pf-channel').selectOption('online');
  const filed = await reloadChangesNothing(page, () => form.getByRole('button', { name: '提交备案' }).click(), state);
  assert.match(filed.f, /已受理/);
  assert.match(filed.f, /依据规则 PF-PROJECT/);
  assert.match(filed.f, /客户归属：张三/);
  assert.match(filed.f, /长期有效/);
  assert.equal(recorded(filed.changes, 'act.register'), 1, filed.changes.join('; '));
  assert.equal(filed.after.state.length, filed.before.state.filter((r) => !/近 31 天没有备案/.test(r)).length + 1);
  assert.match(filed.after.state[0], /郑先生 135\*\*\*\*5001 张三 A 已受理 PF-PROJECT/);

  // A project (by name and address), filed by e-mail.
  await form.getByLabel('这是一个项目（按名称和地址识别）').check();
  await form.locator('#pf-name').fill('滨江科技园');
  await form.locator('#pf-address').fill('滨江路 1 号');
  await form.locator('#pf-channel').selectOption('email');
  const project = await reloadChangesNothing(page, () => form.getByRole('button', { name: '提交备案' }).click(), state);
  assert.match(project.f, /已受理/);
  assert.match(project.f, /依据规则 PF-PROJECT/);
  assert.match(project.after.state[0], /项目 滨江科技园 滨江路 1 号 张三/);
  await shoot(page, '70-pf-filed');
  await page.context().close();

  // 李四 files the same customer: the earlier filing wins (PF-ORDER (3)); he is told only that
  // it is protected (G-CLAIM), not by whom.
  const li = await openAt('li', '/p/pf/work');
  await li.locator('#pf-name').fill('郑先生');
  await li.locator('#pf-phone').fill(workPhones.pf);
  const match = await reloadChangesNothing(li, () => li.locator('#filing-form').getByRole('button', { name: '提交备案' }).click(),
    tableRows(li, '#filings'));
  assert.match(match.f, /不予受理/);
  assert.match(match.f, /已受保护/);
  assert.doesNotMatch(match.f, /张三/);
  assert.equal(match.after.acts, match.before.acts + 1);
  assert.equal(recorded(match.changes, 'act.register'), 1, match.changes.join('; '));
  assert.match(match.after.state[0], /郑先生 135\*\*\*\*5001 李四/);
  await shoot(li, '71-pf-match-refused');
  await li.context().close();

  // The marketing-management manager reads PF-ORDER's reasoning on the filings table (every
  // filing: PF-CHASE reports each match to that department).
  const bossCookie = await session('boss');
  await api(bossCookie, 'POST', '/api/v1/projects/pf/acts', { act: 'appoint', by: 'boss', staff: 'boss', post: 'marketing_manager' });
  const boss = await openAt('boss', '/p/pf/work');
  const rows = await tableRows(boss, '#filings')();
  const liRow = rows.find((r) => r.includes('李四'));
  assert.ok(liRow, JSON.stringify(rows));
  assert.match(liRow, /不予受理 PF-ORDER/);
  assert.match(liRow, /先到先得/);
  await shoot(boss, '72-pf-order-reasoning');
  await boss.context().close();
  pfFiled = true;
});

// A product bug found by this test: the filings table (近 31 天备案) shows every filing of the
// project to every salesperson, with its filer and the engine's full reason: a salesperson whose
// filing lost a match reads there who holds the customer ("…先到先得，客户仍归张三", and 张三 in the
// 备案人 column of the earlier filing), which G-CLAIM tells only managers; the flash of the same act
// rightly says only 该客户已受保护 (G-CLAIM). work.rs lists every register entry with
// e.verdict.rule and e.verdict.reason, whoever views it. Reproduce: 张三 files 郑先生 13500135001
// online on a project-filing project; 李四 files the same; 李四's work page names 张三.
test('the filings table tells a refused salesperson no more than G-CLAIM allows', async () => {
  needs(pfFiled, 'the filing test');
  const li = await openAt('li', '/p/pf/work');
  const rows = await tableRows(li, '#filings')();
  await li.context().close();
  // Was a bug (fixed): the holder's name is on the refused filer's page.
  assert.deepEqual(rows.filter((r) => r.includes('张三')), [], "the refused filer reads who holds the customer");
});

test("a manager appoints a chaser, who spot-checks a filing's contact frequency (PF-CHASE)", async () => {
  needs(pfFiled, 'the filing test');
  const boss = await openAt('boss', '/p/pf/work');
  const posts = async () => (await boss.locator('#posts li').allInnerTexts()).map((l) => l.trim());
  await boss.locator('#ap-staff').selectOption('wang');
  await boss.locator('#ap-post').selectOption('chaser');
  const appoint = await reloadChangesNothing(boss, () => boss.locator('#appoint-form').getByRole('button', { name: '保存任命' }).click(), posts);
  assert.match(appoint.f, /已受理/);
  assert.match(appoint.f, /依据规则 PF-CHASE/);
  assert.equal(recorded(appoint.changes, 'act.appoint'), 1, appoint.changes.join('; '));
  assert.ok(appoint.after.state.some((p) => /^催办员[:：].*王五/.test(p)), JSON.stringify(appoint.after.state));
  await boss.context().close();

  // Only the chaser has the spot-check form.
  const li = await openAt('li', '/p/pf/work');
  assert.equal(await li.locator('#check-form').count(), 0, 'someone not appointed has no spot check');
  await li.context().close();
  const page = await openAt('wang', '/p/pf/work');
  await page_has(page, '#sc-h', '抽查联系频率');
  await page.locator('#sc-phone').fill(workPhones.pf);
  const check = await reloadChangesNothing(page, () => page.locator('#check-form').getByRole('button', { name: '抽查' }).click());
  assert.match(check.f, /已受理/);
  assert.match(check.f, /依据规则 PF-CHASE/);
  assert.doesNotMatch(check.f, /记录违规/, 'filed today: within grade A\'s 7 days');
  assert.equal(check.after.acts, check.before.acts + 1);
  assert.equal(recorded(check.changes, 'act.spot_check'), 1, check.changes.join('; '));
  await shoot(page, '73-pf-spot-check');
  await page.context().close();
});

// A product bug found by this test: every checkbox of the work page (资深, 收设计费, 取消该岗位,
// 客户指定这位设计师, 这是一个项目…) is drawn as wide as its form, the box centred on a line of its
// own and its words on the line below, so it is not clear which words a box belongs to: kehu.css
// sets `input { width:100% }` for every input, checkboxes included, and the work page is the first
// to put a checkbox inside its <label>. Reproduce: as a manager, open /p/hd/work and look at
// 岗位任命 (at 1280 or 390 px wide).
test("the work page's checkboxes sit beside their words", async () => {
  await workSetUp();
  const page = await openAt('boss', '/p/hd/work');
  const wrong = [];
  for (const path of ['/p/hd/work', '/p/pf/work']) {
    await page.goto(BASE + path);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      const boxes = await page.locator('label:has(input[type=checkbox])').evaluateAll((ls) => ls.map((l) => {
        const box = l.querySelector('input').getBoundingClientRect();
        const line = parseFloat(getComputedStyle(l).lineHeight) || 24;
        return { words: l.textContent.trim(), box: Math.round(box.width), label: Math.round(l.getBoundingClientRect().height), line };
      }));
      assert.ok(boxes.length >= 1, `${path}: no checkbox`);
      for (const b of boxes) {
        // Was a bug (fixed): the box is as wide as the form, and the label two lines high.
        if (b.box > 40 || b.label > 1.5 * b.line) wrong.push(`${path} at ${width}px: "${b.words}" box ${b.box}px wide, label ${b.label}px high`);
      }
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await shoot(page, '75-work-checkboxes');
  await page.context().close();
  assert.deepEqual(wrong, []);
});

// The work page of each rulebook, with what the tests above put on it, as each of its users: it
// is in the header, loads, says its language, fits 390 px and in English shows no full-width
// punctuation in main (as the tour of every page).
// A product bug found by this test: in English, each filing in the sales-filing review queue reads
// "Needs：<needs>" with a full-width colon: work.html writes {{ t("work.sf.needs") }}： literally.
// Reproduce: as a manager, open /p/sf/work in English with a filing waiting for review.
// Another: in English a joint event's list cell of one name reads "late before 18:00 1 names"
// (work.html: {{ c.n }} {{ t("work.cm.names") }}, with "names" whatever the number). Reproduce: as a
// division head, submit a list of one phone, then open /p/cm/work in English.
test('the work page of every new rulebook loads in Chinese and in English', async () => {
  await workSetUp();
  const failures = [];
  for (const [login, projects] of [
    ['boss', ['hd', 'sf', 'cm', 'pf']], ['zhang', ['hd', 'sf', 'cm', 'pf']], ['des', ['hd']],
    ['h1', ['sf', 'cm']], [ADMIN, ['hd', 'sf', 'cm', 'pf']],
  ]) {
    const page = await signIn(login, login === ADMIN ? ADMIN_PASSWORD : PASSWORD);
    for (const project of projects) {
      const path = `/p/${project}/work`;
      const zh = await page.goto(BASE + path);
      assert.ok(zh.status() < 400, `${login} ${path}: ${zh.status()}`);
      const nav = await page.locator('header nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.ok(nav.includes(path), `${login}: ${path} is not in its own header (${nav.join(' ')})`);
      try {
        await bothLanguages(page, login, path, `74-${login}-${project}-work`);
        if (project === 'cm') {
          // The list cells count names in English as in Chinese: "2 names", "1 name".
          await page.goto(`${BASE}/lang/en?back=${path}`);
          const cells = await page.locator('table.lists td').allInnerTexts();
          // Was a bug (fixed): a list of one reads "1 names".
          const one = cells.filter((c) => /\b1 names\b/.test(c));
          if (one.length) failures.push(`${login} ${path} in English: ${JSON.stringify(one)}`);
          await page.goto(`${BASE}/lang/zh?back=${path}`);
        }
      } catch (e) {
        failures.push(e.message);
        await page.goto(`${BASE}/lang/zh?back=/`);
      }
    }
    await page.context().close();
  }
  // Was a bug (fixed): h1 and the admin on /p/sf/work in English: "Needs：…"; a list of one on /p/cm/work: "1 names".
  assert.deepEqual(failures, []);
});

// ---- after the sale (§6, §8): the sales control, changes, credit and customer service ----------
// A team-registration project 悦府 (yuefu) with its sales-control sheet, walked as its users: 钱经理
// (manager, A组) imports the sheet; 周八 (sales, A组) takes a 小定 on a unit from the customer's
// page and asks to change it for a cheaper one, which waits (CHG-CHANGES) until 钱经理 approves it
// on the credit page; 蔡会计 (finance) grades the customer (CRD-LEVEL); after the deal and the
// delivery the customer service page lists the customer as 待回访 until a return visit.

/// The sheet the manager imports: three units for sale in A, one withheld, one sold, two for sale in B.
const UNIT_SHEET = ['楼栋,房号,面积,总价,状态', 'A,1201,89.5,1200000,可售', 'A,1101,80,1000000,可售',
  'A,1301,120,2000000,销控', 'B,0501,95,1100000,已售', 'B,0601,95,1100000,可售', 'B,0602,88,1000000,可售'];
/// The grid right after the import: each unit's colour class (u-…) and status word.
const FRESH_GRID = {
  'A-1301': 'withheld 销控', 'A-1201': 'for-sale 可售', 'A-1101': 'for-sale 可售',
  'B-0601': 'for-sale 可售', 'B-0602': 'for-sale 可售', 'B-0501': 'sold 已售',
};
const csvFile = (name, lines) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n') + '\n') });
const afterPhones = { buyer: '13100131001', other: '13100131002' };
let afterWorld;
function afterSetUp() {
  afterWorld ??= (async () => {
    await reloadSetUp();
    await api(adminCookie, 'POST', '/api/v1/projects', { name: 'yuefu', title: '悦府', rulebook: 'team-registration' });
    await api(adminCookie, 'POST', '/api/v1/users', { login: 'cai', name: '蔡会计', role: 'finance', password: PASSWORD });
    for (const [login, name, phone] of [['zhou', '欧阳先生', afterPhones.buyer], ['li', '司马女士', afterPhones.other]]) {
      const r = await api(await session(login), 'POST', '/api/v1/projects/yuefu/acts',
        { act: 'register', customer: { name, phone }, channel: 'site' });
      assert.equal(r.json.outcome, 'accepted', `${login} ${phone}: ${JSON.stringify(r.json)}`);
    }
  })();
  return afterWorld;
}
/// The sales-control grid on the page: { 'A-1201': 'for-sale 可售', … } (colour class, status word).
const unitGrid = (page) => async () => Object.fromEntries(await page.locator('td[data-unit]').evaluateAll((tds) =>
  tds.map((td) => [td.dataset.unit,
    `${[...td.classList].find((c) => c.startsWith('u-'))?.slice(2)} ${td.innerText.split('\n')[1]?.trim()}`])));
/// The grid of yuefu as `page`'s user sees it (the page is left on /units): every unit, or only
/// building A's and the sold B-0501 (`aOnly`: 周八's tests leave B-0601 and B-0602 to 李四's).
async function gridOf(page, aOnly = false) {
  const r = await page.goto(`${BASE}/p/yuefu/units`);
  assert.equal(r.status(), 200, `GET /p/yuefu/units as ${page.url()}`);
  const grid = await unitGrid(page)();
  return aOnly ? Object.fromEntries(Object.entries(grid).filter(([k]) => !/^B-06/.test(k))) : grid;
}
/// FRESH_GRID with `changes`, without B-0601 and B-0602 (see gridOf).
const gridA = (changes) => Object.fromEntries(Object.entries({ ...FRESH_GRID, ...changes }).filter(([k]) => !/^B-06/.test(k)));
/// The lines of the customer page's 成交后 section.
const afterLines = (page) => async () => (await page.locator('#after li').allInnerTexts()).map((l) => l.replace(/\s+/g, ' ').trim());
/// The cells of the row of a table's body that mentions `text`, or null.
async function rowCells(page, selector, text) {
  const row = page.locator(`${selector} tbody tr`).filter({ hasText: text });
  if (!await row.count()) return null;
  return (await row.first().locator('td').allInnerTexts()).map((c) => c.replace(/\s+/g, ' ').trim());
}
/// The ids of the forms a page offers.
const formIds = (page) => page.locator('main form[id]').evaluateAll((fs) => fs.map((f) => f.id));
const maskedOf = (phone) => `${phone.slice(0, 3)}****${phone.slice(7)}`;

let sheetImported;
let badAreaFlash;
test('a manager imports the sales-control sheet; the grid shows each unit by floor with its status, and a bad sheet changes nothing', async () => {
  await afterSetUp();
  const page = await openAt('mgr', '/p/yuefu/units');
  await page_has(page, 'h1', '销控表');
  await page_has(page, '#units-empty', '尚未导入销控表');
  const nav = await page.locator('header nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(nav.includes('/p/yuefu/units') && nav.includes('/p/yuefu/credit') && nav.includes('/p/yuefu/service'), nav.join(' '));
  const grid = unitGrid(page);
  const form = page.locator('#units-form');

  // A sheet with a bad row is refused whole, naming the row and the column.
  await form.getByLabel('销控表文件（CSV 或 XLSX）').setInputFiles(csvFile('bad.csv', [UNIT_SHEET[0], 'A,1201,89.5,一百二十万,可售', UNIT_SHEET[2]]));
  await submitted(page, () => form.getByRole('button', { name: '导入' }).click());
  const bad = await flash(page);
  assert.match(bad, /第 2 行「总价」/);
  assert.match(bad, /不是整数元/);
  assert.deepEqual(await grid(), {}, 'nothing is taken from a sheet with a bad row');
  await page_has(page, '#units-empty', '尚未导入销控表');
  // A bad area (kept for the test after this one).
  await page.goto(`${BASE}/p/yuefu/units`);
  await page.locator('#u-sheet').setInputFiles(csvFile('bad-area.csv', [UNIT_SHEET[0], 'A,1201,很大,1200000,可售']));
  await submitted(page, () => page.locator('#units-form').getByRole('button', { name: '导入' }).click());
  badAreaFlash = await flash(page);
  assert.deepEqual(await grid(), {});

  // The good sheet: every unit on the grid with its status; a reload imports nothing more.
  await page.goto(`${BASE}/p/yuefu/units`);
  await page.locator('#u-sheet').setInputFiles(csvFile('units.csv', UNIT_SHEET));
  const r = await reloadChangesNothing(page, () => page.locator('#units-form').getByRole('button', { name: '导入' }).click(), grid);
  assert.match(r.f, /已受理/);
  assert.match(r.f, /依据规则 INV-UNSOLD/);
  assert.match(r.f, /销控表已更新：6 套，其中新增 6 套/);
  assert.equal(r.after.acts, r.before.acts + 1);
  assert.equal(recorded(r.changes, 'act.units'), 1, r.changes.join('; '));
  assert.deepEqual(r.before.state, {});
  assert.deepEqual(r.after.state, FRESH_GRID);
  assert.equal(await page.locator('#units-empty').count(), 0);
  // Each building by floor, the top floor first; a unit shows its area and price.
  const floors = async (b) => (await page.locator('section.card', { has: page.locator('h2', { hasText: new RegExp(`^${b}$`) }) })
    .locator('th[scope=row]').allInnerTexts()).map((t) => t.trim());
  assert.deepEqual(await floors('A'), ['13层', '12层', '11层']);
  assert.deepEqual(await floors('B'), ['6层', '5层']);
  const a1201 = (await page.locator('td[data-unit="A-1201"]').innerText()).replace(/\s+/g, ' ');
  assert.match(a1201, /^1201 可售 89\.50?㎡ · 1,200,000 元/);
  const legend = (await page.locator('#unit-counts li').allInnerTexts()).map((l) => l.replace(/\s+/g, ' ').trim()).sort();
  assert.deepEqual(legend, ['可售 4', '已售 1', '销控 1'].sort());
  await shoot(page, '80-units-imported');
  await page.context().close();

  // A salesperson reads the same grid and has no upload form; the front desk has no grid.
  const zhou = await openAt('zhou', '/p/yuefu/units');
  assert.deepEqual(await unitGrid(zhou)(), FRESH_GRID);
  assert.equal(await zhou.locator('#units-form, #u-sheet').count(), 0, 'a salesperson uploads no sheet');
  await zhou.context().close();
  const desk = await signIn('desk');
  const d = await desk.goto(`${BASE}/p/yuefu/units`);
  assert.equal(d.status(), 403, `the front desk on /units: ${d.status()}`);
  assert.equal(await desk.locator('td[data-unit]').count(), 0);
  await desk.context().close();
  sheetImported = true;
});

// A product bug found by this test, since fixed: a bad area in the sales-control sheet is explained in English
// on the Chinese page, naming the column by its internal key: "✖ 第 2 行「area」："很大" is not an
// area: square metres, more than 0 and at most 100000" (sheet.rs passes serde's English error and
// path through; the price, floor and status columns have Chinese messages). Reproduce: as a
// manager, open /p/{project}/units and import a CSV "楼栋,房号,面积,总价,状态 / A,1201,很大,1200000,可售".
test('a bad area in the sheet is explained in Chinese, naming the 面积 column', async () => {
  needs(badAreaFlash, 'the sheet import test');
  assert.match(badAreaFlash, /第 2 行「面积」/, `the flash: ${badAreaFlash}`);
  assert.doesNotMatch(badAreaFlash, /is not an area/, `the flash: ${badAreaFlash}`);
});

let heldUnit;
test('a salesperson takes a 小定 on a free unit from the customer page; the grid shows it held', async () => {
  needs(sheetImported, 'the sheet import test');
  const page = await openAt('zhou', customerPage('yuefu', afterPhones.buyer));
  await page_has(page, 'h1', '欧阳先生');
  // Only units for sale are offered: not the withheld A-1301 nor the sold B-0501.
  const offered = async (p) => (await p.locator('#d-unit option').evaluateAll((os) => os.map((o) => o.value))).filter(Boolean).sort();
  assert.deepEqual(await offered(page), ['A-1101', 'A-1201', 'B-0601', 'B-0602']);
  await page.locator('#d-amount').fill('20000');
  await page.locator('#d-kind').selectOption('small');
  await page.getByLabel('房源', { exact: true }).selectOption('A-1201');
  const r = await reloadChangesNothing(page, () => page.getByRole('button', { name: '登记定金' }).click(), afterLines(page));
  assert.match(r.f, /已受理/);
  assert.match(r.f, /依据规则 INV-UNSOLD/);
  assert.match(r.f, /房源 A-1201 已锁定/);
  assert.equal(r.after.acts, r.before.acts + 1);
  assert.equal(recorded(r.changes, 'act.deposit'), 1, r.changes.join('; '));
  assert.deepEqual(r.before.state, []);
  assert.deepEqual(r.after.state, ['房源 A-1201：小定']);
  assert.equal((await page.locator('#after .unit.u-small').innerText()).trim(), '小定');
  await shoot(page, '81-units-deposit');
  assert.deepEqual(await gridOf(page), { ...FRESH_GRID, 'A-1201': 'small 小定' });
  const legend = (await page.locator('#unit-counts li').allInnerTexts()).map((l) => l.replace(/\s+/g, ' ').trim());
  assert.ok(legend.includes('小定 1') && legend.includes('可售 3'), JSON.stringify(legend));
  await shoot(page, '82-units-held');
  await page.context().close();
  const li = await openAt('li', customerPage('yuefu', afterPhones.other));
  await page_has(li, 'h1', '司马女士');
  // The unit held for 欧阳先生 is not offered for anyone else's customer.
  assert.deepEqual(await offered(li), ['A-1101', 'B-0601', 'B-0602'], 'A-1201 is held for 欧阳先生');
  await li.context().close();
  heldUnit = true;
});

// A product bug found by this test, since fixed: the customer page cannot raise a 小定 to a 大定 on the same unit,
// though the grid's hint says 同一客户小定转大定仍是同一套房 and INV-UNSOLD takes the same customer's
// later deposit on its unit as the same hold, raised: the deposit form's 房源 list (sales.rs
// free_units) offers only units free for nobody (`free_for(&[])`), so the customer's own held unit
// is never offered, and a 大定 without a unit leaves the grid at 小定. Reproduce: on a project with
// a sales-control sheet, take a 小定 on a unit from a customer's page; the 房源 list no longer
// offers it, and a 大定 recorded next leaves the unit 小定 on /units.
test('a 小定 is raised to a 大定 on the same unit from the customer page', async () => {
  needs(heldUnit, 'the deposit test');
  const page = await openAt('li', customerPage('yuefu', afterPhones.other));
  await page.locator('#d-amount').fill('10000');
  await page.locator('#d-kind').selectOption('small');
  await page.getByLabel('房源', { exact: true }).selectOption('B-0601');
  await submitted(page, () => page.getByRole('button', { name: '登记定金' }).click());
  assert.match(await flash(page), /房源 B-0601 已锁定/);
  assert.deepEqual(await afterLines(page)(), ['房源 B-0601：小定']);
  const offered = (await page.locator('#d-unit option').evaluateAll((os) => os.map((o) => o.value))).filter(Boolean);
  let raised = '(no 大定: B-0601 is not offered)';
  if (offered.includes('B-0601')) {
    await page.locator('#d-amount').fill('50000');
    await page.locator('#d-kind').selectOption('large');
    await page.getByLabel('房源', { exact: true }).selectOption('B-0601');
    await submitted(page, () => page.getByRole('button', { name: '登记定金' }).click());
    raised = await flash(page);
  }
  const grid = await gridOf(page);
  await shoot(page, '83-units-small-to-large');
  await page.context().close();
  assert.equal(grid['B-0601'], 'large 大定',
    `after a 小定 on B-0601 the customer's 房源 list offers ${JSON.stringify(offered)}; the 大定: ${raised}`);
});

let changeApproved;
test('a change to a cheaper unit waits for the manager, who approves it on the credit page; the old unit is for sale again', async () => {
  needs(heldUnit, 'the deposit test');
  const page = await openAt('zhou', customerPage('yuefu', afterPhones.buyer));
  assert.deepEqual(await formIds(page).then((ids) => ['change-form', 'order-form', 'credit-note-form', 'return-form']
    .filter((f) => !ids.includes(f))), [], 'a salesperson has the change, order, credit note and return visit forms');
  assert.equal(await page.locator('#credit-form, #terms-form').count(), 0, 'a salesperson grades no credit');
  const form = page.locator('#change-form');
  await form.getByLabel('办理').selectOption('unit');
  await form.getByLabel('新房源（换房）').fill('A-1101');
  await form.getByLabel('理由').fill('预算调整');
  const r = await reloadChangesNothing(page, () => form.getByRole('button', { name: '提交' }).click(), afterLines(page));
  assert.match(r.f, /待定/);
  assert.match(r.f, /依据规则 CHG-CHANGES/);
  assert.match(r.f, /A-1201（89\.50 ㎡，1200000 元）换 A-1101（80 ㎡，1000000 元）/);
  assert.match(r.f, /待经理审批/);
  assertWhy(await flashLines(page), 'a change to a cheaper unit');
  assert.equal(r.after.acts, r.before.acts + 1);
  assert.equal(recorded(r.changes, 'act.change'), 1, r.changes.join('; '));
  // The customer's 成交后 lists the unit still held and the change waiting, with the way to decide it.
  assert.equal(r.after.state[0], '房源 A-1201：小定');
  assert.match(r.after.state[1] ?? '', /^换房 \d{4}-\d{2}-\d{2} \d{2}:\d{2} A-1201.*待经理审批.*— 信用与审批$/);
  assert.equal(await page.locator('#after a[href="/p/yuefu/credit"]').count(), 1);
  await shoot(page, '84-change-pending');
  // The grid: the old unit still held, the new one reserved meanwhile.
  assert.deepEqual(await gridOf(page, true), gridA({ 'A-1201': 'small 小定', 'A-1101': 'reserved 换房待批' }));
  // The salesperson reads the matter on the credit page but does not decide it.
  await page.goto(`${BASE}/p/yuefu/credit`);
  const mine = await rowCells(page, '#waiting', '欧阳先生');
  assert.ok(mine, `周八's credit page: ${(await page.locator('main').innerText()).slice(0, 500)}`);
  assert.equal(mine[1], '换房');
  assert.equal(await page.locator('#waiting').getByRole('button', { name: '同意', exact: true }).count(), 0);
  await page.context().close();
  // Another team's salesperson does not see it at all.
  const li = await openAt('li', '/p/yuefu/credit');
  assert.doesNotMatch(await li.locator('main').innerText(), new RegExp(maskedOf(afterPhones.buyer).replace(/\*/g, '\\*')));
  await li.context().close();

  // The department's manager approves it.
  const mgr = await openAt('mgr', '/p/yuefu/credit');
  await page_has(mgr, 'h1', '信用与审批');
  const row = () => mgr.locator('#waiting tbody tr').filter({ hasText: '欧阳先生' }).filter({ hasText: '换房' });
  assert.equal(await row().count(), 1, await mgr.locator('main').innerText());
  assert.match(await row().innerText(), /A-1201.*换 A-1101/);
  await shoot(mgr, '85-credit-waiting');
  const rows = async () => (await mgr.locator('#waiting tbody tr').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  const ok = await reloadChangesNothing(mgr, () => row().getByRole('button', { name: '同意', exact: true }).click(), rows);
  assert.match(ok.f, /已受理/);
  assert.match(ok.f, /依据规则 CHG-CHANGES/);
  assert.match(ok.f, /销售经理同意换房/);
  assert.equal(ok.after.acts, ok.before.acts + 1);
  assert.equal(recorded(ok.changes, 'act.approve'), 1, ok.changes.join('; '));
  assert.equal(ok.after.state.filter((t) => t.includes('欧阳先生') && t.includes('换房')).length, 0, JSON.stringify(ok.after.state));
  // The old unit is for sale again; the new one holds the same 小定.
  assert.deepEqual(await gridOf(mgr, true), gridA({ 'A-1201': 'for-sale 可售', 'A-1101': 'small 小定' }));
  await shoot(mgr, '86-units-after-change');
  await mgr.goto(BASE + customerPage('yuefu', afterPhones.buyer));
  assert.deepEqual(await afterLines(mgr)(), ['房源 A-1101：小定']);
  await mgr.context().close();
  changeApproved = true;
});

// A product bug found by this test, since fixed: a pending matter of a salesperson with no department (张三,
// 李四 here) can be decided from no page. The engine lets a manager with no department decide it
// (matters.rs: `team.is_none() || s.team.is_none()`), but the credit page shows such a manager
// only their own team's records (records.rs via access::manages, which needs the same team), so
// 赵经理's 待审批事项 is empty; the admin (and the VP) see the row with 同意/不同意 (credit.rs
// `deciding = is_manager()`), and pressing 同意 is refused: 不予受理, CHG-CHANGES, 换房须由客户所在
// 部门的销售经理审批. Reproduce: 李四 (sales, no team) takes a 小定 on a unit and asks to change
// it for a cheaper one; open /p/yuefu/credit as 赵经理 (manager, no team), then as the admin and
// press 同意.
test("a salesperson's change waiting for a decision is offered to someone who may decide it", async () => {
  needs(changeApproved, 'the change test');
  const li = await session('li');
  const held = (await api(li, 'POST', '/api/v1/projects/yuefu/acts', {
    act: 'deposit', customer: { phone: afterPhones.other }, amount: 10000, kind: 'small', unit: 'B-0601',
  })).json;
  // (B-0601 may be held already, by the test before this one.)
  assert.ok(held.outcome === 'accepted' || /B-0601/.test(JSON.stringify(held)), JSON.stringify(held));
  const ch = (await api(li, 'POST', '/api/v1/projects/yuefu/acts', {
    act: 'change', customer: { phone: afterPhones.other }, kind: 'unit', to: 'B-0602', reason: '楼层太高',
  })).json;
  assert.equal(ch.outcome, 'pending', JSON.stringify(ch));
  const wrong = [];
  const boss = await openAt('boss', '/p/yuefu/credit');
  const bossRow = await rowCells(boss, '#waiting', '司马女士');
  await shoot(boss, '87-credit-manager-without-team');
  await boss.context().close();
  if (!bossRow) wrong.push('赵经理 (manager, no team), whom the engine lets decide it, does not see it');
  const admin = await signIn(ADMIN, ADMIN_PASSWORD);
  await admin.goto(`${BASE}/p/yuefu/credit`);
  const row = admin.locator('#waiting tbody tr').filter({ hasText: '司马女士' });
  if (await row.getByRole('button', { name: '同意', exact: true }).count()) {
    await submitted(admin, () => row.getByRole('button', { name: '同意', exact: true }).click());
    const f = await flash(admin);
    if (/不予受理/.test(f)) wrong.push(`the admin is offered 同意 and refused: ${f}`);
  }
  await admin.context().close();
  assert.deepEqual(wrong, []);
});

let graded;
test('finance grades the customer on the customer page; the credit page shows the grade, limit, balance and terms', async () => {
  needs(changeApproved, 'the change test');
  const page = await openAt('cai', customerPage('yuefu', afterPhones.buyer));
  await page_has(page, 'h1', '欧阳先生');
  const ids = await formIds(page);
  assert.ok(ids.includes('credit-form') && ids.includes('terms-form'), JSON.stringify(ids));
  assert.deepEqual(ids.filter((f) => ['change-form', 'order-form', 'return-form'].includes(f)), [], 'finance changes no unit, takes no order, visits nobody');
  const nav = await page.locator('header nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(nav.includes('/p/yuefu/credit') && nav.includes('/p/yuefu/units'), nav.join(' '));
  assert.ok(!nav.includes('/p/yuefu/service'), `finance has no customer service page: ${nav.join(' ')}`);
  const form = page.locator('#credit-form');
  await form.getByLabel('信用等级').selectOption('B');
  await form.getByLabel('信用额度').fill('100000');
  const r = await reloadChangesNothing(page, () => form.getByRole('button', { name: '评定信用' }).click(), afterLines(page));
  assert.match(r.f, /已受理/);
  assert.match(r.f, /依据规则 CRD-LEVEL/);
  assert.match(r.f, /信用评定为 B 级，额度 100000 元，账期 30 天，折扣 1%；下次复评 \d{4}-\d{2}-\d{2} 前/);
  assert.equal(r.after.acts, r.before.acts + 1);
  assert.equal(recorded(r.changes, 'act.credit'), 1, r.changes.join('; '));
  const credit = r.after.state.find((l) => l.startsWith('信用等级'));
  assert.match(credit ?? '', /^信用等级 B · 信用额度 100,000 元.* · 欠款 0 元 · 30 天 1% · 下次复评 \d{4}-\d{2}-\d{2}/, JSON.stringify(r.after.state));
  assert.equal(r.before.state.filter((l) => l.startsWith('信用等级')).length, 0);

  // On the credit page: the grade, the limit, nothing owed, B's terms and the review in 3 months.
  await page.goto(`${BASE}/p/yuefu/credit`);
  const cells = await rowCells(page, '#graded', '欧阳先生');
  assert.ok(cells, await page.locator('main').innerText());
  assert.equal(cells[0], `欧阳先生 ${maskedOf(afterPhones.buyer)}`);
  assert.equal(cells[1], 'B');
  assert.match(cells[2], /^100,000 元/);
  assert.equal(cells[3], '0 元');
  assert.equal(cells[4], '30 天 · 1%');
  const days = (Date.parse(cells[5].slice(0, 10)) - Date.parse(chinaDate(0))) / 864e5;
  assert.ok(days >= 89 && days <= 92, `next review ${cells[5]}`);
  await page.context().close();

  // The salesperson tells finance of a change in credit, and takes an order over the limit.
  const zhou = await openAt('zhou', customerPage('yuefu', afterPhones.buyer));
  await zhou.locator('#credit-note-form').getByLabel('信用异动及原因').fill('客户资金紧张，回款变慢');
  await submitted(zhou, () => zhou.getByRole('button', { name: '报财务' }).click());
  const note = await flash(zhou);
  assert.match(note, /已受理/);
  assert.match(note, /依据规则 CRD-TERMS/);
  await zhou.locator('#order-form').getByLabel('金额（元）').fill('150000');
  await submitted(zhou, () => zhou.getByRole('button', { name: '登记订单' }).click());
  const order = await flash(zhou);
  assert.match(order, /待定/);
  assert.match(order, /依据规则 CRD-OVER/);
  assert.match(order, /超出信用额度 100000 元/);
  assert.ok((await afterLines(zhou)()).some((l) => l.startsWith('超信用额度订单')), JSON.stringify(await afterLines(zhou)()));
  await shoot(zhou, '88-customer-after-sale');
  await zhou.context().close();
  // Finance reads the note; the manager refuses the order, which leaves nothing owed.
  const cai = await openAt('cai', '/p/yuefu/credit');
  const notes = (await cai.locator('#credit-notes li').allInnerTexts()).map((l) => l.trim());
  assert.ok(notes.some((l) => l.includes('欧阳先生') && l.endsWith('客户资金紧张，回款变慢')), JSON.stringify(notes));
  await cai.context().close();
  const mgr = await openAt('mgr', '/p/yuefu/credit');
  const orderRow = mgr.locator('#waiting tbody tr').filter({ hasText: '欧阳先生' }).filter({ hasText: '超信用额度订单' });
  assert.equal(await orderRow.count(), 1, await mgr.locator('main').innerText());
  await submitted(mgr, () => orderRow.getByRole('button', { name: '不同意' }).click());
  const no = await flash(mgr);
  assert.match(no, /已受理/);
  assert.match(no, /销售经理不同意超信用额度订单/);
  assert.equal(await orderRow.count(), 0);
  assert.equal((await rowCells(mgr, '#graded', '欧阳先生'))?.[3], '0 元', 'a refused order is owed by nobody');
  await shoot(mgr, '89-credit-graded');
  await mgr.context().close();
  graded = true;
});

// A product bug found by this test, since fixed: finance's proposal of new terms (信用条件调整, CRD-TERMS) is
// answered "⚠ 待定（经理裁定） / 依据规则 G-DISPUTE：经理裁决事项：待定并限时答复", with no 原因: the
// wrong rule and no reason (G-EXPLAIN), while the credit page shows the same matter with its
// reason (财务提出新信用条件：账期 45 天…). api::shown gives someone who does not hold the customer
// only G-DISPUTE for any pending verdict, a rule meant for ownership disputes. Reproduce: as
// finance, on a graded customer's page fill 账期 45, 折扣 2 and press 提出新条件.
test("finance's proposal of new terms names CRD-TERMS and says why", async () => {
  needs(graded, 'the credit test');
  const page = await openAt('cai', customerPage('yuefu', afterPhones.buyer));
  const form = page.locator('#terms-form');
  await form.getByLabel('账期（天）').fill('45');
  await form.getByLabel('折扣（%）').fill('2');
  await submitted(page, () => form.getByRole('button', { name: '提出新条件' }).click());
  const lines = await flashLines(page);
  const f = lines.join(' ');
  assert.match(f, /待定/);
  // The matter waits on the credit page, with its reason.
  await page.goto(`${BASE}/p/yuefu/credit`);
  const cells = await rowCells(page, '#waiting', '信用条件');
  await shoot(page, '90-credit-terms-waiting');
  await page.context().close();
  assert.ok(cells, 'the terms wait on the credit page');
  assert.match(cells[3], /账期 45 天，折扣 2%/);
  assert.match(f, /依据规则 CRD-TERMS/, `the flash: ${f}`);
  assertWhy(lines, 'new terms');
});

let visited;
test('a delivered customer is 待回访 on the service page until a return visit from the customer page', async () => {
  needs(graded, 'the credit test');
  const zhouApi = await session('zhou');
  for (const body of [
    { act: 'deal', customer: { phone: afterPhones.buyer }, amount: 1000000, closed_by: 'zhou' },
    { act: 'stage', customer: { phone: afterPhones.buyer }, stage: 'delivered' },
  ]) {
    const r = await api(zhouApi, 'POST', '/api/v1/projects/yuefu/acts', body);
    assert.equal(r.json.outcome, 'accepted', JSON.stringify(r.json));
  }
  const page = await openAt('zhou', '/p/yuefu/units');
  assert.equal((await unitGrid(page)())['A-1101'], 'signed 已签约');
  await page.goto(`${BASE}/p/yuefu/service`);
  await page_has(page, 'h1', '客户服务');
  const returns = () => rowCells(page, '#returns', '欧阳先生');
  const before = await returns();
  assert.ok(before, await page.locator('main').innerText());
  assert.match(before[1], new RegExp(`^${chinaDate(0)} \\d{2}:\\d{2}$`));
  assert.ok(before[2].startsWith(`${before[1]} – `), `this period: ${before[2]}`);
  assert.equal(before[3], '待回访');
  assert.equal(before[4], '0');
  await shoot(page, '91-service-to-visit');
  // Others' customers are not listed to another team's salesperson; finance has no such page.
  const li = await openAt('li', '/p/yuefu/service');
  assert.doesNotMatch(await li.locator('main').innerText(), /欧阳先生/);
  await li.context().close();
  const cai = await signIn('cai');
  assert.equal((await cai.goto(`${BASE}/p/yuefu/service`)).status(), 403);
  await cai.context().close();

  // A return visit without its form, content and summary is invalid (FUP-RETURN), and says so.
  await page.goto(BASE + customerPage('yuefu', afterPhones.buyer));
  const form = page.locator('#return-form');
  await form.getByLabel('记录类型').selectOption('delivery');
  await form.getByLabel('目的').fill('交付回访');
  await submitted(page, () => form.getByRole('button', { name: '记录' }).click());
  const missing = await flashLines(page);
  assert.match(missing.join(' '), /无效/);
  assert.match(missing.join(' '), /依据规则 FUP-RETURN/);
  assertWhy(missing, 'a return visit missing its fields');
  const why = missing.find((l) => l.startsWith('原因'));
  visited = { missingWhy: why };
  // The whole record: 已回访 this period.
  await form.getByLabel('记录类型').selectOption('delivery');
  await form.getByLabel('目的').fill('交付回访');
  await form.getByLabel('形式').fill('电话');
  await form.getByLabel('内容').fill('询问入住情况');
  await form.getByLabel('小结').fill('满意');
  const r = await reloadChangesNothing(page, () => form.getByRole('button', { name: '记录' }).click(), afterLines(page));
  assert.match(r.f, /已受理/);
  assert.match(r.f, /依据规则 FUP-RETURN/);
  assert.match(r.f, /交付后第 1 个月的回访已记录/);
  assert.equal(recorded(r.changes, 'act.return_visit'), 1, r.changes.join('; '));
  const line = (s) => s.find((l) => l.startsWith('交付日期')) ?? '';
  assert.match(line(r.before.state), /本期回访：待回访 · 逾期未回访 0$/);
  assert.match(line(r.after.state), /本期回访：已回访 · 逾期未回访 0$/);
  await page.goto(`${BASE}/p/yuefu/service`);
  const after = await returns();
  assert.equal(after[3], '已回访');
  assert.equal(after[4], '0');

  // A and B customers are on the tracking sheet, with their latest entry.
  const tracked = async () => (await page.locator('#tracking li').allInnerTexts()).map((l) => l.replace(/\s+/g, ' ').trim());
  assert.ok(!(await tracked()).some((l) => l.includes('欧阳先生')), 'a C customer is not tracked');
  await page.goto(BASE + customerPage('yuefu', afterPhones.buyer));
  await page.locator('#g-grade').selectOption('A');
  await submitted(page, () => page.getByRole('button', { name: '设定等级' }).click());
  assert.match(await flash(page), /已受理/);
  await page.goto(`${BASE}/p/yuefu/service`);
  assert.ok((await tracked()).includes(`欧阳先生 ${maskedOf(afterPhones.buyer)} A — 尚无记录`), JSON.stringify(await tracked()));
  await page.goto(BASE + customerPage('yuefu', afterPhones.buyer));
  await form.getByLabel('记录类型').selectOption('tracking');
  await form.getByLabel('内容').fill('每周电话跟进装修进度');
  await submitted(page, () => form.getByRole('button', { name: '记录' }).click());
  assert.match(await flash(page), /A 级客户追踪表已记录/);
  await page.goto(`${BASE}/p/yuefu/service`);
  assert.ok((await tracked()).some((l) => l.startsWith(`欧阳先生 ${maskedOf(afterPhones.buyer)} A — `) && l.endsWith('每周电话跟进装修进度')),
    JSON.stringify(await tracked()));

  // In December, the signed customers whose New Year gift and needs are not recorded yet.
  if (new Date(Date.now() + 8 * 3600e3).getUTCMonth() === 11) {
    const survey = async () => (await page.locator('#survey li').allInnerTexts()).map((l) => l.trim());
    assert.ok((await survey()).includes(`欧阳先生 ${maskedOf(afterPhones.buyer)}`), JSON.stringify(await survey()));
    await page.goto(BASE + customerPage('yuefu', afterPhones.buyer));
    await form.getByLabel('记录类型').selectOption('survey');
    await form.getByLabel('来年需求').fill('明年想加购车位');
    await form.getByLabel('已送新年礼品').check();
    await submitted(page, () => form.getByRole('button', { name: '记录' }).click());
    const s = await flash(page);
    assert.match(s, /依据规则 FUP-NEXT/);
    assert.match(s, /来年需求已记录，新年礼品已送/);
    await page.goto(`${BASE}/p/yuefu/service`);
    assert.deepEqual(await survey(), []);
    await page_has(page, 'main', '本年度的需求调查已全部记录');
  } else {
    await page_has(page, 'main', '每年十二月进行');
  }
  await shoot(page, '92-service-visited');
  await page.context().close();
});

// A product bug found by this test, since fixed: the reason of an invalid return visit names the missing fields
// by their keys, in English, on the Chinese page: "原因：回访记录缺少：form、content、summary"
// (aftercare.rs `missing` joins the field names), where the form calls them 形式、内容、小结.
// Reproduce: on a delivered customer's page, 回访 with 记录类型 交付回访 and only 目的 filled in.
test('an incomplete return visit names the missing fields as the form does', async () => {
  needs(visited, 'the return visit test');
  assert.match(visited.missingWhy, /形式/, visited.missingWhy);
  assert.match(visited.missingWhy, /内容/, visited.missingWhy);
  assert.match(visited.missingWhy, /小结/, visited.missingWhy);
  assert.doesNotMatch(visited.missingWhy, /form|content|summary/, visited.missingWhy);
});

test('the after-sale pages label every field, show the focus and fit a phone', async () => {
  needs(graded, 'the credit test');
  const problems = [];
  for (const [login, paths] of [
    ['mgr', ['/p/yuefu/units', '/p/yuefu/credit', '/p/yuefu/service']],
    ['zhou', ['/p/yuefu/units', '/p/yuefu/credit', '/p/yuefu/service', customerPage('yuefu', afterPhones.buyer)]],
    ['cai', ['/p/yuefu/credit', customerPage('yuefu', afterPhones.buyer)]],
  ]) {
    const page = await signIn(login);
    for (const path of paths) {
      const r = await page.goto(BASE + path);
      assert.equal(r.status(), 200, `${login} ${path}`);
      const unlabeled = await page.evaluate(() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map((el) => el.id || el.name));
      if (unlabeled.length) problems.push(`${login} ${path}: no label for ${unlabeled.join(', ')}`);
      // Each checkbox beside its words (as on the work page).
      const boxes = await page.locator('main label:has(input[type=checkbox])').evaluateAll((ls) => ls.map((l) => ({
        words: l.textContent.trim(), box: l.querySelector('input').getBoundingClientRect().width,
        high: l.getBoundingClientRect().height, line: parseFloat(getComputedStyle(l).lineHeight) || 24,
      })));
      for (const b of boxes) if (b.box > 40 || b.high > 1.5 * b.line) problems.push(`${login} ${path}: "${b.words}" is not beside its box`);
      await shoot(page, `93-${login}-${path.replace(/^\/p\/yuefu\//, '').replace(/[^A-Za-z0-9]+/g, '-')}`);
    }
    await page.context().close();
  }
  // Keyboard only: the manager reaches the sheet's file field and the credit page's 同意 with Tab,
  // each showing its focus.
  const mgr = await openAt('mgr', '/p/yuefu/units');
  const tabTo = async (page, test) => {
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(test)) return page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    }
    return null;
  };
  const sheetFocus = await tabTo(mgr, () => document.activeElement?.id === 'u-sheet');
  assert.ok(sheetFocus && sheetFocus !== 'none', `Tab to the sheet field: ${sheetFocus}`);
  await mgr.goto(`${BASE}/p/yuefu/credit`);
  assert.ok(await mgr.locator('#waiting button').count() >= 1, 'something waits (the terms)');
  const approveFocus = await tabTo(mgr, () => document.activeElement?.closest('#waiting') && document.activeElement.tagName === 'BUTTON');
  assert.ok(approveFocus && approveFocus !== 'none', `Tab to 同意: ${approveFocus}`);
  await mgr.context().close();
  assert.deepEqual(problems, []);
});

// Product bugs found by this test, in English, since fixed:
// - the credit page's 信用异动 lines read "<time> <customer>：<note>" with a full-width colon
//   (credit.html writes ： literally); so do the customer page's 成交后 lines "Unit A-1101：signed"
//   and "Visited this period：visited" (customer.html);
// - the reason of an order over the limit is cut in the wrong place: "30 payment days, 1% discount)
//   (order of 150000 yuan: …": credit.rs puts the terms' own "(… payment days, …% discount)" inside
//   the Chinese half, and Lang::pick splits the message at its first " (";
// - the sales control names each status in Chinese only (可售, 小定, 已签约 …: UnitState::status
//   is zh-CN only), on the grid, its legend and the customer page.
// Reproduce: switch to English, open /p/yuefu/units, /p/yuefu/credit (with a credit note and an
// order over the limit waiting) and a delivered customer's page.
test('the after-sale pages in English', async () => {
  needs(graded, 'the credit test');
  // An order over the limit waiting, for its reason.
  const r = await api(await session('zhou'), 'POST', '/api/v1/projects/yuefu/acts',
    { act: 'order', customer: { phone: afterPhones.buyer }, amount: 150000 });
  assert.equal(r.json.outcome, 'pending', JSON.stringify(r.json));
  const failures = [];
  const page = await signIn('mgr');
  for (const path of ['/p/yuefu/units', '/p/yuefu/credit', '/p/yuefu/service']) {
    await page.goto(BASE + path);
    try {
      await bothLanguages(page, 'mgr', path, `94-mgr-${path.split('/').pop()}`);
    } catch (e) {
      failures.push(e.message.replace(/\s+/g, ' ').slice(0, 400));
      await page.goto(`${BASE}/lang/zh?back=/`);
    }
  }
  await page.goto(`${BASE}/lang/en?back=/p/yuefu/credit`);
  const order = await rowCells(page, '#waiting', 'order over the credit limit');
  if (!order) failures.push('no order over the limit waiting on /credit in English');
  else if (!/^order of 150000 yuan/.test(order[3])) failures.push(`/credit in English, the order's reason: "${order[3]}"`);
  await page.goto(`${BASE}/lang/en?back=/p/yuefu/units`);
  const words = await page.locator('td[data-unit], #unit-counts li').evaluateAll((els) => els.map((e) => e.innerText.replace(/\s+/g, ' ')));
  const zh = words.filter((w) => /[\u4e00-\u9fff]/.test(w));
  if (zh.length) failures.push(`/units in English names statuses in Chinese: ${JSON.stringify(zh.slice(0, 3))}`);
  await page.goto(`${BASE}/lang/en?back=${encodeURIComponent(customerPage('yuefu', afterPhones.buyer))}`);
  const after = await afterLines(page)();
  assert.ok(after.length >= 3, JSON.stringify(after));
  const full = after.filter((l) => /[：（）]/.test(l) || /[\u4e00-\u9fff]{2}/.test(l.replace(/欧阳先生/g, '')));
  if (full.length) failures.push(`the customer page's After the sale in English: ${JSON.stringify(full)}`);
  await shoot(page, '95-customer-after-sale-en');
  await page.goto(`${BASE}/lang/zh?back=/`);
  await page.context().close();
  assert.deepEqual(failures, []);
});

async function page_has(page, selector, text) {
  const loc = page.locator(selector).filter({ hasText: text }).first();
  try {
    await loc.waitFor({ timeout: 5000 });
  } catch (e) {
    const body = (await page.locator('body').innerText()).slice(0, 2000);
    throw new Error(`${selector} with "${text}" not found on ${page.url()}:\n${body}`);
  }
}

let failed = 0;
const suiteStarted = Date.now();
try {
  await setUp();
  for (const t of tests) {
    const started = Date.now();
    try {
      await t.fn();
      console.log(`ok   ${t.name} (${Date.now() - started} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${t.name}\n     ${String(e.stack ?? e).split('\n').join('\n     ')}`);
    }
  }
} finally {
  await browser.close();
}
console.log(`${tests.length - failed} passed, ${failed} failed ` +
  `in ${((Date.now() - suiteStarted) / 1000).toFixed(1)} s; screenshots in ${SHOTS}`);
process.exit(failed ? 1 : 0);
