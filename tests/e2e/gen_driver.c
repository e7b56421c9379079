/*
 * gen_driver - drives rl_generate() where relancectl generate cannot: a
 * synthetic model of any size, its timing, the count of requires edges,
 * an embedded config path other than the file read.
 *
 *   gen_driver [options] nagios|icinga2 CONFIG
 *   gen_driver [options] --synthetic COMPONENTS HOSTS ZONES nagios|icinga2
 * Options: --split, --with-commands, --define-hosts, -o DIR (write), --check
 * DIR (compare, exit 1 on a difference), --plugin-dir D, --handler H,
 * --app-host H,
 * --config-path P (embedded; default CONFIG), --time (elapsed ms of
 * rl_generate on stderr), --count-deps (print the number of requires edges
 * of the model on stdout instead of the output).
 * Without -o or --check, every file goes to stdout.
 */
#include "build.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "generate.h"
#include "model.h"
#include "util.h"

/* COMPONENTS in applications of 10, on HOSTS hosts over ZONES zones; each
 * component requires up to two earlier ones of its application. */
static struct rl_model *synthetic(long nc, long nh, long nz, struct rl_err *err)
{
	struct rl_model *m = rl_model_new();
	const char *file;
	char name[64], req[64];
	long i;

	if (m == NULL || (file = rl_model_intern_file(m, "synthetic")) == NULL)
		goto fail;
	for (i = 0; i < nh; i++) {
		struct rl_host *h;

		snprintf(name, sizeof(name), "host-%04ld", i);
		h = rl_model_add_host(m, name, (struct rl_where){file, (int)i},
				      err);
		if (h == NULL)
			goto fail;
		if (nz > 0) {
			snprintf(name, sizeof(name), "zone-%ld", i % nz);
			h->zone = strdup(name);
		}
	}
	for (i = 0; i < nc; i++) {
		struct rl_component *c;
		long k = i % 10;

		snprintf(name, sizeof(name), "app%04ld/c%ld", i / 10, k);
		c = rl_model_add_component(
		    m, name, (struct rl_where){file, (int)i}, err);
		if (c == NULL)
			goto fail;
		snprintf(name, sizeof(name), "host-%04ld", i % nh);
		c->host_name = strdup(name);
		c->check = strdup("true");
		c->start = strdup("true");
		c->stop = strdup("true");
		if (k >= 1) {
			snprintf(req, sizeof(req), "c%ld", k - 1);
			if (rl_model_add_require(
				m, c, req, (struct rl_where){file, (int)i},
				err) < 0)
				goto fail;
		}
		if (k >= 3) {
			snprintf(req, sizeof(req), "c%ld", k - 3);
			if (rl_model_add_require(
				m, c, req, (struct rl_where){file, (int)i},
				err) < 0)
				goto fail;
		}
	}
	if (rl_model_resolve(m, err) < 0)
		goto fail;
	return m;
fail:
	if (err->msg[0] == '\0')
		rl_err_set(err, "out of memory");
	rl_model_free(m);
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"split", no_argument, NULL, 's'},
	    {"with-commands", no_argument, NULL, 'w'},
	    {"define-hosts", no_argument, NULL, 'D'},
	    {"check", required_argument, NULL, 'k'},
	    {"plugin-dir", required_argument, NULL, 'p'},
	    {"handler", required_argument, NULL, 'H'},
	    {"app-host", required_argument, NULL, 'a'},
	    {"config-path", required_argument, NULL, 'c'},
	    {"synthetic", no_argument, NULL, 'S'},
	    {"time", no_argument, NULL, 'T'},
	    {"count-deps", no_argument, NULL, 'E'},
	    {NULL, 0, NULL, 0}};
	struct rl_generate_opts o = {0};
	struct rl_generate_out out = {NULL, 0};
	struct rl_model *m = NULL;
	struct rl_err err = {""};
	enum rl_generate_target t;
	const char *dir = NULL, *check = NULL;
	int ch, rc = 2, synth = 0, timeit = 0, count = 0;
	int64_t t0;
	size_t i, n_differ = 0;

	while ((ch = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			o.split = true;
			break;
		case 'w':
			o.commands = true;
			break;
		case 'D':
			o.hosts = RL_GENERATE_HOSTS_DEFINE;
			break;
		case 'o':
			dir = optarg;
			break;
		case 'k':
			check = optarg;
			break;
		case 'p':
			o.plugin_dir = optarg;
			break;
		case 'H':
			o.handler = optarg;
			break;
		case 'a':
			o.app_host = optarg;
			break;
		case 'c':
			o.config_path = optarg;
			break;
		case 'S':
			synth = 1;
			break;
		case 'T':
			timeit = 1;
			break;
		case 'E':
			count = 1;
			break;
		default:
			return 2;
		}
	}
	if (synth) {
		long v[3];

		if (argc - optind != 4)
			goto usage;
		for (i = 0; i < 3; i++)
			if (rl_parse_long(argv[optind + i], i < 2, 1000000,
					  &v[i], &err) < 0)
				goto fail;
		m = synthetic(v[0], v[1], v[2], &err);
		if (m == NULL)
			goto fail;
		optind += 3;
		if (o.config_path == NULL)
			o.config_path = "/etc/relance/relance.ini";
	} else {
		if (argc - optind != 2)
			goto usage;
		if (rl_config_load(argv[optind + 1], RL_CONFIG_NO_PERMS, &m,
				   &err) < 0)
			goto fail;
		if (o.config_path == NULL)
			o.config_path = argv[optind + 1];
	}
	if (rl_generate_target_parse(argv[optind], &t, &err) < 0)
		goto fail;
	o.generator = "gen_driver";
	if (count) {
		size_t e = 0;

		for (i = 0; i < m->n_components; i++)
			e += m->components[i]->n_requires;
		printf("%zu\n", e);
		rc = 0;
		goto out;
	}
	t0 = rl_now_us();
	if (rl_generate(m, t, &o, &out, &err) < 0)
		goto fail;
	if (timeit)
		fprintf(stderr,
			"generate: %zu components, %zu hosts: %.1f ms\n",
			m->n_components, m->n_hosts,
			(double)(rl_now_us() - t0) / 1000.0);
	if (check != NULL) {
		if (rl_generate_check(&out, check, &n_differ, &err) < 0)
			goto fail;
		for (i = 0; i < out.n_files; i++)
			if (out.files[i].status != RL_GENERATE_SAME)
				printf("%s: %s\n", out.files[i].name,
				       out.files[i].status ==
					       RL_GENERATE_MISSING
					   ? "missing"
					   : "differs");
		rc = n_differ ? 1 : 0;
	} else if (dir != NULL) {
		if (rl_generate_write(&out, dir, &err) < 0)
			goto fail;
		rc = 0;
	} else {
		for (i = 0; i < out.n_files; i++)
			fwrite(out.files[i].content, 1, out.files[i].len,
			       stdout);
		rc = 0;
	}
	goto out;
usage:
	fprintf(stderr,
		"usage: gen_driver [options] nagios|icinga2 CONFIG\n"
		"       gen_driver [options] --synthetic N_COMP N_HOSTS "
		"N_ZONES nagios|icinga2\n");
	rc = 2;
	goto out;
fail:
	fprintf(stderr, "gen_driver: %s\n", err.msg);
	rc = 2;
out:
	rl_generate_out_free(&out);
	rl_model_free(m);
	return rc;
}
