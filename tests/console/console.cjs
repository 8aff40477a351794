// console.cjs - the console's browser tests: a real resettled (plaintext on
// 127.0.0.1), a township's and the centre's `resettle console`, and the
// system's Chromium driven by playwright-core.
//
//   node console.cjs NODE_MODULES OUT_DIR
//   (RS_SERVER_BIN, RS_CLIENT_BIN, RS_SOURCE_DIR, RS_CHROMIUM from run.sh)
//
// 1. the township uploads a workbook with a bad row, sees the reason on the
//    right cell, uploads the corrected file and sees its records stored;
// 2. the server stops: the page says the records wait in the outbox; it
//    restarts and they go, by the automatic back-off;
// 3. the centre opens a board cell's records in its review queue, looks at a
//    record and returns it with a comment, and accepts a whole batch; the
//    township's outbox shows the comment;
// 4. the centre shows the report and downloads the docx (a zip with
//    word/document.xml); closing the year asks first;
// 5. without the secret, with a foreign Origin or a Host that is not the
//    address: 403, from node's http and from the browser.
// Screenshots of each page go to OUT_DIR/*.png.  Any failure exits 1.
//
// Does not: start a browser it downloaded, or reach beyond 127.0.0.1.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { xlsx, zipNames } = require('./xlsx.cjs');

const [, , nodeModules, outDir] = process.argv;
const { chromium } = require(path.join(nodeModules, 'playwright-core'));
const SERVER = process.env.RS_SERVER_BIN, CLIENT = process.env.RS_CLIENT_BIN;
const SRC = process.env.RS_SOURCE_DIR, CHROMIUM = process.env.RS_CHROMIUM || '/usr/bin/chromium';
const work = path.join(outDir, 'work');
const procs = [];
const started = Date.now();

function log(msg) {
  console.log(`console: ${((Date.now() - started) / 1000).toFixed(1)}s ${msg}`);
}

function check(ok, msg) {
  if (!ok) throw new Error(msg);
}

async function until(what, fn, ms = 15000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}` + (last instanceof Error ? `: ${last.message}` : ''));
}

function run(bin, args) {
  const r = spawnSync(bin, args, { cwd: work, encoding: 'utf8', timeout: 60000 });
  check(r.status === 0, `${path.basename(bin)} ${args.join(' ')}: exit ${r.status}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

// Starts bin args with its output in file; resolves with the first match of re.
let starts = 0;
async function start(name, bin, args, re) {
  const file = path.join(work, `${name}-${++starts}.out`);
  const fd = fs.openSync(file, 'a');
  const p = spawn(bin, args, { cwd: work, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  p.exited = new Promise((r) => p.on('exit', (code, sig) => r(sig ? -1 : code)));
  procs.push(p);
  const m = await until(`${name} to start (${file})`, () => {
    return re.exec(fs.readFileSync(file, 'utf8'));
  }, 20000);
  return { p, m, file };
}

async function stop(p) {
  p.kill('SIGTERM');
  const code = await p.exited;
  procs.splice(procs.indexOf(p), 1);
  return code;
}

let serverPort = 0;
async function startServer() {
  const s = await start('server', SERVER, ['serve', '--db', 'resettle.db', '--listen',
    `127.0.0.1:${serverPort}`, '--plaintext', '--auth-fail-limit', '1000'], /listening on 127\.0\.0\.1:(\d+)\n/);
  serverPort = Number(s.m[1]);
  return s.p;
}

async function startConsole(name, office) {
  const c = await start(name, CLIENT, ['--server', `127.0.0.1:${serverPort}`, '--plaintext',
    '--office', office, '--token-file', `${office}.token`, '--outbox', `${name}.outbox`, '--timeout', '5',
    'console', '--listen', '127.0.0.1:0'], /console: (http:\/\/127\.0\.0\.1:(\d+)\/\?k=([0-9a-f]{64}))\n/);
  return { p: c.p, url: c.m[1], port: Number(c.m[2]), secret: c.m[3] };
}

// A raw request with node's http: resolves with the status.
function raw(port, method, p, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers, setHost: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
}

// A page that fails the test on a script error or a request beyond the console.
function watch(page, origin, problems) {
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 403/.test(m.text())) problems.push(`console error: ${m.text()}`);
  });
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('data:')) problems.push(`request beyond the console: ${u}`);
  });
}

const H = ['项目编号', '项目名称', '村(社区)', '项目类别', '计划投资(万元)', '后扶资金(万元)', '完成投资(万元)',
  '已支付资金(万元)', '项目阶段', '年度'];
const P1 = ['P-2023-001', '金鹗村组道路硬化', '金鹗村', '道路硬化', '158.93', '158.93', '100', '90', '在建', '2023'];
const P2 = ['P-2023-002', '洞庭村山塘清淤', '洞庭村', 'pond', '近600', '40', '12.5', '10', 'building', '2023'];
const P3 = ['P-2023-003', '金鹗村路灯', '金鹗村', '道路硬化', '12', '12', '6', '6', '在建', '2023'];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

async function upload(page, name, rows) {
  await page.setInputFiles('#files', { name, mimeType: XLSX, buffer: xlsx('项目', rows) });
  await page.click('#upload-go');
  await page.waitForFunction((n) => {
    const h = [...document.querySelectorAll('#upload-results .file-result h3')];
    return h.length && h[0].textContent === n && document.querySelector('#upload-note').textContent.startsWith('检查完毕');
  }, name, { timeout: 20000 });
  return page.locator('#upload-results .file-result').first();
}

async function state(page) {
  return page.evaluate(() => fetch('/api/state').then((r) => r.json()));
}

async function main() {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  for (const [code, name, role] of [['430602', '岳阳楼区库区移民服务中心', 'central'],
    ['430602001', '金鹗山街道', 'township']])
    fs.writeFileSync(path.join(work, `${code}.token`), run(SERVER, ['office', 'add', '--db', 'resettle.db',
      '--code', code, '--name', name, '--role', role]));
  let server = await startServer();
  run(CLIENT, ['--server', `127.0.0.1:${serverPort}`, '--plaintext', '--office', '430602', '--token-file',
    '430602.token', '--outbox', 'cli.outbox', 'schedule', 'set', '--year', '2023',
    path.join(SRC, 'samples/yueyang-2023/schedule/2023.csv')]);
  const town = await startConsole('township', '430602001');
  const centre = await startConsole('centre', '430602');
  log(`server on ${serverPort}, township console on ${town.port}, centre console on ${centre.port}`);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const problems = [];
  const shot = (page, name) => page.screenshot({ path: path.join(outDir, name + '.png') });
  try {
    const tctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
    const tp = await tctx.newPage();
    const torigin = `http://127.0.0.1:${town.port}`;
    watch(tp, torigin, problems);
    const first = await tp.goto(town.url);
    check(first.ok(), `the first URL answered ${first.status()}`);
    check(tp.url() === torigin + '/', `the secret stays in the address: ${tp.url()}`);
    const cookie = (await tctx.cookies()).find((c) => c.name === 'rs_console');
    check(cookie && cookie.httpOnly && cookie.sameSite === 'Strict', `cookie ${JSON.stringify(cookie)}`);
    await tp.waitForSelector('#banner-text:has-text("已连接服务器")');
    check(await tp.isHidden('button[data-page="review"]'), 'a township sees the review tab');
    check((await tp.textContent('#who')).includes('金鹗山街道'), 'the office name is not shown');

    // 1. A workbook with a bad row, then the corrected one.
    let box = await upload(tp, '2023-项目.xlsx', [H, P1, P2]);
    const bad = box.locator('table.problems > tbody > tr');
    check(await bad.count() === 1, `${await bad.count()} problem rows, not 1`);
    const cells = await bad.first().locator(':scope > td').allTextContents();
    check(cells[0] === '项目' && cells[1] === '3' && cells[2].startsWith('计划投资(万元)'),
      `problem at ${cells.slice(0, 3).join(' | ')}`);
    // The clerk reads why in Chinese, in the row and on the highlighted cell.
    const why = '不是确切的数字（不能写“约”“近”“余”“多”之类）';
    check(cells[3] === why, `reason: ${cells[3]}`);
    const hl = bad.first().locator('td.cell-bad');
    check(await hl.count() === 1 && (await hl.textContent()) === '近600', 'the bad cell is not the one highlighted');
    check((await hl.getAttribute('title')) === why, `the highlighted cell says: ${await hl.getAttribute('title')}`);
    check((await box.textContent()).includes('已加入发件箱 1 条'), 'the valid row was not queued');
    await shot(tp, 'township-upload-error');
    box = await upload(tp, '2023-项目（改正）.xlsx', [H, P1, [...P2.slice(0, 4), '600', ...P2.slice(5)]]);
    check(await box.locator('table.problems').count() === 0, 'the corrected file still has problems');
    check((await box.textContent()).includes('已加入发件箱 1 条（新 1，修改 0），未变 1 条'),
      `corrected: ${await box.textContent()}`);
    await until('both records stored', async () => (await state(tp)).counts.stored === 2);
    await tp.click('button[data-page="outbox"]');
    await tp.waitForSelector('#ob-table tbody tr');
    await until('the outbox page to show both stored', async () =>
      (await tp.locator('#ob-table tbody td.st-stored').count()) === 2);
    await shot(tp, 'township-outbox');
    await tp.click('button[data-page="board"]');
    await tp.fill('#board-year', '2023');
    await tp.click('#board-go');
    await tp.waitForSelector('#board-table tbody tr');
    check(await tp.locator('#board-table tbody tr').count() === 1, 'a township sees more than its own row');
    check((await tp.textContent('#board-table tbody tr')).includes('金鹗山街道'), 'not the township\'s own row');
    await shot(tp, 'township-board');
    log('1: bad row shown on its cell, corrected file stored; the township\'s own completeness row');

    // 2. The server goes away, the records wait; it comes back, they go.
    check(await stop(server) === 0, 'resettled did not stop cleanly');
    await tp.click('button[data-page="upload"]');
    box = await upload(tp, '2023-项目-补报.xlsx', [H, P3]);
    await tp.waitForSelector('#banner-text:has-text("服务器无法连接，记录已保存在本机发件箱（1 条待发送）")',
      { timeout: 20000 });
    check(await tp.isVisible('#retry'), 'no retry button');
    await shot(tp, 'township-unreachable');
    server = await startServer();
    await until('the queued record to go by the back-off', async () => (await state(tp)).counts.stored === 3, 40000);
    await tp.waitForSelector('#banner-text:has-text("均已发送")');
    log('2: queued while the server was down, sent after it came back');

    // 3. The centre returns a record with a comment; the township sees it.
    const cctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
    const cp = await cctx.newPage();
    watch(cp, `http://127.0.0.1:${centre.port}`, problems);
    await cp.goto(centre.url);
    await cp.waitForSelector('button[data-page="review"]:visible');
    await cp.click('button[data-page="board"]');
    await cp.fill('#board-year', '2023');
    await cp.click('#board-go');
    await cp.waitForSelector('#board-table tbody tr');
    const row = cp.locator('#board-table tbody tr', { hasText: '金鹗山街道' });
    check(await row.count() === 1, 'the board has no row for the township');
    await row.locator('td.cs-late button, td.cs-on_time button').first().click();
    await cp.waitForSelector('#board-cell h3');
    await shot(cp, 'centre-board');
    // The cell leads to its records in the review queue.
    await cp.click('#board-cell button:has-text("审核这些记录")');
    await cp.waitForSelector('#rq-table tbody tr');
    check(await cp.inputValue('#rq-div') === '430602001', 'the cell did not filter the queue');
    const qrow = cp.locator('#rq-table tbody tr', { hasText: 'P-2023-002' });
    await qrow.waitFor();
    await qrow.locator('button', { hasText: '查看' }).click();
    await cp.waitForSelector('#rq-detail table.fields');
    check((await cp.textContent('#rq-detail')).includes('洞庭村山塘清淤'), 'the record\'s fields are not shown');
    await cp.fill('#rv-comment', '计划投资与批复文件不符，请核实');
    await qrow.locator('button', { hasText: '退回' }).click();
    await cp.waitForSelector('#rv-note:has-text("已退回 1 条记录")');
    await until('the queue to show it returned', async () =>
      (await cp.locator('#rq-table tbody tr', { hasText: 'P-2023-002' }).textContent()).includes('已退回'));
    await cp.waitForSelector('#rq-detail caption:has-text("已退回")');
    // A whole batch: the one P-2023-001 came in.
    await cp.locator('#rq-table tbody tr', { hasText: 'P-2023-001' }).locator('button', { hasText: '整批' }).click();
    check((await cp.inputValue('#rv-batch')).length > 0, 'no batch id taken from the row');
    await cp.click('#rv-accept-batch');
    await cp.waitForSelector('#rv-note:has-text("已通过 1 条记录")');
    check((await cp.locator('#rq-table tbody tr', { hasText: 'P-2023-001' }).textContent()).includes('已通过'),
      'the batch\'s record is not shown accepted');
    await shot(cp, 'centre-review');
    await tp.click('button[data-page="outbox"]');
    await tp.selectOption('#ob-filter', 'returned');
    await until('the returned record with its comment', async () =>
      (await tp.locator('#ob-table tbody tr', { hasText: '计划投资与批复文件不符，请核实' }).count()) === 1);
    check((await tp.locator('#ob-table tbody td.st-returned').count()) === 1, 'not shown as returned');
    await shot(tp, 'township-returned');
    log('3: returned with a comment, the township sees it');

    // 4. The report, its docx, and closing the year with a confirmation.
    await cp.click('button[data-page="report"]');
    await cp.fill('#rep-year', '2023');
    await cp.click('#rep-show');
    await cp.waitForSelector('#rep-note:has-text("核查发现")', { timeout: 30000 });
    // The note comes from the JSON fetch; the frame loads the HTML report on
    // its own and may still be at about:blank then, so wait as a clerk would
    // for the report to show in it.
    const frame = await until('the report frame to load the HTML report',
      async () => cp.frame({ url: /format=html/ }), 30000);
    await frame.locator('body', { hasText: '2023' }).waitFor({ timeout: 30000 });
    check(((await frame.textContent('body')) || '').includes('2023'), 'the report frame is empty');
    await shot(cp, 'centre-report');
    const [dl] = await Promise.all([cp.waitForEvent('download'), cp.click('#dl-docx')]);
    const docx = fs.readFileSync(await dl.path());
    check(docx.readUInt32LE(0) === 0x04034b50, 'the docx is not a zip');
    check(zipNames(docx).includes('word/document.xml'), 'the docx has no word/document.xml');
    check(dl.suggestedFilename().endsWith('.docx'), `downloaded as ${dl.suggestedFilename()}`);
    await cp.click('#year-close');
    await cp.waitForSelector('#confirm[open]');
    await shot(cp, 'centre-close-confirm');
    await cp.click('#confirm-no');
    await cp.waitForSelector('#year-note:has-text("已取消")');
    await cp.click('#year-close');
    await cp.click('#confirm-yes');
    await cp.waitForSelector('#year-note:has-text("已结账")', { timeout: 30000 });
    log(`4: report shown, docx downloaded (${docx.length} bytes), year closed after confirming`);

    // 5. Who may not drive it: node's http, then the browser.
    const host = `127.0.0.1:${town.port}`, ck = `rs_console=${town.secret}`;
    const codes = [
      await raw(town.port, 'GET', '/api/state', { Host: host }),
      await raw(town.port, 'GET', '/api/state', { Host: host, Cookie: ck, Origin: 'http://evil.example' }),
      await raw(town.port, 'GET', '/api/state', { Host: `evil.example:${town.port}`, Cookie: ck }),
      await raw(town.port, 'POST', '/api/sync', { Host: host, Cookie: ck }),
    ];
    check(codes.every((c) => c === 403), `node http: ${codes.join(' ')}, not all 403`);
    check(await raw(town.port, 'GET', '/api/state', { Host: host, Cookie: ck }) === 200, 'the right request is refused');
    const other = await browser.newContext();
    const op = await other.newPage();
    const rebound = await op.goto(`http://localhost:${town.port}/?k=${town.secret}`);
    check(rebound.status() === 403, `another Host answered ${rebound.status()}`);
    const nocookie = await op.goto(`${torigin}/`);
    check(nocookie.status() === 403, `no cookie answered ${nocookie.status()}`);
    // A page elsewhere (another port: the same site, so the cookie goes along) posts a form to the
    // console; its Origin gives it away.
    const evil = http.createServer((req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><form id="f" method="POST" action="${torigin}/api/sync"></form>` +
        '<script>document.getElementById("f").submit();</script>');
    });
    await new Promise((r) => evil.listen(0, '127.0.0.1', r));
    const ep = await tctx.newPage();
    const [cross] = await Promise.all([
      ep.waitForResponse((r) => r.url() === `${torigin}/api/sync`),
      ep.goto(`http://127.0.0.1:${evil.address().port}/`),
    ]);
    check(cross.status() === 403, `a cross-origin POST answered ${cross.status()}`);
    await ep.close();
    evil.close();
    log('5: no secret, foreign Origin, foreign Host: 403');
  } finally {
    await browser.close();
  }
  check(problems.length === 0, problems.join('\n'));
  for (const c of [town, centre]) check(await stop(c.p) === 0, 'a console did not stop cleanly');
  check(await stop(server) === 0, 'resettled did not stop cleanly');
  log(`passed; screenshots in ${outDir}`);
}

main().catch((e) => {
  console.error(`console: FAILED: ${e.stack || e.message}`);
  for (const p of procs) p.kill('SIGKILL');
  process.exit(1);
});
