/*
 * fuzz_xpath - libFuzzer target: any bytes as the output of an XML check,
 * judged by a fixed component of a few expressions of every result type.
 * The verdict must be complete and must not break the plugin output.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rl_xml_check checks[] = {
    {.name = (char *)"busy",
     .expr = (char *)"sum(//threadInfo/@currentThreadsBusy)",
     .warning = (char *)"150",
     .critical = (char *)"@190:200"},
    {.name = (char *)"state",
     .expr = (char *)"string(/status/@state)",
     .expect = (char *)"RUNNING"},
    {.name = (char *)"up", .expr = (char *)"count(//connector) > 0"},
    {.name = (char *)"free",
     .expr = (char *)"/status/jvm/memory/@free",
     .critical = (char *)"~:10",
     .uom = (char *)"B"},
    {.name = (char *)"text", .expr = (char *)"/*/*[1]"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rl_component c;
	struct rl_xpath_verdict v = {0};
	struct rl_err err;

	memset(&c, 0, sizeof(c));
	c.name = (char *)"fuzz/xml";
	c.xml_checks = checks;
	c.n_xml_checks = sizeof(checks) / sizeof(checks[0]);
	if (rl_xpath_judge(&c, (const char *)data, size, &v, &err) < 0)
		return 0; /* out of memory */
	if (v.text == NULL || v.long_text == NULL || v.perfdata == NULL ||
	    (unsigned)v.state > RL_STATE_UNKNOWN)
		abort();
	/* the document's text never starts perfdata or a new line */
	if (strchr(v.text, '|') != NULL || strchr(v.text, '\n') != NULL ||
	    strchr(v.long_text, '|') != NULL)
		abort();
	rl_xpath_verdict_free(&v);
	return 0;
}
