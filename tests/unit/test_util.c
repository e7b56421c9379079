#include <criterion/criterion.h>

#include "util.h"

Test(util, placeholder)
{
	cr_assert(1);
}
