#include <criterion/criterion.h>

#include "config.h"

Test(config, placeholder)
{
	cr_assert(1);
}
