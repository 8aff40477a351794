// browser.cjs - renders the HTML report in the system's headless Chromium
// (driven by playwright-core, never a downloaded browser) and fails if the
// page logs a console error, throws, makes any network request, or lacks a
// chart, a section or a finding's row.  Writes what it saw into the output
// folder: a full-page PNG, PNGs of the first screen, of each chart and of
// the findings table, and the page printed to an A4 PDF.
//
//   node browser.cjs NODE_MODULES PAGE.html JSON_REPORT|- OUT_DIR [consolidated|township]
//
// Environment: RS_CHROMIUM, the browser (default /usr/bin/chromium).
// Does not: install anything, or look at the layout itself (a person looks
// at the PNGs and the PDF).
'use strict';

const fs = require('fs');
const path = require('path');
const url = require('url');

const [modules, page_file, json_file, out_dir, scope = 'consolidated'] = process.argv.slice(2);
if (!modules || !page_file || !json_file || !out_dir) {
  console.error('usage: node browser.cjs NODE_MODULES PAGE.html JSON|- OUT_DIR [scope]');
  process.exit(2);
}
const { chromium } = require(path.resolve(modules, 'playwright-core'));
const executable = process.env.RS_CHROMIUM || '/usr/bin/chromium';
const page_url = url.pathToFileURL(path.resolve(page_file)).href;
const name = path.basename(page_file, '.html');
const problems = [];
const charts = scope === 'consolidated'
  ? ['dimensions', 'budget', 'town-projects', 'town-relief', 'town-subsidy'] : [];

function fail(msg) {
  problems.push(msg);
}

async function main() {
  if (!fs.existsSync(executable)) {
    console.error(`browser: ${executable} is missing (apt-get install chromium)`);
    process.exit(1);
  }
  fs.mkdirSync(out_dir, { recursive: true });
  const report = json_file === '-' ? null : JSON.parse(fs.readFileSync(json_file, 'utf8'));
  const browser = await chromium.launch({
    executablePath: executable,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();

    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning')
        fail(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => fail(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
      if (r.url() !== page_url)
        fail(`request failed: ${r.url()}`);
    });
    // Every request but the page itself is a failure, and is refused.
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (u === page_url)
        return route.continue();
      fail(`network request: ${u}`);
      return route.abort();
    });
    await page.goto(page_url, { waitUntil: 'load' });
    await page.evaluate(() => document.fonts.ready);

    const seen = await page.evaluate((names) => {
      const out = { charts: {}, sections: [], findings: 0, marks: 0, broken: [], title: '' };
      out.title = document.title;
      for (const n of names) {
        const fig = document.getElementById(`chart-${n}`);
        const marks = fig ? [...fig.querySelectorAll('svg rect.mark')] : [];
        out.charts[n] = {
          present: !!fig && !!fig.querySelector('svg'),
          marks: marks.length,
          drawn: marks.filter((r) => r.getBBox().width > 0).length,
        };
      }
      out.sections = [...document.querySelectorAll('section > h2')].map((h) => h.textContent);
      out.findings = document.querySelectorAll('table.t-findings tr.finding').length;
      out.marks = document.querySelectorAll('mark.fig').length;
      for (const a of document.querySelectorAll('a[href^="#"]')) {
        if (!document.getElementById(a.getAttribute('href').slice(1)))
          out.broken.push(a.getAttribute('href'));
      }
      return out;
    }, charts);

    for (const n of charts) {
      const c = seen.charts[n];
      if (!c.present)
        fail(`chart ${n} is missing`);
      else if (c.marks === 0 || c.drawn === 0)
        fail(`chart ${n} has no marks (${c.marks} marks, ${c.drawn} drawn)`);
    }
    if (seen.broken.length)
      fail(`links to nothing: ${seen.broken.slice(0, 5).join(' ')}`);
    if (!seen.title)
      fail('the page has no title');
    if (scope === 'consolidated') {
      const want = ['一、', '二、', '三、', '四、', '五、', '六、', '七、', '八、', '九、', '十、'];
      if (seen.sections.length !== want.length ||
          !want.every((w, i) => seen.sections[i].startsWith(w)))
        fail(`sections: ${JSON.stringify(seen.sections)}`);
      if (seen.marks === 0)
        fail('no finding is marked in the text');
    }
    if (report && seen.findings !== report.findings.length)
      fail(`findings table has ${seen.findings} rows, the JSON report ${report.findings.length}`);
    if (report && report.total) {
      const text = await page.evaluate(() => document.body.innerText);
      const want = `自评得分${report.total.score}分，等级为“${report.total.grade}”`;
      if (!text.includes(want))
        fail(`the text lacks "${want}"`);
    }

    await page.screenshot({ path: path.join(out_dir, `${name}-top.png`) });
    await page.screenshot({ path: path.join(out_dir, `${name}-full.png`), fullPage: true });
    for (const n of charts) {
      const fig = page.locator(`#chart-${n}`);
      if (await fig.count())
        await fig.screenshot({ path: path.join(out_dir, `${name}-chart-${n}.png`) });
    }
    const findings = page.locator('table.t-findings');
    if (await findings.count())
      await findings.first().screenshot({ path: path.join(out_dir, `${name}-findings.png`) });

    await page.emulateMedia({ media: 'print' });
    const pdf = path.join(out_dir, `${name}.pdf`);
    await page.pdf({ path: pdf, format: 'A4', printBackground: true, preferCSSPageSize: true });
    const bytes = fs.readFileSync(pdf);
    const pages = (bytes.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
    if (bytes.subarray(0, 5).toString() !== '%PDF-' || pages === 0)
      fail('the printed PDF is not a PDF with pages');
    console.log(`browser: ${name}: ${seen.sections.length} sections, ` +
      `${Object.keys(seen.charts).length} charts, ${seen.marks} marked figures, ` +
      `${seen.findings} findings, PDF ${pages} A4 pages, ${bytes.length} bytes`);
  } finally {
    await browser.close();
  }
  if (problems.length) {
    for (const p of problems)
      console.error(`browser: ${name}: ${p}`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(`browser: ${e.stack || e}`);
  process.exit(1);
});
