/*
 * fuzz_range - libFuzzer target: any text as a threshold range. A range
 * that parses must be ordered, print back as it was written, and alert
 * consistently at its edges.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rl_range r;
	struct rl_err err;
	char text[128];
	bool inside;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (rl_range_parse(text, &r, &err) < 0) {
		if (err.msg[0] == '\0')
			abort(); /* a refusal always says why */
		return 0;
	}
	if (strcmp(r.text, text) != 0)
		abort();
	if (!r.start_infinite && !r.end_infinite && r.start > r.end)
		abort();
	if (isnan(r.start) || isnan(r.end))
		abort();
	/* edges are inside the range */
	inside = !r.alert_inside;
	if (!r.start_infinite && rl_range_alert(&r, r.start) == inside)
		abort();
	if (!r.end_infinite && rl_range_alert(&r, r.end) == inside)
		abort();
	if (!rl_range_alert(&r, NAN))
		abort();
	return 0;
}
