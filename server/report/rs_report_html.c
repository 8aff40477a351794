/*
 * rs_report_html.c - the drafted 自评报告 as one self-contained web page.
 *
 * See rs_report_fmt.h.  The body is the document written through the HTML
 * skin (rs_render_html.c, charts by rs_render_svg.c); this file puts the
 * page around it: the head (UTF-8, zh-CN, the title, a Content Security
 * Policy that forbids every fetch: no script, no font, no image from
 * anywhere, styles only from the page itself), the one style sheet, the
 * contents (the 一、 to 十、 sections) with a note on the finding marks,
 * and the main text.
 *
 * The style sheet uses fonts the machine has (仿宋 / 宋体 / 黑体 / 楷体, then
 * Noto CJK, then the generic family) and nothing to download.  On screen
 * the text sits in a column of 980 px; printed (@media print, @page A4),
 * every 一、 section starts a page (but one after a section of a few lines,
 * class "cont", goes on where it ends), the contents and the links back from
 * the findings are left out, headings stay with what follows, a chart or a
 * table row is never split, table headers repeat on every page and the
 * colours of marks and charts are printed.
 *
 * Does not: decide what the document says (rs_render.c), or load anything.
 */
#include <stdlib.h>

#include "rs_render_html.h"
#include "rs_render_skin.h"
#include "rs_report_fmt.h"
#include "rs_report_xml.h"

static const char style[] =
    ":root{--ink:#1f2933;--muted:#5f6b7a;--line:#c3ccd6;--head:#eaeff4;--s0:#2f6db3;"
    "--s1:#8fb3dd;--s2:#e08a3c;--base:#dbe4ef;--err:#c0392b;--warn:#d68910;--note:#6b7a89}\n"
    "*{box-sizing:border-box}\n"
    "html{color:var(--ink);font-family:\"FangSong\",\"仿宋\",\"仿宋_GB2312\",\"STFangsong\","
    "\"Noto Serif CJK SC\",\"Source Han Serif SC\",\"SimSun\",\"宋体\",\"Noto Sans CJK SC\",serif}\n"
    "body{margin:0;background:#eef1f4;font-size:16px;line-height:1.8}\n"
    "main{max-width:980px;margin:0 auto;padding:32px 56px 64px;background:#fff}\n"
    ".sans,h2,nav.toc,figcaption,.chart svg text,sup.fref{font-family:\"SimHei\",\"黑体\","
    "\"Noto Sans CJK SC\",\"Source Han Sans SC\",sans-serif}\n"
    "h1{font-family:\"SimSun\",\"宋体\",\"Noto Serif CJK SC\",serif;font-size:26px;"
    "text-align:center;margin:8px 0 20px;line-height:1.5}\n"
    "h2{font-size:20px;margin:36px 0 12px;padding-bottom:4px;border-bottom:2px solid var(--s0)}\n"
    "h3{font-family:\"KaiTi\",\"楷体\",\"楷体_GB2312\",\"STKaiti\",\"Noto Serif CJK SC\",serif;"
    "font-size:18px;margin:22px 0 8px}\n"
    "h4{font-size:16px;margin:16px 0 6px}\n"
    "p{margin:6px 0;text-indent:2em;text-align:justify}\n"
    "p.note{text-indent:0;margin:0 0 24px;padding:8px 12px;background:#f3f5f8;"
    "border-left:4px solid var(--s1);color:var(--muted);font-size:14px;word-break:break-all}\n"
    "ol.items{margin:6px 0 14px;padding-left:3em}\n"
    ".table{overflow-x:auto;margin:8px 0 18px}\n"
    "table{border-collapse:collapse;width:100%;font-size:13px;line-height:1.5;"
    "font-family:\"SimSun\",\"宋体\",\"Noto Serif CJK SC\",serif}\n"
    "th,td{border:1px solid var(--line);padding:4px 6px;vertical-align:top}\n"
    "th{background:var(--head);text-align:center}\n"
    "td.r,th.r{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\n"
    "tr.total td{font-weight:bold;background:#f6f8fa}\n"
    ".has-finding{background:#fff7e3}\n"
    "tr.has-finding td:first-child{box-shadow:inset 4px 0 0 var(--warn)}\n"
    "tr.has-finding.sev-error td:first-child{box-shadow:inset 4px 0 0 var(--err)}\n"
    "tr.has-finding.sev-note td:first-child{box-shadow:inset 4px 0 0 var(--note)}\n"
    "mark.fig{background:#fde7b0;color:inherit;padding:0 2px;border-bottom:2px solid var(--warn);"
    "cursor:help}\n"
    "mark.fig.sev-error{background:#f8d3ce;border-bottom-color:var(--err)}\n"
    "mark.fig.sev-note{background:#e6ebf0;border-bottom-color:var(--note)}\n"
    "sup.fref{font-size:11px;line-height:1;margin:0 1px;vertical-align:super}\n"
    "sup.fref a{padding:0 4px;border-radius:6px;text-decoration:none;color:#fff;"
    "background:var(--warn)}\n"
    "sup.fref.error a{background:var(--err)}\n"
    "sup.fref.note a{background:var(--note)}\n"
    "table.t-findings td:nth-child(-n+2){white-space:nowrap}\n"
    "tr.finding.sev-error td:nth-child(2){color:var(--err);font-weight:bold}\n"
    "tr.finding.sev-warning td:nth-child(2){color:var(--warn);font-weight:bold}\n"
    "tr.finding:target td,mark:target,.has-finding:target{outline:2px solid var(--s0)}\n"
    ".back a{margin-left:6px;font-size:12px;color:var(--s0);text-decoration:none}\n"
    "nav.toc{max-width:980px;margin:0 auto;padding:12px 56px;background:#f8fafc;"
    "border-bottom:1px solid var(--line);font-size:14px;line-height:1.6}\n"
    "nav.toc ol{display:flex;flex-wrap:wrap;gap:2px 18px;margin:4px 0;padding:0;"
    "list-style:none}\n"
    "nav.toc a{color:var(--s0);text-decoration:none}\n"
    "nav.toc p{margin:4px 0 0;text-indent:0;color:var(--muted);font-size:13px}\n"
    "figure.chart{margin:12px 0 20px;padding:8px 12px;border:1px solid var(--line);"
    "border-radius:4px;background:#fbfcfd}\n"
    "figcaption{font-size:14px;font-weight:bold;margin-bottom:4px}\n"
    ".chart svg{display:block;width:100%;height:auto}\n"
    ".chart svg text{font-size:13px;fill:var(--ink)}\n"
    ".chart svg text.value{fill:var(--muted);font-size:12px}\n"
    ".chart .base{fill:var(--base)}.chart .s0{fill:var(--s0)}.chart .s1{fill:var(--s1)}"
    ".chart .s2{fill:var(--s2)}\n"
    ".chart .axis{stroke:#8a96a3;stroke-width:1}\n"
    "@page{size:A4;margin:18mm 16mm}\n"
    "@media print{\n"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    "body{background:#fff;font-size:11pt}\n"
    "main{max-width:none;margin:0;padding:0}\n"
    "nav.toc,.back{display:none}\n"
    "section{break-before:page}\n"
    "section#s1,section.cont{break-before:auto}\n"
    "h1,h2,h3,h4,figcaption{break-after:avoid}\n"
    "figure.chart,tr,p.note{break-inside:avoid}\n"
    "thead{display:table-header-group}\n"
    ".table{overflow:visible}\n"
    "table{font-size:8.5pt}\n"
    "a{color:inherit;text-decoration:none}\n"
    "}\n";

static void head(struct rs_rbuf *b, const char *title)
{
    rs_rbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                    "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
                    "form-action 'none'\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<meta name=\"generator\" content=\"resettle\">\n<title>");
    rs_xml_text(b, title);
    rs_rbuf_puts(b, "</title>\n<style>\n");
    rs_rbuf_puts(b, style);
    rs_rbuf_puts(b, "</style>\n</head>\n<body>\n");
}

static void contents(struct rs_rbuf *b, const struct rs_render_html *st)
{
    if (st->ntoc == 0)
        return;
    rs_rbuf_puts(b, "<nav class=\"toc\" aria-label=\"目录\"><strong>目录</strong><ol>\n");
    for (size_t i = 0; i < st->ntoc; i++) {
        rs_rbuf_printf(b, "<li><a href=\"#%s\">", st->toc[i].id);
        rs_xml_text(b, st->toc[i].text);
        rs_rbuf_puts(b, "</a></li>\n");
    }
    rs_rbuf_puts(b, "</ol>");
    if (st->res->nfindings)
        rs_rbuf_puts(b, "<p>正文中底色标出的数字和段落与数据一致性核查的发现有关：鼠标停留可看该项发现，"
                        "点击编号可转到核查表，核查表中的“↩正文”可回到正文。</p>");
    rs_rbuf_puts(b, "</nav>\n");
}

void rs_report_html(const struct rs_eval_result *res, const struct rs_report_extra *x,
                    struct rs_rbuf *b)
{
    struct rs_render_html *st = rs_render_html_new(res);
    struct rs_rbuf body = {NULL, 0, 0, RS_OK};

    if (!st) {
        b->err = b->err ? b->err : RS_ENOMEM;
        return;
    }
    rs_render_doc(res, x, &rs_render_skin_html, st, &body);
    rs_render_html_finish(st, &body);
    if (body.err) {
        b->err = b->err ? b->err : body.err;
    } else {
        head(b, st->title);
        contents(b, st);
        rs_rbuf_puts(b, "<main>\n");
        rs_rbuf_add(b, body.p ? body.p : "", body.len);
        rs_rbuf_puts(b, "</main>\n</body>\n</html>\n");
    }
    free(body.p);
    rs_render_html_free(st);
}
