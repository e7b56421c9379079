#include <criterion/criterion.h>

#include <string.h>

#include "base64.h"
#include "rl_test.h"

TestSuite(base64, .fini = rl_test_fini);

Test(base64, encode)
{
	struct rl_buf b = RL_BUF_INIT;

	rl_base64_encode(&b, (const unsigned char *)"foob", 4, 1);
	cr_assert_str_eq(rl_buf_str(&b), "Zm9vYg==");
	rl_buf_reset(&b);
	rl_base64_encode(&b, (const unsigned char *)"fooba", 5, 0);
	cr_assert_str_eq(rl_buf_str(&b), "Zm9vYmE");
	rl_buf_free(&b);
}

Test(base64, decode_in_place)
{
	char s[] = "Zm9v\nYmE=trailing";
	char t[] = "Zm9 vYg";

	cr_assert_eq(rl_base64_decode(s, strlen(s)), 5);
	cr_assert(!memcmp(s, "fooba", 5));
	cr_assert_eq(rl_base64_decode(t, strlen(t)), 4);
	cr_assert(!memcmp(t, "foob", 4));
}

Test(base64, decode_stops_at_a_stranger)
{
	char s[] = "Zm9v!YmE=";

	cr_assert_eq(rl_base64_decode(s, strlen(s)), 3);
	cr_assert(!memcmp(s, "foo", 3));
}
