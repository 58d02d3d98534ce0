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

async function setUp() {
  const admin = await session(ADMIN, ADMIN_PASSWORD);
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

async function signIn(login) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(BASE + '/');
  assert.match(page.url(), /\/login/);
  await page.getByLabel('登录名').fill(login);
  await page.getByLabel('密码').fill(PASSWORD);
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

async function flash(page) {
  return (await page.locator('#flash').innerText()).replace(/\s+/g, ' ');
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

let zhang;

test('a salesperson signs in and lands on the project list', async () => {
  zhang = await signIn('zhang');
  await page_has(zhang, 'h1', '选择项目');
  await zhang.getByRole('link', { name: /sunshine/ }).click();
  await page_has(zhang, 'h1', '我的客户');
  await shoot(zhang, '01-login-my-customers');
});

test('registering a customer gives the verdict with its rule and dates', async () => {
  await zhang.getByLabel('客户姓名').fill('王先生');
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
  await li.getByLabel('客户姓名').fill('王先生');
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
  assert.ok(await page.locator('figure svg').count() >= 3);
  await page_has(page, 'table.report', '张三');
  await page_has(page, 'table.report', '1200000');
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
  await page.getByLabel('客户姓名').focus();
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none');
  await page.keyboard.type('赵女士');
  await page.keyboard.press('Tab');
  await page.keyboard.type('13900139000');
  await page.keyboard.press('Enter');
  assert.match(await flash(page), /已受理/);
  await shoot(page, '12-keyboard-register');
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
console.log(`${tests.length - failed} passed, ${failed} failed; screenshots in ${SHOTS}`);
process.exit(failed ? 1 : 0);
