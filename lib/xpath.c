/*
 * xpath - XML check output judged by XPath expressions.
 *
 * libxml2 keeps its error handlers in per-thread globals; we point them at
 * a collector on our stack for the length of one call and put the old ones
 * back before returning, so nothing reaches stderr and nothing of ours
 * outlives the call.
 *
 * This file is the XML module: it alone is linked with libxml2, built with
 * lib/util.c, lib/plugin.c and lib/err.c as lib/xpath.so (-DRL_XPATH_MODULE,
 * which adds the loader's table at the end), and reached by the programs
 * through lib/xpath_load.c. tests/fuzz builds it directly, without the
 * loader.
 */
#include "build.h"

#include "xpath.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>

#include "util.h"

/* No XML_PARSE_NOENT (substitutes entities), no XML_PARSE_DTDLOAD, no
   XML_PARSE_HUGE (keeps the depth and amplification limits). */
#define PARSE_OPTIONS                                                          \
	(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |           \
	 XML_PARSE_NOCDATA)

#define MAX_SHOWN 64 /* bytes of a value from the document in messages */

/* The first error libxml2 reports during one call. */
struct collector {
	bool set;
	int line, col;
	char msg[200];
};

/* What the caller had installed, restored by handlers_off(). */
struct saved_handlers {
	xmlStructuredErrorFunc serror;
	void *sctx;
	xmlGenericErrorFunc generic;
	void *gctx;
};

/* libxml2 hands XPath errors to a context's handler with a code and no
   message; these are ours, by xmlXPathError. */
static const char *xpath_error_text(int code)
{
	static const char *const text[] = {
	    [XPATH_NUMBER_ERROR] = "bad number",
	    [XPATH_UNFINISHED_LITERAL_ERROR] = "unfinished string literal",
	    [XPATH_START_LITERAL_ERROR] = "expected a string literal",
	    [XPATH_VARIABLE_REF_ERROR] = "bad variable reference",
	    [XPATH_UNDEF_VARIABLE_ERROR] = "undefined variable",
	    [XPATH_INVALID_PREDICATE_ERROR] = "invalid predicate",
	    [XPATH_EXPR_ERROR] = "invalid expression",
	    [XPATH_UNCLOSED_ERROR] = "missing closing bracket or parenthesis",
	    [XPATH_UNKNOWN_FUNC_ERROR] = "unknown function",
	    [XPATH_INVALID_OPERAND] = "invalid operand",
	    [XPATH_INVALID_TYPE] = "wrong argument type",
	    [XPATH_INVALID_ARITY] = "wrong number of arguments",
	    [XPATH_INVALID_CTXT_SIZE] = "invalid context size",
	    [XPATH_INVALID_CTXT_POSITION] = "invalid context position",
	    [XPATH_MEMORY_ERROR] = "out of memory",
	    [XPATH_UNDEF_PREFIX_ERROR] = "undefined namespace prefix",
	    [XPATH_ENCODING_ERROR] = "bad encoding",
	    [XPATH_INVALID_CHAR_ERROR] = "invalid character",
	    [XPATH_INVALID_CTXT] = "invalid context",
	    [XPATH_STACK_ERROR] = "stack error",
	    [XPATH_FORBID_VARIABLE_ERROR] = "variables are not allowed",
	    [XPATH_OP_LIMIT_EXCEEDED] = "operation limit exceeded",
	    [XPATH_RECURSION_LIMIT_EXCEEDED] = "expression nested too deeply",
	};
	int i = code - XML_XPATH_EXPRESSION_OK;

	if (i <= 0 || (size_t)i >= sizeof(text) / sizeof(text[0]) ||
	    text[i] == NULL)
		return "XPath error";
	return text[i];
}

static void collect(void *data, xmlErrorPtr e)
{
	struct collector *c = data;
	size_t n;

	if (c == NULL || e == NULL || c->set || e->level < XML_ERR_ERROR)
		return;
	c->set = true;
	c->line = e->line;
	c->col = e->int2;
	if (e->domain == XML_FROM_XPATH && e->message == NULL) {
		c->col = e->int1 + 1; /* the offset in the expression */
		snprintf(c->msg, sizeof(c->msg), "%s at column %d",
			 xpath_error_text(e->code), c->col);
		return;
	}
	snprintf(c->msg, sizeof(c->msg), "%s",
		 e->message != NULL ? e->message : "unknown error");
	n = strlen(c->msg);
	while (n > 0 && (c->msg[n - 1] == '\n' || c->msg[n - 1] == ' '))
		c->msg[--n] = '\0';
	if (c->msg[0] >= 'A' && c->msg[0] <= 'Z' &&
	    !(c->msg[1] >= 'A' && c->msg[1] <= 'Z'))
		c->msg[0] = (char)(c->msg[0] - 'A' + 'a');
}

static void ignore_generic(void *data, const char *fmt, ...)
{
	(void)data;
	(void)fmt;
}

static void handlers_on(struct saved_handlers *s, struct collector *c)
{
	s->serror = xmlStructuredError;
	s->sctx = xmlStructuredErrorContext;
	s->generic = xmlGenericError;
	s->gctx = xmlGenericErrorContext;
	xmlSetStructuredErrorFunc(c, collect);
	xmlSetGenericErrorFunc(NULL, ignore_generic);
}

static void handlers_off(const struct saved_handlers *s)
{
	xmlSetStructuredErrorFunc(s->sctx, s->serror);
	xmlSetGenericErrorFunc(s->gctx, s->generic);
}

void rl_xpath_init(void)
{
	xmlInitParser();
}

void rl_xpath_verdict_free(struct rl_xpath_verdict *v)
{
	if (v == NULL)
		return;
	free(v->text);
	free(v->long_text);
	free(v->perfdata);
	v->text = v->long_text = v->perfdata = NULL;
}

/* --- text from the document ------------------------------------------- */

/*
 * Appends untrusted text, at most MAX bytes (cut at a character boundary,
 * then "..."): control characters become ' ' and '|' (which starts
 * perfdata, even in long output) becomes '/'.
 */
static void put_clean(struct rl_buf *b, const char *s, size_t max)
{
	rl_buf_oneline(b, s, max, ' ', RL_ONELINE_PIPE | RL_ONELINE_ELLIPSIS);
}

static void put_quoted(struct rl_buf *b, const char *s)
{
	rl_buf_puts(b, "'");
	put_clean(b, s, MAX_SHOWN);
	rl_buf_puts(b, "'");
}

static void put_number(struct rl_buf *b, double v)
{
	if (isnan(v))
		rl_buf_puts(b, "NaN");
	else if (isinf(v))
		rl_buf_puts(b, v > 0 ? "Infinity" : "-Infinity");
	else if (v == floor(v) && fabs(v) < 1e15)
		rl_buf_printf(b, "%.0f", v == 0 ? 0.0 : v);
	else
		rl_buf_printf(b, "%.10g", v);
}

/* --- one expression --------------------------------------------------- */

/* The judgement of one expression: a state and "LABEL = DETAIL". */
struct item {
	enum rl_state state;
	struct rl_buf line;
};

static bool has_ranges(const struct rl_xml_check *x)
{
	return x->warning != NULL || x->critical != NULL;
}

static void judge_number(const struct rl_xml_check *x, const char *label,
			 const struct rl_thresholds *t, double v,
			 struct item *it, struct rl_buf *perf)
{
	put_number(&it->line, v);
	if (x->uom != NULL)
		rl_buf_puts(&it->line, x->uom);
	if (isnan(v)) {
		it->state = RL_STATE_UNKNOWN;
		rl_buf_puts(&it->line, " (not a number)");
		return;
	}
	it->state = rl_thresholds_check(t, v);
	if (it->state == RL_STATE_CRITICAL)
		rl_buf_printf(&it->line, " (critical range '%s')",
			      t->critical.text);
	else if (it->state == RL_STATE_WARNING)
		rl_buf_printf(&it->line, " (warning range '%s')",
			      t->warning.text);
	rl_perf_append(perf, label, v, x->uom, x->warning, x->critical, NULL,
		       NULL);
}

/* A string, or the string value of a node: see the header. */
static void judge_string(const struct rl_xml_check *x, const char *label,
			 const struct rl_thresholds *t, const char *s,
			 bool from_node, struct item *it, struct rl_buf *perf)
{
	double v;

	if (x->expect != NULL) {
		put_quoted(&it->line, s);
		if (strcmp(s, x->expect) == 0) {
			it->state = RL_STATE_OK;
		} else {
			it->state = RL_STATE_CRITICAL;
			rl_buf_puts(&it->line, " (expected ");
			put_quoted(&it->line, x->expect);
			rl_buf_puts(&it->line, ")");
		}
		return;
	}
	v = xmlXPathCastStringToNumber((const xmlChar *)s);
	if (has_ranges(x) && isnan(v)) {
		it->state = RL_STATE_UNKNOWN;
		put_quoted(&it->line, s);
		rl_buf_puts(&it->line, " (not a number)");
		return;
	}
	if (has_ranges(x) || (from_node && !isnan(v))) {
		judge_number(x, label, t, v, it, perf);
		return;
	}
	it->state = RL_STATE_OK;
	put_quoted(&it->line, s);
}

static void judge_one(const struct rl_xml_check *x, xmlXPathContextPtr xctx,
		      struct collector *col, struct item *it,
		      struct rl_buf *perf)
{
	const char *label = x->label != NULL ? x->label : x->name;
	struct rl_thresholds t;
	struct rl_err e;
	xmlXPathObjectPtr res = NULL;
	xmlChar *s = NULL;
	int n;

	put_clean(&it->line, label, MAX_SHOWN);
	rl_buf_puts(&it->line, " = ");
	it->state = RL_STATE_UNKNOWN;
	if (rl_thresholds_parse(x->warning, x->critical, &t, &e) < 0) {
		rl_buf_printf(&it->line, "? (%s)", e.msg);
		return;
	}
	memset(col, 0, sizeof(*col));
	res = xmlXPathEval((const xmlChar *)x->expr, xctx);
	if (res == NULL) {
		rl_buf_puts(&it->line, "? (XPath error: ");
		put_clean(&it->line, col->set ? col->msg : "evaluation failed",
			  sizeof(col->msg));
		rl_buf_puts(&it->line, ")");
		return;
	}
	switch (res->type) {
	case XPATH_NODESET:
		n = res->nodesetval != NULL ? res->nodesetval->nodeNr : 0;
		if (n == 0) {
			rl_buf_puts(&it->line, "? (");
			put_quoted(&it->line, x->expr);
			rl_buf_puts(&it->line, " matches nothing)");
			break;
		}
		s = xmlXPathCastNodeSetToString(res->nodesetval);
		if (s == NULL) {
			it->line.oom = true;
			break;
		}
		judge_string(x, label, &t, (const char *)s, true, it, perf);
		if (n > 1)
			rl_buf_printf(&it->line, " (first of %d nodes)", n);
		break;
	case XPATH_BOOLEAN:
		rl_buf_puts(&it->line, res->boolval ? "true" : "false");
		if (has_ranges(x) || x->expect != NULL)
			rl_buf_puts(&it->line, " (warning, critical and "
					       "expect do not apply to a "
					       "boolean)");
		else
			it->state =
			    res->boolval ? RL_STATE_OK : RL_STATE_CRITICAL;
		break;
	case XPATH_NUMBER:
		if (x->expect != NULL) {
			put_number(&it->line, res->floatval);
			rl_buf_puts(&it->line,
				    " (expect does not apply to a number)");
			break;
		}
		judge_number(x, label, &t, res->floatval, it, perf);
		break;
	case XPATH_STRING:
		judge_string(
		    x, label, &t,
		    res->stringval != NULL ? (const char *)res->stringval : "",
		    false, it, perf);
		break;
	default:
		rl_buf_puts(&it->line, "? (unsupported result type)");
		break;
	}
	xmlFree(s);
	xmlXPathFreeObject(res);
}

/* --- the document ----------------------------------------------------- */

/* Entities declared, or an external DTD named: <!DOCTYPE r SYSTEM "...">
 * or PUBLIC "..." "..." (never loaded, as XML_PARSE_DTDLOAD is off, so
 * extSubset stays NULL: the name in the internal subset tells). */
static bool declares_entities(xmlDocPtr doc)
{
	xmlDtdPtr dtd = doc->intSubset;

	if (doc->extSubset != NULL)
		return true;
	return dtd != NULL &&
	       (dtd->entities != NULL || dtd->pentities != NULL ||
		dtd->SystemID != NULL || dtd->ExternalID != NULL);
}

/* Parses DOC; NULL with *why set (malloc'd) when it is refused. */
static xmlDocPtr parse(const char *doc, size_t len, struct collector *col,
		       char **why)
{
	struct rl_buf b = RL_BUF_INIT;
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr d = NULL;
	size_t i;

	for (i = 0; i < len; i++)
		if (doc[i] != ' ' && doc[i] != '\t' && doc[i] != '\n' &&
		    doc[i] != '\r')
			break;
	if (i == len) {
		rl_buf_puts(&b, "empty document (the check printed no XML)");
		goto out;
	}
	if (len > RL_XPATH_MAX_DOC) {
		rl_buf_printf(&b, "document too large (%zu bytes, max %d)", len,
			      RL_XPATH_MAX_DOC);
		goto out;
	}
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL) {
		b.oom = true;
		goto out;
	}
	d = xmlCtxtReadMemory(ctxt, doc, (int)len, NULL, NULL, PARSE_OPTIONS);
	if (d == NULL || !ctxt->wellFormed) {
		if (col->set)
			rl_buf_printf(&b,
				      "malformed XML at line %d, column %d: ",
				      col->line, col->col);
		else
			rl_buf_puts(&b, "malformed XML: ");
		put_clean(&b, col->set ? col->msg : "cannot parse",
			  sizeof(col->msg));
		xmlFreeDoc(d);
		d = NULL;
		goto out;
	}
	if (declares_entities(d)) {
		rl_buf_puts(&b, "document refused: it declares entities or an "
				"external DTD, which relance never expands");
		xmlFreeDoc(d);
		d = NULL;
	}
out:
	xmlFreeParserCtxt(ctxt);
	if (d == NULL)
		*why = b.oom ? NULL : rl_buf_detach(&b);
	rl_buf_free(&b);
	return d;
}

static int rank(enum rl_state s)
{
	switch (s) {
	case RL_STATE_CRITICAL:
		return 0;
	case RL_STATE_WARNING:
		return 1;
	case RL_STATE_UNKNOWN:
		return 2;
	default:
		return 3;
	}
}

/* The status text: the problems worst first, or every value when OK. */
static void summarise(const struct item *items, size_t n, enum rl_state worst,
		      struct rl_buf *text)
{
	size_t i, ok = 0;
	int r;
	const char *sep = "";

	if (worst == RL_STATE_OK) {
		rl_buf_printf(text, "%zu XPath check%s OK: ", n,
			      n == 1 ? "" : "s");
		for (i = 0; i < n; i++) {
			rl_buf_printf(text, "%s%s", sep,
				      rl_buf_str(&items[i].line));
			sep = ", ";
		}
		return;
	}
	for (r = 0; r < 3; r++)
		for (i = 0; i < n; i++) {
			if (rank(items[i].state) != r)
				continue;
			rl_buf_printf(text, "%s%s: %s", sep,
				      rl_state_name(items[i].state),
				      rl_buf_str(&items[i].line));
			sep = "; ";
		}
	for (i = 0; i < n; i++)
		ok += items[i].state == RL_STATE_OK;
	if (ok > 0)
		rl_buf_printf(text, "; %zu OK", ok);
}

int rl_xpath_validate(const char *expr, struct rl_err *err)
{
	struct saved_handlers saved;
	struct collector col = {0};
	xmlDocPtr doc = NULL;
	xmlNodePtr root;
	xmlXPathContextPtr xctx = NULL;
	xmlXPathCompExprPtr comp = NULL;
	xmlXPathObjectPtr res = NULL;
	int r = -1;

	handlers_on(&saved, &col);
	doc = xmlNewDoc((const xmlChar *)"1.0");
	root = doc != NULL
		   ? xmlNewDocNode(doc, NULL, (const xmlChar *)"status", NULL)
		   : NULL;
	if (root == NULL) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	xmlDocSetRootElement(doc, root);
	xctx = xmlXPathNewContext(doc);
	if (xctx == NULL) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	xctx->error = collect;
	xctx->userData = &col;
	comp = xmlXPathCtxtCompile(xctx, (const xmlChar *)expr);
	if (comp != NULL)
		res = xmlXPathCompiledEval(comp, xctx);
	if (comp == NULL || res == NULL) {
		/* for XPath errors int1 is the offset in the expression */
		rl_err_set(err, "invalid XPath expression '%.100s': %s", expr,
			   col.set ? col.msg : "cannot compile");
		goto out;
	}
	r = 0;
out:
	xmlXPathFreeObject(res);
	xmlXPathFreeCompExpr(comp);
	xmlXPathFreeContext(xctx);
	xmlFreeDoc(doc);
	handlers_off(&saved);
	return r;
}

int rl_xpath_judge(const struct rl_component *c, const char *doc, size_t len,
		   struct rl_xpath_verdict *out, struct rl_err *err)
{
	struct saved_handlers saved;
	struct collector col = {0};
	struct rl_buf text = RL_BUF_INIT, lines = RL_BUF_INIT,
		      perf = RL_BUF_INIT;
	struct rl_xpath_verdict v = {RL_STATE_UNKNOWN, NULL, NULL, NULL};
	struct item *items = NULL;
	xmlDocPtr d = NULL;
	xmlXPathContextPtr xctx = NULL;
	enum rl_state worst = RL_STATE_OK;
	char *why = NULL;
	size_t i;
	bool oom = false;
	int r = -1;

	if (c->n_xml_checks == 0)
		return rl_err_set(err,
				  "component '%s': check_mode xml without "
				  "any xpath expression",
				  c->name);
	handlers_on(&saved, &col);
	d = parse(doc, len, &col, &why);
	if (d == NULL) {
		if (why == NULL) {
			oom = true;
			goto out;
		}
		worst = RL_STATE_UNKNOWN;
		rl_buf_puts(&text, why);
		goto done;
	}
	items = calloc(c->n_xml_checks, sizeof(*items));
	xctx = xmlXPathNewContext(d);
	if (items == NULL || xctx == NULL) {
		oom = true;
		goto out;
	}
	xctx->error = collect;
	xctx->userData = &col;
	for (i = 0; i < c->n_xml_checks; i++) {
		judge_one(&c->xml_checks[i], xctx, &col, &items[i], &perf);
		worst = rl_state_worst(worst, items[i].state);
		rl_buf_printf(&lines, "%s: %s\n", rl_state_name(items[i].state),
			      rl_buf_str(&items[i].line));
		oom |= items[i].line.oom;
	}
	summarise(items, c->n_xml_checks, worst, &text);
done:
	if (oom || text.oom || lines.oom || perf.oom)
		goto out;
	v.state = worst;
	v.text = rl_buf_detach(&text);
	v.long_text = rl_buf_detach(&lines);
	v.perfdata = rl_buf_detach(&perf);
	if (v.text == NULL || v.long_text == NULL || v.perfdata == NULL) {
		rl_xpath_verdict_free(&v);
		goto out;
	}
	*out = v;
	r = 0;
out:
	if (r < 0)
		rl_err_set(err, "out of memory");
	for (i = 0; items != NULL && i < c->n_xml_checks; i++)
		rl_buf_free(&items[i].line);
	free(items);
	free(why);
	xmlXPathFreeContext(xctx);
	xmlFreeDoc(d);
	handlers_off(&saved);
	rl_buf_free(&text);
	rl_buf_free(&lines);
	rl_buf_free(&perf);
	return r;
}

#ifdef RL_XPATH_MODULE
/* Built as the XML module: the loader's table, the only symbol exported
   (everything else is compiled with -fvisibility=hidden). */
#include "xpath_impl.h"

__attribute__((visibility("default")))
const struct rl_xpath_module rl_xpath_module = {
    .version = PACKAGE_VERSION,
    .sizes = RL_XPATH_MODULE_SIZES,
    .init = rl_xpath_init,
    .validate = rl_xpath_validate,
    .judge = rl_xpath_judge,
};
#endif
