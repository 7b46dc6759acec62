// What the browser tests share: a real chatd on a free port with a temporary
// database, Debian's Chromium driven by playwright-core, and waits that end on
// an event or a bounded timeout (never a sleep).
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export { Chatd } from './chatd.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');
export const screenshotDir = process.env.SCREENSHOT_DIR ?? path.join(repoRoot, 'build/browser-screenshots');
mkdirSync(screenshotDir, { recursive: true });

/** Debian's Chromium, headless, with the flags it needs on machines like CI's (no sandbox, no GPU, no QUIC). */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** Opens a new browser context (its own storage: a separate user) at chatd's page. */
export async function openPage(browser, chatd, viewport = { width: 1100, height: 700 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e));
  page.on('dialog', (d) => { page.errors.push(new Error(`dialog opened: ${d.message()}`)); d.dismiss(); });
  await page.goto(chatd.url);
  return page;
}

/** Signs in as a guest, into `room`, and waits until connected and joined. */
export async function signIn(page, name, room = 'general') {
  await page.fill('#name', name);
  await page.fill('#first-room', room);
  await page.click('#signin-button');
  await connected(page);
  await page.locator(`#members li`, { hasText: name }).first().waitFor();
}

export const connected = (page) => page.locator('#state.connected').waitFor({ timeout: 15000 });

/** Types a line, presses Enter, and waits until it shows as stored (acked). */
export async function send(page, text) {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
  await waitForLine(page, text);
}

/** Waits until a stored line with exactly this text is on the page. */
export function waitForLine(page, text, timeout = 15000) {
  return page.waitForFunction((t) => [...document.querySelectorAll('#lines .line[data-seq] .text')]
    .some((e) => e.textContent === t), text, { timeout });
}

/** The texts of the stored lines in view, top to bottom. */
export function lineTexts(page) {
  return page.$$eval('#lines .line[data-seq] .text', (els) => els.map((e) => e.textContent));
}

export function screenshot(page, name) {
  return page.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
}

/** An HS256 JWT for `sub`, valid for an hour, as an identity provider would issue it. */
export function token(sub, secret) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** Signs in with a token for `user` (signed with `secret`), into `room`, and waits until connected and joined. */
export async function signInAs(page, user, secret, room = 'general') {
  await page.click('#use-token');
  await page.fill('#token', token(user, secret));
  await page.fill('#first-room', room);
  await page.click('#signin-button');
  await connected(page);
  await page.locator('#members li', { hasText: user }).first().waitFor();
}
