#include <criterion/criterion.h>

#include "run.h"

Test(run, placeholder)
{
	cr_assert(1);
}
