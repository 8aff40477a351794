// office.cjs - checks what LibreOffice made of the Word and Excel reports
// (run.sh converts them headless: the .docx to text, every sheet of the
// .xlsx to CSV) against the JSON report of the same records: the document
// opened without repair and has the title and every section heading, the
// 评分表 with every indicator's score and the total, the grade, every budget
// line and the findings' count; the workbook's sheets hold every
// indicator's score, every budget line to the fen, every finding.
//
//   node office.cjs REPORT.json DOCX.txt XLSX_CSV_PREFIX
//     (XLSX_CSV_PREFIX-评分表.csv, ...-预算执行.csv, ...-核查发现.csv)
//
// Does not: convert anything itself, or look at the layout.
'use strict';

const fs = require('fs');

const [json_file, txt_file, csv_prefix] = process.argv.slice(2);
if (!json_file || !txt_file || !csv_prefix) {
  console.error('usage: node office.cjs REPORT.json DOCX.txt XLSX_CSV_PREFIX');
  process.exit(2);
}
const report = JSON.parse(fs.readFileSync(json_file, 'utf8'));
const problems = [];
const check = (ok, msg) => { if (!ok) problems.push(msg); };

// A decimal as written ("58.82685", "-3.14") as an integer of `scale`
// decimals, exactly (BigInt), or null.
function scaled(text, scale) {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m || (m[3] || '').length > scale)
    return null;
  const v = BigInt(m[2] + (m[3] || '').padEnd(scale, '0'));
  return m[1] ? -v : v;
}

// RFC 4180 rows of a CSV file.
function csv(file) {
  const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const rows = [];
  let row = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

// ---------------------------------------------------------------- the document

const lines = fs.readFileSync(txt_file, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/);
const text = lines.join('\n');

// The table whose header is `head`: its rows, each cell one line of the text.
function table(head) {
  for (let i = 0; i + head.length <= lines.length; i++) {
    if (head.every((h, k) => lines[i + k] === h)) {
      const rows = [];
      for (let r = i + head.length; r + head.length <= lines.length; r += head.length) {
        rows.push(lines.slice(r, r + head.length));
        if (lines[r] === '合计')
          break;
      }
      return rows;
    }
  }
  return null;
}

const headings = ['一、单位基本情况', '二、一般公共预算支出情况', '三、政府性基金预算支出情况',
  '四、国有资本经营预算支出情况', '五、社会保险基金预算支出情况', '六、单位整体支出绩效情况',
  '七、存在的问题及原因分析', '八、下一步改进措施', '九、单位整体支出绩效自评结果拟应用和公开情况',
  '十、其他需要说明的情况'];
check(/^\d{4}年度.+整体支出绩效自评报告$/.test(lines[0]), `docx: title is "${lines[0]}"`);
let at = 0;
for (const h of headings) {
  const i = lines.indexOf(h, at);
  check(i >= 0, `docx: heading ${h} is missing or out of order`);
  at = i >= 0 ? i : at;
}
const scores = table(['维度', '指标', '分值', '目标值', '实际值', '得分', '扣分原因']);
check(scores !== null, 'docx: no 评分表');
if (scores) {
  report.indicators.forEach((ind, i) => {
    const row = scores[i] || [];
    check(row[1] === ind.name && row[5] === ind.score,
      `docx: 评分表 row ${i + 1} is ${JSON.stringify(row)}, not ${ind.name} ${ind.score}`);
  });
  const total = scores[scores.length - 1];
  check(total[0] === '合计' && total[5] === report.total.score,
    `docx: 评分表 total ${JSON.stringify(total)}`);
}
check(text.includes(`自评得分${report.total.score}分，等级：${report.total.grade}`),
  'docx: the total and grade sentence is missing');
const budget = table(['预算行', '年初预算（万元）', '调整后预算（万元）', '决算（万元）',
  '增减（万元）', '上级转移支付（万元）']);
check(budget !== null, 'docx: no budget table');
if (budget) {
  report.budget.lines.forEach((l, i) => {
    const row = budget[i] || [];
    check(row[0] === l.name && row[1] === l.year_start.wan && row[2] === l.adjusted.wan &&
      row[3] === l.final.wan, `docx: budget row ${JSON.stringify(row)} is not ${l.name}`);
  });
}
check(text.includes(`一致性核查共发现${report.findings.length}项`),
  `docx: the findings' count ${report.findings.length} is missing`);
for (const f of report.findings)
  check(text.includes(f.check), `docx: finding "${f.check}" is missing`);

// ---------------------------------------------------------------- the workbook

const score_rows = csv(`${csv_prefix}-评分表.csv`);
check(score_rows[0][2] === '指标' && score_rows[0][7] === '得分', 'xlsx: 评分表 header');
report.indicators.forEach((ind, i) => {
  const row = score_rows[i + 1] || [];
  check(row[1] === ind.code && scaled(row[7], 3) === BigInt(ind.score_milli),
    `xlsx: 评分表 row ${i + 1} ${JSON.stringify(row)} is not ${ind.code} ${ind.score}`);
});
const total_row = score_rows[report.indicators.length + 1] || [];
const grade_row = score_rows[report.indicators.length + 2] || [];
check(total_row[0] === '合计' && scaled(total_row[7], 3) === BigInt(report.total.score_milli),
  `xlsx: total ${JSON.stringify(total_row)}`);
check(grade_row[0] === '等级' && grade_row[7] === report.total.grade,
  `xlsx: grade ${JSON.stringify(grade_row)}`);
const budget_rows = csv(`${csv_prefix}-预算执行.csv`);
report.budget.lines.forEach((l, i) => {
  const row = budget_rows[i + 1] || [];
  // Columns: 1 year-start, 3 adjusted, 4 final; a figure the JSON gives as null reads 未填.
  const same = (cell, v) => (v === null ? cell === '未填' : scaled(cell, 6) === BigInt(v.fen));
  check(row[0] === l.name && same(row[1], l.year_start) && same(row[3], l.adjusted) &&
    same(row[4], l.final),
  `xlsx: budget row ${JSON.stringify(row)} is not ${l.name} in fen`);
});
const finding_rows = csv(`${csv_prefix}-核查发现.csv`).filter((r) => r.some((c) => c !== ''));
check(finding_rows.length === report.findings.length + 1,
  `xlsx: ${finding_rows.length - 1} findings, the JSON report ${report.findings.length}`);
report.findings.forEach((f, i) => {
  const row = finding_rows[i + 1] || [];
  check(row[2] === f.code && row[4] === f.check, `xlsx: finding ${i + 1} ${JSON.stringify(row)}`);
});

if (problems.length) {
  for (const p of problems)
    console.error(`office: ${p}`);
  process.exit(1);
}
console.log(`office: docx ${lines.length} lines with every heading, ${report.indicators.length} ` +
  `indicators, total ${report.total.score} ${report.total.grade}, ${report.budget.lines.length} ` +
  `budget lines, ${report.findings.length} findings; xlsx the same`);
