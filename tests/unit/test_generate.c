#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "generate.h"
#include "model.h"
#include "rl_model.h"
#include "rl_test.h"
#include "util.h"

static struct rl_model *m;
static struct rl_err err;
static const char *file;
static struct rl_generate_out out;
static struct rl_generate_opts opts;

static void setup(void)
{
	m = rl_model_new();
	cr_assert_not_null(m);
	file = rl_model_intern_file(m, "/etc/relance/fx.ini");
	memset(&out, 0, sizeof(out));
	memset(&opts, 0, sizeof(opts));
	opts.config_path = "/etc/relance/relance.ini";
	opts.plugin_dir = "/usr/lib/nagios/plugins";
	opts.commands = true; /* the whole output; see commands_on_demand */
	rl_err_clear(&err);
}

static void teardown(void)
{
	rl_generate_out_free(&out);
	rl_model_free(m);
	rl_test_fini();
}

TestSuite(generate, .init = setup, .fini = teardown);

static struct rl_host *host(const char *name, const char *zone)
{
	struct rl_host *h =
	    rl_model_add_host(m, name, (struct rl_where){file, 1}, &err);

	cr_assert_not_null(h, "%s", err.msg);
	if (zone != NULL)
		h->zone = strdup(zone);
	return h;
}

/* Adds a component on host H (at line 10) with requirements REQS. */
static struct rl_component *comp(const char *name, const char *h,
				 const char *reqs)
{
	return rl_test_comp(m, name, h, reqs, (struct rl_where){file, 10});
}

/* The demo's shape, on two hosts, one in a zone. */
static void demo(void)
{
	host("fx-app-01", "paris");
	host("monitor", NULL);
	comp("fx/gateway", "monitor", "pricer");
	comp("fx/pricer", "fx-app-01", "marketdata fx/cache");
	comp("fx/cache", "fx-app-01", "marketdata");
	comp("fx/marketdata", "fx-app-01", "");
	comp("fx/reports", "monitor", "cache")->heal = RL_HEAL_NEVER;
	cr_assert_eq(rl_model_resolve(m, &err), 0, "%s", err.msg);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static const char *gen1(enum rl_generate_target t)
{
	cr_assert_eq(rl_generate(m, t, &opts, &out, &err), 0, "%s", err.msg);
	cr_assert_eq(out.n_files, 1);
	cr_assert_eq(strlen(out.files[0].content), out.files[0].len);
	return out.files[0].content;
}

Test(generate, nagios_objects_and_dependency_count)
{
	demo();
	const char *s = gen1(RL_GENERATE_NAGIOS);

	cr_assert_str_eq(out.files[0].name, "relance.cfg");
	/* one dependency per requires edge: 1 + 2 + 1 + 0 + 1 */
	cr_assert_eq(count(s, "define servicedependency {"), 5);
	cr_assert_eq(count(s, "\n    use                             "
			      "relance-component\n"),
		     5);
	/* template, use, command, the template's check_command */
	cr_assert_eq(count(s, "relance-application\n"), 4);
	cr_assert(strstr(s, "service_description             fx/pricer\n"));
	cr_assert(strstr(s, "    dependent_service_description   fx/pricer\n"));
	cr_assert(strstr(s, "/usr/lib/nagios/plugins/check_component -f "
			    "/etc/relance/relance.ini -C "
			    "$_SERVICERELANCE_COMPONENT$\n"));
	cr_assert(strstr(s,
			 "/usr/lib/nagios/plugins/handle_component -f "
			 "/etc/relance/relance.ini -C "
			 "$_SERVICERELANCE_COMPONENT$ --state $SERVICESTATE$ "
			 "--state-type $SERVICESTATETYPE$"));
	cr_assert(strstr(s, "--ack-notification --type $NOTIFICATIONTYPE$ "
			    "--author \"$NOTIFICATIONAUTHOR$\" --comment "
			    "\"$NOTIFICATIONCOMMENT$\"\n"));
	/* heal = never: no handler for that one only */
	cr_assert_eq(count(s, "event_handler_enabled           0\n"), 2);
	/* header names the files; no host objects in this mode */
	cr_assert(strstr(s, "#   /etc/relance/fx.ini\n"));
	cr_assert_null(strstr(s, "define host {"));
	/* the application service sits on its first component's host */
	cr_assert(strstr(s, "    host_name                       fx-app-01\n"
			    "    service_description             fx\n"));
}

Test(generate, icinga2_objects_zones_and_dependency_count)
{
	demo();
	const char *s = gen1(RL_GENERATE_ICINGA2);

	cr_assert_str_eq(out.files[0].name, "relance.conf");
	cr_assert_eq(count(s, "\nobject Dependency "), 5);
	cr_assert_eq(count(s, "\nobject Service "), 6);
	cr_assert(strstr(s, "object Service \"fx/pricer\" {\n"
			    "\timport \"relance-component\"\n"
			    "\thost_name = \"fx-app-01\"\n"
			    "\tvars.relance_component = \"fx/pricer\"\n"
			    "\tzone = \"paris\"\n}\n"));
	/* gateway is on a host without zone: no zone */
	cr_assert(strstr(s, "object Service \"fx/gateway\" {\n"
			    "\timport \"relance-component\"\n"
			    "\thost_name = \"monitor\"\n"
			    "\tvars.relance_component = \"fx/gateway\"\n}\n"));
	/* the app spans two zones' worth of hosts: no zone */
	cr_assert(strstr(s, "object Service \"fx\" {\n"
			    "\timport \"relance-application\"\n"
			    "\thost_name = \"fx-app-01\"\n"
			    "\tvars.relance_application = \"fx\"\n}\n"));
	cr_assert(strstr(s, "\t\t\"--ack\" = {\n"
			    "\t\t\tvalue = \"$service.acknowledgement$\"\n"));
	cr_assert(strstr(s, "\t\t\"--ack-notification\" = {\n"
			    "\t\t\tset_if = true\n"));
	cr_assert(strstr(s, "\tvars.relance_config = "
			    "\"/etc/relance/relance.ini\"\n"));
	cr_assert_eq(count(s, "\tenable_event_handler = false\n"), 2);
}

Test(generate, same_input_same_bytes_whatever_the_definition_order)
{
	struct rl_generate_out out2 = {NULL, 0};
	struct rl_model *m2 = rl_model_new();
	const char *f2 = rl_model_intern_file(m2, "/etc/relance/fx.ini");

	demo();
	/* the same model defined in another order */
	cr_assert_not_null(
	    rl_model_add_host(m2, "monitor", (struct rl_where){f2, 1}, &err));
	struct rl_host *h2 =
	    rl_model_add_host(m2, "fx-app-01", (struct rl_where){f2, 1}, &err);
	cr_assert_not_null(h2);
	h2->zone = strdup("paris");
	const char *names[] = {"fx/marketdata", "fx/reports", "fx/cache",
			       "fx/pricer", "fx/gateway"};
	const char *hosts[] = {"fx-app-01", "monitor", "fx-app-01", "fx-app-01",
			       "monitor"};
	const char *reqs[][2] = {{NULL, NULL},
				 {"fx/cache", NULL},
				 {"fx/marketdata", NULL},
				 {"fx/cache", "fx/marketdata"},
				 {"fx/pricer", NULL}};
	for (size_t i = 0; i < 5; i++) {
		struct rl_component *c = rl_model_add_component(
		    m2, names[i], (struct rl_where){f2, 3}, &err);
		cr_assert_not_null(c);
		c->host_name = strdup(hosts[i]);
		if (i == 1)
			c->heal = RL_HEAL_NEVER;
		for (size_t j = 0; j < 2 && reqs[i][j]; j++)
			cr_assert_eq(rl_model_add_require(
					 m2, c, reqs[i][j],
					 (struct rl_where){f2, 4}, &err),
				     0);
	}
	cr_assert_eq(rl_model_resolve(m2, &err), 0, "%s", err.msg);

	for (int t = RL_GENERATE_NAGIOS; t <= RL_GENERATE_ICINGA2; t++) {
		opts.split = t == RL_GENERATE_ICINGA2;
		cr_assert_eq(rl_generate(m, t, &opts, &out, &err), 0);
		cr_assert_eq(rl_generate(m2, t, &opts, &out2, &err), 0);
		cr_assert_eq(out.n_files, out2.n_files);
		for (size_t i = 0; i < out.n_files; i++) {
			cr_assert_str_eq(out.files[i].name, out2.files[i].name);
			cr_assert_eq(out.files[i].len, out2.files[i].len);
			cr_assert_eq(memcmp(out.files[i].content,
					    out2.files[i].content,
					    out.files[i].len),
				     0, "%s", out.files[i].name);
		}
		rl_generate_out_free(&out);
		rl_generate_out_free(&out2);
	}
	rl_model_free(m2);
}

Test(generate, split_one_file_per_application_plus_common)
{
	host("h1", NULL);
	comp("fx/a", "h1", "");
	comp("fx/b", "h1", "a");
	comp("eq/x", "h1", "fx/b"); /* a requirement across applications */
	cr_assert_eq(rl_model_resolve(m, &err), 0, "%s", err.msg);
	opts.split = true;
	cr_assert_eq(rl_generate(m, RL_GENERATE_ICINGA2, &opts, &out, &err), 0);
	cr_assert_eq(out.n_files, 3);
	cr_assert_str_eq(out.files[0].name, "relance-app-eq.conf");
	cr_assert_str_eq(out.files[1].name, "relance-app-fx.conf");
	cr_assert_str_eq(out.files[2].name, "relance-common.conf");
	/* the dependency lives with its dependent */
	cr_assert_eq(count(out.files[0].content, "object Dependency \"fx/b\""),
		     1);
	cr_assert_eq(count(out.files[1].content, "object Dependency"), 1);
	cr_assert_eq(count(out.files[2].content, "object Service \""), 0);
	cr_assert(strstr(out.files[2].content, "object EventCommand"));
	for (size_t i = 0; i < 3; i++)
		cr_assert(strncmp(out.files[i].content,
				  "# Generated by relance", 22) == 0);
}

Test(generate, soft_heal_raises_attempts)
{
	host("h1", NULL);
	struct rl_component *c = comp("fx/a", "h1", "");
	c->heal = RL_HEAL_SOFT;
	c->heal_soft_attempt = 4;
	comp("fx/b", "h1", "")->heal = RL_HEAL_SOFT; /* soft:0 */
	cr_assert_eq(rl_model_resolve(m, &err), 0, "%s", err.msg);
	const char *s = gen1(RL_GENERATE_NAGIOS);
	cr_assert_eq(count(s, "max_check_attempts              5\n"), 1);
	rl_generate_out_free(&out);
	s = gen1(RL_GENERATE_ICINGA2);
	cr_assert_eq(count(s, "\tmax_check_attempts = 5\n"), 1);
}

Test(generate, non_ascii_and_special_descriptions_survive)
{
	host("h1", NULL);
	struct rl_component *c = comp("fx/a", "h1", "");
	c->description = strdup("Prix temps réel; « EUR/USD » \"q\" \\ 東京");
	cr_assert_eq(rl_model_resolve(m, &err), 0, "%s", err.msg);
	const char *s = gen1(RL_GENERATE_NAGIOS);
	cr_assert(strstr(s, "    display_name                    Prix temps "
			    "réel\\; « EUR/USD » \"q\" \\ 東京\n"),
		  "%s", s);
	rl_generate_out_free(&out);
	s = gen1(RL_GENERATE_ICINGA2);
	cr_assert(strstr(s, "\tdisplay_name = \"Prix temps réel; « EUR/USD » "
			    "\\\"q\\\" \\\\ 東京\"\n"));
}

Test(generate, control_characters_refused_with_the_place)
{
	host("h1", NULL);
	comp("fx/a", "h1", "")->description = strdup("two\nlines");
	cr_assert_eq(rl_model_resolve(m, &err), 0, "%s", err.msg);
	cr_assert_eq(rl_generate(m, RL_GENERATE_NAGIOS, &opts, &out, &err), -1);
	cr_assert_str_eq(err.msg, "component 'fx/a': description: control "
				  "character 0x0a cannot be written to a "
				  "monitoring object");
	cr_assert_eq(out.n_files, 0);
	cr_assert_null(out.files);
}

Test(generate, unsafe_paths_refused)
{
	host("h1", NULL);
	comp("fx/a", "h1", "");
	cr_assert_eq(rl_model_resolve(m, &err), 0, "%s", err.msg);

	opts.config_path = "/etc/my relance/r.ini";
	cr_assert_eq(rl_generate(m, RL_GENERATE_NAGIOS, &opts, &out, &err), -1);
	cr_assert_str_eq(err.msg, "config path '/etc/my relance/r.ini': "
				  "character ' ' cannot be written into a "
				  "command line (use [A-Za-z0-9._/+:@%,=-])");
	opts.config_path = "relance.ini";
	cr_assert_eq(rl_generate(m, RL_GENERATE_ICINGA2, &opts, &out, &err),
		     -1);
	cr_assert_str_eq(err.msg, "config path 'relance.ini': not an absolute "
				  "path");
	opts.config_path = "/etc/r.ini";
	opts.handler = "/opt/$USER1$/h";
	cr_assert_eq(rl_generate(m, RL_GENERATE_NAGIOS, &opts, &out, &err), -1);
	cr_assert(strstr(err.msg, "handler '/opt/$USER1$/h': character '$'"));
	opts.handler = "/opt/r\xc3\xa9/h";
	cr_assert_eq(rl_generate(m, RL_GENERATE_NAGIOS, &opts, &out, &err), -1);
	cr_assert(strstr(err.msg, "byte 0xc3"), "%s", err.msg);
	opts.handler = NULL;
	opts.config_path = NULL;
	cr_assert_eq(rl_generate(m, RL_GENERATE_NAGIOS, &opts, &out, &err), -1);
	cr_assert_str_eq(err.msg, "config path is not set");
}

Test(generate, define_hosts_mode)
{
	host("web-2", "lyon")->address = strdup("10.0.0.2");
	host("web-1", NULL)->port = 2222;
	host("mon", NULL)->transport = RL_TRANSPORT_LOCAL;
	comp("fx/a", "web-2", "");
	comp("fx/b", "web-1", "");
	comp("fx/c", "mon", "");
	cr_assert_eq(rl_model_resolve(m, &err), 0, "%s", err.msg);
	opts.hosts = RL_GENERATE_HOSTS_DEFINE;
	const char *s = gen1(RL_GENERATE_NAGIOS);
	const char *h1 = strstr(s, "host_name                       web-1\n");
	const char *h2 = strstr(s, "host_name                       web-2\n");
	cr_assert(h1 && h2 && h1 < h2, "hosts sorted by name");
	cr_assert(strstr(s, "address                         10.0.0.2\n"));
	cr_assert(strstr(s, "address                         web-1\n"));
	/* a host check: check_ssh on an SSH host's port, a local host UP */
	cr_assert(strstr(s, "    active_checks_enabled           1\n"));
	cr_assert(strstr(s,
			 "$USER1$/check_ssh -t 10 -p $_HOSTRELANCE_SSH_PORT$ "
			 "-H $HOSTADDRESS$\n"));
	cr_assert(strstr(s, "    address                         web-1\n"
			    "    check_command                   "
			    "relance-host-ssh\n"
			    "    _RELANCE_SSH_PORT               2222\n}\n"));
	cr_assert(strstr(s, "    address                         mon\n"
			    "    check_command                   "
			    "relance-host-local\n}\n"));
	rl_generate_out_free(&out);
	s = gen1(RL_GENERATE_ICINGA2);
	cr_assert(strstr(s, "template Host \"relance-host\" {\n"
			    "\tcheck_command = \"ssh\"\n"));
	cr_assert(strstr(s,
			 "object Host \"web-2\" {\n\timport \"relance-host\"\n"
			 "\taddress = \"10.0.0.2\"\n\tvars.ssh_port = 22\n"
			 "\tzone = \"lyon\"\n}\n"));
	cr_assert(strstr(s,
			 "object Host \"mon\" {\n\timport \"relance-host\"\n"
			 "\taddress = \"mon\"\n\tcheck_command = \"dummy\"\n"));
	rl_generate_out_free(&out);
	opts.app_host = "nowhere";
	cr_assert_eq(rl_generate(m, RL_GENERATE_NAGIOS, &opts, &out, &err), -1);
	cr_assert_str_eq(err.msg, "application host 'nowhere' is not a host of "
				  "the configuration");
	opts.hosts = RL_GENERATE_HOSTS_EXISTING;
	s = gen1(RL_GENERATE_NAGIOS);
	cr_assert(strstr(s, "host_name                       nowhere\n"
			    "    service_description             fx\n"));
}

Test(generate, app_zone_when_all_hosts_share_it)
{
	host("a1", "paris");
	host("a2", "paris");
	comp("fx/a", "a1", "");
	comp("fx/b", "a2", "a");
	cr_assert_eq(rl_model_resolve(m, &err), 0, "%s", err.msg);
	const char *s = gen1(RL_GENERATE_ICINGA2);
	cr_assert(strstr(s, "\tvars.relance_application = \"fx\"\n"
			    "\tzone = \"paris\"\n"));
	/* the dependency goes with its child's zone */
	cr_assert(strstr(s, "\tignore_soft_states = true\n"
			    "\tzone = \"paris\"\n}\n"));
}

Test(generate, write_then_check)
{
	char dir[] = "/tmp/rl-gen-XXXXXX";
	char path[256];
	size_t n = 99;
	FILE *f;
	struct stat st;

	cr_assert_not_null(mkdtemp(dir));
	demo();
	opts.split = true;
	cr_assert_eq(rl_generate(m, RL_GENERATE_NAGIOS, &opts, &out, &err), 0);
	cr_assert_eq(out.n_files, 2);
	cr_assert_eq(rl_generate_check(&out, dir, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 2);
	cr_assert_eq(out.files[0].status, RL_GENERATE_MISSING);

	cr_assert_eq(rl_generate_write(&out, dir, &err), 0, "%s", err.msg);
	snprintf(path, sizeof(path), "%s/relance-app-fx.cfg", dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0644);
	cr_assert_eq(rl_generate_check(&out, dir, &n, &err), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(out.files[1].status, RL_GENERATE_SAME);

	/* one byte more at the end, then one byte changed */
	f = fopen(path, "a");
	fputc('\n', f);
	fclose(f);
	cr_assert_eq(rl_generate_check(&out, dir, &n, &err), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(out.files[0].status, RL_GENERATE_DIFFERS);
	cr_assert_eq(out.files[1].status, RL_GENERATE_SAME);
	cr_assert_eq(rl_generate_write(&out, dir, &err), 0);
	f = fopen(path, "r+");
	fputc('X', f);
	fclose(f);
	cr_assert_eq(rl_generate_check(&out, dir, &n, &err), 0);
	cr_assert_eq(n, 1);
	/* shorter on disk */
	cr_assert_eq(truncate(path, 10), 0);
	cr_assert_eq(rl_generate_check(&out, dir, &n, &err), 0);
	cr_assert_eq(n, 1);

	/* a directory that cannot be written: the error names it (the
	 * temporary file's name is unpredictable, on purpose) */
	cr_assert_eq(rl_generate_write(&out, "/nonexistent-dir", &err), -1);
	cr_assert(strstr(err.msg, "/nonexistent-dir: "), "%s", err.msg);
	cr_assert(strstr(err.msg, ": open: No such file or directory"));
	/* no temporary file is left behind by a good write */
	cr_assert_eq(rl_generate_write(&out, dir, &err), 0, "%s", err.msg);
	snprintf(path, sizeof(path), "ls -A '%s' | grep -v '^relance' | wc -l",
		 dir);
	f = popen(path, "r");
	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%zu", &n), 1);
	pclose(f);
	cr_assert_eq(n, 0, "%zu stray files", n);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	cr_assert_eq(system(path), 0);
}

Test(generate, target_names)
{
	enum rl_generate_target t;

	cr_assert_eq(rl_generate_target_parse("icinga2", &t, &err), 0);
	cr_assert_eq(t, RL_GENERATE_ICINGA2);
	cr_assert_eq(rl_generate_target_parse("nagios", &t, &err), 0);
	cr_assert_eq(t, RL_GENERATE_NAGIOS);
	cr_assert_eq(rl_generate_target_parse("zabbix", &t, &err), -1);
	cr_assert_str_eq(err.msg, "unknown target 'zabbix' (use nagios or "
				  "icinga2)");
	cr_assert_str_eq(rl_generate_target_name(RL_GENERATE_ICINGA2),
			 "icinga2");
}

/* Names outside [A-Za-z0-9._-] never reach the generator: the model
 * refuses them with the place. */
Test(generate, model_refuses_names_cores_would_choke_on)
{
	const char *bad[] = {"fx/pri cer", "fx/a/b", "fx/réel", "fx/a!b"};

	for (size_t i = 0; i < 4; i++) {
		rl_err_clear(&err);
		cr_assert_null(rl_model_add_component(
				   m, bad[i], (struct rl_where){file, 7}, &err),
			       "%s", bad[i]);
		cr_assert_neq(err.msg[0], '\0');
	}
}

/* Issue 14: the ApiUser of [icinga_api], least permissions, no password */
Test(generate, icinga2_api_user_only_with_icinga_api)
{
	static const char *const perms[] = {
	    "actions/add-comment", "actions/process-check-result",
	    "actions/reschedule-check", "objects/query/Service"};
	struct rl_buf want = RL_BUF_INIT;
	const char *s;

	demo();
	s = gen1(RL_GENERATE_ICINGA2);
	cr_assert_null(strstr(s, "ApiUser"), "no [icinga_api], no ApiUser");
	rl_generate_out_free(&out);

	m->site.icinga_api.user = strdup("relance \"api\"");
	m->site.icinga_api.urls = calloc(1, sizeof(char *));
	m->site.icinga_api.urls[0] = strdup("https://mon-1:5665");
	m->site.icinga_api.n_urls = 1;
	m->site.icinga_api.password_file = strdup("/etc/relance/api.pw");
	s = gen1(RL_GENERATE_ICINGA2);
	cr_assert(strstr(s, "\nobject ApiUser \"relance \\\"api\\\"\" {\n"
			    "\tpassword = RelanceApiPassword\n"
			    "\tpermissions = [\n") != NULL,
		  "%s", s);
	for (size_t i = 0; i < 4; i++) {
		rl_buf_reset(&want);
		rl_buf_printf(&want,
			      "\t\t{\n\t\t\tpermission = \"%s\"\n"
			      "\t\t\tfilter = {{ typeof(service.vars."
			      "relance_component) == String }}\n\t\t}%s\n",
			      perms[i], i < 3 ? "," : "");
		cr_assert(strstr(s, rl_buf_str(&want)) != NULL, "%s",
			  rl_buf_str(&want));
	}
	cr_assert_eq(count(s, "permission = "), 4, "nothing more");
	cr_assert_null(strstr(s, "/etc/relance/api.pw"));
	rl_buf_free(&want);
}

/* One name per command in both cores (README "One naming for both
 * cores"): the ITL-style names, the same in Nagios. */
Test(generate, one_command_naming_for_both_cores)
{
	static const char *const names[] = {
	    "relance-component", "relance-application",
	    "relance-handle-component", "relance-ack-notification"};
	const char *s;

	demo();
	s = gen1(RL_GENERATE_NAGIOS);
	for (size_t i = 0; i < 4; i++) {
		char line[128];

		snprintf(line, sizeof(line), "    %-31s %s\n", "command_name",
			 names[i]);
		cr_assert(strstr(s, line), "nagios: no command %s", names[i]);
	}
	cr_assert(strstr(s, "    check_command                   "
			    "relance-component\n"));
	cr_assert(strstr(s, "    event_handler                   "
			    "relance-handle-component\n"));
	cr_assert(strstr(s, "    service_notification_commands   "
			    "relance-ack-notification\n"));
	cr_assert_null(strstr(s, "relance_check"));
	cr_assert_null(strstr(s, "relance_handle"));
	cr_assert_null(strstr(s, "relance_notify"));
	rl_generate_out_free(&out);

	s = gen1(RL_GENERATE_ICINGA2);
	cr_assert(strstr(s, "object CheckCommand \"relance-component\" {\n"));
	cr_assert(strstr(s, "object CheckCommand \"relance-application\" {\n"));
	cr_assert(
	    strstr(s, "object EventCommand \"relance-handle-component\" {\n"));
	cr_assert(strstr(
	    s, "object NotificationCommand \"relance-ack-notification\" {\n"));
}

/* By default the installed definitions provide the commands: none is
 * written (a core refuses one defined twice), the rest is the same, and
 * Icinga 2's service templates name the config the installed commands
 * read. */
Test(generate, commands_on_demand)
{
	char *with[2];
	const char *s;

	demo();
	for (int t = 0; t < 2; t++) {
		opts.commands = true;
		with[t] =
		    strdup(gen1(t ? RL_GENERATE_ICINGA2 : RL_GENERATE_NAGIOS));
		cr_assert_not_null(with[t]);
		rl_generate_out_free(&out);
	}
	opts.commands = false;
	s = gen1(RL_GENERATE_NAGIOS);
	cr_assert_eq(count(s, "define command {"), 0, "%s", s);
	cr_assert_eq(count(with[0], "define command {"), 4);
	cr_assert_null(strstr(s, "/etc/relance/relance.ini -C"));
	/* what remains is what came after the commands, byte for byte */
	cr_assert(strstr(with[0], strstr(s, "define timeperiod {")));
	cr_assert(strstr(s, "    check_command                   "
			    "relance-component\n"));
	rl_generate_out_free(&out);

	s = gen1(RL_GENERATE_ICINGA2);
	cr_assert_null(strstr(s, "Command \""), "%s", s);
	/* Icinga 2 also has the retry's NotificationCommand */
	cr_assert_eq(count(with[1], "Command \"relance-"), 5);
	cr_assert_eq(count(s, "\tvars.relance_config = "
			      "\"/etc/relance/relance.ini\"\n"),
		     2, "%s", s);
	cr_assert(strstr(s, "template Service \"relance-component\" {\n"
			    "\tcheck_command = \"relance-component\"\n"));
	cr_assert(strstr(s, "\tcommand = \"relance-ack-notification\"\n"));
	cr_assert(strstr(s, "\tcommand = \"relance-heal-notification\"\n"));
	free(with[0]);
	free(with[1]);
}

/* split: the common file says what it holds */
Test(generate, split_common_file_header_without_commands)
{
	demo();
	opts.split = true;
	opts.commands = false;
	cr_assert_eq(rl_generate(m, RL_GENERATE_NAGIOS, &opts, &out, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(out.n_files, 2);
	cr_assert_str_eq(out.files[1].name, "relance-common.cfg");
	cr_assert(strstr(out.files[1].content,
			 ": templates (the commands: installed).\n"),
		  "%s", out.files[1].content);
}

/* check_interval, retry_interval, max_check_attempts from relance's config
 * ([application], [component] over it) override the templates. */
Test(generate, schedule_from_the_config)
{
	struct rl_app *fx;
	const char *s;

	demo();
	fx = (struct rl_app *)rl_model_app(m, "fx");
	fx->sched.check_interval_ms = 300000; /* 5m */
	fx->sched.max_check_attempts = 5;
	m->components[1]->sched.retry_interval_ms = 30000; /* fx/pricer */
	m->components[1]->sched.max_check_attempts = 2;

	s = gen1(RL_GENERATE_NAGIOS);
	/* minutes (interval_length 60); 30s is half a unit */
	cr_assert(strstr(s, "    _RELANCE_COMPONENT              fx/pricer\n"
			    "    check_interval                  5\n"
			    "    retry_interval                  0.5\n"
			    "    max_check_attempts              2\n"));
	cr_assert(strstr(s, "    _RELANCE_COMPONENT              fx/cache\n"
			    "    check_interval                  5\n"
			    "    max_check_attempts              5\n"));
	cr_assert(strstr(s, "    _RELANCE_APPLICATION            fx\n"
			    "    check_interval                  5\n"
			    "    max_check_attempts              5\n}\n"));
	cr_assert(strstr(s, "# Intervals and attempts: check_interval"));
	rl_generate_out_free(&out);

	opts.interval_length_s = 1;
	s = gen1(RL_GENERATE_NAGIOS);
	cr_assert(strstr(s, "    check_interval                  300\n"
			    "    retry_interval                  30\n"));
	rl_generate_out_free(&out);

	s = gen1(RL_GENERATE_ICINGA2);
	cr_assert(strstr(s, "\tvars.relance_component = \"fx/pricer\"\n"
			    "\tcheck_interval = 300s\n"
			    "\tretry_interval = 30s\n"
			    "\tmax_check_attempts = 2\n"));
	cr_assert(strstr(s, "\tvars.relance_application = \"fx\"\n"
			    "\tcheck_interval = 300s\n"
			    "\tmax_check_attempts = 5\n"));
}
