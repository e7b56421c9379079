#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "config.h"
#include "findings.h"
#include "rl_test.h"
#include "util.h"

static struct rl_model *m;
static struct rl_err err;
static char dir[256]; /* a temporary directory, "" if none */

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void teardown(void)
{
	rl_model_free(m);
	m = NULL;
	if (dir[0] != '\0')
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	dir[0] = '\0';
	rl_test_fini();
}

TestSuite(config, .fini = teardown);

/* A site with one ssh host "h1" and one local host "lo". */
#define SITE                                                                   \
	"[ssh]\n"                                                              \
	"known_hosts = /etc/relance/known_hosts\n"                             \
	"[host \"h1\"]\n"                                                      \
	"[host \"lo\"]\n"                                                      \
	"transport = local\n"

/* One complete component; the section line is line 6 after SITE. */
#define COMP_A                                                                 \
	"[component \"fx/a\"]\n"                                               \
	"host = h1\n"                                                          \
	"check = true\n"                                                       \
	"start = true\n"                                                       \
	"stop = true\n"

static int load(const char *text)
{
	rl_err_clear(&err);
	return rl_config_load_string(text, "t.ini", RL_CONFIG_NO_PERMS, &m,
				     &err);
}

/* TEXT must fail with exactly MSG. */
static void refused(const char *text, const char *msg)
{
	cr_assert_eq(load(text), -1, "accepted:\n%s", text);
	cr_assert_null(m);
	cr_assert_str_eq(err.msg, msg);
}

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/rl_test_config.XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "%s", strerror(errno));
}

/* Writes DIR/NAME with MODE (exactly, whatever the umask); returns path. */
static const char *write_file(const char *name, mode_t mode, const char *text)
{
	static char paths[8][PATH_MAX];
	static int next;
	char *path = paths[next++ % 8];
	FILE *f;

	snprintf(path, PATH_MAX, "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(chmod(path, mode), 0);
	return path;
}

static int load_file(const char *path, unsigned flags)
{
	rl_err_clear(&err);
	return rl_config_load(path, flags, &m, &err);
}

static const char *fmt(const char *f, ...)
    __attribute__((format(printf, 1, 2)));
static const char *fmt(const char *f, ...)
{
	static char buf[2][2048];
	static int next;
	char *b = buf[next++ % 2];
	va_list ap;

	va_start(ap, f);
	vsnprintf(b, sizeof(buf[0]), f, ap);
	va_end(ap);
	return b;
}

/* --- a valid configuration ----------------------------------------------- */

Test(config, every_key)
{
	struct rl_component *c, *d;
	struct rl_host *h;
	struct rl_app *a;

	cr_assert_eq(load("; a comment\n"
			  "# another\n"
			  "[relance]\n"
			  "journal        = /var/lib/relance/j.jsonl\n"
			  "lock_dir       = /run/rl\n"
			  "command_file   = /var/lib/nagios4/rw/nagios.cmd\n"
			  "node           = mon-1\n"
			  "parallel       = 6\n"
			  "check_interval = 500ms\n"
			  "\n"
			  "[ssh]\n"
			  "user            = relance\n"
			  "identity        = /etc/relance/id_ed25519\n"
			  "passphrase_file = /etc/relance/pass\n"
			  "known_hosts     = /etc/relance/known_hosts\n"
			  "timeout         = 7s\n"
			  "max_channels    = 6\n"
			  "max_handshakes  = 3\n"
			  "\n"
			  "[host \"fx-app-01\"]\n"
			  "transport = ssh\n"
			  "address   = 10.1.2.3\n"
			  "port      = 2222\n"
			  "user      = fx\n"
			  "identity  = /etc/relance/fx_key\n"
			  "shell     = powershell\n"
			  "zone      = paris\n"
			  "\n"
			  "[host \"monitor\"]\n"
			  "transport = local\n"
			  "shell = cmd\n"
			  "\n"
			  "[application \"fx\"]\n"
			  "description = Foreign exchange\n"
			  "parallel    = 2\n"
			  "\n"
			  "[component \"fx/cache\"]\n"
			  "host  = monitor\n"
			  "check = true\n"
			  "start = true\n"
			  "stop  = true\n"
			  "\n"
			  "[component \"fx/pricer\"]\n"
			  "host          = fx-app-01\n"
			  "check         = /usr/lib/nagios/plugins/check_procs "
			  "-C pricer\n"
			  "check_mode    = plugin\n"
			  "stop          = systemctl stop pricer\n"
			  "start         = systemctl start pricer\n"
			  "restart       = systemctl restart pricer\n"
			  "requires      = cache\n"
			  "description   = the pricer\n"
			  "check_timeout = 3s\n"
			  "start_timeout = 2m\n"
			  "stop_timeout  = 45s\n"
			  "heal          = soft:3\n"
			  "restart_limit = 5/2h\n"),
		     0, "%s", err.msg);

	cr_assert_str_eq(m->site.journal, "/var/lib/relance/j.jsonl");
	cr_assert_str_eq(m->site.lock_dir, "/run/rl");
	cr_assert_str_eq(m->site.command_file,
			 "/var/lib/nagios4/rw/nagios.cmd");
	cr_assert_str_eq(m->site.node, "mon-1");
	cr_assert_eq(m->site.parallel, 6);
	cr_assert_eq(m->site.check_interval_ms, 500);
	cr_assert_str_eq(m->site.ssh.user, "relance");
	cr_assert_str_eq(m->site.ssh.identity, "/etc/relance/id_ed25519");
	cr_assert_str_eq(m->site.ssh.passphrase_file, "/etc/relance/pass");
	cr_assert_str_eq(m->site.ssh.known_hosts, "/etc/relance/known_hosts");
	cr_assert_eq(m->site.ssh.timeout_ms, 7000);
	cr_assert_eq(m->site.ssh.max_channels, 6);
	cr_assert_eq(m->site.ssh.max_handshakes, 3);

	h = rl_model_host(m, "fx-app-01");
	cr_assert_not_null(h);
	cr_assert_eq(h->transport, RL_TRANSPORT_SSH);
	cr_assert_str_eq(h->address, "10.1.2.3");
	cr_assert_eq(h->port, 2222);
	cr_assert_str_eq(h->user, "fx");
	cr_assert_str_eq(h->identity, "/etc/relance/fx_key");
	cr_assert_eq(h->shell, RL_SHELL_POWERSHELL);
	cr_assert_str_eq(h->zone, "paris");
	cr_assert_str_eq(h->where.file, "t.ini");
	cr_assert_eq(h->where.line, 20);
	h = rl_model_host(m, "monitor");
	cr_assert_eq(h->transport, RL_TRANSPORT_LOCAL);
	cr_assert_eq(h->shell, RL_SHELL_CMD);

	a = rl_model_app(m, "fx");
	cr_assert_not_null(a);
	cr_assert_str_eq(a->description, "Foreign exchange");
	cr_assert_eq(a->parallel, 2);
	cr_assert_eq(a->n_components, 2);

	c = rl_model_component(m, "fx/pricer");
	d = rl_model_component(m, "fx/cache");
	cr_assert_not_null(c);
	cr_assert_not_null(d);
	cr_assert_eq(c->host, rl_model_host(m, "fx-app-01"));
	cr_assert_str_eq(c->check,
			 "/usr/lib/nagios/plugins/check_procs -C pricer");
	cr_assert_eq(c->check_mode, RL_CHECK_PLUGIN);
	cr_assert_str_eq(c->stop, "systemctl stop pricer");
	cr_assert_str_eq(c->start, "systemctl start pricer");
	cr_assert_str_eq(c->restart, "systemctl restart pricer");
	cr_assert_eq(c->n_requires, 1);
	cr_assert_eq(c->requires[0], d);
	cr_assert_str_eq(c->description, "the pricer");
	cr_assert_eq(c->check_timeout_ms, 3000);
	cr_assert_eq(c->start_timeout_ms, 120000);
	cr_assert_eq(c->stop_timeout_ms, 45000);
	cr_assert_eq(c->heal, RL_HEAL_SOFT);
	cr_assert_eq(c->heal_soft_attempt, 3);
	cr_assert_eq(c->restart_limit_count, 5);
	cr_assert_eq(c->restart_limit_window_ms, 2 * 3600 * 1000);
	cr_assert_eq(c->where.line, 43);
	cr_assert_eq(c->level, 1);
	cr_assert_eq(d->level, 0);
	cr_assert_null(d->restart);
	cr_assert_eq(d->heal, RL_HEAL_HARD);
}

Test(config, defaults)
{
	char host[256];
	struct rl_component *c;
	struct rl_host *h;

	cr_assert_eq(load(SITE COMP_A), 0, "%s", err.msg);
	cr_assert_eq(gethostname(host, sizeof(host)), 0);
	cr_assert_str_eq(m->site.node, host);
	cr_assert_eq(m->site.parallel, 4);
	cr_assert_eq(m->site.ssh.timeout_ms, 5000);
	h = rl_model_host(m, "h1");
	cr_assert_str_eq(h->address, "h1");
	cr_assert_eq(h->port, 22);
	cr_assert_eq(h->shell, RL_SHELL_POSIX);
	cr_assert_null(h->user);
	c = rl_model_component(m, "fx/a");
	cr_assert_eq(c->check_mode, RL_CHECK_EXIT);
	cr_assert_eq(c->heal, RL_HEAL_HARD);
	cr_assert_eq(c->restart_limit_count, 3);
	cr_assert_eq(c->where.line, 6);
	cr_assert_null(m->site.host_lock_dir);
}

Test(config, host_lock_dir)
{
	cr_assert_eq(
	    load("[relance]\nhost_lock_dir = /var/tmp/rl-locks\n" SITE COMP_A),
	    0, "%s", err.msg);
	cr_assert_str_eq(m->site.host_lock_dir, "/var/tmp/rl-locks");
	rl_model_free(m);
	m = NULL;
	cr_assert_eq(
	    load("[relance]\nhost_lock_dir = D:\\relance\\locks\n" SITE COMP_A),
	    0, "%s", err.msg);
	rl_model_free(m);
	m = NULL;
	refused("[relance]\nhost_lock_dir = locks\n" SITE COMP_A,
		"t.ini:2: section 'relance': key 'host_lock_dir': 'locks' is "
		"not an "
		"absolute path");
	refused(
	    "[relance]\nhost_lock_dir = /tmp/a b\n" SITE COMP_A,
	    "t.ini:2: section 'relance': key 'host_lock_dir': '/tmp/a b': only "
	    "letters, digits and ._/\\- are allowed");
	refused("[relance]\nhost_lock_dir = /tmp/$(id)\n" SITE COMP_A,
		"t.ini:2: section 'relance': key 'host_lock_dir': "
		"'/tmp/$(id)': only "
		"letters, digits and ._/\\- are allowed");
}

Test(config, heal_values)
{
	cr_assert_eq(load(SITE COMP_A "heal = never\n"), 0, "%s", err.msg);
	cr_assert_eq(rl_model_component(m, "fx/a")->heal, RL_HEAL_NEVER);
	rl_model_free(m);
	m = NULL;
	cr_assert_eq(load(SITE COMP_A "heal = hard\ncheck_mode = xml\n"
				      "xpath.up = true()\n"),
		     0, "%s", err.msg);
	cr_assert_eq(rl_model_component(m, "fx/a")->heal, RL_HEAL_HARD);
	cr_assert_eq(rl_model_component(m, "fx/a")->check_mode, RL_CHECK_XML);
}

/* The core's schedule: [application] keys, [component] keys over them. */
Test(config, schedule_keys)
{
	const struct rl_component *c;
	const struct rl_app *a;

	cr_assert_eq(load(SITE
			  "[application \"fx\"]\ncheck_interval = 5m\n"
			  "max_check_attempts = 4\n" COMP_A
			  "retry_interval = 30s\nmax_check_attempts = 2\n"),
		     0, "%s", err.msg);
	a = rl_model_app(m, "fx");
	c = rl_model_component(m, "fx/a");
	cr_assert_eq(a->sched.check_interval_ms, 300000);
	cr_assert_eq(a->sched.retry_interval_ms, 0);
	cr_assert_eq(a->sched.max_check_attempts, 4);
	cr_assert_eq(c->sched.check_interval_ms, 0);
	cr_assert_eq(c->sched.retry_interval_ms, 30000);
	cr_assert_eq(c->sched.max_check_attempts, 2);
	cr_assert_eq(c->sched.attempts_where.line, 15);
}

Test(config, bad_schedule_keys)
{
	refused(SITE COMP_A "check_interval = 500ms\n",
		"t.ini:11: component 'fx/a': key 'check_interval': duration "
		"'500ms' is too short (at least 1000ms)");
	refused(SITE "[application \"fx\"]\nretry_interval = often\n",
		"t.ini:7: application 'fx': key 'retry_interval': invalid "
		"duration 'often' (use a whole number and ms, s, m, h or d)");
	refused(SITE COMP_A "max_check_attempts = 0\n",
		"t.ini:11: component 'fx/a': key 'max_check_attempts': 0 out "
		"of range (1..100)");
	/* heal = soft:N needs an N-th SOFT attempt: said at the key */
	refused(SITE COMP_A "heal = soft:2\nmax_check_attempts = 2\n",
		"t.ini:12: key 'max_check_attempts': 2 is too few for "
		"component 'fx/a' (heal = soft:2 needs at least 3)");
	refused(SITE "[application \"fx\"]\nmax_check_attempts = 3\n" COMP_A
		     "heal = soft:3\n",
		"t.ini:7: key 'max_check_attempts': 3 is too few for "
		"component 'fx/a' (heal = soft:3 needs at least 4)");
	/* the component's own number wins over the application's */
	cr_assert_eq(load(SITE "[application \"fx\"]\nmax_check_attempts = "
			       "3\n" COMP_A "heal = soft:3\n"
			       "max_check_attempts = 4\n"),
		     0, "%s", err.msg);
}

Test(config, local_hosts_need_no_known_hosts)
{
	cr_assert_eq(load("[host \"lo\"]\ntransport = local\n"
			  "[component \"x/y\"]\nhost = lo\ncheck = a\n"
			  "start = b\nstop = c\n"),
		     0, "%s", err.msg);
}

/* a local host's user must be an account here; an ssh host's need not */
Test(config, local_host_user_is_an_account_here)
{
	cr_assert_eq(load("[host \"lo\"]\ntransport = local\nuser = root\n"
			  "[host \"far\"]\nuser = no-such-user-rl\n"
			  "[ssh]\nknown_hosts = /k\n"),
		     0, "%s", err.msg);
	cr_assert_str_eq(m->hosts[0]->user, "root");
	cr_assert_eq(m->hosts[0]->user_line, 3);
	rl_model_free(m);
	m = NULL;
	/* the key may come before the transport: the check is at the end */
	refused("[host \"lo\"]\n"
		"user = no-such-user-rl\n"
		"transport = local\n",
		"t.ini:2: host 'lo': key 'user': no user 'no-such-user-rl' on "
		"this machine (a local host's commands run as it)");
}

/* a component's own user: on a local host only, an account here */
Test(config, component_user)
{
	cr_assert_eq(load(SITE "[component \"fx/a\"]\nhost = lo\n"
			       "check = a\nstart = b\nstop = c\n"
			       "user = root\n"),
		     0, "%s", err.msg);
	cr_assert_str_eq(m->components[0]->user, "root");
	rl_model_free(m);
	m = NULL;
	refused(SITE "[component \"fx/a\"]\nhost = lo\ncheck = a\n"
		     "user = no-such-user-rl\nstart = b\nstop = c\n",
		"t.ini:9: component 'fx/a': key 'user': no user "
		"'no-such-user-rl' on this machine (a local component's "
		"commands run as it)");
	refused(SITE COMP_A "user = root\n",
		"t.ini:11: component 'fx/a': key 'user': only for a component "
		"on a local host (host 'h1' is ssh: its user is the login)");
}

Test(config, crlf_and_bom)
{
	cr_assert_eq(load("\xEF\xBB\xBF[host \"lo\"]\r\ntransport = local\r\n"
			  "[component \"x/y\"]\r\nhost = lo\r\ncheck = a b\r\n"
			  "start = b\r\nstop = c\r\n"),
		     0, "%s", err.msg);
	cr_assert_str_eq(rl_model_component(m, "x/y")->check, "a b");
}

Test(config, semicolon_without_space_is_kept)
{
	cr_assert_eq(load(SITE COMP_A "restart = kill $(cat pid);rm pid\n"), 0,
		     "%s", err.msg);
	cr_assert_str_eq(rl_model_component(m, "fx/a")->restart,
			 "kill $(cat pid);rm pid");
}

/* --- continuation lines ------------------------------------------------------
 */

Test(config, continuation_in_a_command)
{
	cr_assert_eq(load(SITE "[component \"fx/a\"]\n"
			       "host = h1\n"
			       "check = /usr/lib/nagios/plugins/check_http\n"
			       "    -H localhost\n"
			       "\n"
			       "# a comment between the lines\n"
			       "\t-u /health\n"
			       "start = true\n"
			       "stop = true\n"),
		     0, "%s", err.msg);
	cr_assert_str_eq(
	    rl_model_component(m, "fx/a")->check,
	    "/usr/lib/nagios/plugins/check_http -H localhost -u /health");
}

Test(config, continuation_in_requires)
{
	cr_assert_eq(load(SITE "[component \"fx/b\"]\nhost = h1\ncheck = "
			       "true\nstart = true\nstop = true\n"
			       "[component \"fx/c\"]\nhost = h1\ncheck = "
			       "true\nstart = true\nstop = true\n"
			       "[component \"fx/d\"]\nhost = h1\ncheck = "
			       "true\nstart = true\nstop = true\n" COMP_A
			       "requires = b\n"
			       "  c\n"
			       "  fx/d\n"),
		     0, "%s", err.msg);
	struct rl_component *c = rl_model_component(m, "fx/a");

	cr_assert_eq(c->n_requires, 3);
	cr_assert_str_eq(c->requires[0] -> name, "fx/b");
	cr_assert_str_eq(c->requires[1] -> name, "fx/c");
	cr_assert_str_eq(c->requires[2] -> name, "fx/d");
	cr_assert_eq(c->level, 1);
}

Test(config, line_numbers_after_continuations)
{
	/* lines 8-10 continue 'check'; the unknown key is on line 12 */
	refused(SITE "[component \"fx/a\"]\n"
		     "check = a\n"
		     "  b\n"
		     "  c\n"
		     "  d\n"
		     "host = h1\n"
		     "retrys = 3\n",
		"t.ini:12: component 'fx/a': unknown key 'retrys'");
}

Test(config, bad_value_continued_points_at_its_key)
{
	refused(
	    SITE COMP_A "check_timeout = 5\n  s\n",
	    "t.ini:11: component 'fx/a': key 'check_timeout': "
	    "invalid duration '5 s' (use a whole number and ms, s, m, h or d)");
}

/* --- syntax ------------------------------------------------------------- */

Test(config, missing_bracket)
{
	refused("[relance\njournal = x\n",
		"t.ini:1: missing ']' in section header");
}

Test(config, line_without_equals)
{
	refused("[relance]\njournal /x\n",
		"t.ini:2: expected 'key = value' or a [section]");
}

Test(config, colon_is_not_a_separator)
{
	refused("[relance]\njournal: /x\n",
		"t.ini:2: expected 'key = value' (':' is not a separator)");
}

Test(config, empty_value)
{
	refused("[relance]\njournal =\n",
		"t.ini:2: section 'relance': key 'journal': empty value");
}

Test(config, missing_key_name)
{
	refused("[relance]\n = x\n", "t.ini:2: missing key name before '='");
}

Test(config, key_outside_any_section)
{
	refused("journal = /x\n",
		"t.ini:1: key 'journal' outside any section (only include may "
		"come before the first section)");
}

Test(config, text_after_section)
{
	refused("[relance] ; site\n", "t.ini:1: unexpected text after ']' "
				      "(comments go on their own line)");
}

/* --- sections ----------------------------------------------------------- */

Test(config, unknown_section)
{
	refused(SITE "[hosts \"x\"]\n",
		"t.ini:6: unknown section 'hosts' (use relance, ssh, "
		"icinga_api, host, application or component)");
}

Test(config, component_without_name)
{
	refused("[component]\n", "t.ini:1: section 'component' needs a name: "
				 "[component \"APP/NAME\"]");
	refused("[host]\n",
		"t.ini:1: section 'host' needs a name: [host \"NAME\"]");
}

Test(config, component_without_app)
{
	refused("[component \"a\"]\n",
		"t.ini:1: component 'a': name must be APP/NAME");
	refused("[component \"a/b/c\"]\n",
		"t.ini:1: component 'a/b/c': name must be APP/NAME");
}

Test(config, bad_section_forms)
{
	refused("[ssh \"x\"]\n", "t.ini:1: section 'ssh' takes no name");
	refused("[host x]\n", "t.ini:1: bad section header '[host x]' "
			      "(expected [host \"NAME\"])");
	refused("[host \"x]\n", "t.ini:1: bad section header '[host \"x]' "
				"(expected [host \"NAME\"])");
	refused("[host \"a b\"]\n", "t.ini:1: host 'a b': invalid name (use "
				    "letters, digits, '.', '_' and '-')");
}

Test(config, section_name_length)
{
	/* 49 characters between the brackets: accepted */
	char ok[256], bad[256];

	snprintf(ok, sizeof(ok), SITE COMP_A "[host \"%s\"]\n",
		 "h23456789012345678901234567890123456789012");
	cr_assert_eq(strlen(strrchr(ok, '[')), 49 + 3);
	cr_assert_eq(load(ok), 0, "%s", err.msg);
	rl_model_free(m);
	m = NULL;
	snprintf(bad, sizeof(bad), SITE COMP_A "[host \"%s\"]\n",
		 "h234567890123456789012345678901234567890123");
	refused(bad, "t.ini:11: section name too long (max 49 characters)");
}

Test(config, duplicate_component)
{
	refused(
	    SITE COMP_A COMP_A,
	    "t.ini:11: duplicate component 'fx/a' (first defined at t.ini:6)");
}

Test(config, duplicate_host)
{
	refused(SITE "[host \"h1\"]\n",
		"t.ini:6: duplicate host 'h1' (first defined at t.ini:3)");
}

Test(config, application_section_after_its_component)
{
	cr_assert_eq(
	    load(SITE COMP_A "[application \"fx\"]\ndescription = FX\n"), 0,
	    "%s", err.msg);
	cr_assert_str_eq(rl_model_app(m, "fx")->description, "FX");
}

/* --- keys --------------------------------------------------------------- */

Test(config, unknown_key)
{
	refused(SITE COMP_A "retrys = 3\n",
		"t.ini:11: component 'fx/a': unknown key 'retrys'");
}

Test(config, password_is_an_unknown_key)
{
	refused("[ssh]\npassword = secret\n",
		"t.ini:2: section 'ssh': unknown key 'password'");
	refused("[host \"h\"]\npassword = secret\n",
		"t.ini:2: host 'h': unknown key 'password'");
}

Test(config, duplicate_key)
{
	refused(SITE COMP_A "stop = false\n",
		"t.ini:11: component 'fx/a': duplicate key 'stop' (first set "
		"at t.ini:10)");
}

Test(config, duplicate_key_in_a_second_ssh_section)
{
	refused(SITE "[ssh]\nknown_hosts = /k\n",
		"t.ini:7: section 'ssh': duplicate key 'known_hosts' (first "
		"set at t.ini:2)");
}

Test(config, key_name_length)
{
	char text[256];
	const char *k49 = "k234567890123456789012345678901234567890123456789";

	cr_assert_eq(strlen(k49), 49);
	snprintf(text, sizeof(text), SITE COMP_A "%s = 1\n", k49);
	refused(text, fmt("t.ini:11: component 'fx/a': unknown key '%s'", k49));
	snprintf(text, sizeof(text), SITE COMP_A "%sx = 1\n", k49);
	refused(text, "t.ini:11: component 'fx/a': key name too long (max 49 "
		      "characters)");
}

Test(config, bad_duration)
{
	refused(
	    SITE COMP_A "start_timeout = 5x\n",
	    "t.ini:11: component 'fx/a': key 'start_timeout': "
	    "invalid duration '5x' (use a whole number and ms, s, m, h or d)");
	refused("[ssh]\ntimeout = 0s\n",
		"t.ini:2: section 'ssh': key 'timeout': duration '0s' is too "
		"short (at least 1ms)");
	refused("[relance]\ncheck_interval = 30\n",
		"t.ini:2: section 'relance': key 'check_interval': duration "
		"'30' has no unit (use ms, s, m, h or d)");
}

Test(config, bad_heal)
{
	refused(
	    SITE COMP_A "heal = sometimes\n",
	    "t.ini:11: component 'fx/a': key 'heal': invalid value 'sometimes' "
	    "(use hard, soft:N with N from 1 to 100, or never)");
	refused(
	    SITE COMP_A "heal = soft:0\n",
	    "t.ini:11: component 'fx/a': key 'heal': invalid value 'soft:0' "
	    "(use hard, soft:N with N from 1 to 100, or never)");
}

Test(config, bad_restart_limit)
{
	const char *use =
	    "(use COUNT/DURATION with COUNT from 1 to 1000, e.g. 3/1h)";

	refused(SITE COMP_A "restart_limit = 3\n",
		fmt("t.ini:11: component 'fx/a': key 'restart_limit': invalid "
		    "value '3' %s",
		    use));
	refused(SITE COMP_A "restart_limit = 0/1h\n",
		fmt("t.ini:11: component 'fx/a': key 'restart_limit': invalid "
		    "value '0/1h' %s",
		    use));
	refused(SITE COMP_A "restart_limit = 3/0s\n",
		fmt("t.ini:11: component 'fx/a': key 'restart_limit': invalid "
		    "value '3/0s' %s",
		    use));
	refused(SITE COMP_A "restart_limit = 3/1y\n",
		"t.ini:11: component 'fx/a': key 'restart_limit': invalid "
		"duration '1y' (use a whole number and ms, s, m, h or d)");
}

Test(config, bad_port)
{
	refused("[host \"h\"]\nport = 70000\n",
		"t.ini:2: host 'h': key 'port': 70000 out of range (1..65535)");
	refused("[host \"h\"]\nport = 22a\n",
		"t.ini:2: host 'h': key 'port': invalid number '22a'");
	refused("[host \"h\"]\nport = 0\n",
		"t.ini:2: host 'h': key 'port': 0 out of range (1..65535)");
}

Test(config, bad_enums)
{
	refused("[host \"h\"]\ntransport = telnet\n",
		"t.ini:2: host 'h': key 'transport': invalid value 'telnet' "
		"(use ssh or local)");
	refused("[host \"h\"]\nshell = bash\n",
		"t.ini:2: host 'h': key 'shell': invalid value 'bash' (use "
		"posix, powershell or cmd)");
	refused(SITE COMP_A "check_mode = nagios\n",
		"t.ini:11: component 'fx/a': key 'check_mode': invalid value "
		"'nagios' (use exit, plugin or xml)");
}

Test(config, missing_required_keys)
{
	refused(SITE "[component \"fx/a\"]\nhost = h1\ncheck = x\nstop = y\n",
		"t.ini:6: component 'fx/a': missing key 'start'");
	refused(SITE "[component \"fx/a\"]\ncheck = x\nstart = x\nstop = y\n",
		"t.ini:6: component 'fx/a': missing key 'host'");
	refused("[host \"h\"]\naddress = 1.2.3.4\n",
		"t.ini:1: host 'h': transport ssh needs known_hosts in [ssh]");
}

/* --- what inih would cut ------------------------------------------------ */

Test(config, long_line)
{
	char text[1024], cmd[256];

	/* "check = " and 191 characters: 199, accepted */
	memset(cmd, 'x', 191);
	cmd[191] = '\0';
	snprintf(
	    text, sizeof(text),
	    SITE
	    "[component \"fx/a\"]\nhost = h1\nstart = a\n  b\n  c\nstop = b\n"
	    "check = %s\n",
	    cmd);
	cr_assert_eq(strlen("check = ") + strlen(cmd), 199);
	cr_assert_eq(load(text), 0, "%s", err.msg);
	cr_assert_str_eq(rl_model_component(m, "fx/a")->check, cmd);
	rl_model_free(m);
	m = NULL;

	/* 200 characters on line 12, after two continuation lines */
	cmd[191] = 'y';
	cmd[192] = '\0';
	snprintf(
	    text, sizeof(text),
	    SITE
	    "[component \"fx/a\"]\nhost = h1\nstart = a\n  b\n  c\nstop = b\n"
	    "check = %s\n",
	    cmd);
	refused(text, "t.ini:12: line too long (max 199 characters); continue "
		      "the value on an indented next line");
}

Test(config, space_semicolon_in_a_command)
{
	refused(SITE COMP_A "restart = kill $(cat pid) ; rm pid\n",
		"t.ini:11: component 'fx/a': key 'restart': ' ;' would start a "
		"comment and cut the command; put comments on their own line");
}

Test(config, tab_semicolon_in_a_command)
{
	refused(
	    SITE COMP_A "restart = kill $(cat pid)\t;rm pid\n",
	    "t.ini:11: component 'fx/a': key 'restart': '\\t;' would start a "
	    "comment and cut the command; put comments on their own line");
}

Test(config, indented_comment_in_a_value)
{
	/* inih would drop "; rm pid" as a comment */
	refused(SITE COMP_A "restart = kill $(cat pid)\n  ; rm pid\n",
		"t.ini:12: component 'fx/a': key 'restart': an indented line "
		"starting with ';' is a comment, not a continuation; start "
		"comments at the beginning of the line");
	refused(SITE COMP_A "restart = kill $(cat pid)\n\n\t# rm pid\n",
		"t.ini:13: component 'fx/a': key 'restart': an indented line "
		"starting with '#' is a comment, not a continuation; start "
		"comments at the beginning of the line");
}

Test(config, space_semicolon_after_a_continuation)
{
	refused(SITE COMP_A "restart = kill\n  $(cat pid) ;rm pid\n",
		"t.ini:12: component 'fx/a': key 'restart': ' ;' would start a "
		"comment and cut the command; put comments on their own line");
}

Test(config, space_semicolon_in_a_value)
{
	refused(
	    SITE COMP_A "description = a ; b\n",
	    "t.ini:11: component 'fx/a': key 'description': ' ;' would start "
	    "a comment and cut the value; put comments on their own line");
}

Test(config, nul_byte)
{
	static const char text[] = "[relance]\njournal = /a\0b\n";
	char path[PATH_MAX];
	FILE *f;

	make_dir();
	snprintf(path, sizeof(path), "%s/nul.ini", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(text, 1, sizeof(text) - 1, f), sizeof(text) - 1);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(load_file(path, RL_CONFIG_NO_PERMS), -1);
	cr_assert_str_eq(err.msg, fmt("%s:2: nul byte in line", path));
}

/* --- from the model ----------------------------------------------------- */

Test(config, requires_unknown_component)
{
	refused(
	    SITE COMP_A "requires = fx/zz\n",
	    "t.ini:11: component 'fx/a': requires unknown component 'fx/zz'");
}

Test(config, unknown_host)
{
	refused(
	    SITE
	    "[component \"fx/a\"]\nhost = h9\ncheck = a\nstart = a\nstop = a\n",
	    "t.ini:6: component 'fx/a': unknown host 'h9'");
}

Test(config, requirement_cycle)
{
	refused(SITE COMP_A
		"requires = b\n"
		"[component \"fx/b\"]\nhost = h1\ncheck = true\nstart = true\n"
		"stop = true\nrequires = a\n",
		"t.ini:17: requirement cycle: fx/a -> fx/b -> fx/a");
}

Test(config, requires_twice)
{
	refused(SITE COMP_A "requires = b\n  fx/b\n",
		"t.ini:11: component 'fx/a': requires 'fx/b' twice");
}

/* --- files, includes and permissions ------------------------------------- */

Test(config, load_a_file)
{
	const char *p;

	make_dir();
	p = write_file("relance.ini", 0600, SITE COMP_A);
	cr_assert_eq(load_file(p, 0), 0, "%s", err.msg);
	cr_assert_str_eq(rl_model_component(m, "fx/a")->where.file, p);
}

Test(config, missing_file)
{
	make_dir();
	cr_assert_eq(load_file(fmt("%s/none.ini", dir), 0), -1);
	cr_assert_str_eq(err.msg,
			 fmt("cannot open '%s/none.ini': no such file", dir));
}

Test(config, include_glob)
{
	const char *top;

	make_dir();
	cr_assert_eq(mkdir(fmt("%s/conf.d", dir), 0700), 0);
	cr_assert_eq(mkdir(fmt("%s/empty.d", dir), 0700), 0);
	write_file("conf.d/20-b.ini", 0600,
		   "[component \"fx/b\"]\nhost = h1\ncheck = true\n"
		   "start = true\nstop = true\nrequires = a\n");
	write_file("conf.d/10-a.ini", 0644, COMP_A);
	write_file("conf.d/notes.txt", 0644, "not ini\n");
	write_file("site.ini", 0600, SITE);
	top = write_file("relance.ini", 0600,
			 "include = site.ini\n"
			 "[relance]\n"
			 "include = conf.d/*.ini\n"
			 "  empty.d/*.ini\n"
			 "  nodir/*.ini\n"
			 "parallel = 3\n");
	/* relative to the including file, not to the current directory */
	cr_assert_eq(chdir("/"), 0);
	cr_assert_eq(load_file(top, 0), 0, "%s", err.msg);
	cr_assert_eq(m->site.parallel, 3);
	cr_assert_eq(m->n_components, 2);
	/* sorted: 10-a before 20-b */
	cr_assert_str_eq(m->components[0]->name, "fx/a");
	cr_assert_str_eq(m->components[0]->where.file,
			 fmt("%s/conf.d/10-a.ini", dir));
	cr_assert_eq(m->components[1]->where.line, 1);
	cr_assert_eq(rl_model_component(m, "fx/b")->requires[0],
		     rl_model_component(m, "fx/a"));
	cr_assert_eq(m->n_files, 4);
}

Test(config, include_from_a_string_is_relative_to_cwd)
{
	make_dir();
	write_file("site.ini", 0600, SITE COMP_A);
	cr_assert_eq(chdir(dir), 0);
	cr_assert_eq(load("include = site.ini\n"), 0, "%s", err.msg);
	cr_assert_not_null(rl_model_component(m, "fx/a"));
}

Test(config, missing_include)
{
	const char *top;

	make_dir();
	top = write_file("relance.ini", 0600,
			 "[relance]\njournal = /j\ninclude = nothere.ini\n");
	cr_assert_eq(load_file(top, 0), -1);
	cr_assert_str_eq(err.msg,
			 fmt("%s:3: section 'relance': key 'include': "
			     "cannot open '%s/nothere.ini': no such file",
			     top, dir));
}

Test(config, include_only_in_relance)
{
	refused(SITE "include = x.ini\n",
		"t.ini:6: host 'lo': unknown key 'include'");
}

Test(config, include_cycle)
{
	const char *a;

	make_dir();
	a = write_file("a.ini", 0600, "include = b.ini\n");
	write_file("b.ini", 0600, "# b\ninclude = a.ini\n");
	cr_assert_eq(load_file(a, 0), -1);
	cr_assert_str_eq(err.msg, fmt("%s/b.ini:2: key 'include': include "
				      "cycle: %s -> %s/b.ini -> %s/a.ini",
				      dir, a, dir, dir));
}

Test(config, include_self)
{
	const char *a;

	make_dir();
	a = write_file("a.ini", 0600, "[relance]\ninclude = *.ini\n");
	cr_assert_eq(load_file(a, 0), -1);
	cr_assert_str_eq(err.msg, fmt("%s:2: section 'relance': key 'include': "
				      "include cycle: %s -> %s",
				      a, a, a));
}

Test(config, error_inside_an_included_file)
{
	const char *a;

	make_dir();
	a = write_file("a.ini", 0600, "include = b.ini\n" SITE);
	write_file("b.ini", 0600, "\n\n[ssh]\nretries = 3\n");
	cr_assert_eq(load_file(a, 0), -1);
	cr_assert_str_eq(
	    err.msg,
	    fmt("%s/b.ini:4: section 'ssh': unknown key 'retries'", dir));
}

Test(config, duplicate_component_across_files)
{
	const char *a;

	make_dir();
	a = write_file("a.ini", 0600,
		       SITE COMP_A "[relance]\ninclude = b.ini\n");
	write_file("b.ini", 0600, "\n\n" COMP_A);
	cr_assert_eq(load_file(a, 0), -1);
	cr_assert_str_eq(err.msg, fmt("%s/b.ini:3: duplicate component 'fx/a' "
				      "(first defined at %s:6)",
				      dir, a));
}

Test(config, group_writable_file)
{
	const char *p;

	make_dir();
	p = write_file("relance.ini", 0664, SITE COMP_A);
	cr_assert_eq(load_file(p, 0), -1);
	cr_assert_null(m);
	cr_assert_str_eq(err.msg, fmt("%s: refused: writable by group or "
				      "others (mode 0664); chmod go-w %s",
				      p, p));
	/* the caller may say it does not care */
	cr_assert_eq(load_file(p, RL_CONFIG_NO_PERMS), 0, "%s", err.msg);
}

Test(config, world_writable_file)
{
	const char *p;

	make_dir();
	p = write_file("relance.ini", 0602, SITE COMP_A);
	cr_assert_eq(load_file(p, 0), -1);
	cr_assert_str_eq(err.msg, fmt("%s: refused: writable by group or "
				      "others (mode 0602); chmod go-w %s",
				      p, p));
}

Test(config, group_writable_included_file)
{
	const char *a, *b;

	make_dir();
	a = write_file("a.ini", 0600, "include = b.ini\n");
	b = write_file("b.ini", 0620, SITE COMP_A);
	cr_assert_eq(load_file(a, 0), -1);
	cr_assert_str_eq(err.msg, fmt("%s: refused: writable by group or "
				      "others (mode 0620); chmod go-w %s",
				      b, b));
}

Test(config, file_of_another_user)
{
	const char *p;

	make_dir();
	p = write_file("relance.ini", 0644, SITE COMP_A);
	if (geteuid() != 0)
		cr_skip_test("chown needs root");
	cr_assert_eq(chown(p, 12345, 12345), 0, "%s", strerror(errno));
	cr_assert_eq(load_file(p, 0), -1);
	cr_assert_str_eq(
	    err.msg,
	    fmt("%s: refused: owned by uid 12345, neither root nor the "
		"caller (uid 0); chown root %s",
		p, p));
	cr_assert_eq(load_file(p, RL_CONFIG_NO_PERMS), 0, "%s", err.msg);
}

Test(config, a_directory_is_not_a_config)
{
	make_dir();
	cr_assert_eq(load_file(dir, 0), -1);
	cr_assert_str_eq(err.msg,
			 fmt("cannot read '%s': not a regular file", dir));
}

/* --- directories and what an include may match (issue 12) --------------- */

Test(config, directory_others_may_write)
{
	const char *p;

	make_dir();
	p = write_file("relance.ini", 0600, SITE COMP_A);
	cr_assert_eq(chmod(dir, 0777), 0);
	cr_assert_eq(load_file(p, 0), -1);
	cr_assert_null(m);
	cr_assert_str_eq(err.msg,
			 fmt("cannot read '%s': refused: %s: writable by "
			     "group or others (mode 0777) and not sticky",
			     p, dir));
	/* sticky, as /tmp: accepted */
	cr_assert_eq(chmod(dir, 01777), 0);
	cr_assert_eq(load_file(p, 0), 0, "%s", err.msg);
}

Test(config, include_directory_others_may_write)
{
	const char *top;

	make_dir();
	cr_assert_eq(mkdir(fmt("%s/conf.d", dir), 0700), 0);
	write_file("conf.d/a.ini", 0600, SITE COMP_A);
	top = write_file("relance.ini", 0600,
			 "[relance]\nparallel = 2\ninclude = conf.d/*.ini\n");
	cr_assert_eq(chmod(fmt("%s/conf.d", dir), 0770), 0);
	cr_assert_eq(load_file(top, 0), -1);
	cr_assert_str_eq(err.msg,
			 fmt("%s:3: section 'relance': key 'include': cannot "
			     "read '%s/conf.d/a.ini': refused: %s/conf.d: "
			     "writable by group or others (mode 0770) and not "
			     "sticky",
			     top, dir, dir));
	cr_assert_eq(chmod(fmt("%s/conf.d", dir), 0755), 0);
	cr_assert_eq(load_file(top, 0), 0, "%s", err.msg);
}

Test(config, directory_of_another_user)
{
	const char *top;

	make_dir();
	if (geteuid() != 0)
		cr_skip_test("chown needs root");
	cr_assert_eq(mkdir(fmt("%s/conf.d", dir), 0755), 0);
	write_file("conf.d/a.ini", 0600, SITE COMP_A);
	top = write_file("relance.ini", 0600, "include = conf.d/a.ini\n");
	cr_assert_eq(chown(fmt("%s/conf.d", dir), 12345, 12345), 0);
	cr_assert_eq(load_file(top, 0), -1);
	cr_assert_str_eq(err.msg,
			 fmt("%s:1: key 'include': cannot read "
			     "'%s/conf.d/a.ini': refused: %s/conf.d: owned by "
			     "uid 12345, neither root nor us (uid 0)",
			     top, dir, dir));
}

/* a FIFO, a socket or a device in a glob is refused from its stat,
 * never opened: the suite's timeout catches a FIFO's blocking open */
Test(config, include_glob_matches_a_fifo, .timeout = 20)
{
	const char *top;

	make_dir();
	cr_assert_eq(mkdir(fmt("%s/conf.d", dir), 0700), 0);
	write_file("conf.d/a.ini", 0600, SITE COMP_A);
	cr_assert_eq(mkfifo(fmt("%s/conf.d/b.ini", dir), 0600), 0);
	top = write_file("relance.ini", 0600,
			 "[relance]\ninclude = conf.d/*.ini\n");
	cr_assert_eq(load_file(top, 0), -1);
	cr_assert_str_eq(err.msg,
			 fmt("%s:2: section 'relance': key 'include': cannot "
			     "read '%s/conf.d/b.ini': not a regular file (a "
			     "FIFO)",
			     top, dir));
	/* the same without the permission checks */
	cr_assert_eq(load_file(top, RL_CONFIG_NO_PERMS), -1);
	/* and the FIFO given as the config itself */
	cr_assert_eq(load_file(fmt("%s/conf.d/b.ini", dir), 0), -1);
	cr_assert_str_eq(err.msg, fmt("cannot read '%s/conf.d/b.ini': not a "
				      "regular file (a FIFO)",
				      dir));
}

Test(config, include_glob_matches_a_device)
{
	const char *top;

	make_dir();
	if (geteuid() != 0)
		cr_skip_test("mknod needs root");
	cr_assert_eq(mkdir(fmt("%s/conf.d", dir), 0700), 0);
	cr_assert_eq(
	    mknod(fmt("%s/conf.d/z.ini", dir), S_IFCHR | 0600, makedev(1, 3)),
	    0, "%s", strerror(errno));
	top = write_file("relance.ini", 0600, "include = conf.d/*.ini\n");
	cr_assert_eq(load_file(top, 0), -1);
	cr_assert_str_eq(err.msg, fmt("%s:1: key 'include': cannot read "
				      "'%s/conf.d/z.ini': not a regular "
				      "file (a device)",
				      top, dir));
}

/* links are followed; the directories of the link and of its target are
 * both judged */
Test(config, links_followed_and_both_directories_judged)
{
	const char *real;
	char link_path[PATH_MAX];

	make_dir();
	cr_assert_eq(mkdir(fmt("%s/open", dir), 0700), 0);
	real = write_file("real.ini", 0600, SITE COMP_A);
	snprintf(link_path, sizeof(link_path), "%s/relance.ini", dir);
	cr_assert_eq(symlink(real, link_path), 0);
	cr_assert_eq(load_file(link_path, 0), 0, "%s", err.msg);
	rl_model_free(m);
	m = NULL;
	/* the link in a directory others may write */
	snprintf(link_path, sizeof(link_path), "%s/open/relance.ini", dir);
	cr_assert_eq(symlink(real, link_path), 0);
	cr_assert_eq(chmod(fmt("%s/open", dir), 0777), 0);
	cr_assert_eq(load_file(link_path, 0), -1);
	cr_assert_str_eq(err.msg,
			 fmt("cannot read '%s': refused: %s/open: writable by "
			     "group or others (mode 0777) and not sticky",
			     link_path, dir));
	/* a safe link to a file in a directory others may write */
	cr_assert_eq(rename(real, fmt("%s/open/real.ini", dir)), 0);
	cr_assert_eq(unlink(link_path), 0);
	snprintf(link_path, sizeof(link_path), "%s/relance.ini", dir);
	cr_assert_eq(unlink(link_path), 0);
	cr_assert_eq(symlink(fmt("%s/open/real.ini", dir), link_path), 0);
	cr_assert_eq(load_file(link_path, 0), -1);
	cr_assert_str_eq(err.msg,
			 fmt("cannot read '%s': refused: %s/open: writable by "
			     "group or others (mode 0777) and not sticky",
			     link_path, dir));
}

/* --- the default path ---------------------------------------------------- */

Test(config, default_path)
{
	cr_assert_eq(unsetenv("RELANCE_CONFIG"), 0);
	cr_assert_str_eq(rl_config_default_path("/x.ini"), "/x.ini");
	cr_assert_str_eq(rl_config_default_path(NULL),
			 SYSCONFDIR "/relance/relance.ini");
	cr_assert_eq(setenv("RELANCE_CONFIG", "/env.ini", 1), 0);
	cr_assert_str_eq(rl_config_default_path(NULL), "/env.ini");
	cr_assert_str_eq(rl_config_default_path("/x.ini"), "/x.ini");
	cr_assert_eq(setenv("RELANCE_CONFIG", "", 1), 0);
	cr_assert_str_eq(rl_config_default_path(NULL),
			 SYSCONFDIR "/relance/relance.ini");
}

/* --- the shipped example ---------------------------------------------------
 */

Test(config, the_example_is_valid)
{
	const char *top = getenv("top_srcdir");
	char path[PATH_MAX];
	struct rl_component *c;

	if (top == NULL)
		cr_skip_test("top_srcdir is not set (run through make check)");
	snprintf(path, sizeof(path), "%s/conf/relance.ini.example", top);
	cr_assert_eq(load_file(path, RL_CONFIG_NO_PERMS), 0, "%s", err.msg);
	cr_assert_eq(m->n_hosts, 2);
	cr_assert_eq(m->n_components, 3);
	c = rl_model_component(m, "fx/pricer");
	cr_assert_not_null(c);
	cr_assert_str_eq(
	    c->check, "/usr/lib/nagios/plugins/check_procs -C pricer -c 1:1");
	cr_assert_eq(c->requires[0], rl_model_component(m, "fx/marketdata"));
	cr_assert_str_eq(m->site.node, "monitor-1");
	cr_assert_eq(rl_model_app(m, "fx")->sched.check_interval_ms, 300000);
	cr_assert_eq(rl_model_app(m, "fx")->sched.max_check_attempts, 3);
	c = rl_model_component(m, "fx/gateway");
	cr_assert_not_null(c);
	cr_assert_eq(c->check_mode, RL_CHECK_XML);
	cr_assert_eq(c->n_xml_checks, 4);
	cr_assert_str_eq(c->xml_checks[1].uom, "MB");
	cr_assert_str_eq(c->xml_checks[3].expect, "RUNNING");
}

/* --- check_mode xml: xpath.NAME keys ----------------------------------- */

/* A component in check_mode xml; its section is line 6, keys from 12. */
#define COMP_XML COMP_A "check_mode = xml\n"

Test(config, xpath_keys)
{
	const struct rl_component *c;
	const struct rl_xml_check *x;

	cr_assert_eq(load(SITE COMP_XML
			  "xpath.busy.warning = 150\n"
			  "xpath.busy = sum(/status/connector/threadInfo/"
			  "@currentThreadsBusy)\n"
			  "xpath.busy.critical = @190:200\n"
			  "xpath.busy.label = busy threads\n"
			  "xpath.busy.uom = c\n"
			  "xpath.state = string(/status/@state)\n"
			  "xpath.state.expect = RUNNING\n"
			  "xpath.up = count(/status/connector\n"
			  "   [@name = 'http']) = 1\n"),
		     0, "%s", err.msg);
	c = rl_model_component(m, "fx/a");
	cr_assert_eq(c->check_mode, RL_CHECK_XML);
	cr_assert_eq(c->n_xml_checks, 3);
	x = &c->xml_checks[0];
	cr_assert_str_eq(x->name, "busy");
	cr_assert_str_eq(
	    x->expr, "sum(/status/connector/threadInfo/@currentThreadsBusy)");
	cr_assert_str_eq(x->warning, "150");
	cr_assert_str_eq(x->critical, "@190:200");
	cr_assert_str_eq(x->label, "busy threads");
	cr_assert_str_eq(x->uom, "c");
	cr_assert_null(x->expect);
	cr_assert_eq(x->lines[RL_XML_KEY_WARNING], 12);
	cr_assert_eq(x->lines[RL_XML_KEY_EXPR], 13);
	cr_assert_eq(x->lines[RL_XML_KEY_EXPECT], 0);
	x = &c->xml_checks[1];
	cr_assert_str_eq(x->name, "state");
	cr_assert_str_eq(x->expect, "RUNNING");
	cr_assert_null(x->warning);
	x = &c->xml_checks[2];
	cr_assert_str_eq(x->expr,
			 "count(/status/connector [@name = 'http']) = 1");
	cr_assert_eq(x->lines[RL_XML_KEY_EXPR], 19);
}

Test(config, xpath_that_does_not_compile_is_refused_at_its_line)
{
	refused(SITE COMP_XML "xpath.threads = count(/status/connector\n",
		"t.ini:12: component 'fx/a': key 'xpath.threads': invalid "
		"XPath expression 'count(/status/connector': invalid "
		"expression at column 24");
	refused(SITE COMP_XML "xpath.x = nosuch(1)\n",
		"t.ini:12: component 'fx/a': key 'xpath.x': invalid XPath "
		"expression 'nosuch(1)': unknown function at column 1");
}

Test(config, xpath_bad_values)
{
	refused(SITE COMP_XML "xpath.x = 1\nxpath.x.warning = 10:5\n",
		"t.ini:13: component 'fx/a': key 'xpath.x.warning': invalid "
		"range '10:5' (start greater than end)");
	refused(SITE COMP_XML "xpath.x = 1\nxpath.x.critical = abc\n",
		"t.ini:13: component 'fx/a': key 'xpath.x.critical': invalid "
		"range 'abc' (not a number)");
	refused(SITE COMP_XML "xpath.x = 1\nxpath.x.uom = m/s\n",
		"t.ini:13: component 'fx/a': key 'xpath.x.uom': invalid unit "
		"'m/s' (up to 8 letters or '%': s, ms, %, B, KB, MB, c...)");
	refused(SITE COMP_XML "xpath.x = 1\nxpath.x.label = a|b\n",
		"t.ini:13: component 'fx/a': key 'xpath.x.label': invalid "
		"label 'a|b' (no '|', '=' or control characters)");
	refused(SITE COMP_XML "xpath.x = 1\nxpath.x.colour = red\n",
		"t.ini:13: component 'fx/a': key 'xpath.x.colour': unknown "
		"key (use xpath.NAME, or xpath.NAME. followed by warning, "
		"critical, label, uom or expect)");
	refused(SITE COMP_XML "xpath.a.b.c = 1\n",
		"t.ini:12: component 'fx/a': key 'xpath.a.b.c': unknown key "
		"(use xpath.NAME, or xpath.NAME. followed by warning, "
		"critical, label, uom or expect)");
	refused(SITE COMP_XML "xpath.x! = 1\n",
		"t.ini:12: component 'fx/a': key 'xpath.x!': invalid "
		"expression name (use xpath.NAME with letters, digits, '_' "
		"and '-')");
	refused(SITE COMP_XML "xpath. = 1\n",
		"t.ini:12: component 'fx/a': key 'xpath.': invalid "
		"expression name (use xpath.NAME with letters, digits, '_' "
		"and '-')");
	refused(SITE COMP_XML "xpath.x =\n",
		"t.ini:12: component 'fx/a': key 'xpath.x': empty value");
	refused(SITE COMP_XML "xpath.x = count(//a) ; comment\n",
		"t.ini:12: component 'fx/a': key 'xpath.x': ' ;' would start "
		"a comment and cut the value; put comments on their own line");
	/* xpath keys belong to components only */
	refused(SITE "[application \"fx\"]\nxpath.x = 1\n",
		"t.ini:7: application 'fx': unknown key 'xpath.x'");
}

/*
 * A load compiles each distinct expression once (a cache in lib/config):
 * components that repeat one still get their own copy and lines, 200
 * distinct ones (the cache grows) all load, and an expression that does
 * not compile is refused at its first use, after good ones were cached.
 */
Test(config, xpath_repeated_across_components)
{
	struct rl_buf b = RL_BUF_INIT;
	const struct rl_component *c;
	char name[32];
	int i, line;

	rl_buf_puts(&b, SITE);
	for (i = 0; i < 200; i++)
		rl_buf_printf(&b,
			      "[component \"fx/c%d\"]\nhost = h1\ncheck = "
			      "true\nstart = true\nstop = true\ncheck_mode = "
			      "xml\nxpath.busy = sum(/status/@busy)\n"
			      "xpath.n = count(/status/c%d) + %d\n",
			      i, i % 7, i);
	cr_assert_eq(load(rl_buf_str(&b)), 0, "%s", err.msg);
	for (i = 0; i < 200; i += 199) {
		snprintf(name, sizeof(name), "fx/c%d", i);
		c = rl_model_component(m, name);
		cr_assert_not_null(c);
		cr_assert_str_eq(c->xml_checks[0].expr, "sum(/status/@busy)");
		cr_assert_eq(c->xml_checks[0].lines[RL_XML_KEY_EXPR],
			     5 + 8 * i + 7);
	}
	rl_model_free(m);
	m = NULL;
	/* the same bad expression twice: refused where it first appears */
	line = 5 + 8 * 200 + 1;
	rl_buf_printf(&b, "[component \"fx/bad\"]\nhost = h1\ncheck = true\n"
			  "start = true\nstop = true\ncheck_mode = xml\n"
			  "xpath.busy = sum(/status/@busy)\n"
			  "xpath.n = count(/status/c1) +\n");
	rl_buf_printf(&b, "[component \"fx/bad2\"]\nhost = h1\ncheck = true\n"
			  "start = true\nstop = true\ncheck_mode = xml\n"
			  "xpath.n = count(/status/c1) +\n");
	cr_assert_eq(load(rl_buf_str(&b)), -1);
	snprintf(name, sizeof(name), "t.ini:%d: ", line + 7);
	cr_assert(strncmp(err.msg, name, strlen(name)) == 0, "%s", err.msg);
	cr_assert(strstr(err.msg, "component 'fx/bad': key 'xpath.n': "
				  "invalid XPath expression") != NULL,
		  "%s", err.msg);
	rl_buf_free(&b);
}

Test(config, xpath_duplicates)
{
	refused(SITE COMP_XML "xpath.x = 1\nxpath.x.warning = 1\n"
			      "xpath.x.warning = 2\n",
		"t.ini:14: component 'fx/a': duplicate key 'xpath.x.warning' "
		"(first set at t.ini:13)");
	refused(SITE COMP_XML "xpath.x = 1\nxpath.x = 2\n",
		"t.ini:13: component 'fx/a': duplicate key 'xpath.x' (first "
		"set at t.ini:12)");
	refused(SITE COMP_XML "xpath.x = 1\nxpath.y = 2\nxpath.y.label = x\n",
		"t.ini:13: component 'fx/a': label 'x' of 'xpath.y' is "
		"already that of 'xpath.x'");
}

Test(config, xpath_needs_check_mode_xml_and_back)
{
	refused(SITE COMP_A "xpath.x = 1\n",
		"t.ini:11: component 'fx/a': xpath keys need check_mode = "
		"xml");
	refused(SITE COMP_XML,
		"t.ini:6: component 'fx/a': check_mode xml needs at least one "
		"xpath.NAME = EXPRESSION");
	refused(SITE COMP_XML "xpath.x.warning = 10\n",
		"t.ini:12: component 'fx/a': no expression for 'xpath.x' (add "
		"xpath.x = EXPRESSION)");
	refused(SITE COMP_XML "xpath.x = 1\nxpath.x.expect = a\n"
			      "xpath.x.critical = 1\n",
		"t.ini:13: component 'fx/a': key 'xpath.x.expect': expect "
		"compares strings, warning and critical numbers; use one or "
		"the other");
}

Test(config, xpath_at_most_64_per_component)
{
	struct rl_buf b = RL_BUF_INIT;
	int i;

	rl_buf_puts(&b, SITE COMP_XML);
	for (i = 0; i < 65; i++)
		rl_buf_printf(&b, "xpath.e%d = %d\n", i, i);
	cr_assert_eq(load(rl_buf_str(&b)), -1);
	cr_assert_str_eq(err.msg, "t.ini:76: component 'fx/a': key "
				  "'xpath.e64': too many xpath expressions "
				  "(max 64)");
	rl_buf_free(&b);
}

/* Issue 12 item 11: a site with hosts but no component loads, and the
 * model sorts nothing (qsort(NULL, 0) was undefined behaviour, caught by
 * the sanitizer build). */
Test(config, no_components)
{
	cr_assert_eq(load(SITE), 0, "%s", err.msg);
	cr_assert_not_null(m);
	cr_assert_eq(m->n_components, 0);
	cr_assert_eq(m->n_apps, 0);
	cr_assert_eq(m->n_hosts, 2);
}

/* `config check`'s "host used by no component" (lib/findings, one pass
 * over the components): exactly the unused hosts, in the hosts' order,
 * with the host's own line, whichever components use the others. */
Test(config, findings_hosts_used_by_no_component)
{
	struct rl_findings f = RL_FINDINGS_INIT;
	struct rl_buf b = RL_BUF_INIT, out = RL_BUF_INIT;
	int i;

	for (i = 0; i < 100; i++)
		rl_buf_printf(&b, "[host \"h%d\"]\ntransport = local\n", i);
	for (i = 0; i < 300; i++)
		if (i % 100 != 17 && i % 100 != 63)
			rl_buf_printf(&b,
				      "[component \"a%d/c\"]\nhost = h%d\n"
				      "check = true\nstart = true\nstop = "
				      "true\n",
				      i, 99 - i % 100);
	cr_assert_eq(load(rl_buf_str(&b)), 0, "%s", err.msg);
	rl_findings_check_model(m, &f);
	rl_findings_text(&f, &out);
	cr_assert_str_eq(rl_buf_str(&out),
			 "t.ini:73: warning: host 'h36' is used by no "
			 "component\nt.ini:165: warning: host 'h82' is used by "
			 "no component\n");
	rl_findings_free(&f);
	rl_buf_free(&out);
	rl_buf_free(&b);
}

/* --- journal rotation and the config hash (issues 13, 18) ------------- */

Test(config, journal_rotation_keys)
{
	cr_assert_eq(load(SITE COMP_A), 0, "%s", err.msg);
	cr_assert_eq(m->site.journal_max_size, 16 << 20);
	cr_assert_eq(m->site.journal_keep, 8);
	cr_assert_eq(m->site.config_keep, 32);
	rl_model_free(m);
	m = NULL;
	cr_assert_eq(load("[relance]\njournal_max_size = 512K\n"
			  "journal_keep = 3\nconfig_keep = 0\n" SITE COMP_A),
		     0, "%s", err.msg);
	cr_assert_eq(m->site.journal_max_size, 512 * 1024);
	cr_assert_eq(m->site.journal_keep, 3);
	cr_assert_eq(m->site.config_keep, 0);
	rl_model_free(m);
	m = NULL;
	cr_assert_eq(load("[relance]\njournal_max_size = 0\n" SITE COMP_A), 0,
		     "%s", err.msg);
	cr_assert_eq(m->site.journal_max_size, 0);
	rl_model_free(m);
	m = NULL;
	cr_assert_eq(load("[relance]\njournal_max_size = 2G\n" SITE COMP_A), 0,
		     "%s", err.msg);
	cr_assert_eq(m->site.journal_max_size, (int64_t)2 << 30);
	rl_model_free(m);
	m = NULL;
	refused("[relance]\njournal_max_size = 16MB\n" SITE COMP_A,
		"t.ini:2: section 'relance': key 'journal_max_size': invalid "
		"size '16MB' (bytes, or a number with K, M or G)");
	refused("[relance]\njournal_max_size = -1\n" SITE COMP_A,
		"t.ini:2: section 'relance': key 'journal_max_size': invalid "
		"size '-1' (bytes, or a number with K, M or G)");
	refused("[relance]\njournal_max_size = M\n" SITE COMP_A,
		"t.ini:2: section 'relance': key 'journal_max_size': invalid "
		"size 'M' (bytes, or a number with K, M or G)");
	refused("[relance]\njournal_max_size = 99999999999999G\n" SITE COMP_A,
		"t.ini:2: section 'relance': key 'journal_max_size': invalid "
		"size '99999999999999G' (bytes, or a number with K, M or G)");
	refused("[relance]\njournal_keep = 0\n" SITE COMP_A,
		"t.ini:2: section 'relance': key 'journal_keep': 0 out of "
		"range (1..200)");
}

/* heal_retry (issue 15): 5m by default, 0 off, at least a second */
Test(config, heal_retry_key)
{
	cr_assert_eq(load(SITE COMP_A), 0, "%s", err.msg);
	cr_assert_eq(m->site.heal_retry_ms, 300000);
	rl_model_free(m);
	m = NULL;
	cr_assert_eq(load("[relance]\nheal_retry = 0\n" SITE COMP_A), 0, "%s",
		     err.msg);
	cr_assert_eq(m->site.heal_retry_ms, 0);
	rl_model_free(m);
	m = NULL;
	cr_assert_eq(load("[relance]\nheal_retry = 10s\n" SITE COMP_A), 0, "%s",
		     err.msg);
	cr_assert_eq(m->site.heal_retry_ms, 10000);
	rl_model_free(m);
	m = NULL;
	refused(
	    "[relance]\nheal_retry = 500ms\n" SITE COMP_A,
	    "t.ini:2: section 'relance': key 'heal_retry': duration '500ms' "
	    "is too short (0 to turn retries off, else at least 1s)");
}

/* The hash of TEXT loaded as NAME, into OUT. */
static void hash_of(const char *text, const char *name, char out[65])
{
	rl_err_clear(&err);
	cr_assert_eq(
	    rl_config_load_string(text, name, RL_CONFIG_NO_PERMS, &m, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(strlen(m->config_hash), 64);
	cr_assert_eq(strspn(m->config_hash, "0123456789abcdef"), 64);
	memcpy(out, m->config_hash, 65);
	rl_model_free(m);
	m = NULL;
}

Test(config, hash_stable_for_the_same_content_changed_by_any_byte)
{
	char a[65], b[65], c[65];

	hash_of(SITE COMP_A, "a.ini", a);
	/* the same bytes, read through another name: the same config */
	hash_of(SITE COMP_A, "/etc/relance/relance.ini", b);
	cr_assert_str_eq(a, b);
	/* one byte more (a blank line), one byte changed */
	hash_of(SITE COMP_A "\n", "a.ini", c);
	cr_assert_str_neq(a, c);
	hash_of(SITE COMP_A "stop_timeout = 10s\n", "a.ini", b);
	hash_of(SITE COMP_A "stop_timeout = 11s\n", "a.ini", c);
	cr_assert_str_neq(b, c);
}

Test(config, hash_covers_includes_and_their_order)
{
	char ab[65], ba[65], again[65], changed[65];
	const char *top;

	make_dir();
	write_file("a.ini", 0600, SITE);
	write_file("b.ini", 0600, COMP_A);
	top = write_file("r1.ini", 0600, "include = a.ini b.ini\n");
	cr_assert_eq(load_file(top, 0), 0, "%s", err.msg);
	memcpy(ab, m->config_hash, 65);
	/* the bundle: every file, in the order read, with its path */
	cr_assert_not_null(
	    strstr(m->config_bundle,
		   fmt("### relance config: %s/r1.ini (22 bytes)\n"
		       "include = a.ini b.ini\n\n"
		       "### relance config: %s/a.ini",
		       dir, dir)),
	    "%s", m->config_bundle);
	cr_assert_not_null(
	    strstr(m->config_bundle, fmt("### relance config: %s/b.ini", dir)));
	cr_assert_eq(m->config_bundle_len, strlen(m->config_bundle));
	rl_model_free(m);
	m = NULL;
	cr_assert_eq(load_file(top, 0), 0, "%s", err.msg);
	memcpy(again, m->config_hash, 65);
	rl_model_free(m);
	m = NULL;
	cr_assert_str_eq(ab, again);
	/* the same files, included in the other order */
	top = write_file("r1.ini", 0600, "include = b.ini a.ini\n");
	cr_assert_eq(load_file(top, 0), 0, "%s", err.msg);
	memcpy(ba, m->config_hash, 65);
	rl_model_free(m);
	m = NULL;
	cr_assert_str_neq(ab, ba);
	/* a byte in an included file */
	top = write_file("r1.ini", 0600, "include = a.ini b.ini\n");
	write_file("b.ini", 0600, COMP_A "\n");
	cr_assert_eq(load_file(top, 0), 0, "%s", err.msg);
	memcpy(changed, m->config_hash, 65);
	cr_assert_str_neq(ab, changed);
}
