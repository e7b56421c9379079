/*
 * test_graph - the DOT map (lib/graph), config check's findings
 * (lib/findings) and the config keys behind them (graph_dir, graph_url).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "findings.h"
#include "graph.h"
#include "model.h"
#include "rl_model.h"
#include "rl_test.h"
#include "util.h"

static struct rl_model *m;
static struct rl_buf out = RL_BUF_INIT;

/* fx on two hosts, and ops/backup on h2 requiring fx/db */
static void setup(void)
{
	m = rl_model_new();
	cr_assert_not_null(m);
	rl_test_host(m, "h1", RL_TEST_NOWHERE);
	rl_test_host(m, "h2", RL_TEST_NOWHERE);
	rl_test_comp(m, "fx/web", "h1", "api", RL_TEST_NOWHERE);
	rl_test_comp(m, "fx/api", "h1", "db", RL_TEST_NOWHERE);
	rl_test_comp(m, "fx/db", "h2", "", RL_TEST_NOWHERE);
	rl_test_comp(m, "ops/backup", "h2", "fx/db", RL_TEST_NOWHERE);
	rl_test_resolve(m);
}

static void teardown(void)
{
	rl_buf_free(&out);
	rl_model_free(m);
	rl_test_fini();
}

TestSuite(graph, .init = setup, .fini = teardown);

static const char head[] =
    "digraph \"relance\" {\n"
    "\tgraph [label=\"%s\", labelloc=t, fontname=\"Helvetica\"];\n"
    "\tnode [shape=box, style=\"rounded,filled\", fillcolor=\"white\", "
    "fontname=\"Helvetica\"];\n"
    "\tedge [fontname=\"Helvetica\"];\n";

Test(graph, dot_of_one_application_exact)
{
	const struct rl_app *app = rl_model_app(m, "fx");
	char want[2048];

	rl_graph_dot(m, &app, 1, NULL, &out);
	cr_assert(!out.oom);
	snprintf(want, sizeof(want), head, "fx");
	strcat(want, "\tsubgraph \"cluster_0\" {\n"
		     "\t\tlabel=\"h1\";\n"
		     "\t\tstyle=\"rounded\";\n"
		     "\t\t\"fx/api\" [label=\"api\"];\n"
		     "\t\t\"fx/web\" [label=\"web\"];\n"
		     "\t}\n"
		     "\tsubgraph \"cluster_1\" {\n"
		     "\t\tlabel=\"h2\";\n"
		     "\t\tstyle=\"rounded\";\n"
		     "\t\t\"fx/db\" [label=\"db\"];\n"
		     "\t}\n"
		     "\t\"fx/api\" -> \"fx/db\";\n"
		     "\t\"fx/web\" -> \"fx/api\";\n"
		     "}\n");
	cr_assert_str_eq(rl_buf_str(&out), want);
}

Test(graph, a_requirement_in_another_application_is_drawn_full_names)
{
	const struct rl_app *app = rl_model_app(m, "ops");
	char want[2048];

	rl_graph_dot(m, &app, 1, NULL, &out);
	snprintf(want, sizeof(want), head, "ops");
	strcat(want, "\tsubgraph \"cluster_1\" {\n"
		     "\t\tlabel=\"h2\";\n"
		     "\t\tstyle=\"rounded\";\n"
		     "\t\t\"fx/db\" [label=\"fx/db\"];\n"
		     "\t\t\"ops/backup\" [label=\"ops/backup\"];\n"
		     "\t}\n"
		     "\t\"ops/backup\" -> \"fx/db\";\n"
		     "}\n");
	cr_assert_str_eq(rl_buf_str(&out), want);
}

Test(graph, states_colour_and_holds_are_marked)
{
	const struct rl_app *app = rl_model_app(m, "fx");
	struct rl_graph_state st[4];
	const struct rl_component *web = rl_model_component(m, "fx/web");
	const struct rl_component *api = rl_model_component(m, "fx/api");
	const struct rl_component *db = rl_model_component(m, "fx/db");

	memset(st, 0, sizeof(st));
	st[web->index] = (struct rl_graph_state){true, RL_STATE_WARNING,
						 "slow \"answers\"", NULL};
	st[api->index] = (struct rl_graph_state){
	    true, RL_STATE_CRITICAL, "down\nsecond line", "held by bob"};
	st[db->index] = (struct rl_graph_state){true, RL_STATE_UNKNOWN, NULL,
						"acknowledged by al"};
	rl_graph_dot(m, &app, 1, st, &out);
	cr_assert(
	    strstr(
		rl_buf_str(&out),
		"\t\t\"fx/web\" [label=\"web\\nWARNING\", "
		"fillcolor=\"yellow\", tooltip=\"slow \\\"answers\\\"\"];\n"),
	    "%s", rl_buf_str(&out));
	cr_assert(strstr(rl_buf_str(&out),
			 "\t\t\"fx/api\" [label=\"api\\nCRITICAL\\nheld by "
			 "bob\", fillcolor=\"tomato\", "
			 "style=\"rounded,filled,dashed\", penwidth=3, "
			 "tooltip=\"down\"];\n"),
		  "%s", rl_buf_str(&out));
	cr_assert(strstr(rl_buf_str(&out),
			 "\t\t\"fx/db\" [label=\"db\\nUNKNOWN\\nacknowledged "
			 "by al\", fillcolor=\"lightgrey\", "
			 "style=\"rounded,filled,dashed\", penwidth=3];\n"),
		  "%s", rl_buf_str(&out));
	cr_assert_str_eq(rl_graph_color(RL_STATE_OK), "palegreen");
}

Test(graph, quote_escapes_quotes_backslashes_newlines_controls)
{
	rl_graph_quote(&out, "a\"b\\c\nd\te\x1b]", 0);
	cr_assert_str_eq(rl_buf_str(&out), "\"a\\\"b\\\\c\\nd e ]\"");
	rl_buf_reset(&out);
	rl_graph_quote(&out, NULL, 0);
	cr_assert_str_eq(rl_buf_str(&out), "\"\"");
	rl_buf_reset(&out);
	/* cut at 2 bytes: never half of "é" */
	rl_graph_quote(&out, "a\xc3\xa9z", 2);
	cr_assert_str_eq(rl_buf_str(&out), "\"a\"");
}

Test(graph, a_description_with_quotes_cannot_break_out)
{
	const struct rl_app *app = rl_model_app(m, "fx");
	struct rl_component *db = rl_model_component(m, "fx/db");

	db->description = strdup("x\"]; \"evil\" -> \"fx/db\" [a=\"\\");
	cr_assert_not_null(db->description);
	rl_graph_dot(m, &app, 1, NULL, &out);
	cr_assert(strstr(rl_buf_str(&out),
			 "\"fx/db\" [label=\"db\", tooltip=\"x\\\"]; "
			 "\\\"evil\\\" -> \\\"fx/db\\\" [a=\\\"\\\\\"];\n"),
		  "%s", rl_buf_str(&out));
	cr_assert_null(strstr(rl_buf_str(&out), "\n\t\"evil\""));
}

Test(graph, drawn_lists_the_requirements_too)
{
	const struct rl_app *app = rl_model_app(m, "ops");
	const struct rl_component **c;
	size_t n = 0;

	c = rl_graph_drawn(m, &app, 1, &n);
	cr_assert_not_null(c);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(c[0]->name, "fx/db");
	cr_assert_str_eq(c[1]->name, "ops/backup");
	free(c);
}

/* ---- config keys and findings ----------------------------------------- */

static const char base[] = "[host \"h\"]\ntransport = local\n"
			   "[component \"a/x\"]\nhost = h\ncheck = true\n"
			   "start = true\nstop = true\n";

/* BASE with EXTRA in front; the load's return, the model in *mm */
static int load(const char *extra, struct rl_model **mm, struct rl_err *e)
{
	char text[2048];

	snprintf(text, sizeof(text), "%s%s", extra, base);
	return rl_config_load_string(text, "g.ini", RL_CONFIG_NO_PERMS, mm, e);
}

Test(graph, graph_keys_are_read_and_checked)
{
	struct rl_model *mm = NULL;
	struct rl_err e = {""};

	cr_assert_eq(load("[relance]\ngraph_dir = /var/www/maps\n"
			  "graph_url = https://mon.example/maps/\n",
			  &mm, &e),
		     0, "%s", e.msg);
	cr_assert_str_eq(mm->site.graph_dir, "/var/www/maps");
	cr_assert_str_eq(mm->site.graph_url, "https://mon.example/maps/");
	rl_model_free(mm);
	mm = NULL;
	cr_assert_eq(load("[relance]\ngraph_dir = maps\n", &mm, &e), -1);
	cr_assert_str_eq(e.msg, "g.ini:2: section 'relance': key 'graph_dir': "
				"'maps' is not an absolute path");
	cr_assert_eq(
	    load("[relance]\ngraph_url = http://x/$HOSTNAME$\n", &mm, &e), -1);
	cr_assert_str_eq(e.msg,
			 "g.ini:2: section 'relance': key 'graph_url': "
			 "'http://x/$HOSTNAME$': character '$' cannot be used "
			 "in a link of the cores' objects");
	cr_assert_eq(load("[relance]\ngraph_url = ftp://x\n", &mm, &e), -1);
	cr_assert(strstr(e.msg, "an http:// or https:// URL"), "%s", e.msg);
	cr_assert_null(mm);
}

Test(graph, findings_warnings_of_a_model)
{
	struct rl_findings f = RL_FINDINGS_INIT;
	struct rl_model *mm = NULL;
	struct rl_err e = {""};

	cr_assert_eq(load("[relance]\ngraph_url = /maps\n"
			  "[host \"spare\"]\ntransport = local\n",
			  &mm, &e),
		     0, "%s", e.msg);
	rl_findings_check_model(mm, &f);
	cr_assert_eq(f.n, 2);
	cr_assert_eq(rl_findings_worst(&f), RL_SEVERITY_WARNING);
	rl_findings_json(&f, &out);
	cr_assert_str_eq(
	    rl_buf_str(&out),
	    "[{\"file\":\"g.ini\",\"line\":3,\"key\":null,\"severity\":"
	    "\"warning\",\"message\":\"host 'spare' is used by no "
	    "component\"},{\"file\":\"g.ini\",\"line\":2,\"key\":"
	    "\"graph_url\",\"severity\":\"warning\",\"message\":\"graph_url "
	    "without graph_dir: the links would lead to maps nobody "
	    "refreshes\"}]");
	rl_buf_reset(&out);
	rl_findings_text(&f, &out);
	cr_assert_str_eq(rl_buf_str(&out),
			 "g.ini:3: warning: host 'spare' is used by no "
			 "component\ng.ini:2: warning: graph_url without "
			 "graph_dir: the links would lead to maps nobody "
			 "refreshes\n");
	rl_findings_free(&f);
	rl_model_free(mm);
}

Test(graph, findings_of_an_error_message)
{
	struct rl_findings f = RL_FINDINGS_INIT;

	cr_assert_eq(rl_findings_worst(&f), 0);
	rl_findings_add_error(
	    &f, "c:/x.ini:12: component 'fx/a': unknown key 'retrys'");
	rl_findings_add_error(&f, "cannot open 'y.ini': no such file");
	cr_assert_eq(f.n, 2);
	cr_assert_str_eq(f.items[0].file, "c:/x.ini");
	cr_assert_eq(f.items[0].line, 12);
	cr_assert_str_eq(f.items[0].key, "retrys");
	cr_assert_str_eq(f.items[0].message,
			 "component 'fx/a': unknown key 'retrys'");
	cr_assert_null(f.items[1].file);
	cr_assert_eq(f.items[1].line, 0);
	cr_assert_null(f.items[1].key);
	cr_assert_str_eq(f.items[1].message,
			 "cannot open 'y.ini': no such file");
	cr_assert_eq(rl_findings_worst(&f), RL_SEVERITY_ERROR);
	rl_findings_free(&f);
}

/* ---- rendering through the Graphviz module ---------------------------- */

#if defined(__SANITIZE_ADDRESS__)
/* Graphviz's own leaks, as tests/lsan.supp (which the shell tests load)
 * says; LeakSanitizer reads this hook at start-up. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libgvc.so\nleak:libgvplugin_dot_layout.so\n"
	       "leak:libfontconfig.so\n";
}
#endif

/* The build tree's module (make check sets the variable), else skip. */
static void need_module(void)
{
	const char *p = getenv("RELANCE_GRAPH_MODULE");

	if (p == NULL || access(p, R_OK) != 0)
		cr_skip_test("no Graphviz module (libgraphviz-dev) in this "
			     "build");
}

Test(graph, render_svg_has_the_nodes)
{
	const struct rl_app *app = rl_model_app(m, "fx");
	struct rl_buf dot = RL_BUF_INIT;
	struct rl_err e = {""};

	need_module();
	rl_graph_dot(m, &app, 1, NULL, &dot);
	cr_assert_eq(rl_graph_render(dot.data, dot.len, "svg", &out, &e), 0,
		     "%s", e.msg);
	cr_assert(strstr(rl_buf_str(&out), "<svg "));
	cr_assert(strstr(rl_buf_str(&out), "<title>fx/api</title>"));
	cr_assert(strstr(rl_buf_str(&out), "<title>cluster_1</title>"));
	rl_buf_free(&dot);
}

Test(graph, render_errors_are_one_line)
{
	static const char bad[] = "digraph { a -> ; }";
	struct rl_err e = {""};

	need_module();
	cr_assert_eq(rl_graph_render(bad, strlen(bad), "svg", &out, &e), -1);
	cr_assert_str_eq(e.msg, "graphviz: syntax error in line 1 near ';'");
	cr_assert_eq(out.len, 0);
	cr_assert_eq(rl_graph_render("digraph{}", 9, "gif", &out, &e), -1);
	cr_assert_str_eq(e.msg, "graphviz: unknown format 'gif'");
}

Test(graph, render_without_the_module_says_so)
{
	struct rl_err e = {""};

	cr_assert_eq(setenv("RELANCE_GRAPH_MODULE", "/nonexistent/g.so", 1), 0);
	cr_assert_eq(rl_graph_render("digraph{}", 9, "svg", &out, &e), -1);
	cr_assert(strncmp(e.msg,
			  "pictures unavailable: cannot load "
			  "'/nonexistent/g.so': ",
			  54) == 0,
		  "%s", e.msg);
	cr_assert(strstr(e.msg, "or use --format dot)"), "%s", e.msg);
}
