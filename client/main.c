/*
 * main.c - the resettle command line, used by township and central offices.
 *
 *   resettle submit [--type T] [--year Y] [--period P] [--sheet NAME]
 *                   [--money-unit yuan|wan] FILE.csv|FILE.xlsx...
 *   resettle template --type T [--out FILE.xlsx] [--divisions FILE|CODES]
 *                     [--money-unit yuan|wan]
 *   resettle sync [--attempts N]
 *   resettle status [--failed]
 *   resettle report --year Y [--format markdown|text|json|csv|docx|xlsx|html]
 *                   [--out FILE] [--division CODE] [--accepted-only]
 *                   (docx and xlsx are binary: they need --out unless
 *                   stdout is not a terminal)
 *   resettle completeness --year Y [--period P] [--format text|markdown|json|csv]
 *                   [--division CODE] [--out FILE]
 *   resettle review return --id ID | --batch ID --comment TEXT
 *   resettle review accept --id ID | --batch ID [--comment TEXT]
 *   resettle year close --year Y [--framework NAME]
 *   resettle year reopen --year Y --division CODE --until DATE --reason TEXT
 *   resettle year show --year Y
 *   resettle schedule set --year Y FILE.csv
 *   resettle schedule show --year Y
 *   resettle records --year Y [--division CODE] [--type T]
 *                   [--state returned|accepted|pending] [--id ID] [--format text|json]
 *   resettle console [--listen 127.0.0.1:PORT]   (cmd_console.c, rs_console.h)
 *
 * status, submit and sync also ask the server which of the office's records
 * the central office returned, and show each with its comment and the
 * file:line it came from (when this outbox queued it); status does so only
 * when the server, office and token are configured.
 *
 * Configuration: --server HOST:PORT, --office CODE, --token TOKEN (or
 * --token-file FILE), --outbox FILE, --ca FILE, --pin sha256:HEX,
 * --district-key FILE.  Each falls back to RESETTLE_SERVER,
 * RESETTLE_OFFICE, RESETTLE_TOKEN, RESETTLE_OUTBOX, RESETTLE_CA,
 * RESETTLE_PIN, RESETTLE_DISTRICT_KEY; a flag always wins over the
 * environment.  The default outbox is $XDG_DATA_HOME/resettle/outbox.db,
 * else ~/.local/share/resettle/outbox.db.
 *
 * Transport: TLS, with the server verified against the CA file, the pinned
 * certificate fingerprint, or both; plaintext only with an explicit
 * --plaintext and only to a server on this machine.  There is no fallback.
 *
 * Exit status: 0 every record stored (or already there); 1 some rows were
 * invalid or the server rejected or refused (conflict) some records, or
 * refused a request (role, scope, a closed year, a bad value); 2 usage
 * error; 3 the server could not be reached or could not commit, and the
 * records wait in the outbox.  When several apply, the highest wins.
 *
 * A file to submit is an Excel workbook when it starts as a zip does (or is
 * named .xlsx): every visible sheet whose header row is a record type is
 * read (or the one --sheet names), a template's sheet with the type its
 * hidden sheet names, and its hint row is skipped; errors are then
 * `file:sheet:row: column: reason`.  Anything else is CSV.
 *
 * Layout: this file parses the options, settles the configuration (struct
 * config, rs_cmd.h), prints the usage and dispatches; each command is in
 * a file of its own, client/cmd_<name>.c, and rs_cmd.h says which file
 * owns what.  A new command is one file and one dispatch line: write
 * cmd_<name>.c with int rs_cmd_<name>(struct config *c, ...) returning the
 * exit status, declare it in rs_cmd.h, list the file in
 * client/CMakeLists.txt, and add its line to the usage and to main() below
 * (and any new option to opts[] and struct config).
 *
 * Does not: run a command itself (cmd_*.c), read, map or queue rows
 * (rs_intake.c over rs_csv.c, rs_xlsx.c, rs_xltpl.c and rs_rowmap.c), or
 * keep state outside the outbox.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "rs_cmd.h"
#include "rs_net.h"
#include "rs_outbox.h"
#include "rs_rtype.h"
#include "rs_util.h"
#include "rs_wire.h"

static const char usage[] =
    "用法：resettle [选项] submit [--type 类型] [--year 年度] [--period 期间] [--sheet 工作表]\n"
    "                       [--money-unit yuan|wan] 文件.csv|文件.xlsx...   报送文件中的记录\n"
    "      resettle [选项] template --type 类型 [--out 文件.xlsx] [--divisions 文件|代码]\n"
    "                       [--money-unit yuan|wan]                    生成填报模板\n"
    "      resettle [选项] sync [--attempts 次数]                      发送发件箱中的记录\n"
    "      resettle [选项] status [--failed]                           发件箱与退回情况\n"
    "      resettle outbox salvage --from 损坏的发件箱 --to 新发件箱    抢救损坏的发件箱\n"
    "      resettle [选项] report --year 年度\n"
    "                       [--format markdown|text|json|csv|docx|xlsx|html] [--out 文件]\n"
    "                       [--division 区划代码] [--accepted-only] [--framework 指标体系]\n"
    "                                                                  绩效自评报告\n"
    "                       （docx、xlsx 需 --out，或标准输出不是终端）\n"
    "      resettle [选项] completeness --year 年度 [--period 期间] [--division 区划代码]\n"
    "                       [--format text|markdown|json|csv] [--out 文件]  报送情况\n"
    "      resettle [选项] review return|accept --id 记录ID | --batch 批次ID [--comment 意见]\n"
    "                                                                  退回或审核通过\n"
    "      resettle [选项] year close --year 年度 [--framework 指标体系]   结账\n"
    "      resettle [选项] year reopen --year 年度 --division 区划代码 --until 日期 --reason 原因\n"
    "      resettle [选项] year show --year 年度\n"
    "      resettle [选项] schedule set --year 年度 文件.csv | schedule show --year 年度\n"
    "      resettle [选项] records --year 年度 [--division 区划代码] [--type 类型]\n"
    "                       [--state returned|accepted|pending] [--id 记录ID] [--format text|json]\n"
    "      resettle [选项] console [--listen 127.0.0.1:端口]           在浏览器中打开操作台\n"
    "      resettle --help | --version\n"
    "选项：--server 主机:端口  --office 单位代码  --token 令牌 | --token-file 文件\n"
    "      --outbox 文件  --timeout 秒  --batch 条数（每批记录数）  --district-key 文件\n"
    "      --ca 文件 | --pin sha256:十六进制  （TLS：信任此 CA / 此证书，或两者）\n"
    "      --plaintext                       （不加密；仅限本机上的服务器）\n"
    "环境变量（命令行选项优先）：RESETTLE_SERVER RESETTLE_OFFICE RESETTLE_TOKEN RESETTLE_OUTBOX\n"
    "      RESETTLE_CA RESETTLE_PIN RESETTLE_DISTRICT_KEY\n"
    "退出码：0 全部入库（或已完成），1 有无效或被拒的行、或被拒绝（令牌、证书、角色、范围、\n"
    "      已结账年度），2 用法错误，3 服务器无法连接（记录留在发件箱中）\n";

int rs_cmd_usage_error(const char *msg)
{
    if (msg)
        fprintf(stderr, "resettle: %s\n", msg);
    fputs(usage, stderr);
    return RS_EXIT_USAGE;
}

int rs_cmd_worst(int a, int b)
{
    return a > b ? a : b;
}

/* ------------------------------------------------------------ configuration */

static int mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            *p = '/';
            return -1;
        }
        *p = '/';
    }
    return 0;
}

static int resolve_outbox(struct config *c)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

    if (!c->outbox)
        c->outbox = getenv("RESETTLE_OUTBOX");
    if (c->outbox)
        return 0;
    if (xdg && *xdg)
        snprintf(c->outbox_buf, sizeof(c->outbox_buf), "%s/resettle/outbox.db", xdg);
    else if (home && *home)
        snprintf(c->outbox_buf, sizeof(c->outbox_buf), "%s/.local/share/resettle/outbox.db",
                 home);
    else
        return -1;
    if (mkdirs(c->outbox_buf) != 0)
        return -1;
    c->outbox = c->outbox_buf;
    return 0;
}

static int resolve_token(struct config *c)
{
    FILE *f;
    size_t n;

    if (c->token_file) {
        f = fopen(c->token_file, "r");
        if (!f) {
            fprintf(stderr, "resettle: %s: %s\n", c->token_file, strerror(errno));
            return -1;
        }
        n = fread(c->token_buf, 1, sizeof(c->token_buf) - 1, f);
        fclose(f);
        c->token_buf[n] = '\0';
        while (n > 0 && (c->token_buf[n - 1] == '\n' || c->token_buf[n - 1] == '\r' ||
                         c->token_buf[n - 1] == ' '))
            c->token_buf[--n] = '\0';
        c->token = c->token_buf;
    }
    if (!c->token)
        c->token = getenv("RESETTLE_TOKEN");
    return 0;
}

/* True if the host part of "HOST:PORT" names this machine literally. */
static bool loopback_host(const char *hostport)
{
    const char *colon = strrchr(hostport, ':');
    size_t n = colon ? (size_t)(colon - hostport) : strlen(hostport);
    char host[64];

    if (n >= 2 && hostport[0] == '[' && hostport[n - 1] == ']') {
        hostport++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof(host))
        return false;
    memcpy(host, hostport, n);
    host[n] = '\0';
    return strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
           (strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == n);
}

/* Settles how the server is trusted: TLS with a CA and/or a pin, or loopback plaintext. */
static int resolve_security(struct config *c)
{
    uint8_t pin[32];
    char why[320];

    if (!c->ca)
        c->ca = getenv("RESETTLE_CA");
    if (!c->pin)
        c->pin = getenv("RESETTLE_PIN");
    if (c->ca && !c->ca[0])
        c->ca = NULL;
    if (c->pin && !c->pin[0])
        c->pin = NULL;
    if (c->plaintext && (c->ca || c->pin)) {
        rs_cmd_usage_error("--plaintext 不能与 --ca、--pin（及 RESETTLE_CA、RESETTLE_PIN）同时使用");
        return -1;
    }
    if (!c->plaintext && !c->ca && !c->pin) {
        rs_cmd_usage_error("请说明如何信任服务器：--ca 文件 或 --pin sha256:十六进制（或 "
                    "RESETTLE_CA / RESETTLE_PIN）；--plaintext 仅用于本机上的服务器");
        return -1;
    }
    if (c->plaintext && !loopback_host(c->server)) {
        rs_cmd_usage_error("--plaintext 只能连接本机上的服务器（127.0.0.1、::1、"
                    "localhost）；请改用 --ca 或 --pin");
        return -1;
    }
    if (c->ca && rs_net_ca_check(c->ca, why, sizeof(why)) != RS_OK) {
        /* Missing, unreadable or not a CA: the same usage error, before any connection. */
        fprintf(stderr, "resettle: CA 文件 %s：%s\n", c->ca, why);
        rs_cmd_usage_error(NULL);
        return -1;
    }
    if (c->pin && rs_net_pin_parse(c->pin, pin) != RS_OK) {
        rs_cmd_usage_error("--pin 须为 sha256: 加 64 位十六进制数字（服务器证书的 "
                    "SHA-256 指纹）");
        return -1;
    }
    c->sec.ca_file = c->ca;
    c->sec.pin = c->pin;
    c->sec.plaintext = c->plaintext;
    return 0;
}

int rs_cmd_need_network(struct config *c)
{
    if (!c->server)
        c->server = getenv("RESETTLE_SERVER");
    if (!c->office)
        c->office = getenv("RESETTLE_OFFICE");
    if (resolve_token(c))
        return -1;
    if (!c->server || !c->office || !c->token) {
        rs_cmd_usage_error("需要服务器、单位代码和令牌：--server/--office/--token 或 "
                    "RESETTLE_SERVER/RESETTLE_OFFICE/RESETTLE_TOKEN");
        return -1;
    }
    return resolve_security(c);
}

/*
 * Reads the district key (64 hex digits; deploy/make-district-key.sh)
 * named by --district-key or RESETTLE_DISTRICT_KEY, if any.  0 when there
 * is none or it was read; -1 (message printed) otherwise.
 */
int rs_cmd_load_district_key(struct config *c)
{
    char buf[256];
    struct stat sb;
    size_t n, k = 0;
    FILE *f;

    if (!c->district_key)
        c->district_key = getenv("RESETTLE_DISTRICT_KEY");
    if (!c->district_key || !c->district_key[0])
        return 0;
    f = fopen(c->district_key, "r");
    if (!f) {
        fprintf(stderr, "resettle: 区县密钥 %s：%s\n", c->district_key, strerror(errno));
        return -1;
    }
    if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077))
        fprintf(stderr, "resettle: 警告：区县密钥 %s 其他用户也能读取"
                        "（请 chmod 600）\n", c->district_key);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    if (n != 2 * RS_DISTRICT_KEY_LEN)
        goto bad;
    for (k = 0; k < RS_DISTRICT_KEY_LEN; k++) {
        int v = 0;

        for (int j = 0; j < 2; j++) {
            char ch = buf[2 * k + (size_t)j];
            int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                  : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;

            if (d < 0)
                goto bad;
            v = v << 4 | d;
        }
        c->key[k] = (uint8_t)v;
    }
    explicit_bzero(buf, sizeof(buf));
    c->has_key = true;
    return 0;
bad:
    explicit_bzero(buf, sizeof(buf));
    explicit_bzero(c->key, sizeof(c->key));
    fprintf(stderr, "resettle: 区县密钥 %s 不是 64 位十六进制数字（可用 "
                    "deploy/make-district-key.sh 生成）\n", c->district_key);
    return -1;
}

/*
 * Opens the outbox and reads every page of it first: a damaged one is not
 * used (nothing queued into it, nothing sent from it), and the message says
 * how to get back the records it still holds.
 */
int rs_cmd_open_outbox(struct config *c, struct rs_outbox **ob)
{
    char err[512];

    if (resolve_outbox(c)) {
        fprintf(stderr, "resettle: 没有发件箱：请设置 --outbox、RESETTLE_OUTBOX 或 HOME\n");
        return -1;
    }
    if (rs_outbox_open(c->outbox, ob, err, sizeof(err)) != RS_OK) {
        fprintf(stderr, "resettle: %s\n", err);
        return -1;
    }
    if (rs_outbox_check(*ob) != RS_OK) {
        fprintf(stderr,
                "resettle: 发件箱 %s %s\n"
                "resettle: 未放入也未发送任何记录。请把其中尚存的记录复制到新的发件箱，"
                "改用新的发件箱：\n"
                "  resettle outbox salvage --from %s --to 新发件箱.outbox\n",
                c->outbox, rs_outbox_errmsg(*ob), c->outbox);
        rs_outbox_close(*ob);
        *ob = NULL;
        return -1;
    }
    return 0;
}

/* True when the server, the office and a token are given (flags or environment). */
bool rs_cmd_network_configured(const struct config *c)
{
    return (c->server || getenv("RESETTLE_SERVER")) && (c->office || getenv("RESETTLE_OFFICE")) &&
           (c->token || c->token_file || getenv("RESETTLE_TOKEN"));
}

/* ------------------------------------------------------------ main */

static int parse_format(const char *s, Rs__ReportFormat *f)
{
    static const struct { const char *name; Rs__ReportFormat f; } map[] = {
        {"markdown", RS__REPORT_FORMAT__FMT_MARKDOWN}, {"md", RS__REPORT_FORMAT__FMT_MARKDOWN},
        {"text", RS__REPORT_FORMAT__FMT_TEXT},         {"json", RS__REPORT_FORMAT__FMT_JSON},
        {"csv", RS__REPORT_FORMAT__FMT_CSV},           {"docx", RS__REPORT_FORMAT__FMT_DOCX},
        {"xlsx", RS__REPORT_FORMAT__FMT_XLSX},         {"html", RS__REPORT_FORMAT__FMT_HTML},
    };

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(s, map[i].name) == 0) {
            *f = map[i].f;
            return 0;
        }
    }
    return -1;
}

static int parse_period(const char *s, Rs__Period *p)
{
    static const char *const names[] = {"", "q1", "q2", "q3", "q4", "h1", "h2", "year"};

    /* The English name or the Chinese one the reports print (全年, 三季度). */
    for (int i = 1; i < 8; i++) {
        if (strcasecmp(s, names[i]) == 0 || strcmp(s, rs_enum_display(&rs__period__descriptor, i)) == 0) {
            *p = (Rs__Period)i;
            return 0;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"server", required_argument, NULL, 's'},
        {"office", required_argument, NULL, 'o'},
        {"token", required_argument, NULL, 't'},
        {"token-file", required_argument, NULL, 'T'},
        {"outbox", required_argument, NULL, 'b'},
        {"timeout", required_argument, NULL, 'w'},
        {"attempts", required_argument, NULL, 'a'},
        {"batch", required_argument, NULL, 'n'},
        {"type", required_argument, NULL, 'y'},
        {"year", required_argument, NULL, 'Y'},
        {"period", required_argument, NULL, 'p'},
        {"money-unit", required_argument, NULL, 'M'},
        {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'O'},
        {"framework", required_argument, NULL, 'F'},
        {"failed", no_argument, NULL, 'X'},
        {"ca", required_argument, NULL, 'C'},
        {"pin", required_argument, NULL, 'P'},
        {"plaintext", no_argument, NULL, 'N'},
        {"district-key", required_argument, NULL, 'K'},
        {"division", required_argument, NULL, 'D'},
        {"sheet", required_argument, NULL, 'S'},
        {"divisions", required_argument, NULL, 'L'},
        {"accepted-only", no_argument, NULL, 'A'},
        {"id", required_argument, NULL, 'i'},
        {"comment", required_argument, NULL, 'c'},
        {"until", required_argument, NULL, 'u'},
        {"reason", required_argument, NULL, 'r'},
        {"from", required_argument, NULL, 'R'},
        {"to", required_argument, NULL, 'Q'},
        {"state", required_argument, NULL, 'e'},
        {"listen", required_argument, NULL, 'l'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct config c;
    const char *cmd, *batch_arg = NULL;
    uint32_t v;
    int opt;
    bool attempts_set = false;

    memset(&c, 0, sizeof(c));
    c.timeout_ms = 30000;
    c.attempts = 1;
    c.format = RS__REPORT_FORMAT__FMT_MARKDOWN;
    /* Options may stand before or after the command word. */
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 's': c.server = optarg; break;
        case 'o': c.office = optarg; break;
        case 't': c.token = optarg; break;
        case 'T': c.token_file = optarg; break;
        case 'b': c.outbox = optarg; break;
        case 'O': c.out = optarg; break;
        case 'F': c.framework = optarg; break;
        case 'X': c.failed = 1; break;
        case 'C': c.ca = optarg; break;
        case 'P': c.pin = optarg; break;
        case 'N': c.plaintext = true; break;
        case 'K': c.district_key = optarg; break;
        case 'D': c.division = optarg; break;
        case 'S': c.sheet = optarg; break;
        case 'L': c.divisions = optarg; break;
        case 'A': c.accepted_only = true; break;
        case 'i': c.id = optarg; break;
        case 'c': c.comment = optarg; break;
        case 'u': c.until = optarg; break;
        case 'r': c.reason = optarg; break;
        case 'w':
            if (rs_u32_parse(optarg, &v) || v < 1 || v > 3600)
                return rs_cmd_usage_error("--timeout 须为 1 至 3600 秒");
            c.timeout_ms = v * 1000;
            break;
        case 'a':
            if (rs_u32_parse(optarg, &v) || v < 1 || v > 1000)
                return rs_cmd_usage_error("--attempts 须为 1 至 1000");
            c.attempts = v;
            attempts_set = true;
            break;
        case 'n':
            batch_arg = optarg;     /* a batch size, or for review a batch id */
            break;
        case 'y':
            c.type = rs_rtype_parse(optarg);
            if (c.type == RS__RECORD__BODY__NOT_SET)
                return rs_cmd_usage_error("--type 的类型未知");
            break;
        case 'Y':
            if (rs_u32_parse(optarg, &v) || v < 2000 || v > 2100)
                return rs_cmd_usage_error("--year 须为 2000 至 2100");
            c.year = v;
            break;
        case 'p':
            if (parse_period(optarg, &c.period))
                return rs_cmd_usage_error("--period 须为 q1 至 q4、h1、h2 或 year（或一季度至四季度、上半年、下半年、全年）");
            break;
        case 'M':
            if (strcmp(optarg, "yuan") == 0 || strcmp(optarg, "元") == 0)
                c.money_unit = RS_MONEY_UNIT_YUAN;
            else if (strcmp(optarg, "wan") == 0 || strcmp(optarg, "万元") == 0)
                c.money_unit = RS_MONEY_UNIT_WAN;
            else
                return rs_cmd_usage_error("--money-unit 须为 yuan（元）或 wan（万元）");
            break;
        case 'f':
            if (parse_format(optarg, &c.format))
                return rs_cmd_usage_error(
                    "--format 须为 markdown、text、json、csv、docx、xlsx 或 html");
            c.format_set = true;
            break;
        case 'R':
            c.from = optarg;
            break;
        case 'Q':
            c.to = optarg;
            break;
        case 'e':
            if (strcmp(optarg, "returned") == 0 || strcmp(optarg, "已退回") == 0)
                c.state = RS__REVIEW_STATE__RVS_RETURNED;
            else if (strcmp(optarg, "accepted") == 0 || strcmp(optarg, "已通过") == 0)
                c.state = RS__REVIEW_STATE__RVS_ACCEPTED;
            else if (strcmp(optarg, "pending") == 0 || strcmp(optarg, "待审核") == 0)
                c.state = RS__REVIEW_STATE__RVS_PENDING;
            else
                return rs_cmd_usage_error("--state 须为 returned、accepted 或 pending");
            break;
        case 'l':
            c.listen = optarg;
            break;
        case 'V':
            printf("resettle %s（协议版本 %d）\n", RS_VERSION, RS_PROTOCOL_VERSION);
            return 0;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return rs_cmd_usage_error(NULL);
        }
    }
    if (optind >= argc)
        return rs_cmd_usage_error("没有给出命令");
    cmd = argv[optind];
    if (batch_arg && strcmp(cmd, "review") == 0) {
        c.batch_id = batch_arg;
    } else if (batch_arg) {
        if (rs_u32_parse(batch_arg, &v) || v < 1 || v > 100000)
            return rs_cmd_usage_error("--batch 须为 1 至 100000");
        c.batch = v;
    }
    if (strcmp(cmd, "submit") == 0)
        return rs_cmd_submit(&c, argc - optind - 1, argv + optind + 1);
    if (strcmp(cmd, "outbox") == 0) {
        if (optind + 2 != argc || strcmp(argv[optind + 1], "salvage") != 0)
            return rs_cmd_usage_error("outbox 后面要写 salvage");
        return rs_cmd_salvage(&c);
    }
    /* Commands with a verb: review return|accept, year close|reopen|show, schedule set|show. */
    if (strcmp(cmd, "review") == 0 || strcmp(cmd, "year") == 0 || strcmp(cmd, "schedule") == 0) {
        const char *verb = optind + 1 < argc ? argv[optind + 1] : NULL;
        const char *file = optind + 2 < argc ? argv[optind + 2] : NULL;

        if (!verb)
            return rs_cmd_usage_error("该命令需要说明做什么（见用法）");
        if (cmd[0] == 's')
            return optind + 3 < argc ? rs_cmd_usage_error("多余的参数")
                                     : rs_cmd_schedule(&c, verb, file);
        if (file)
            return rs_cmd_usage_error("多余的参数");
        return cmd[0] == 'r' ? rs_cmd_review(&c, verb) : rs_cmd_year(&c, verb);
    }
    if (optind + 1 != argc)
        return rs_cmd_usage_error("多余的参数");
    if (strcmp(cmd, "sync") == 0) {
        if (!attempts_set)
            c.attempts = 5;
        return rs_cmd_sync(&c);
    }
    if (strcmp(cmd, "status") == 0)
        return rs_cmd_status(&c);
    if (strcmp(cmd, "report") == 0)
        return rs_cmd_report(&c);
    if (strcmp(cmd, "template") == 0)
        return rs_cmd_template(&c);
    if (strcmp(cmd, "completeness") == 0)
        return rs_cmd_completeness(&c);
    if (strcmp(cmd, "records") == 0)
        return rs_cmd_records(&c);
    if (strcmp(cmd, "console") == 0)
        return rs_cmd_console(&c);
    return rs_cmd_usage_error("未知的命令");
}
